//! The door of every server function: who may call it and how much it may send are decided
//! from its path (the app's [`Endpoint`] table) and the caller's session, before a byte of its
//! body is read. A stranger's or a viewer's request for what they may not call is answered
//! without parsing anything, whatever it carries; the body of an admitted one is read under its
//! endpoint's limit, within a server-wide budget for large uploads, and must be UTF-8 when it is
//! a form.

use crate::console::RequestConsole;
use app::model::{endpoint::SMALL_BODY, Access, AppError, Endpoint, ErrorKind, ResourceKind, Role};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use std::{sync::Arc, time::Duration};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How request bodies are read: the memory all large ones being read at once may take (bodies
/// up to [`SMALL_BODY`] are not counted: each connection's is bounded by it; only admins, and
/// viewers checking a certificate, may send larger ones, so this bounds what even a stolen
/// session can make the server hold), and how long a client may take to send one.
pub struct Uploads {
    kib: Arc<Semaphore>,
    total_kib: u32,
    /// Generous for a 40 MiB upload on a slow link; what a client that sends nothing can hold a
    /// request for.
    pub read_timeout: Duration,
}

/// The budget of [`Uploads`]: two of the largest forms (a SAML metadata document) at once.
pub const UPLOAD_BUDGET: usize = 96 * 1024 * 1024;

impl Uploads {
    pub fn new(budget_bytes: usize, read_timeout: Duration) -> Self {
        let total_kib = u32::try_from(budget_bytes / 1024)
            .unwrap_or(u32::MAX)
            .max(1);
        Self {
            kib: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
            read_timeout,
        }
    }

    /// Room for a body of up to `bytes`, or `None` while other uploads hold the budget.
    fn reserve(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .min(self.total_kib);
        self.kib.clone().try_acquire_many_owned(kib).ok()
    }
}

/// An admitted request, with its body read (and the budget it holds until it is answered).
pub struct Admitted {
    pub request: Request,
    pub _upload: Option<OwnedSemaphorePermit>,
}

/// Lets `request` in if its caller may call the server function at `path`, reading its body
/// under the endpoint's limit; otherwise the answer that refuses it.
pub async fn admit(
    console: &RequestConsole,
    uploads: &Uploads,
    path: &str,
    request: Request,
) -> Result<Admitted, Response> {
    let plain_form = super::accepts_html(request.headers());
    let Some(endpoint) = app::api::endpoint(path) else {
        return Err(refusal(
            plain_form,
            StatusCode::NOT_FOUND,
            AppError::not_found("There is no such server function."),
        ));
    };
    authorize(console, endpoint, plain_form, request.headers()).await?;
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return Ok(Admitted {
            request,
            _upload: None,
        });
    }
    read_body(uploads, endpoint, plain_form, request).await
}

/// The caller's identity and role against the endpoint's [`Access`]: nothing of the request
/// but its path, its session and its `Accept` / `Referer` headers has been looked at.
async fn authorize(
    console: &RequestConsole,
    endpoint: &Endpoint,
    plain_form: bool,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let what = match endpoint.access {
        Access::Anyone => return Ok(()),
        Access::SignedIn => None,
        Access::Admin(what) => Some(what),
    };
    let user = match console.signed_in().await {
        Ok(Some(user)) => user,
        Ok(None) if plain_form => return Err(super::to_sign_in(&referring_path(headers))),
        Ok(None) => {
            return Err(refusal(
                false,
                StatusCode::UNAUTHORIZED,
                AppError::unauthenticated(),
            ))
        }
        Err(error) => return Err(refusal(plain_form, StatusCode::SERVICE_UNAVAILABLE, error)),
    };
    match what {
        Some(what) if user.role() != Role::Admin => {
            let (action, target_kind) = refusal_names(endpoint);
            let refused = console
                .refuse_viewer(&user, (&action, &target_kind), what)
                .await
                .unwrap_or_else(|error| error);
            Err(refusal(plain_form, StatusCode::FORBIDDEN, refused))
        }
        _ => Ok(()),
    }
}

/// What a viewer's refusal at the door is audited as, and the kind of its target: the action
/// the function itself audits when it declares one, a kind's `<kind>.<verb>` for a kind's own
/// function, else the path's name (`resource/delete` → `resource.delete`).
fn refusal_names(endpoint: &Endpoint) -> (String, String) {
    if let Some(action) = endpoint.refusal_action {
        let target = action.split('.').next().unwrap_or(action);
        return (action.to_string(), target.to_string());
    }
    let verb = endpoint.path.rsplit('/').next().unwrap_or(endpoint.path);
    let owner = ResourceKind::ALL.into_iter().find(|kind| {
        kind.info()
            .endpoints
            .iter()
            .any(|own| own.path == endpoint.path)
    });
    match owner {
        Some(kind) => (
            format!("{}.{verb}", kind.as_str()),
            kind.as_str().to_string(),
        ),
        None => {
            let action = endpoint.path.replace('/', ".");
            let target = action.split('.').next().unwrap_or_default().to_string();
            (action, target)
        }
    }
}

