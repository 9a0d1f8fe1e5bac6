//! Exports: an inventory view or the expiry list as a CSV or JSON file, streamed. Rows come from
//! SQL in batches of [`BATCH_ROWS`] ([`crate::store::batches`]) and each batch is encoded and
//! sent before the next is read, so an export of any size holds one batch in memory.
//!
//! CSV cells a spreadsheet would run as a formula are neutralised ([`neutralise`], the one
//! place for it: the audit trail's CSV uses it too); JSON carries the values exactly, since
//! nothing evaluates a JSON string.
//!
//! Each export has its module ([`inventory`], [`expiry`]) with a `stream` entry point that
//! takes the view's query and [`ExportOptions`], so a caller with its own scope (a share link)
//! can fix the query and leave columns out; [`compliance`] lists what breaks the tag rules.
//! [`routes`] serves them to signed-in users.

pub(crate) mod audit;
pub mod compliance;
pub mod expiry;
pub mod inventory;
pub mod item;
mod record;
mod routes;

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::store::batches::{self, Cursor, View};

pub use app::model::ExportFormat;
pub use record::Record;
pub use routes::routes;

/// Rows read from SQL, encoded and sent at a time.
pub const BATCH_ROWS: usize = 500;

/// The Content-Type of an export in `format`.
fn content_type(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Json => "application/json",
    }
}

/// What an export leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The tags column (CSV) and `tags` object (JSON).
    pub include_tags: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self { include_tags: true }
    }
}

/// Characters that make a spreadsheet read a cell as a formula when they open it: `=`, `+`,
/// `-` and `@` (Excel, LibreOffice Calc, Google Sheets, Numbers), with their full-width forms
/// (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small forms (U+FE66, U+FE62, U+FE63, U+FE6B), which
/// spreadsheets in East Asian locales fold to the ASCII ones as they read a cell.
const FORMULA_STARTS: [char; 12] = [
    '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}', '\u{FE66}', '\u{FE62}',
    '\u{FE63}', '\u{FE6B}',
];

/// A CSV cell as it is safe to open in a spreadsheet: one a spreadsheet would evaluate gets a
/// leading `'`, which spreadsheets read as "text follows" (and show, so a reader can tell).
/// Every CSV trustdesk writes (the inventory, expiry, compliance and item exports, the share
/// view's download, the audit trail's) goes through this one function.
///
/// Neutralised: a cell starting with a tab or CR (OWASP's list: both are stripped on import
/// by some spreadsheets, exposing what follows), and a cell whose first visible character is a
/// formula start ([`FORMULA_STARTS`]) after any whitespace, line breaks or invisible characters
/// ([`is_invisible`]: zero-width spaces, direction marks, embeddings, overrides and isolates,
/// soft hyphens, BOM, …): spreadsheets trim leading blanks before deciding, and a reader cannot
/// see the invisible ones, so ` =1+1`, `\n@SUM(A1)` and `\u{202E}=1+1` run as formulas too.
/// Invisible characters before a tab or CR count for nothing either.
///
/// Left alone: a cell that is only a number (`-3`, `+1.5`): it is read as that number, which
/// can carry nothing to run; quoting it would turn the days left of an expired item into text.
/// Characters after the first visible one are not looked at: a formula must lead its cell.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_plain_number(cell) {
        return Cow::Borrowed(cell);
    }
    let shown = cell.trim_start_matches(is_invisible);
    let first_visible = shown.chars().find(|c| !is_blank(*c));
    let runs = shown.starts_with(['\t', '\r'])
        || first_visible.is_some_and(|c| FORMULA_STARTS.contains(&c));
    if runs {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whitespace, control characters, and the invisible characters a value can hide a leading
/// formula behind.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_invisible(c)
}

/// Characters shown as nothing at all: Unicode's Default_Ignorable_Code_Point (Unicode 15.1,
/// DerivedCoreProperties.txt), which holds every format character (soft hyphen U+00AD, the
/// zero-width ones, the bidi marks, embeddings and overrides U+202A..U+202E, the isolates
/// U+2066..U+2069, BOM, tag characters) and the fillers and variation selectors that render as
/// nothing. Listed here rather than taken from a crate: the list is short and settled.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `[+-]digits[.digits]`.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// `trustdesk-<name>-<YYYY-MM-DD>.<csv|json>`; `name` (e.g. an inventory's path segment) is
/// kept to lower-case letters, digits and dashes, so the header needs no escaping.
pub fn file_name(name: &str, date: chrono::NaiveDate, format: ExportFormat) -> String {
    let name: String = name
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!(
        "trustdesk-{}-{}.{}",
        name.trim_matches('-'),
        date.format("%Y-%m-%d"),
        format.extension()
    )
}

/// One row of an export: a JSON object, or CSV cells (before neutralisation) in the order of
/// the export's header.
pub(crate) trait ExportRow: serde::Serialize + Send + 'static {
    fn csv_cells(&self) -> Vec<String>;
}

impl ExportRow for Record {
    fn csv_cells(&self) -> Vec<String> {
        Record::csv_cells(self)
    }
}

/// Turns batches of records into the bytes of one format.
struct Encoder {
    format: ExportFormat,
    header: Vec<&'static str>,
    records_written: bool,
}

impl Encoder {
    fn begin(&self) -> Result<Vec<u8>, csv::Error> {
        match self.format {
            ExportFormat::Csv => csv_rows([self.header.iter().map(|h| h.to_string()).collect()]),
            ExportFormat::Json => Ok(b"[".to_vec()),
        }
    }

