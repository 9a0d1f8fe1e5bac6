use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_sdk_sts::config::Credentials;
use trustdesk_emulator::Fault;

use crate::harness::*;

#[tokio::test]
async fn throttling_surfaces_without_retries_and_is_retried_by_the_sdk() {
    let aws = Aws::start().await;
    aws.emulator()
        .inject_fault("ListPolicies", Fault::Throttle, 1);
    let iam = aws.iam().await;
    let (code, _) = error(iam.list_policies().send().await);
    assert_eq!(code, "Throttling");
    assert!(
        iam.list_policies().send().await.is_ok(),
        "only the next call was throttled"
    );

    // The SDK's standard retry recognises the throttling error and tries again.
    aws.emulator()
        .inject_fault("GetCallerIdentity", Fault::Throttle, 2);
    let retrying = aws
        .config_with(
            REGION,
            Credentials::new("AKID", "s", None, None, "t"),
            RetryConfig::standard().with_max_attempts(3),
        )
        .await;
    let identity = aws_sdk_sts::Client::new(&retrying)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some("123456789012"));

    aws.emulator()
        .inject_fault("DescribeIpams", Fault::Throttle, 1);
    assert_eq!(
        crate::harness::code(aws.ec2(REGION).await.describe_ipams().send().await),
        "RequestLimitExceeded"
    );
    aws.emulator()
        .inject_fault("ListTokens", Fault::Throttle, 1);
    assert_eq!(
        crate::harness::code(aws.license_manager(REGION).await.list_tokens().send().await),
        "RateLimitExceededException"
    );
    aws.emulator()
        .inject_fault("ListIdentitySources", Fault::Throttle, 1);
    assert_eq!(
        crate::harness::code(aws.mpa(REGION).await.list_identity_sources().send().await),
        "ThrottlingException"
    );
}

#[tokio::test]
async fn server_errors_and_delays() {
    let aws = Aws::start().await;
    aws.emulator()
        .inject_fault("GetCallerIdentity", Fault::ServerError, 1);
    let result = aws.sts().await.get_caller_identity().send().await;
    let status = result
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(500));
    assert_eq!(code(result), "ServiceFailure");

    aws.emulator().inject_fault(
        trustdesk_emulator::ANY_OPERATION,
        Fault::Delay {
            delay: Duration::from_millis(300),
        },
        1,
    );
    let started = Instant::now();
    aws.sts().await.get_caller_identity().send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the delay was applied"
    );
}

#[tokio::test]
async fn faults_can_be_injected_over_http() {
    let aws = Aws::start().await;
    let http = reqwest::Client::new();
    let control = format!("{}/_emulator/faults", aws.running.endpoint());
    let response = http
        .post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"GetCallerIdentity","times":1,"kind":"throttle"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        code(aws.sts().await.get_caller_identity().send().await),
        "Throttling"
    );

    http.post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"GetCallerIdentity","times":5,"kind":"server_error"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        http.delete(&control)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(
        aws.sts().await.get_caller_identity().send().await.is_ok(),
        "cleared faults no longer apply"
    );

    let bad = http
        .post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"X","kind":"explode"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn served_calls_are_counted_per_operation_and_can_be_reset() {
    let aws = Aws::start().await;
    let http = reqwest::Client::new();
    let calls = format!("{}/_emulator/calls", aws.running.endpoint());
    let iam = aws.iam().await;
    iam.list_policies().send().await.unwrap();
    iam.list_policies().send().await.unwrap();
    aws.sts().await.get_caller_identity().send().await.unwrap();
    let counted: serde_json::Value = http.get(&calls).send().await.unwrap().json().await.unwrap();
    assert_eq!(counted["operations"]["ListPolicies"], 2, "{counted}");
    assert_eq!(counted["operations"]["GetCallerIdentity"], 1, "{counted}");
    assert_eq!(counted["total"], 3, "{counted}");

    assert_eq!(
        http.delete(&calls)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let counted: serde_json::Value = http.get(&calls).send().await.unwrap().json().await.unwrap();
    assert_eq!(counted["total"], 0, "{counted}");
    assert_eq!(aws.emulator().calls().len(), 0);
}
