use std::sync::{Arc, Mutex};

use app::model::{AwsItem, InventoryQuery, ResourceKind, ResourceRef, Tag};
use futures_util::StreamExt;

use super::*;
use crate::store::Db;

#[test]
fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
    for runs in [
        "=HYPERLINK(\"x\")",
        "+1+1",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1)",
        "\tx",
        "\rx",
        " =1+1",
        "\n@SUM(A1)",
        "\u{00A0}=1",
        "\u{3000}+1",
        "\u{200B}=1",
        "\u{FEFF}@x",
        "\u{FF1D}1+1",
        "\u{FF0B}1",
        "\u{FF0D}1",
        "\u{FF20}SUM(1)",
        "\u{FE66}1",
        "-",
        "=",
    ] {
        assert_eq!(neutralise(runs), format!("'{runs}"), "{runs:?}");
    }
    for safe in [
        "",
        "plain",
        "a=b",
        "Owner=x@y; Team=-1",
        "'=already quoted",
        "2026-12-01T00:00:00.000Z",
        "-3",
        "+1.5",
        "42",
        "  ",
        "ipam-ext-res-ver-token-0123",
    ] {
        assert_eq!(neutralise(safe), safe, "{safe:?}");
    }
    // Not numbers, so they are quoted.
    for not_a_number in ["-1.", "-.5", "-1e3", "-1,5"] {
        assert!(
            neutralise(not_a_number).starts_with('\''),
            "{not_a_number:?}"
        );
    }
}

/// The review's finding: bidi controls and soft hyphens are invisible in a spreadsheet's cell,
/// so a formula behind them still leads the cell as a reader and the spreadsheet see it.
#[test]
fn formulas_behind_bidi_controls_and_soft_hyphens_get_a_leading_quote() {
    let hidden = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{00AD}',
    ];
    for prefix in hidden {
        for start in ["=", "+", "-", "@", "\u{FF1D}"] {
            let runs = format!("{prefix}{start}1+1");
            assert_eq!(neutralise(&runs), format!("'{runs}"), "{runs:?}");
        }
        for after in ["\t", "\r"] {
            let runs = format!("{prefix}{after}x");
            assert_eq!(neutralise(&runs), format!("'{runs}"), "{runs:?}");
        }
        // Invisible still, then visible text: nothing to run.
        let safe = format!("{prefix}plain");
        assert_eq!(neutralise(&safe), safe, "{safe:?}");
    }
    for runs in [
        "\u{202E}\u{2066}\u{00AD}=HYPERLINK(\"x\")",
        "\u{00AD}\u{00AD}\u{00AD}@SUM(A1)",
        " \u{2067} \u{202B}\u{00A0}+cmd",
        "\u{202D}\n\u{2069}-2+3",
        "\u{00AD}\u{202E}\t=1",
        "\u{061C}\u{180E}\u{FE0F}\u{E0041}=1",
        "\u{00AD}-3",
    ] {
        assert_eq!(neutralise(runs), format!("'{runs}"), "{runs:?}");
    }
    for safe in ["\u{202E}", "\u{00AD} ", "a\u{202E}=1", "x\u{00AD}@y"] {
        assert_eq!(neutralise(safe), safe, "{safe:?}");
    }
}

#[test]
fn file_names_carry_the_kind_and_the_date() {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
    assert_eq!(
        file_name("server-certificates", date, ExportFormat::Csv),
        "trustdesk-server-certificates-2026-12-02.csv"
    );
    assert_eq!(
        file_name("expiry", date, ExportFormat::Json),
        "trustdesk-expiry-2026-12-02.json"
    );
    assert_eq!(
        file_name("A \"b\"/c", date, ExportFormat::Csv),
        "trustdesk-a--b--c-2026-12-02.csv",
        "nothing that could end the header's quoted name"
    );
}

const NOW: &str = "2026-12-10T00:00:00.000Z";

fn token(n: usize) -> AwsItem {
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::VerificationToken,
            account: "prod".into(),
            region: "us-east-1".into(),
            id: format!("token-{n:05}"),
        },
        account_id: "123456789012".into(),
        name: format!("token {n}"),
        status: "valid".into(),
        expires_at: Some(format!("2026-12-{:02}T00:00:00.000Z", 1 + n % 28)),
        tags: vec![
            Tag {
                key: "Team".into(),
                value: "web".into(),
            },
            Tag {
                key: "Owner".into(),
                value: format!("o{}@example.com", n % 3),
            },
        ],
        fields: Vec::new(),
        last_seen: NOW.into(),
        expires_in_days: None,
    }
}

async fn seeded(n: usize) -> (tempfile::TempDir, Db) {
    crate::store::temp_db_holding((0..n).map(token)).await
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("time")
        .with_timezone(&chrono::Utc)
}

