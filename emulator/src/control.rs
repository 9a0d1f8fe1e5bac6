//! `/_emulator/…`: the test-only control endpoints (no AWS counterpart).
//!
//! - `GET /_emulator/health`
//! - `POST /_emulator/faults` `{"operation": "ListPolicies", "times": 2, "kind": "throttle" | "server_error" | "access_denied" | "delay", "delay": 250}`
//! - `DELETE /_emulator/faults`
//! - `POST /_emulator/clock` `{"advance_seconds": 86400}`
//! - `GET /_emulator/calls`: `{"total": 12, "operations": {"ListPolicies": 2, …}}`
//! - `DELETE /_emulator/calls`: counts start again from zero
//! - `POST /_emulator/roles` `{"account": "210987654321", "role_name": "Auditor"}`

use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use serde::Deserialize;

use crate::faults::Fault;
use crate::Emulator;

pub const PREFIX: &str = "/_emulator";

#[derive(Deserialize)]
struct FaultRequest {
    operation: String,
    #[serde(default = "one")]
    times: usize,
    #[serde(flatten)]
    fault: Fault,
}

fn one() -> usize {
    1
}

#[derive(Deserialize)]
struct ClockRequest {
    advance_seconds: i64,
}

#[derive(Deserialize)]
struct RoleRequest {
    account: String,
    role_name: String,
}

pub fn handle(emulator: &Emulator, method: &Method, path: &str, body: &[u8]) -> Response {
    let route = path.trim_start_matches(PREFIX);
    match (method.clone(), route) {
        (Method::GET, "/health") => (StatusCode::OK, "ok").into_response(),
        (Method::POST, "/faults") => match serde_json::from_slice::<FaultRequest>(body) {
            Ok(request) => {
                emulator.inject_fault(&request.operation, request.fault, request.times);
                StatusCode::NO_CONTENT.into_response()
            }
            Err(error) => bad_request(error),
        },
        (Method::GET, "/calls") => {
            let operations = emulator.calls();
            let total: u64 = operations.values().sum();
            axum::Json(serde_json::json!({"total": total, "operations": operations}))
                .into_response()
        }
        (Method::DELETE, "/calls") => {
            emulator.reset_calls();
            StatusCode::NO_CONTENT.into_response()
        }
        (Method::DELETE, "/faults") => {
            emulator.clear_faults();
            StatusCode::NO_CONTENT.into_response()
        }
        (Method::POST, "/clock") => match serde_json::from_slice::<ClockRequest>(body) {
            Ok(request) => {
                emulator.advance_clock(chrono::Duration::seconds(request.advance_seconds));
                StatusCode::NO_CONTENT.into_response()
            }
            Err(error) => bad_request(error),
        },
        (Method::POST, "/roles") => match serde_json::from_slice::<RoleRequest>(body) {
            Ok(request)
                if request.account.len() == 12
                    && request.account.bytes().all(|b| b.is_ascii_digit()) =>
            {
                emulator.add_role(&request.account, &request.role_name);
                StatusCode::NO_CONTENT.into_response()
            }
            Ok(_) => (StatusCode::BAD_REQUEST, "account must be 12 digits").into_response(),
            Err(error) => bad_request(error),
        },
        _ => (StatusCode::NOT_FOUND, "unknown control endpoint").into_response(),
    }
}

fn bad_request(error: serde_json::Error) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("invalid request body: {error}"),
    )
        .into_response()
}
