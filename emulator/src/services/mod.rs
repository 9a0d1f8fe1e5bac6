//! One module per AWS service; `Service` routes a request to its module and renders errors in
//! that service's protocol.

pub mod ec2;
pub mod iam;
mod json_input;
pub mod license_manager;
pub mod mpa;
pub mod organizations;
mod query_input;
pub mod sts;

use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::error::ApiError;
use crate::protocol::{json, query};
use crate::state::{Principal, World};

/// A request as it arrived, after the signature scope has been read.
pub struct RawRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Who is calling, where, and the id this request is answered with.
pub struct Ctx {
    pub principal: Principal,
    pub region: String,
    pub request_id: String,
}

impl Ctx {
    pub fn account(&self) -> &str {
        &self.principal.account
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
    Ec2,
    LicenseManager,
    Mpa,
    Organizations,
}

impl Service {
    /// By SigV4 signing name, as AWS routes.
    pub fn from_signing_name(name: &str) -> Option<Self> {
        Some(match name {
            "iam" => Self::Iam,
            "sts" => Self::Sts,
            "ec2" => Self::Ec2,
            "license-manager" => Self::LicenseManager,
            "mpa" => Self::Mpa,
            "organizations" => Self::Organizations,
            _ => return None,
        })
    }

    pub fn operation(self, request: &RawRequest) -> Result<String, ApiError> {
        match self {
            Self::Iam | Self::Sts | Self::Ec2 => {
                let params = query::Params::parse(&request.body, request.query.as_deref());
                params.action().map(str::to_string).ok_or_else(|| {
                    ApiError::bad_request(
                        "MissingAction",
                        "The request must contain the parameter Action.",
                    )
                })
            }
            Self::LicenseManager => license_manager::operation(request),
            Self::Mpa => mpa::operation(request),
            Self::Organizations => organizations::operation(request),
        }
    }

    pub fn handle(
        self,
        world: &mut World,
        ctx: &Ctx,
        operation: &str,
        request: &RawRequest,
    ) -> Response {
        match self {
            Self::Iam => iam::handle(world, ctx, operation, request),
            Self::Sts => sts::handle(world, ctx, operation, request),
            Self::Ec2 => ec2::handle(world, ctx, operation, request),
            Self::LicenseManager => license_manager::handle(world, ctx, operation, request),
            Self::Mpa => mpa::handle(world, ctx, operation, request),
            Self::Organizations => organizations::handle(world, ctx, operation, request),
        }
    }

    pub fn error_response(self, error: &ApiError, request_id: &str) -> Response {
        match self {
            Self::Iam => query::error_response(query::IAM_NAMESPACE, error, request_id),
            Self::Sts => query::error_response(query::STS_NAMESPACE, error, request_id),
            Self::Ec2 => query::ec2_error_response(error, request_id),
            Self::LicenseManager => json::aws_json_error(error, request_id),
            Self::Mpa => json::rest_json_error(error, request_id),
            Self::Organizations => organizations::error_response(error, request_id),
        }
    }

    pub fn throttling_error(self) -> ApiError {
        match self {
            Self::Iam | Self::Sts => ApiError::bad_request("Throttling", "Rate exceeded"),
            Self::Ec2 => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "RequestLimitExceeded",
                "Request limit exceeded.",
            ),
            Self::LicenseManager => {
                ApiError::bad_request("RateLimitExceededException", "Rate exceeded")
            }
            Self::Mpa => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "ThrottlingException",
                "Rate exceeded",
            ),
            Self::Organizations => ApiError::bad_request(
                "TooManyRequestsException",
                "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
            ),
        }
    }

    pub fn internal_error(self) -> ApiError {
        let (code, message) = match self {
            Self::Iam | Self::Sts => ("ServiceFailure", "The request processing has failed because of an unknown error, exception or failure."),
            Self::Ec2 => ("InternalError", "An internal error has occurred."),
            Self::LicenseManager => ("ServerInternalException", "An internal error occurred."),
            Self::Mpa => ("InternalServerException", "An internal error occurred."),
            Self::Organizations => ("ServiceException", "Organizations can't complete your request because of an internal service error. Try again later."),
        };
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, code, message)
    }

    pub fn access_denied_error(self, operation: &str) -> ApiError {
        let action = match self {
            Self::Iam => format!("iam:{operation}"),
            Self::Sts => format!("sts:{operation}"),
            Self::Ec2 => format!("ec2:{operation}"),
            Self::LicenseManager => format!("license-manager:{operation}"),
            Self::Mpa => format!("mpa:{operation}"),
            Self::Organizations => format!("organizations:{operation}"),
        };
        let message = format!("You are not authorized to perform this operation: {action}.");
        match self {
            Self::Ec2 => ApiError::new(StatusCode::FORBIDDEN, "UnauthorizedOperation", message),
            Self::Iam | Self::Sts => ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", message),
            Self::LicenseManager => ApiError::bad_request("AccessDeniedException", message),
            Self::Mpa => ApiError::new(StatusCode::FORBIDDEN, "AccessDeniedException", message),
            // Organizations' own sentence names no action.
            Self::Organizations => organizations::access_denied(),
        }
    }

    pub fn unknown_operation(self, operation: &str) -> ApiError {
        match self {
            Self::LicenseManager | Self::Mpa | Self::Organizations => ApiError::bad_request(
                "UnknownOperationException",
                format!("The emulator does not serve {operation}."),
            ),
            _ => ApiError::bad_request(
                "InvalidAction",
                format!("The action {operation} is not valid for this web service."),
            ),
        }
    }
}
