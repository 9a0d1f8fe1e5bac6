//! The four wire protocols of the services emulated: AWS query (IAM, STS), EC2 query, AWS JSON 1.1
//! (License Manager, Organizations) and REST-JSON (Multi-party approval).

pub mod json;
pub mod query;
pub mod xml;

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};

pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

pub fn respond(
    status: StatusCode,
    content_type: &'static str,
    request_id: &str,
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, id);
    }
    response
}