    fn records<R: ExportRow>(&mut self, records: &[R]) -> Result<Vec<u8>, csv::Error> {
        match self.format {
            ExportFormat::Csv => csv_rows(records.iter().map(|r| {
                r.csv_cells()
                    .into_iter()
                    .map(|cell| neutralise(&cell).into_owned())
                    .collect()
            })),
            ExportFormat::Json => {
                let mut out = Vec::new();
                for record in records {
                    out.extend_from_slice(if self.records_written { b",\n" } else { b"\n" });
                    serde_json::to_writer(&mut out, record)
                        .map_err(|error| csv::Error::from(std::io::Error::other(error)))?;
                    self.records_written = true;
                }
                Ok(out)
            }
        }
    }

    fn end(&self) -> &'static [u8] {
        match self.format {
            ExportFormat::Csv => b"",
            ExportFormat::Json if self.records_written => b"\n]\n",
            ExportFormat::Json => b"]\n",
        }
    }
}

/// Rows as RFC 4180 CSV: CRLF line ends, fields quoted where they need it.
fn csv_rows(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))
}

/// Where an export's rows come from: called with the cursor after the last row read (none for
/// the first batch), it answers up to `BATCH_ROWS` records, each with its cursor; fewer only
/// when no rows are left.
pub(crate) trait Batches<R, C>: FnMut(Option<C>) -> Self::Batch + Send + 'static {
    type Batch: Future<Output = Result<Vec<(R, C)>, sqlx::Error>> + Send + 'static;
}

impl<R, C, F, B> Batches<R, C> for F
where
    F: FnMut(Option<C>) -> B + Send + 'static,
    B: Future<Output = Result<Vec<(R, C)>, sqlx::Error>> + Send + 'static,
{
    type Batch = B;
}

/// The batches of a view of the cache, `limit` items each, as records as of `now`.
pub(crate) fn view_batches(
    db: &crate::store::Db,
    view: View,
    now: chrono::DateTime<chrono::Utc>,
    options: ExportOptions,
    limit: usize,
) -> impl Batches<Record, Cursor> {
    let pool = db.pool().clone();
    let view = Arc::new(view);
    let at = crate::time::timestamp(now);
    move |after: Option<Cursor>| {
        let (pool, view, at) = (pool.clone(), view.clone(), at.clone());
        async move {
            let rows = batches::batch(&pool, &view, &at, after.as_ref(), limit).await?;
            Ok(rows
                .into_iter()
                .map(|(listed, cursor)| (Record::of(listed, now, options), cursor))
                .collect())
        }
    }
}

/// The export as an HTTP response: the first batch is read before answering, so a database
/// that cannot answer gets a 503 with a sentence; the rest stream after it, one chunk per
/// batch. A failure midway ends the stream with an error, which aborts the response instead
/// of ending the file as if it were complete.
pub(crate) async fn respond<R: ExportRow, C: Send + 'static>(
    format: ExportFormat,
    file_name: String,
    header: Vec<&'static str>,
    batch_rows: usize,
    mut batches: impl Batches<R, C>,
) -> Response {
    let first = match batches(None).await {
        Ok(first) => first,
        Err(error) => return unavailable(&error),
    };
    let body = Body::from_stream(stream(
        Encoder {
            format,
            header,
            records_written: false,
        },
        batch_rows,
        first,
        batches,
    ));
    let content_type = content_type(format);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            // Inventories are an organisation's own data: kept by no cache on the way.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

fn unavailable(error: &sqlx::Error) -> Response {
    tracing::error!(%error, "export: database");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "trustdesk could not read its database for this export. Try again; if it persists, an operator should check the server log.",
    )
        .into_response()
}

struct StreamState<R, C, F> {
    encoder: Encoder,
    batch_rows: usize,
    /// The first batch, read before the response started.
    first: Option<Vec<(R, C)>>,
    batches: F,
    after: Option<C>,
    done: bool,
}

/// One chunk per batch: the first with the CSV header or `[`, the last with the `]`. A batch
/// shorter than `batch_rows` is the last; a full one is followed by another read.
fn stream<R: ExportRow, C: Send + 'static>(
    encoder: Encoder,
    batch_rows: usize,
    first: Vec<(R, C)>,
    batches: impl Batches<R, C>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let state = StreamState {
        encoder,
        batch_rows,
        first: Some(first),
        batches,
        after: None,
        done: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let starting = state.first.is_some();
        let rows = match state.first.take() {
            Some(first) => first,
            None => match (state.batches)(state.after.take()).await {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::error!(%error, "export: database, midway; the response is cut short");
                    state.done = true;
                    return Some((Err(std::io::Error::other(error)), state));
                }
            },
        };
        let last = rows.len() < state.batch_rows;
        let mut records = Vec::with_capacity(rows.len());
        for (record, cursor) in rows {
            records.push(record);
            state.after = Some(cursor);
        }
        let chunk = (|| -> Result<Vec<u8>, csv::Error> {
            let mut chunk = if starting {
                state.encoder.begin()?
            } else {
                Vec::new()
            };
            chunk.extend(state.encoder.records(&records)?);
            if last {
                chunk.extend_from_slice(state.encoder.end());
            }
            Ok(chunk)
        })();
        state.done = last;
        match chunk {
            Ok(chunk) => Some((Ok(Bytes::from(chunk)), state)),
            Err(error) => {
                tracing::error!(%error, "export: encoding; the response is cut short");
                state.done = true;
                Some((Err(std::io::Error::other(error)), state))
            }
        }
    })
}

#[cfg(test)]
mod tests;
