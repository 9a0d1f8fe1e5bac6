//! Who may call the emulator: a complete SigV4 signature (header or presigned query), a checked
//! one for keys the emulator issued, and only requests addressed to a loopback name. Raw HTTP for
//! the refusals, the SDK for what must keep working.

use aws_config::retry::RetryConfig;
use aws_sdk_sts::config::Credentials;
use reqwest::StatusCode;

use crate::harness::*;

const SCOPE: &str = "AKIDFORGED%2F20261122%2Fus-east-1%2Fiam%2Faws4_request";

/// A policy to aim forged calls at, and a way to see that they changed nothing.
async fn target(aws: &Aws) -> (aws_sdk_iam::Client, String) {
    let iam = aws.iam().await;
    let arn = iam
        .create_policy()
        .policy_name("target")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    (iam, arn)
}

async fn tag_count(iam: &aws_sdk_iam::Client, arn: &str) -> usize {
    iam.list_policy_tags()
        .policy_arn(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .len()
}

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `?Action=TagPolicy&…` for `arn`, then `auth`.
fn tag_query(arn: &str, auth: &str) -> String {
    format!(
        "Action=TagPolicy&Version=2010-05-08&PolicyArn={}&Tags.member.1.Key=Pwned&Tags.member.1.Value=yes{auth}",
        encoded(arn)
    )
}

async fn get(aws: &Aws, query: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{}/?{query}", aws.running.endpoint()))
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_credential_in_the_query_without_a_signature_runs_nothing() {
    let aws = Aws::start().await;
    let (iam, arn) = target(&aws).await;

    // What a cross-site <img> tagged a certificate with.
    let (status, body) = get(
        &aws,
        &tag_query(&arn, &format!("&X-Amz-Credential={SCOPE}")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("<Code>IncompleteSignature</Code>"), "{body}");
    assert!(
        body.contains("X-Amz-Algorithm"),
        "names what is missing: {body}"
    );

    let (status, body) = get(&aws, &tag_query(&arn, "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );

    assert_eq!(tag_count(&iam, &arn).await, 0);
}

#[tokio::test]
async fn a_presigned_url_with_made_up_credentials_runs_nothing() {
    let aws = Aws::start().await;
    let (iam, arn) = target(&aws).await;
    // Complete, and correctly signed with a secret of the forger's choosing: the emulator cannot
    // know that secret, so it takes no presigned URL it cannot check.
    let forged = format!(
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={SCOPE}&X-Amz-Date=20261122T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
        "0".repeat(64)
    );
    let (status, body) = get(&aws, &tag_query(&arn, &forged)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");

    // A key the emulator issued, with a signature that is not its.
    let assumed = issued_credentials(&aws).await;
    let forged = format!(
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}%2F20261122%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date={}&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token={}&X-Amz-Signature={}",
        assumed.access_key_id(),
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        encoded(assumed.session_token()),
        "0".repeat(64)
    );
    let (status, body) = get(&aws, &tag_query(&arn, &forged)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );

    assert_eq!(tag_count(&iam, &arn).await, 0);
}

#[tokio::test]
async fn an_authorization_header_must_be_complete() {
    let aws = Aws::start().await;
    let (iam, arn) = target(&aws).await;
    let credential = "Credential=AKIDRAW/20261122/us-east-1/iam/aws4_request";
    let post = |authorization: String| {
        let endpoint = aws.running.endpoint();
        let body = tag_query(&arn, "");
        async move {
            let response = reqwest::Client::new()
                .post(endpoint)
                .header("authorization", authorization)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    for incomplete in [
        format!("AWS4-HMAC-SHA256 {credential}"),
        format!("AWS4-HMAC-SHA256 {credential}, SignedHeaders=host"),
        format!("AWS4-HMAC-SHA256 {credential}, Signature=abc"),
        format!("AWS4-HMAC-SHA256 {credential}, SignedHeaders=content-type, Signature=abc"),
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc".to_string(),
        "Basic dXNlcjpwYXNz".to_string(),
    ] {
        let (status, body) = post(incomplete.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{incomplete}");
        assert!(
            body.contains("<Code>IncompleteSignature</Code>"),
            "{incomplete}: {body}"
        );
    }
    assert_eq!(tag_count(&iam, &arn).await, 0);

    // Any key works with a complete header: its secret is not the emulator's to know.
    let (status, body) = post(format!(
        "AWS4-HMAC-SHA256 {credential}, SignedHeaders=host, Signature=abc"
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(tag_count(&iam, &arn).await, 1);
}

async fn issued_credentials(aws: &Aws) -> aws_sdk_sts::types::Credentials {
    aws.emulator().add_role("210987654321", "Auditor");
    aws.sts()
        .await
        .assume_role()
        .role_arn("arn:aws:iam::210987654321:role/Auditor")
        .role_session_name("auth")
        .send()
        .await
        .unwrap()
        .credentials()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn signatures_by_issued_keys_are_checked() {
    let aws = Aws::start().await;
    let issued = issued_credentials(&aws).await;
    let client = |secret: &str| {
        let credentials = Credentials::new(
            issued.access_key_id(),
            secret,
            Some(issued.session_token().to_string()),
            None,
            "assumed",
        );
        let aws = &aws;
        async move {
            aws_sdk_sts::Client::new(
                &aws.config_with(REGION, credentials, RetryConfig::disabled())
                    .await,
            )
        }
    };
    let honest = client(issued.secret_access_key()).await;
    let caller = honest.get_caller_identity().send().await.unwrap();
    assert_eq!(caller.account(), Some("210987654321"));

    let forger = client("not-the-secret").await;
    let refused = forger.get_caller_identity().send().await;
    let status = refused
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(code(refused), "SignatureDoesNotMatch");
    assert_eq!(status, Some(403));

    // Every service checks them, whatever its protocol (query, JSON, REST-JSON).
    let config = aws
        .config_with(
            REGION,
            Credentials::new(
                issued.access_key_id(),
                issued.secret_access_key(),
                Some(issued.session_token().to_string()),
                None,
                "assumed",
            ),
            RetryConfig::disabled(),
        )
        .await;
    aws_sdk_ec2::Client::new(&config)
        .describe_ipams()
        .send()
        .await
        .unwrap();
    aws_sdk_licensemanager::Client::new(&config)
        .list_tokens()
        .send()
        .await
        .unwrap();
    aws_sdk_mpa::Client::new(&config)
        .list_identity_sources()
        .send()
        .await
        .unwrap();
    aws_sdk_iam::Client::new(&config)
        .create_policy()
        .policy_name("signed")
        .description("a body with spaces, & and = = signed as sent")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn only_loopback_host_names_are_served() {
    let aws = Aws::start().await;
    let (iam, arn) = target(&aws).await;
    let endpoint = aws.running.endpoint();
    let port = aws.running.addr.port();
    let signed = |host: String| {
        let request = reqwest::Client::new()
            .post(&endpoint)
            .header("host", host)
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDRAW/20261122/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=abc",
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(tag_query(&arn, ""));
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    // A page on evil.example whose name now resolves to 127.0.0.1 (DNS rebinding).
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("10.0.0.1:{port}"),
    ] {
        let (status, body) = signed(host.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{host}");
        assert!(body.contains("<Code>AccessDenied</Code>"), "{host}: {body}");
    }
    let control = reqwest::Client::new()
        .get(format!("{endpoint}/_emulator/calls"))
        .header("host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), StatusCode::FORBIDDEN);
    assert_eq!(tag_count(&iam, &arn).await, 0);

    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.1.2.3:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = signed(host.clone()).await;
        assert_eq!(status, StatusCode::OK, "{host}: {body}");
    }
    assert_eq!(tag_count(&iam, &arn).await, 1);

    // The SDK pointed at http://localhost:PORT signs and sends Host: localhost:PORT.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(format!("http://localhost:{port}"))
        .region(aws_config::Region::new(REGION))
        .credentials_provider(Credentials::new("AKIDLOCAL", "s", None, None, "t"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let via_localhost = aws_sdk_sts::Client::new(&config);
    via_localhost.get_caller_identity().send().await.unwrap();
}
