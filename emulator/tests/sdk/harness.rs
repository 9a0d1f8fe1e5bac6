use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use trustdesk_emulator::{Emulator, Running};

pub use aws_sdk_iam::error::ProvideErrorMetadata;

pub const REGION: &str = "us-east-1";
pub const OTHER_REGION: &str = "eu-west-1";

/// An emulator on 127.0.0.1:0, stopped when dropped.
pub struct Aws {
    pub running: Running,
}

impl Aws {
    pub async fn start() -> Self {
        Self::start_with(Emulator::new()).await
    }

    pub async fn start_with(emulator: Emulator) -> Self {
        let running = emulator
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .expect("emulator starts");
        Self { running }
    }

    pub fn emulator(&self) -> &Emulator {
        &self.running.emulator
    }

    pub async fn config(&self, region: &str) -> SdkConfig {
        self.config_with(
            region,
            Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"),
            RetryConfig::disabled(),
        )
        .await
    }

    pub async fn config_with(
        &self,
        region: &str,
        credentials: Credentials,
        retry: RetryConfig,
    ) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(self.running.endpoint())
            .region(Region::new(region.to_string()))
            .credentials_provider(credentials)
            .retry_config(retry)
            .load()
            .await
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config(REGION).await)
    }

    pub async fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config(REGION).await)
    }

    pub async fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config(region).await)
    }

    pub async fn license_manager(&self, region: &str) -> aws_sdk_licensemanager::Client {
        aws_sdk_licensemanager::Client::new(&self.config(region).await)
    }

    pub async fn mpa(&self, region: &str) -> aws_sdk_mpa::Client {
        aws_sdk_mpa::Client::new(&self.config(region).await)
    }

    pub async fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.config(REGION).await)
    }
}

/// The AWS error code of a call that must fail.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an AWS error, got {value:?}"),
        Err(error) => error
            .code()
            .unwrap_or_else(|| panic!("error without a code: {error:?}"))
            .to_string(),
    }
}

/// The code and message of a call that must fail.
pub fn error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> (String, String) {
    match result {
        Ok(value) => panic!("expected an AWS error, got {value:?}"),
        Err(error) => (
            error
                .code()
                .unwrap_or_else(|| panic!("error without a code: {error:?}"))
                .to_string(),
            error.message().unwrap_or_default().to_string(),
        ),
    }
}

pub fn iam_tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .unwrap()
}

pub fn ec2_tag(key: &str, value: &str) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

pub const POLICY_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;

/// The AWS error code and HTTP status of an IAM call that must fail.
pub fn code_status<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, aws_sdk_iam::error::SdkError<E, aws_sdk_iam::config::http::HttpResponse>>,
) -> (String, u16) {
    let status = result
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    let code = code(result);
    (
        code,
        status.unwrap_or_else(|| panic!("no HTTP response for the error")),
    )
}

/// A policy document as IAM returns it, URL-decoded.
pub fn url_decoded(document: &str) -> String {
    percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .expect("a URL-encoded UTF-8 document")
        .into_owned()
}

/// An IAM client acting in `account` through AssumeRole into `role`.
pub async fn iam_in(aws: &Aws, account: &str, role: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&config_in(aws, account, role).await)
}

/// A configuration acting in `account` through AssumeRole into `role`.
pub async fn config_in(aws: &Aws, account: &str, role: &str) -> SdkConfig {
    let assumed = aws
        .sts()
        .await
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name("tests")
        .send()
        .await
        .expect("AssumeRole into the account");
    let credentials = assumed.credentials().expect("credentials");
    aws.config_with(
        REGION,
        Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            None,
            "assumed",
        ),
        RetryConfig::disabled(),
    )
    .await
}
