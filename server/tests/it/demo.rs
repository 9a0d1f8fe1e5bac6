//! `trustdesk serve --demo`: the emulator runs in-process with the demo data, the console points
//! at it, and every page says so.

use crate::harness::*;
use reqwest::StatusCode;

#[tokio::test]
async fn demo_mode_serves_seeded_aws_and_says_so_on_every_page() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let endpoint = app
        .emulator_endpoint
        .clone()
        .expect("demo mode starts the emulator");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let about: serde_json::Value = admin.get_json("/api/about").await.json().await.unwrap();
    assert_eq!(about["aws"]["demo"], true);
    assert_eq!(about["aws"]["endpoint_url"], endpoint.as_str());

    for page in ["/", "/users", "/audit"] {
        let html = admin.get(page).await.text().await.unwrap();
        assert!(
            html.contains("id=\"demo-banner\""),
            "{page} shows the demo banner"
        );
    }
    let login_page = app.browser().get("/login").await.text().await.unwrap();
    assert!(
        login_page.contains("id=\"demo-banner\""),
        "even the sign-in page"
    );

    // The endpoint is a real AWS-shaped service holding the demo seed.
    let http = reqwest::Client::new();
    let response = http
        .post(&endpoint)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDDEMO/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=ListServerCertificates&Version=2010-05-08")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let xml = response.text().await.unwrap();
    assert_eq!(xml.matches("<ServerCertificateName>").count(), 5, "{xml}");
}

#[tokio::test]
async fn without_demo_there_is_no_emulator_or_banner() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    assert!(app.emulator_endpoint.is_none());
    let about: serde_json::Value = admin.get_json("/api/about").await.json().await.unwrap();
    assert_eq!(about["aws"]["demo"], false);
    assert!(about["aws"]["endpoint_url"].is_null());
    let html = admin.get("/").await.text().await.unwrap();
    assert!(!html.contains("id=\"demo-banner\""));
}
