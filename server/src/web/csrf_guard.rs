//! The CSRF guard: what a request's token is bound to, the browser's CSRF cookie, and the check
//! that refuses a state-changing request without the right token before anything runs.

use crate::csrf::{Binding, CsrfKey};
use app::{
    api::{CSRF_FIELD, CSRF_HEADER},
    model::AppError,
};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use tower_sessions::{
    cookie::{Cookie, SameSite},
    Session,
};

pub struct CsrfSettings {
    pub key: CsrfKey,
    /// Behind https: the cookie is `Secure` and `__Host-` prefixed.
    pub https: bool,
}

/// One request's binding, and the browser cookie to set when it had none.
pub struct RequestCsrf {
    binding: Option<Binding>,
    new_cookie: Option<String>,
}

impl RequestCsrf {
    /// Reading the session loads it, so that its id is known only when it is stored; a page
    /// view without a session gets a browser binding, in a cookie, and stores nothing.
    pub async fn resolve(
        settings: &CsrfSettings,
        session: &Session,
        headers: &HeaderMap,
        may_set_cookie: bool,
    ) -> Result<Self, tower_sessions::session::Error> {
        session.get_value(crate::console::USER_ID_KEY).await?;
        if let Some(id) = session.id() {
            return Ok(Self {
                binding: Some(Binding::Session(id.to_string())),
                new_cookie: None,
            });
        }
        let name = crate::csrf::cookie_name(settings.https);
        if let Some(value) = browser_value(headers, name) {
            return Ok(Self {
                binding: Some(Binding::Browser(value)),
                new_cookie: None,
            });
        }
        if !may_set_cookie {
            return Ok(Self {
                binding: None,
                new_cookie: None,
            });
        }
        let value = crate::csrf::fresh_browser_value();
        Ok(Self {
            binding: Some(Binding::Browser(value.clone())),
            new_cookie: Some(value),
        })
    }

    pub fn token(&self, key: &CsrfKey) -> String {
        self.binding
            .as_ref()
            .map(|binding| key.token(binding))
            .unwrap_or_default()
    }

    pub fn set_cookie(&self, settings: &CsrfSettings, headers: &mut HeaderMap) {
        let Some(value) = &self.new_cookie else {
            return;
        };
        let cookie = Cookie::build((crate::csrf::cookie_name(settings.https), value.as_str()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(settings.https)
            .path("/")
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(header::SET_COOKIE, value);
        }
    }

    /// Accepts the token from the `x-csrf-token` header or the `_csrf` form field; hands the
    /// request on with its body intact.
    pub async fn check(
        &self,
        key: &CsrfKey,
        request: Request,
        max_form_bytes: usize,
        read_timeout: std::time::Duration,
    ) -> Result<Request, Response> {
        let html = super::accepts_html(request.headers());
        let valid = |candidate: &str| {
            self.binding
                .as_ref()
                .is_some_and(|binding| key.verify(binding, candidate))
        };
        if let Some(token) = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            return if valid(token) {
                Ok(request)
            } else {
                Err(refusal(html))
            };
        }
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(refusal(html));
        }
        let (parts, body) = request.into_parts();
        // A client that never finishes its body holds nothing for longer than the door allows.
        let read = tokio::time::timeout(read_timeout, to_bytes(body, max_form_bytes)).await;
        let bytes = match read {
            Ok(Ok(bytes)) => bytes,
            outcome => {
                let (status, message) = match outcome {
                    Err(_) => (
                        StatusCode::REQUEST_TIMEOUT,
                        "The form did not arrive in time; nothing was changed.".to_string(),
                    ),
                    _ => (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "The form is larger than trustdesk takes here ({} KiB); nothing was changed.",
                            max_form_bytes / 1024
                        ),
                    ),
                };
                return Err(if html {
                    (status, message).into_response()
                } else {
                    (
                        status,
                        Json(AppError::new(app::model::ErrorKind::Validation, message)),
                    )
                        .into_response()
                });
            }
        };
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == CSRF_FIELD)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if valid(&token) {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        } else {
            Err(refusal(html))
        }
    }
}

/// The request's CSRF cookie, when it has a plausible one (what `fresh_browser_value` makes).
fn browser_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| {
            (16..=128).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn refusal(html: bool) -> Response {
    let error = AppError::csrf_mismatch();
    if html {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Form expired · trustdesk</title></head>\
             <body><h1>Form expired</h1><p>{}</p><p><a href=\"/\">Back to trustdesk</a></p></body></html>",
            error.message
        );
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    } else {
        (StatusCode::FORBIDDEN, Json(error)).into_response()
    }
}
