//! Retrying what AWS says is throttling, for services whose SDK does not know the code: License
//! Manager throttles with `RateLimitExceededException` (HTTP 400), which is neither among the
//! SDK's throttling codes nor modelled as retryable, so its client would give up after one
//! attempt where every other service's client tries [`super::MAX_ATTEMPTS`] times.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};

/// Classifies an AWS JSON protocol error whose code is one of [`super::error::THROTTLING`] as
/// throttling, so the standard retry strategy retries it (with its backoff and retry quota).
#[derive(Debug, Default)]
pub struct ThrottlingCodes;

impl ClassifyRetry for ThrottlingCodes {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        if !matches!(ctx.output_or_error(), Some(Err(_))) {
            return RetryAction::NoActionIndicated;
        }
        match ctx.response().and_then(json_error_code) {
            Some(code) if super::error::THROTTLING.contains(&code.as_str()) => {
                RetryAction::throttling_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "trustdesk throttling codes"
    }
}

/// An AWS JSON error's code: the `x-amzn-ErrorType` header, else the body's `__type`.
fn json_error_code(response: &HttpResponse) -> Option<String> {
    let raw = match response.headers().get("x-amzn-errortype") {
        Some(header) => header.to_string(),
        None => {
            let body: serde_json::Value = serde_json::from_slice(response.body().bytes()?).ok()?;
            body.get("__type")?.as_str()?.to_string()
        }
    };
    Some(code_of(&raw).to_string())
}

/// The code alone, as the AWS JSON protocols say to read it: without a namespace
/// (`aws.licensemanager#…`) or anything after a `:`.
fn code_of(raw: &str) -> &str {
    let code = raw.split(':').next().unwrap_or(raw);
    code.rsplit('#').next().unwrap_or(code).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::interceptors::context::{Error, Input};
    use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
    use aws_smithy_types::body::SdkBody;

    fn classify(status: u16, header: Option<&str>, body: &str) -> RetryAction {
        let mut response = HttpResponse::new(
            status.try_into().expect("a status"),
            SdkBody::from(body.to_string()),
        );
        if let Some(header) = header {
            response
                .headers_mut()
                .insert("x-amzn-ErrorType", header.to_string());
        }
        let mut ctx = InterceptorContext::new(Input::doesnt_matter());
        ctx.set_response(response);
        ctx.set_output_or_error(Err(OrchestratorError::operation(Error::doesnt_matter())));
        ThrottlingCodes.classify_retry(&ctx)
    }

    #[test]
    fn license_managers_rate_limit_is_throttling_and_other_errors_are_not_retried_here() {
        let throttled = r#"{"__type":"RateLimitExceededException","message":"Rate exceeded"}"#;
        assert_eq!(
            classify(400, None, throttled),
            RetryAction::throttling_error()
        );
        let namespaced = r#"{"__type":"com.amazonaws.licensemanager#RateLimitExceededException"}"#;
        assert_eq!(
            classify(400, None, namespaced),
            RetryAction::throttling_error()
        );
        assert_eq!(
            classify(
                400,
                Some("RateLimitExceededException:http://internal.amazon.com/"),
                "{}"
            ),
            RetryAction::throttling_error()
        );
        let denied = r#"{"__type":"AccessDeniedException","message":"no"}"#;
        assert_eq!(classify(400, None, denied), RetryAction::NoActionIndicated);
        assert_eq!(
            classify(400, None, "not json"),
            RetryAction::NoActionIndicated
        );
    }
}
