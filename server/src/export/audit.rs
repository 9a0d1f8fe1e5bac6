//! `GET /audit/export.csv` and `/audit/export.json`: the audit trail, or the part of it the
//! list's filters select, as a download for signed-in users. Rows stream from one SQL cursor
//! into the response in batches, so an export of any size holds a batch in memory.

use crate::export::neutralise;
use crate::{
    console::{Caller, Console},
    store::audit::ExportRow,
};
use app::model::{AppError, AuditQuery, ErrorKind, ExportFormat};
use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Json,
};
use futures_util::{Stream, StreamExt};
use std::{pin::Pin, sync::Arc};

/// Rows written per chunk of the response.
const BATCH_ROWS: usize = 200;

const COLUMNS: [&str; 19] = [
    "id",
    "at",
    "actor",
    "client_ip",
    "action",
    "target_kind",
    "target_id",
    "account",
    "region",
    "outcome",
    "message",
    "request_id",
    "http_request_id",
    "params",
    "state_before",
    "state_after",
    "scheme",
    "prev_hash",
    "hash",
];

/// `/audit/export.csv` or `/audit/export.json`, as `format` says: a download for whoever
/// may read the trail (a browser not signed in is sent to sign in first).
pub(super) async fn export(
    console: Arc<Console>,
    session: tower_sessions::Session,
    query: AuditQuery,
    request: Request,
    format: ExportFormat,
) -> Response {
    let client_ip = crate::client_addr::ClientAddr::of(request.extensions());
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let caller = console.for_request(Caller {
        session,
        client_ip,
        plain_form: false,
        stays_on_page: false,
        // A download renders no form, so it needs no token.
        csrf_token: String::new(),
        request_id: crate::web::request_id::of(request.extensions()),
    });
    let rows = match caller.audit_export(query).await {
        Ok(rows) => rows,
        Err(error) if error.kind == ErrorKind::Unauthenticated && wants_html => {
            let back = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/audit");
            let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        Err(error) => return refusal(error),
    };
    let file_name = format!(
        "trustdesk-audit-{}.{}",
        chrono::Utc::now().format("%Y-%m-%d"),
        format.extension()
    );
    let body = match format {
        ExportFormat::Csv => Body::from_stream(csv_chunks(rows)),
        ExportFormat::Json => Body::from_stream(json_chunks(rows)),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::content_type(format)),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // The trail is sensitive: no cache keeps a copy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refusal(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

type Rows = Pin<Box<dyn Stream<Item = Result<ExportRow, sqlx::Error>> + Send>>;

/// The response ends abruptly (no final chunk) when the cursor fails, so a client sees a
/// failed download rather than a file that looks whole.
fn broken_download(error: sqlx::Error) -> std::io::Error {
    tracing::error!(%error, "audit export: the database failed during the download");
    std::io::Error::other("the audit trail could not be read to the end")
}

/// Reads up to [`BATCH_ROWS`] rows and hands each to `write`; `None` once the rows ran out.
async fn next_batch(
    rows: &mut Rows,
    mut write: impl FnMut(&ExportRow),
) -> Result<bool, std::io::Error> {
    for _ in 0..BATCH_ROWS {
        match rows.next().await {
            Some(Ok(row)) => write(&row),
            Some(Err(error)) => return Err(broken_download(error)),
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn json_text(value: &Option<serde_json::Value>) -> String {
    value.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

fn csv_record(row: &ExportRow) -> [String; 19] {
    [
        row.id.to_string(),
        row.at.clone(),
        row.actor.clone(),
        row.client_ip.clone(),
        row.action.clone(),
        row.target_kind.clone(),
        row.target_id.clone(),
        row.account.clone(),
        row.region.clone(),
        row.outcome.clone(),
        row.message.clone(),
        row.request_id.clone(),
        row.http_request_id.clone().unwrap_or_default(),
        row.params.to_string(),
        json_text(&row.state_before),
        json_text(&row.state_after),
        row.scheme.clone(),
        row.prev_hash.clone(),
        row.hash.clone(),
    ]
}

/// Writes one batch's records, the header first in the first batch.
fn csv_batch(header: bool, records: &[[String; 19]]) -> Result<Bytes, std::io::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        writer.write_record(COLUMNS)?;
    }
    for record in records {
        writer.write_record(record.iter().map(|cell| neutralise(cell).into_owned()))?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn csv_chunks(
    rows: impl Stream<Item = Result<ExportRow, sqlx::Error>> + Send + 'static,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let rows: Rows = Box::pin(rows);
    // (rows, whether the header is still to come); None once the last batch went out.
    futures_util::stream::unfold(Some((rows, true)), |state| async move {
        let (mut rows, header) = state?;
        let mut records = Vec::with_capacity(BATCH_ROWS);
        let more = next_batch(&mut rows, |row| records.push(csv_record(row))).await;
        match more.and_then(|more| csv_batch(header, &records).map(|bytes| (more, bytes))) {
            Err(error) => Some((Err(error), None)),
            Ok((true, bytes)) => Some((Ok(bytes), Some((rows, false)))),
            Ok((false, bytes)) => Some((Ok(bytes), None)),
        }
    })
}

/// A JSON array, one object per row; `params` and the states are JSON values, not strings.
fn json_chunks(
    rows: impl Stream<Item = Result<ExportRow, sqlx::Error>> + Send + 'static,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let rows: Rows = Box::pin(rows);
    // (rows, rows written so far); None once the closing bracket went out.
    futures_util::stream::unfold(Some((rows, 0usize)), |state| async move {
        let (mut rows, mut written) = state?;
        let mut out = Vec::new();
        if written == 0 {
            out.extend_from_slice(b"[");
        }
        let more = next_batch(&mut rows, |row| {
            out.extend_from_slice(if written == 0 { b"\n" } else { b",\n" });
            // Plain strings and JSON values always serialise.
            let _ = serde_json::to_writer(&mut out, row);
            written += 1;
        })
        .await;
        match more {
            Err(error) => Some((Err(error), None)),
            Ok(true) => Some((Ok(Bytes::from(out)), Some((rows, written)))),
            Ok(false) => {
                out.extend_from_slice(b"\n]\n");
                Some((Ok(Bytes::from(out)), None))
            }
        }
    })
}
