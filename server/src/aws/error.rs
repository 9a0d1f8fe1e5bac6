//! One mapping from the SDK's errors to the model's: a sentence the user can act on, naming the
//! account, region and IAM action; the details and AWS request id go to the log and audit trail.

use app::model::{AppError, ErrorKind};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::operation::RequestId;

/// Where a call went.
#[derive(Debug, Clone)]
pub struct Scope {
    pub account: String,
    pub account_id: String,
    pub region: String,
}

impl Scope {
    pub fn new(account: &str, account_id: &str, region: &str) -> Self {
        Self {
            account: account.to_string(),
            account_id: account_id.to_string(),
            region: region.to_string(),
        }
    }

    fn describe(&self) -> String {
        if self.account_id.is_empty() {
            format!("{}/{}", self.account, self.region)
        } else {
            format!("{} ({})/{}", self.account, self.account_id, self.region)
        }
    }
}

/// A failed AWS call: the user's sentence, AWS's code and the request id.
#[derive(Debug, Clone)]
pub struct AwsFailure {
    pub error: AppError,
    pub code: String,
    pub request_id: String,
}

impl AwsFailure {
    /// This failure said in the kind's own sentence, as a conflict, when AWS's code is `code`
    /// (e.g. a name already taken: what to do about it); AWS's code and request id stay.
    pub fn conflict_when(mut self, code: &str, sentence: impl FnOnce() -> String) -> Self {
        if self.code == code {
            self.error = AppError::conflict(sentence());
        }
        self
    }
}

#[cfg(test)]
impl AwsFailure {
    /// A failure as the mapping makes one, of AWS's `code`, told as `error`, of request `r-1`:
    /// for the tests of what a kind says of a refusal.
    pub fn refused_as(code: &str, error: AppError) -> Self {
        Self {
            error,
            code: code.into(),
            request_id: "r-1".into(),
        }
    }
}

impl From<AwsFailure> for AppError {
    fn from(failure: AwsFailure) -> Self {
        failure.error
    }
}

pub(crate) const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RateLimitExceededException",
    "TooManyRequestsException",
];
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthFailure",
    "AuthorizationException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
];
const CONFLICT: &[&str] = &[
    "EntityAlreadyExists",
    "ConflictException",
    "IdempotentParameterMismatch",
    "DeleteConflict",
    "IncorrectState",
    "LimitExceeded",
    "TagLimitExceeded",
    "TooManyTagsException",
    "ServiceQuotaExceededException",
    "ResourceLimitExceededException",
];

/// A failed call as the SDK reports it, for any operation of any service: what the mapping
/// reads of it.
pub trait CallError {
    /// AWS's error code, when AWS answered one.
    fn aws_code(&self) -> Option<&str>;

    /// AWS's own words, when AWS answered some.
    fn aws_message(&self) -> Option<&str>;

    /// The failure of `action` in `scope` as the user is told it ([`failure`]).
    fn failure(self, action: &str, scope: &Scope) -> AwsFailure;
}

impl<E, R> CallError for SdkError<E, R>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
    SdkError<E, R>: RequestId,
{
    fn aws_code(&self) -> Option<&str> {
        self.as_service_error().and_then(|e| e.code())
    }

    fn aws_message(&self) -> Option<&str> {
        self.as_service_error().and_then(|e| e.message())
    }

    fn failure(self, action: &str, scope: &Scope) -> AwsFailure {
        failure(self, action, scope)
    }
}

/// What a change sent to AWS came to: AWS's request id (what the audit trail keeps), or the
/// failure of `action` in `scope`.
pub fn answered<O: RequestId>(
    sent: Result<O, impl CallError>,
    action: &str,
    scope: &Scope,
) -> Result<String, AwsFailure> {
    output_of(sent, action, scope).map(|output| request_id(&output))
}

/// What a call of `action` answered, or its failure, mapped.
pub fn output_of<O>(
    sent: Result<O, impl CallError>,
    action: &str,
    scope: &Scope,
) -> Result<O, AwsFailure> {
    sent.map_err(|err| err.failure(action, scope))
}

/// AWS's request id of an answer (what the audit trail keeps).
pub fn request_id(output: &impl RequestId) -> String {
    output.request_id().unwrap_or_default().to_string()
}

/// AWS's own words in a failed call's answer (its message; empty when it gave none), for a
/// refusal the kind says in a sentence of its own that quotes them.
pub fn said<T>(sent: &Result<T, impl CallError>) -> String {
    let message = sent.as_ref().err().and_then(|err| err.aws_message());
    message.unwrap_or_default().to_string()
}

/// What a read of one item answered: `None` when AWS has no such item (IAM's NoSuchEntity,
/// EC2's `….NotFound`, ResourceNotFoundException), else the answer or the failure of `action`.
pub fn found<T>(
    result: Result<T, impl CallError>,
    action: &str,
    scope: &Scope,
) -> Result<Option<T>, AwsFailure> {
    match result {
        Ok(output) => Ok(Some(output)),
        Err(err) if err.aws_code().is_some_and(is_absent) => Ok(None),
        Err(err) => Err(err.failure(action, scope)),
    }
}

/// AWS's codes for "no such item".
fn is_absent(code: &str) -> bool {
    code.ends_with(".NotFound") || code == "NoSuchEntity" || code == "ResourceNotFoundException"
}

