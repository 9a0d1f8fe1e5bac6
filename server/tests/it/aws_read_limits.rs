//! Reading AWS on a user's request (refresh, form choices) is rate-limited per user, and a
//! viewer cannot make trustdesk re-read a kind that was read moments ago.

use crate::harness::*;
use reqwest::StatusCode;

const KIND: &str = "verification-token";

async fn emulator_calls(app: &TestApp) -> u64 {
    let calls: serde_json::Value = reqwest::get(format!(
        "{}/_emulator/calls",
        app.emulator_endpoint.as_ref().unwrap()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    calls["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_user_asks_aws_for_form_choices_a_limited_number_of_times_a_minute() {
    let (app, admin) = TestApp::builder()
        .demo()
        .env(&[("TRUSTDESK_AWS_READS_PER_MINUTE", "3")])
        .build_with_admin()
        .await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let mut options = serde_json::Value::Null;
    for _ in 0..3 {
        let response = viewer.get_json("/api/verification-tokens/form").await;
        assert_eq!(response.status(), StatusCode::OK);
        options = response.json().await.unwrap();
    }
    let ipam = &options["ipams"][0];
    let ipam = format!(
        "{}/{}/{}",
        ipam["account"].as_str().unwrap(),
        ipam["region"].as_str().unwrap(),
        ipam["ipam_id"].as_str().unwrap()
    );
    let calls = emulator_calls(&app).await;
    let response = viewer.get_json("/api/verification-tokens/form").await;
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS, "try again in").await;
    assert_eq!(error["kind"], "throttled", "{error}");
    let response = viewer
        .get_json("/api/managed-policies/aws?account=prod")
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = viewer.get_json("/api/create-form?kind=oidc-provider").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // A permission check is a dry run in AWS: a read too.
    let response = viewer
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "v-check"),
                ("intent", "check"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(emulator_calls(&app).await, calls, "nothing more was read");
    // The limit is the viewer's own: the admin still reads.
    let response = admin.get_json("/api/verification-tokens/form").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_viewer_cannot_re_read_a_kind_that_was_just_read_but_an_admin_can() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let viewer = signed_in_viewer(&app, &admin).await;
    refresh_kind(&viewer, KIND).await;
    let calls = emulator_calls(&app).await;
    let response = viewer
        .call("/api/inventory/refresh", &[("kind", KIND)])
        .await;
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS, "try again in").await;
    assert!(
        error["message"].as_str().unwrap().contains("read from AWS"),
        "{error}"
    );
    assert_eq!(emulator_calls(&app).await, calls, "AWS was not read again");
    // Another kind is another matter.
    refresh_kind(&viewer, "oidc-provider").await;
    // Admins may always refresh (within their own rate).
    refresh_kind(&admin, KIND).await;
    refresh_kind(&admin, KIND).await;
}

#[tokio::test]
async fn refreshes_count_against_the_rate_too() {
    let (_app, admin) = TestApp::builder()
        .demo()
        .env(&[("TRUSTDESK_AWS_READS_PER_MINUTE", "2")])
        .build_with_admin()
        .await;
    refresh_kind(&admin, KIND).await;
    refresh_kind(&admin, KIND).await;
    let response = admin
        .call("/api/inventory/refresh", &[("kind", KIND)])
        .await;
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "try again in").await;
}
