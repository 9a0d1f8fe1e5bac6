//! `/_emulator/…`: the test-only control endpoints (no AWS counterpart).
//!
//! - `GET /_emulator/health`
//! - `POST /_emulator/faults` `{"operation": "ListPolicies", "times": 2, "kind": "throttle" | "server_error" | "access_denied" | "delay", "delay": 250}`,
//!   optionally narrowed with `"account": "123456789012"` (calls of that account) and
//!   `"naming": "tp-0123"` (calls whose path, query or body contains it: a substring, so name
//!   an id that no other id contains)
//! - `DELETE /_emulator/faults`
//! - `POST /_emulator/clock` `{"advance_seconds": 86400}`
//! - `GET /_emulator/calls`: `{"total": 12, "operations": {"ListPolicies": 2, …}}`
//! - `DELETE /_emulator/calls`: counts start again from zero
//! - `POST /_emulator/roles` `{"account": "210987654321", "role_name": "Auditor"}`
//! - `POST /_emulator/chat/{channel}` `{"text": …}`: the demo's Slack-compatible chat webhook;
//!   `GET /_emulator/chat` shows what it received (`/_emulator/chat.json` as JSON)
//! - `POST /_emulator/organization/accounts` `{"name": "team-a", "parent": "ou-…", "role": true,
//!   "status": "ACTIVE", "id": "800000000001", "email": "a@example.com"}` (only `name`
//!   required; `parent` defaults to the root, `role` (the console's role in it) to false,
//!   `status` to ACTIVE, `id` to the next free from 800000000001, `email` to one made from the
//!   name): a member account, with its own state, answered `{"id": "…"}`. Without an
//!   organization, the default account founds one.
//! - `POST /_emulator/organization/scale` `{"accounts": 200}` (1 to 1,000): that many active
//!   accounts with the console's role, `member-0001` on, in the OU `Scale` under the root,
//!   answered `{"organizational_unit": "ou-…", "accounts": ["600000000001", …]}`
//! - `POST /_emulator/organization/accounts/{id}/status` `{"status": "SUSPENDED"}` (ACTIVE,
//!   SUSPENDED, PENDING_CLOSURE or CLOSED): a member's `State`, and so its `Status`
//!
//! Every request that changes state must say `Content-Type: application/json`: a web page can
//! send a cross-site POST with a form or text body without asking first, but not a JSON one, so
//! a page the user visits cannot drive a standalone emulator on its well-known port. Like every
//! request, they are served only when addressed to a loopback name (`server`): a page that
//! re-points its own name at 127.0.0.1 (DNS rebinding) is same-origin, JSON and all.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method, StatusCode};
use serde::Deserialize;

use crate::faults::{Fault, Only};
use crate::services::organizations::{AccountState, NewMember};
use crate::Emulator;

pub const PREFIX: &str = "/_emulator";

#[derive(Deserialize)]
struct FaultRequest {
    operation: String,
    #[serde(default = "one")]
    times: usize,
    #[serde(flatten)]
    fault: Fault,
    #[serde(flatten)]
    only: Only,
}

fn one() -> usize {
    1
}

/// The most faults one request may queue for an operation.
pub const MAX_FAULT_TIMES: usize = 1_000_000;
/// The longest injected delay: a minute, well past any SDK timeout a test wants to reach.
pub const MAX_DELAY_MILLIS: u128 = 60_000;
/// The furthest one request moves the clock: a hundred years (of 365 days).
pub const MAX_ADVANCE_SECONDS: i64 = 100 * 365 * 86_400;

#[derive(Deserialize)]
struct ClockRequest {
    advance_seconds: i64,
}

#[derive(Deserialize)]
struct RoleRequest {
    account: String,
    role_name: String,
}

