use aws_config::retry::RetryConfig;
use aws_sdk_iam::types::PolicyScopeType;
use aws_sdk_sts::config::Credentials;

use crate::harness::*;

const OTHER_ACCOUNT: &str = "210987654321";

#[tokio::test]
async fn any_key_acts_as_the_default_account() {
    let aws = Aws::start().await;
    let identity = aws.sts().await.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some("123456789012"));
    assert_eq!(identity.arn(), Some("arn:aws:iam::123456789012:root"));
}

#[tokio::test]
async fn assumed_role_credentials_act_in_the_role_account_with_separate_state() {
    let aws = Aws::start().await;
    aws.emulator().add_role(OTHER_ACCOUNT, "Auditor");
    let sts = aws.sts().await;
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Auditor"))
        .role_session_name("trustdesk")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let expires_in = credentials.expiration().secs() - chrono::Utc::now().timestamp();
    assert!((880..=910).contains(&expires_in), "{expires_in}");
    assert_eq!(
        assumed.assumed_role_user().unwrap().arn(),
        format!("arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/Auditor/trustdesk")
    );

    let as_role = Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        None,
        "assumed",
    );
    let role_config = aws
        .config_with(REGION, as_role, RetryConfig::disabled())
        .await;
    let identity = aws_sdk_sts::Client::new(&role_config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(identity.account(), Some(OTHER_ACCOUNT));

    // IAM and EC2 state belong to the account that made them.
    let iam_b = aws_sdk_iam::Client::new(&role_config);
    iam_b
        .create_policy()
        .policy_name("only-in-b")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await
        .unwrap();
    let ec2_b = aws_sdk_ec2::Client::new(&role_config);
    ec2_b.create_ipam().send().await.unwrap();
    let iam_a = aws.iam().await;
    assert!(iam_a
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap()
        .policies()
        .is_empty());
    assert_eq!(
        iam_b
            .list_policies()
            .scope(PolicyScopeType::Local)
            .send()
            .await
            .unwrap()
            .policies()
            .len(),
        1
    );
    assert!(aws
        .ec2(REGION)
        .await
        .describe_ipams()
        .send()
        .await
        .unwrap()
        .ipams()
        .is_empty());
    assert_eq!(
        ec2_b.describe_ipams().send().await.unwrap().ipams().len(),
        1
    );
}

#[tokio::test]
async fn assume_role_checks_the_role_and_parameters() {
    let aws = Aws::start().await;
    aws.emulator().add_role(OTHER_ACCOUNT, "Auditor");
    let sts = aws.sts().await;
    let missing_role = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Nope"))
        .role_session_name("s1")
        .send()
        .await;
    let (missing_code, message) = error(missing_role);
    assert_eq!(missing_code, "AccessDenied");
    assert!(message.contains("sts:AssumeRole"), "{message}");
    let unknown_account = sts
        .assume_role()
        .role_arn("arn:aws:iam::999999999999:role/Auditor")
        .role_session_name("s1")
        .send()
        .await;
    assert_eq!(code(unknown_account), "AccessDenied");
    let role = format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Auditor");
    assert_eq!(
        code(
            sts.assume_role()
                .role_arn(&role)
                .role_session_name("x")
                .send()
                .await
        ),
        "ValidationError"
    );
    assert_eq!(
        code(
            sts.assume_role()
                .role_arn(&role)
                .role_session_name("has space")
                .send()
                .await
        ),
        "ValidationError"
    );
    assert_eq!(
        code(
            sts.assume_role()
                .role_arn(&role)
                .role_session_name("ok")
                .duration_seconds(60)
                .send()
                .await
        ),
        "ValidationError"
    );
    let too_long = sts
        .assume_role()
        .role_arn(&role)
        .role_session_name("ok")
        .duration_seconds(7200)
        .send()
        .await;
    assert_eq!(
        code(too_long),
        "ValidationError",
        "longer than the role's MaxSessionDuration"
    );
}
