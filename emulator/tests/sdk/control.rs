//! The `/_emulator` control endpoints refuse what a web page could send them cross-site, and
//! numbers out of range, before anything changes.

use crate::harness::*;

const JSON: &str = "application/json";

async fn post(aws: &Aws, path: &str, content_type: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/_emulator/{path}", aws.running.endpoint()))
        .body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.expect("control request")
}

#[tokio::test]
async fn a_change_without_a_json_content_type_is_refused_and_changes_nothing() {
    let aws = Aws::start().await;
    let fault = r#"{"operation":"GetCallerIdentity","times":1,"kind":"throttle"}"#;
    // What a cross-site form or `fetch` without a preflight can send.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let response = post(&aws, "faults", content_type, fault).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
        let response = post(&aws, "clock", content_type, r#"{"advance_seconds":86400}"#).await;
        assert_eq!(response.status(), 415, "{content_type:?}");
        let response = post(
            &aws,
            "roles",
            content_type,
            r#"{"account":"210987654321","role_name":"Evil"}"#,
        )
        .await;
        assert_eq!(response.status(), 415, "{content_type:?}");
    }
    let response = reqwest::Client::new()
        .delete(format!("{}/_emulator/calls", aws.running.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    assert!(
        aws.sts().await.get_caller_identity().send().await.is_ok(),
        "no fault was queued"
    );
    assert_eq!(aws.emulator().clock_offset(), chrono::Duration::zero());

    // The same requests as JSON work.
    let response = post(
        &aws,
        "faults",
        Some("application/json; charset=utf-8"),
        fault,
    )
    .await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        code(aws.sts().await.get_caller_identity().send().await),
        "Throttling"
    );
    let response = post(&aws, "clock", Some(JSON), r#"{"advance_seconds":86400}"#).await;
    assert_eq!(response.status(), 204);
    assert_eq!(aws.emulator().clock_offset(), chrono::Duration::days(1));
}

#[tokio::test]
async fn numbers_out_of_range_are_a_clear_400() {
    let aws = Aws::start().await;
    for (path, body, needle) in [
        // Overflowed chrono's duration and panicked the handler.
        (
            "clock",
            r#"{"advance_seconds":9223372036854775807}"#,
            "advance_seconds",
        ),
        ("clock", r#"{"advance_seconds":-86400}"#, "advance_seconds"),
        (
            "faults",
            r#"{"operation":"*","times":18446744073709551615,"kind":"throttle"}"#,
            "times",
        ),
        (
            "faults",
            r#"{"operation":"*","times":0,"kind":"throttle"}"#,
            "times",
        ),
        (
            "faults",
            r#"{"operation":"*","times":1,"kind":"delay","delay":86400000}"#,
            "delay",
        ),
        (
            "roles",
            r#"{"account":"210987654321","role_name":"no spaces allowed"}"#,
            "role_name",
        ),
    ] {
        let response = post(&aws, path, Some(JSON), body).await;
        assert_eq!(response.status(), 400, "{path} {body}");
        let text = response.text().await.unwrap();
        assert!(text.contains(needle), "{path} {body}: {text}");
    }
    assert_eq!(aws.emulator().clock_offset(), chrono::Duration::zero());
    assert!(aws.sts().await.get_caller_identity().send().await.is_ok());
    let health = reqwest::get(format!("{}/_emulator/health", aws.running.endpoint()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the emulator still serves");
}