/// Reads the body: refused at once when it says it is larger than the endpoint takes, cut off
/// when it turns out larger, timed out when it does not come.
async fn read_body(
    uploads: &Uploads,
    endpoint: &Endpoint,
    plain_form: bool,
    request: Request,
) -> Result<Admitted, Response> {
    let too_large = || {
        refusal(
            plain_form,
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::new(
                ErrorKind::Validation,
                format!(
                    "The form is larger than trustdesk takes here ({}); nothing was sent to AWS.",
                    size(endpoint.max_body)
                ),
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > endpoint.max_body) {
        return Err(too_large());
    }
    let expected = declared.unwrap_or(endpoint.max_body).min(endpoint.max_body);
    let upload = if expected > SMALL_BODY {
        match uploads.reserve(expected) {
            Some(permit) => Some(permit),
            None => {
                return Err(refusal(
                    plain_form,
                    StatusCode::SERVICE_UNAVAILABLE,
                    AppError::unavailable(
                        "trustdesk is receiving other large uploads right now; try again in a minute. Nothing was sent to AWS.",
                    ),
                ))
            }
        }
    } else {
        None
    };
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();
    let bytes =
        match tokio::time::timeout(uploads.read_timeout, to_bytes(body, endpoint.max_body)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return Err(too_large()),
            Err(_) => {
                return Err(refusal(
                    plain_form,
                    StatusCode::REQUEST_TIMEOUT,
                    AppError::new(
                        ErrorKind::Validation,
                        "The form did not arrive in time; nothing was sent to AWS. Try again.",
                    ),
                ))
            }
        };
    if is_form {
        // Decoding megabytes is CPU work: off the async workers when the body is large.
        let checked = if bytes.len() > SMALL_BODY {
            let body = bytes.clone();
            tokio::task::spawn_blocking(move || form_is_utf8(&body))
                .await
                .unwrap_or_else(|_| Err("(unreadable)".into()))
        } else {
            form_is_utf8(&bytes)
        };
        if let Err(field) = checked {
            return Err(refusal(
                plain_form,
                StatusCode::BAD_REQUEST,
                AppError::new(
                    ErrorKind::Validation,
                    format!("The form's field {field} is not UTF-8 text; nothing was changed. Send the form again from the page."),
                ),
            ));
        }
    }
    Ok(Admitted {
        request: Request::from_parts(parts, Body::from(bytes)),
        _upload: upload,
    })
}

/// Every name and value of a form body, percent-decoded, is UTF-8; otherwise the name of the
/// first field that is not (as far as it can be told).
fn form_is_utf8(body: &[u8]) -> Result<(), String> {
    for pair in body.split(|b| *b == b'&') {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let name = decode(halves.next().unwrap_or_default());
        let value = decode(halves.next().unwrap_or_default());
        let name_text = std::str::from_utf8(&name);
        if name_text.is_err() || std::str::from_utf8(&value).is_err() {
            let shown: String = String::from_utf8_lossy(&name)
                .chars()
                .filter(|c| !c.is_control())
                .take(60)
                .collect();
            return Err(format!("\"{shown}\""));
        }
    }
    Ok(())
}

fn decode(part: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced).collect()
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// The path of the page a form was posted from (the `Referer`, when it is this site's).
fn referring_path(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        })
        .unwrap_or_else(|| "/".to_string())
}

/// A refusal as its caller can take it: the error as JSON for the app's scripts, a short page
/// for a form posted without JavaScript.
fn refusal(plain_form: bool, status: StatusCode, error: AppError) -> Response {
    if !plain_form {
        return (status, Json(error)).into_response();
    }
    let message = html_escape(&error.message);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not done · trustdesk</title></head>\
         <body><main><h1>Not done</h1><p>{message}</p><p><a href=\"/\">Back to trustdesk</a></p></main></body></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_must_decode_to_utf8() {
        assert!(form_is_utf8(b"name=caf%C3%A9&x=1+2").is_ok());
        assert!(form_is_utf8(b"").is_ok());
        assert_eq!(form_is_utf8(b"a=1&name=%FF").unwrap_err(), "\"name\"");
        assert!(form_is_utf8(b"a=\xff").is_err(), "raw bytes too");
        assert!(form_is_utf8(b"%C3=1").is_err(), "names too");
    }

    #[test]
    fn the_budget_is_shared_and_given_back() {
        let budget = Uploads::new(10 * 1024 * 1024, Duration::from_secs(1));
        let first = budget.reserve(6 * 1024 * 1024).expect("room for one");
        assert!(budget.reserve(6 * 1024 * 1024).is_none(), "not for two");
        assert!(
            budget.reserve(3 * 1024 * 1024).is_some(),
            "a smaller one fits"
        );
        drop(first);
        assert!(budget.reserve(6 * 1024 * 1024).is_some(), "given back");
        assert!(
            budget.reserve(50 * 1024 * 1024).is_some(),
            "a body larger than the whole budget takes all of it, not forever nothing"
        );
    }

    #[test]
    fn refusals_are_audited_under_the_functions_own_names() {
        let names = |path: &str| refusal_names(app::api::endpoint(path).expect(path));
        assert_eq!(
            names("tag-rules/delete"),
            ("tag_rule.delete".into(), "tag_rule".into())
        );
        assert_eq!(
            names("saml-providers/create"),
            ("saml-provider.create".into(), "saml-provider".into())
        );
        assert_eq!(
            names("resource/delete"),
            ("resource.delete".into(), "resource".into())
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(SMALL_BODY), "64 KiB");
        assert_eq!(size(40 * 1024 * 1024), "40 MiB");
    }
}
