//! The audit trail's CSV and JSON downloads: the list's filters apply, spreadsheet formulas are
//! neutralised, and only signed-in users get them.

use crate::harness::*;
use reqwest::{header, StatusCode};
use serde_json::Value;

/// Failed sign-ins whose usernames a spreadsheet would run as formulas, two of them behind
/// characters a reader cannot see (a right-to-left override; a soft hyphen, a left-to-right
/// isolate and a space). (Sign-in trims the username, so a leading tab or CR never reaches the
/// trail; `export::neutralise`'s own tests cover those.)
const FORMULAS: [&str; 7] = [
    "=1+2",
    "@SUM(A1)",
    "+cmd",
    "-x",
    "\u{FF1D}1+2",
    "\u{202E}=2+3",
    "\u{00AD}\u{2066} @SUM(A2)",
];

async fn signed_in_with_hostile_rows() -> (TestApp, Browser) {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "mia", "viewer", "mia password 123")
        .await;
    for username in FORMULAS {
        app.browser().login(username, "not the password").await;
    }
    (app, admin)
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn the_csv_export_applies_the_filters_and_neutralises_formulas() {
    let (app, admin) = signed_in_with_hostile_rows().await;
    let response = admin.get("/audit/export.csv?actor=anonymous").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"trustdesk-audit-{}.csv\"", today()).as_str()
    );
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), FORMULAS.len(), "{body}");
    assert!(records.iter().all(|r| &r[column("actor")] == "anonymous"));
    let targets: Vec<&str> = records.iter().map(|r| &r[column("target_id")]).collect();
    let expected: Vec<String> = FORMULAS.iter().map(|f| format!("'{f}")).collect();
    assert_eq!(targets, expected);
    for record in &records {
        for cell in record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} would run as a formula"
            );
        }
    }

    let everything = admin.get("/audit/export.csv").await.text().await.unwrap();
    let rows = csv::Reader::from_reader(everything.as_bytes())
        .records()
        .count();
    assert_eq!(
        rows as i64,
        app.count("SELECT COUNT(*) FROM audit_log").await
    );
}

#[tokio::test]
async fn the_json_export_applies_the_filters() {
    let (app, admin) = signed_in_with_hostile_rows().await;
    let response = admin
        .get("/audit/export.json?outcome=ok&kind=user&actor=admin")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"trustdesk-audit-{}.json\"", today()).as_str()
    );
    let rows: Vec<Value> = response.json().await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["setup.create_admin", "user.add"],
        "oldest first"
    );
    assert_eq!(
        rows[1]["params"]["username"], "mia",
        "params as JSON, not text"
    );
    assert!(!serde_json::to_string(&rows)
        .unwrap()
        .contains("mia password"));

    let none: Vec<Value> = admin
        .get(&format!("/audit/export.json?from={}", "2999-01-01"))
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());
    let all: Vec<Value> = admin.get("/audit/export.json").await.json().await.unwrap();
    assert_eq!(
        all.len() as i64,
        app.count("SELECT COUNT(*) FROM audit_log").await
    );

    let refused = admin.get_json("/audit/export.json?to=yesterday").await;
    let error = expect_error(refused, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), vec!["to".to_string()]);
}

#[tokio::test]
async fn exports_are_for_signed_in_users_only() {
    let (app, admin) = signed_in_with_hostile_rows().await;
    let anonymous = app.browser();
    let (status, _) = error_of(anonymous.get_json("/audit/export.csv").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = anonymous.get("/audit/export.csv?actor=admin").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()[header::LOCATION],
        "/login?next=%2Faudit%2Fexport.csv%3Factor%3Dadmin"
    );
    let viewer = app.browser();
    assert_eq!(
        viewer.login("mia", "mia password 123").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        viewer.get("/audit/export.csv").await.status(),
        StatusCode::OK
    );
    drop(admin);
}
