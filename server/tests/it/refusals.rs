//! Every AWS-changing server function refuses viewers (and audits the refusal) and forged
//! forms, before anything reaches AWS; a throttled refresh says so per account and region.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Each mutation with fields that would otherwise pass validation.
fn mutations() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let item = |kind: &'static str| {
        vec![
            ("item[kind]", kind),
            ("item[account]", "prod"),
            ("item[region]", "us-east-1"),
            ("item[id]", "some-id"),
        ]
    };
    let with = |mut fields: Vec<(&'static str, &'static str)>,
                extra: &[(&'static str, &'static str)]| {
        fields.extend_from_slice(extra);
        fields
    };
    vec![
        (
            "/api/verification-tokens/submit",
            vec![
                ("token[ipam]", "prod/us-east-1/ipam-0123456789abcdef0"),
                ("token[client_token]", "c-1"),
                ("intent", "create"),
            ],
        ),
        (
            "/api/trust-providers/submit",
            vec![
                ("provider[target]", "prod/us-east-1"),
                ("provider[trust_provider_type]", "user"),
                ("provider[user_trust_provider_type]", "iam-identity-center"),
                ("provider[policy_reference_name]", "idc"),
                ("provider[client_token]", "c-2"),
                ("intent", "create"),
            ],
        ),
        (
            "/api/license-tokens/create",
            vec![
                (
                    "token[license]",
                    "prod/us-east-1/arn:aws:license-manager::123456789012:license:l-1",
                ),
                ("token[client_token]", "c-3"),
            ],
        ),
        (
            "/api/identity-sources/create",
            vec![
                ("source[target]", "prod/us-east-1"),
                (
                    "source[instance_arn]",
                    "arn:aws:sso:::instance/ssoins-0123456789abcdef",
                ),
                ("source[instance_region]", "us-east-1"),
                ("source[client_token]", "c-4"),
            ],
        ),
        (
            "/api/trust-providers/modify",
            with(item("trust-provider"), &[("provider[description]", "x")]),
        ),
        (
            "/api/resource/delete",
            with(item("verification-token"), &[("confirm", "some-id")]),
        ),
        (
            "/api/resource/tag",
            with(item("identity-source"), &[("key", "Owner"), ("value", "x")]),
        ),
        (
            "/api/resource/untag",
            with(item("trust-provider"), &[("key", "Owner")]),
        ),
    ]
}

async fn audit_count(app: &TestApp) -> i64 {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("trustdesk.db").display()
    ))
    .await
    .unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE outcome = 'error' AND message LIKE 'refused: the viewer role%'").fetch_one(&db).await.unwrap();
    db.close().await;
    count
}

#[tokio::test]
async fn viewers_are_refused_every_aws_change_and_each_refusal_is_audited() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let all = mutations();
    for (path, fields) in &all {
        let response = viewer.call(path, fields).await;
        let (status, error) = error_of(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains("viewer"),
            "{path}: {error}"
        );
    }
    assert_eq!(
        audit_count(&app).await,
        all.len() as i64,
        "one audited refusal per attempt"
    );
}

#[tokio::test]
async fn forged_forms_are_refused_before_anything_runs() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    for (path, fields) in mutations() {
        let response = admin.send_form(path, &fields, "application/json").await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} without the CSRF token"
        );
    }
}

#[tokio::test]
async fn a_throttled_refresh_names_the_account_and_region_and_keeps_the_rest() {
    let (app, admin) = TestApp::builder()
        .demo()
        .reading_one_scope_at_a_time()
        .build_with_admin()
        .await;
    let control = format!(
        "{}/_emulator/faults",
        app.emulator_endpoint.as_ref().unwrap()
    );
    // Three attempts for the first scope read; the other three scopes are unaffected.
    reqwest::Client::new()
        .post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"ListIdentitySources","times":3,"kind":"throttle"}"#)
        .send()
        .await
        .unwrap();
    let report: Value = admin
        .call("/api/inventory/refresh", &[("kind", "identity-source")])
        .await
        .json()
        .await
        .unwrap();
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{report}");
    assert!(
        failures[0]
            .as_str()
            .unwrap()
            .contains("throttling mpa:ListIdentitySources"),
        "{report}"
    );
    assert_eq!(report["items"], 3);
}