#[derive(Deserialize)]
struct MemberRequest {
    name: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    role: bool,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct ScaleRequest {
    accounts: usize,
}

#[derive(Deserialize)]
struct StatusRequest {
    status: String,
}

const ORGANIZATION_ACCOUNTS: &str = "/organization/accounts";

pub fn handle(
    emulator: &Emulator,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let route = path.trim_start_matches(PREFIX);
    if method != Method::GET && method != Method::HEAD && !is_json(headers) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "control requests that change the emulator must be sent with Content-Type: application/json",
        )
            .into_response();
    }
    if let (&Method::POST, Some(account)) = (method, account_status_route(route)) {
        return set_status(emulator, account, body);
    }
    match (method.clone(), route) {
        (Method::GET, "/health") => (StatusCode::OK, "ok").into_response(),
        (Method::POST, "/faults") => match serde_json::from_slice::<FaultRequest>(body) {
            Ok(request) => match check_fault(&request) {
                Ok(()) => {
                    emulator.inject_fault_only(
                        &request.operation,
                        request.only,
                        request.fault,
                        request.times,
                    );
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
            },
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
            Ok(ClockRequest { advance_seconds })
                if (0..=MAX_ADVANCE_SECONDS).contains(&advance_seconds) =>
            {
                emulator.advance_clock(chrono::Duration::seconds(advance_seconds));
                StatusCode::NO_CONTENT.into_response()
            }
            Ok(_) => (
                StatusCode::BAD_REQUEST,
                format!("advance_seconds must be from 0 to {MAX_ADVANCE_SECONDS} (100 years)"),
            )
                .into_response(),
            Err(error) => bad_request(error),
        },
        (Method::POST, "/roles") => match serde_json::from_slice::<RoleRequest>(body) {
            Ok(request)
                if !(request.account.len() == 12
                    && request.account.bytes().all(|b| b.is_ascii_digit())) =>
            {
                (StatusCode::BAD_REQUEST, "account must be 12 digits").into_response()
            }
            Ok(request) if !is_role_name(&request.role_name) => (
                StatusCode::BAD_REQUEST,
                "role_name must be 1 to 64 characters of letters, digits and +=,.@_-",
            )
                .into_response(),
            Ok(request) => {
                emulator.add_role(&request.account, &request.role_name);
                StatusCode::NO_CONTENT.into_response()
            }
            Err(error) => bad_request(error),
        },
        (Method::POST, ORGANIZATION_ACCOUNTS) => add_member(emulator, body),
        (Method::POST, "/organization/scale") => scale(emulator, body),
        (Method::GET, "/chat") => emulator.chat().page(),
        (Method::GET, "/chat.json") => axum::Json(emulator.chat().messages()).into_response(),
        (Method::POST, route) if route.starts_with("/chat/") => {
            emulator.chat().receive(&route["/chat/".len()..], body)
        }
        _ => (StatusCode::NOT_FOUND, "unknown control endpoint").into_response(),
    }
}

fn add_member(emulator: &Emulator, body: &[u8]) -> Response {
    let request = match serde_json::from_slice::<MemberRequest>(body) {
        Ok(request) => request,
        Err(error) => return bad_request(error),
    };
    let state = match request.status.as_deref().map(parse_state).transpose() {
        Ok(state) => state.unwrap_or(AccountState::Active),
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let new = NewMember {
        id: request.id,
        email: request.email,
        parent: request.parent,
        role: request.role,
        state,
        ..NewMember::created(&request.name, emulator.now())
    };
    match emulator.add_member_account(new) {
        Ok(id) => axum::Json(serde_json::json!({ "id": id })).into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

fn scale(emulator: &Emulator, body: &[u8]) -> Response {
    let request = match serde_json::from_slice::<ScaleRequest>(body) {
        Ok(request) => request,
        Err(error) => return bad_request(error),
    };
    match emulator.add_scale_members(request.accounts) {
        Ok(scaled) => axum::Json(serde_json::json!({
            "organizational_unit": scaled.unit,
            "accounts": scaled.accounts,
        }))
        .into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

fn set_status(emulator: &Emulator, account: &str, body: &[u8]) -> Response {
    let request = match serde_json::from_slice::<StatusRequest>(body) {
        Ok(request) => request,
        Err(error) => return bad_request(error),
    };
    match parse_state(&request.status).and_then(|state| emulator.set_account_state(account, state))
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, message).into_response(),
    }
}

/// The account of `/organization/accounts/{id}/status`.
fn account_status_route(route: &str) -> Option<&str> {
    route
        .strip_prefix(ORGANIZATION_ACCOUNTS)?
        .strip_prefix('/')?
        .strip_suffix("/status")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

fn parse_state(text: &str) -> Result<AccountState, String> {
    AccountState::parse(text).ok_or_else(|| {
        format!(
            "status must be one of {}",
            AccountState::ALL.map(AccountState::as_str).join(", ")
        )
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn check_fault(request: &FaultRequest) -> Result<(), String> {
    if !(1..=MAX_FAULT_TIMES).contains(&request.times) {
        return Err(format!("times must be from 1 to {MAX_FAULT_TIMES}"));
    }
    if request.operation.is_empty() || request.operation.len() > 128 {
        return Err("operation must be 1 to 128 characters (or \"*\")".into());
    }
    if request
        .only
        .naming
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.len() > 2048)
    {
        return Err("naming must be 1 to 2048 characters".into());
    }
    match request.fault {
        Fault::Delay { delay } if delay.as_millis() > MAX_DELAY_MILLIS => Err(format!(
            "delay must be at most {MAX_DELAY_MILLIS} milliseconds"
        )),
        _ => Ok(()),
    }
}

/// IAM's rule for role names.
fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn bad_request(error: serde_json::Error) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("invalid request body: {error}"),
    )
        .into_response()
}