/// Maps a failed call of `action` (e.g. `ec2:DeleteTags`) in `scope`.
pub fn failure<E, R>(err: SdkError<E, R>, action: &str, scope: &Scope) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
    SdkError<E, R>: RequestId,
{
    let request_id = err
        .as_service_error()
        .and_then(|e| e.meta().request_id().map(str::to_string))
        .or_else(|| err.request_id().map(str::to_string))
        .unwrap_or_default();
    let (code, message) = match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            (
                e.code().unwrap_or("Unknown").to_string(),
                e.message().unwrap_or_default().to_string(),
            )
        }
        SdkError::TimeoutError(_) => ("Timeout".to_string(), String::new()),
        SdkError::DispatchFailure(_) => ("DispatchFailure".to_string(), String::new()),
        SdkError::ResponseError(_) => ("ResponseError".to_string(), String::new()),
        _ => ("ConstructionFailure".to_string(), String::new()),
    };
    tracing::warn!(action, account = %scope.account, account_id = %scope.account_id, region = %scope.region, code, request_id, error = ?err, "AWS call failed");
    let error = classify(&code, &message, action, scope);
    AwsFailure {
        error,
        code,
        request_id,
    }
}

/// The answer to an EC2 call sent with `DryRun`: Ok when AWS says DryRunOperation (the call
/// would have succeeded); AWS's refusal, mapped, otherwise.
pub fn dry_run_outcome<T>(
    result: Result<T, impl CallError>,
    action: &str,
    scope: &Scope,
) -> Result<(), AwsFailure> {
    match result {
        Err(err) if err.aws_code() == Some("DryRunOperation") => Ok(()),
        Err(err) => Err(err.failure(action, scope)),
        // AWS never acts on a dry run; an endpoint that did is reported, not trusted.
        Ok(_) => Err(AwsFailure {
            error: AppError::unavailable(format!("The AWS endpoint carried out {action} on a dry run; check the endpoint configuration.")),
            code: "DryRunIgnored".into(),
            request_id: String::new(),
        }),
    }
}

fn classify(code: &str, message: &str, action: &str, scope: &Scope) -> AppError {
    let where_ = scope.describe();
    let aws_said = if message.is_empty() {
        String::new()
    } else {
        format!(" AWS said: {message}")
    };
    if THROTTLING.contains(&code) {
        return AppError::new(
            ErrorKind::Throttled,
            format!("AWS is throttling {action} in {where_} and refused {} attempts. Wait a minute and try again.", super::MAX_ATTEMPTS),
        );
    }
    if code == "ExpiredToken" || code == "ExpiredTokenException" {
        return AppError::access_denied(format!("The credentials for {where_} have expired; renew them (or the role session) and try again."));
    }
    if DENIED.contains(&code) {
        return AppError::access_denied(format!(
            "AWS refused: the credentials for {where_} lack {action}.{aws_said}"
        ));
    }
    if is_absent(code) {
        return AppError::not_found(format!(
            "AWS has no such item in {where_}: it may have been deleted already.{aws_said}"
        ));
    }
    if CONFLICT.contains(&code) {
        return AppError::conflict(format!(
            "AWS refused {action} in {where_} ({code}).{aws_said}"
        ));
    }
    match code {
        "Timeout" | "DispatchFailure" | "ResponseError" => AppError::unavailable(format!(
            "AWS did not answer {action} in {where_}. Check the network and try again."
        )),
        _ if code.starts_with("Invalid")
            || code.starts_with("Missing")
            || code.starts_with("Validation")
            || code.starts_with("Malformed") =>
        {
            AppError::new(
                ErrorKind::Validation,
                format!("AWS rejected {action} in {where_} ({code}).{aws_said}"),
            )
        }
        "InternalError"
        | "InternalFailure"
        | "ServiceFailure"
        | "ServiceUnavailable"
        | "ServerInternalException"
        | "InternalServerException" => AppError::unavailable(format!(
            "AWS had an internal error on {action} in {where_}; try again in a moment."
        )),
        _ => AppError::unavailable(format!(
            "AWS could not complete {action} in {where_} ({code}).{aws_said}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::new("prod", "111111111111", "us-east-1")
    }

    #[test]
    fn access_denied_names_the_action_account_and_region() {
        let e = classify(
            "UnauthorizedOperation",
            "",
            "ec2:CreateIpamExternalResourceVerificationToken",
            &scope(),
        );
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(
            e.message,
            "AWS refused: the credentials for prod (111111111111)/us-east-1 lack ec2:CreateIpamExternalResourceVerificationToken."
        );
    }

    #[test]
    fn kinds() {
        for (code, message, kind) in [
            ("RequestLimitExceeded", "", ErrorKind::Throttled),
            ("InvalidIpamId.NotFound", "", ErrorKind::NotFound),
            ("IdempotentParameterMismatch", "", ErrorKind::Conflict),
            ("InvalidParameterValue", "bad", ErrorKind::Validation),
            ("Timeout", "", ErrorKind::Unavailable),
            ("ExpiredToken", "", ErrorKind::AccessDenied),
        ] {
            assert_eq!(
                classify(code, message, "ec2:X", &scope()).kind,
                kind,
                "{code}"
            );
        }
    }
}
