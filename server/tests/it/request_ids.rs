//! Every request's id: in its `X-Request-Id` response header, in the errors it answers (the
//! JSON's `request_id`, the page's "Request id"), and in the audit rows it writes, so that a
//! user's report joins the log and the trail.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

fn id_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on {}", response.url()))
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_answer_carries_its_own_id() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/", "/healthz", "/api/session", "/no-such-page", "/metrics"] {
        let response = admin.get(path).await;
        let id = id_of(&response);
        assert_eq!(id.len(), 32, "{path}: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert!(seen.insert(id), "{path}: ids are not reused");
    }
    // A stranger's claimed id is not taken over: it could forge lines of someone else's.
    let claiming = app.browser_with_headers(&[("x-request-id", "forged-id-1")]);
    assert_ne!(id_of(&claiming.get("/healthz").await), "forged-id-1");
}

#[tokio::test]
async fn a_trusted_proxy_s_id_is_kept_when_it_is_plain() {
    let app = TestApp::builder()
        .env(&[("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1")])
        .build()
        .await;
    let proxied = app.browser_with_headers(&[("x-request-id", "lb-7f3a.9_2:x")]);
    assert_eq!(id_of(&proxied.get("/healthz").await), "lb-7f3a.9_2:x");
    let long = "a".repeat(65);
    for odd in [long.as_str(), "with space", "quote\"d"] {
        let proxied = app.browser_with_headers(&[("x-request-id", odd)]);
        let id = id_of(&proxied.get("/healthz").await);
        assert_ne!(id, odd);
        assert_eq!(id.len(), 32);
    }
}

#[tokio::test]
async fn a_change_s_audit_row_names_its_request_and_the_chain_still_verifies() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let response = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", "carol"),
                ("user[role]", "viewer"),
                ("user[password]", "carol password 123"),
                ("user[password_confirm]", "carol password 123"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id = id_of(&response);
    let (row, stored): (i64, Option<String>) = sqlx::query_as(
        "SELECT id, http_request_id FROM audit_log WHERE action = 'user.add' AND target_id = 'carol'",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(stored.as_deref(), Some(id.as_str()));
    // The id is part of the sealed row: changing it breaks the chain there.
    let report: Value = admin
        .get_json("/api/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["first_broken"], Value::Null, "{report}");
    // Shown on the entry's page.
    let page = admin.get(&format!("/audit/{row}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let shown = html
        .split(r#"data-field="http_request_id""#)
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap_or_else(|| panic!("no request id field: {html}"));
    assert!(shown.contains(&format!(">{id}<")), "{shown}");
    sqlx::query("UPDATE audit_log SET http_request_id = 'someone-else' WHERE id = ?")
        .bind(row)
        .execute(&app.db().await)
        .await
        .unwrap();
    let report: Value = admin
        .get_json("/api/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["first_broken"]["id"], row, "{report}");
}

#[tokio::test]
async fn errors_name_the_request_they_happened_in() {
    let (_app, admin) = TestApp::builder().build_with_admin().await;
    // A server function's error: the id beside the message, not inside it.
    let refused = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", ""),
                ("user[role]", "viewer"),
                ("user[password]", "x"),
                ("user[password_confirm]", "y"),
            ],
        )
        .await;
    let id = id_of(&refused);
    let (status, error) = error_of(refused).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["request_id"], id.as_str(), "{error}");
    assert!(!error["message"].as_str().unwrap().contains(&id));
    // A page's error, rendered on the server: the id the user can quote.
    let page = admin.get("/audit/999999").await;
    let id = id_of(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    let shown = html
        .split("Request id: ")
        .nth(1)
        .and_then(|rest| rest.split("</span>").next())
        .unwrap_or_else(|| panic!("no request id on the error: {html}"));
    assert!(shown.contains(&format!(">{id}<")), "{shown}");
}