/// The batches of `view`, counting each SQL batch's rows into `sizes`.
fn counted(
    db: &Db,
    view: View,
    limit: usize,
    options: ExportOptions,
    sizes: Arc<Mutex<Vec<usize>>>,
) -> impl Batches<Record, Cursor> {
    let mut inner = view_batches(db, view, now(), options, limit);
    move |after| {
        let batch = inner(after);
        let sizes = sizes.clone();
        async move {
            let rows = batch.await?;
            sizes.lock().expect("sizes").push(rows.len());
            Ok(rows)
        }
    }
}

/// The export of every item of `db` as `format`, read from SQL 100 rows at a time, and the
/// sizes of the batches read so far.
async fn in_batches_of_100(
    db: &Db,
    format: ExportFormat,
    name: &str,
) -> (Response, Arc<Mutex<Vec<usize>>>) {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let options = ExportOptions::default();
    let view = inventory_view(InventoryQuery::default());
    let batches = counted(db, view, 100, options, sizes.clone());
    let header = Record::header(options);
    let response = respond(format, name.into(), header, 100, batches).await;
    (response, sizes)
}

fn inventory_view(query: InventoryQuery) -> View {
    View::Inventory {
        kind: ResourceKind::VerificationToken,
        query,
    }
}

#[tokio::test]
async fn a_large_export_reads_sql_in_bounded_batches_as_the_client_reads() {
    let (_dir, db) = seeded(1_050).await;
    let (response, sizes) = in_batches_of_100(&db, ExportFormat::Csv, "x.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    // The response is ready once the first batch is read; the rest waits for the client.
    assert_eq!(*sizes.lock().expect("sizes"), vec![100]);
    let mut body = response.into_body().into_data_stream();
    let first = body.next().await.expect("a chunk").expect("bytes");
    assert!(first.starts_with(b"kind,account,account_id,region,id,"));
    assert_eq!(
        *sizes.lock().expect("sizes"),
        vec![100],
        "one chunk sent, no batch read ahead"
    );
    let second = body.next().await.expect("a chunk").expect("bytes");
    assert_eq!(*sizes.lock().expect("sizes"), vec![100, 100]);
    let mut all = first.to_vec();
    all.extend_from_slice(&second);
    while let Some(chunk) = body.next().await {
        all.extend_from_slice(&chunk.expect("bytes"));
    }
    assert_eq!(
        *sizes.lock().expect("sizes"),
        [vec![100; 10], vec![50]].concat(),
        "ten full batches, then the rest; never more than 100 rows at once"
    );
    let mut reader = csv::Reader::from_reader(all.as_slice());
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV row")[4].to_string())
        .collect();
    assert_eq!(ids.len(), 1_050);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 1_050, "no item twice");
}

#[tokio::test]
async fn an_exact_multiple_of_the_batch_ends_with_one_empty_read() {
    let (_dir, db) = seeded(200).await;
    let (response, sizes) = in_batches_of_100(&db, ExportFormat::Json, "x.json").await;
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let items: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(items.len(), 200);
    assert_eq!(*sizes.lock().expect("sizes"), vec![100, 100, 0]);
}

#[tokio::test]
async fn empty_exports_are_a_header_or_an_empty_array_and_options_drop_the_tags() {
    let (_dir, db) = seeded(3).await;
    let nothing = InventoryQuery {
        tag: "Team=nobody".into(),
        ..Default::default()
    };
    let without_tags = ExportOptions {
        include_tags: false,
    };
    let body = |query: InventoryQuery, format, options| {
        let db = &db;
        async move {
            let kind = ResourceKind::VerificationToken;
            let response = inventory::stream(db, now(), kind, query, format, options).await;
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            String::from_utf8(bytes.to_vec()).expect("UTF-8")
        }
    };
    let csv = body(nothing.clone(), ExportFormat::Csv, ExportOptions::default()).await;
    assert_eq!(
        csv,
        "kind,account,account_id,region,id,name,status,status_detail,expires_at,days_left,tags,last_synced,removed_at\r\n"
    );
    let json = body(nothing, ExportFormat::Json, ExportOptions::default()).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).expect("JSON"),
        serde_json::json!([])
    );

    let csv = body(InventoryQuery::default(), ExportFormat::Csv, without_tags).await;
    assert!(!csv.contains("tags") && !csv.contains("Owner"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
    let json = body(InventoryQuery::default(), ExportFormat::Json, without_tags).await;
    let items: Vec<serde_json::Value> = serde_json::from_str(&json).expect("JSON");
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i.get("tags").is_none()), "{json}");
}

#[tokio::test]
async fn a_database_that_cannot_answer_gets_a_sentence_not_a_file() {
    let (_dir, db) = seeded(1).await;
    db.pool().close().await;
    let response = inventory::stream(
        &db,
        now(),
        ResourceKind::VerificationToken,
        InventoryQuery::default(),
        ExportFormat::Csv,
        ExportOptions::default(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .is_none());
}
