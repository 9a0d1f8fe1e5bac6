//! AWS JSON 1.1 (License Manager and Organizations: `X-Amz-Target` names the operation, errors
//! carry `__type`) and REST-JSON (Multi-party approval: the path names the operation, errors carry
//! `x-amzn-ErrorType`).

use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

use super::respond;
use crate::error::ApiError;

const AWS_JSON: &str = "application/x-amz-json-1.1";
const REST_JSON: &str = "application/json";

pub fn aws_json_response(request_id: &str, body: Value) -> Response {
    respond(StatusCode::OK, AWS_JSON, request_id, body.to_string())
}

pub fn aws_json_error(error: &ApiError, request_id: &str) -> Response {
    let body = json!({ "__type": error.code, "message": error.message });
    respond(error.status, AWS_JSON, request_id, body.to_string())
}

/// An AWS JSON 1.1 error whose shape has members beside its message (Organizations'
/// `InvalidInputException` has a `Reason`); the message is `Message`, as those shapes name it.
pub fn aws_json_error_with(
    error: &ApiError,
    request_id: &str,
    extra: Map<String, Value>,
) -> Response {
    let mut body = extra;
    body.insert("__type".into(), json!(error.code));
    body.insert("Message".into(), json!(error.message));
    respond(
        error.status,
        AWS_JSON,
        request_id,
        Value::Object(body).to_string(),
    )
}

pub fn rest_json_response(request_id: &str, body: Value) -> Response {
    respond(StatusCode::OK, REST_JSON, request_id, body.to_string())
}

pub fn rest_json_error(error: &ApiError, request_id: &str) -> Response {
    let body = json!({ "Message": error.message });
    let mut response = respond(error.status, REST_JSON, request_id, body.to_string());
    if let Ok(kind) = HeaderValue::from_str(&error.code) {
        response.headers_mut().insert("x-amzn-ErrorType", kind);
    }
    response
}
