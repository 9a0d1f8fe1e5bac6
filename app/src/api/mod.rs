//! Server functions, one file per area. Each body is one call into the request's [`Ports`].
//!
//! Conventions the server's middleware relies on:
//! - reads use GET (`input = GetUrl`) and change nothing an admin would call a change;
//! - every other server function is a POST whose first argument is `_csrf`, the session's CSRF
//!   token from a hidden form field (it may be left out when the header carries the token). The
//!   middleware refuses a POST without the right token (form field `_csrf` or header
//!   `x-csrf-token`) with 403 before the function runs; the function itself never reads it.
//!
//! [`Ports`]: crate::ports::Ports

use crate::model::Endpoint;

pub mod alerts;
pub mod audit;
pub mod bulk;
pub mod resources;
pub mod search;
pub mod session;
pub mod shares;
pub mod sync;
pub mod tag_rules;
pub mod users;

/// The form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// Sent by a form that stays on its page once answered (a check, a dry run): its notice comes
/// back in [`NOTICE_HEADER`] (percent-encoded UTF-8) for the page to show beside the form,
/// instead of being kept for the next page.
pub const STAY_HEADER: &str = "trustdesk-form";
pub const STAY_VALUE: &str = "stay";
pub const NOTICE_HEADER: &str = "trustdesk-notice";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The prefix every server function is served under.
pub const API_PREFIX: &str = "/api";

/// The door of the server function at `path` (under [`API_PREFIX`]): who may call it and how
/// large a body it takes. `None` for a path that is no server function of the app.
pub fn endpoint(path: &str) -> Option<&'static Endpoint> {
    all_endpoints().find(|endpoint| endpoint.path == path)
}

/// Every declared endpoint: this module's areas, then each kind's own.
pub fn all_endpoints() -> impl Iterator<Item = &'static Endpoint> {
    [
        alerts::ENDPOINTS,
        audit::ENDPOINTS,
        bulk::ENDPOINTS,
        resources::ENDPOINTS,
        search::ENDPOINTS,
        session::ENDPOINTS,
        shares::ENDPOINTS,
        sync::ENDPOINTS,
        tag_rules::ENDPOINTS,
        users::ENDPOINTS,
    ]
    .into_iter()
    .chain(
        crate::model::ResourceKind::ALL
            .into_iter()
            .map(|kind| kind.info().endpoints),
    )
    .flatten()
}

#[cfg(test)]
mod tests {
    use crate::model::{NewUser, Secret};

    const PASSWORD: &str = "correct horse battery staple";
    const TOKEN: &str = "Zq3tJ8kV1xYw0pLmN5aB7cD9eF2gH4iK";

    fn new_user() -> NewUser {
        NewUser {
            username: "alice".into(),
            role: "admin".into(),
            password: Secret::new(PASSWORD),
            password_confirm: Secret::new(PASSWORD),
        }
    }

    /// The `#[server]` macro derives Debug for each function's arguments; none may print a
    /// password or a token.
    #[test]
    fn server_function_arguments_print_no_secrets() {
        let shown = [
            format!(
                "{:?}",
                super::session::Login {
                    _csrf: String::new(),
                    username: "alice".into(),
                    password: Secret::new(PASSWORD),
                    next: "/".into(),
                }
            ),
            format!(
                "{:?}",
                super::session::CompleteSetup {
                    _csrf: String::new(),
                    token: Secret::new(TOKEN),
                    admin: new_user(),
                }
            ),
            format!(
                "{:?}",
                super::session::CheckSetupLink {
                    token: Secret::new(TOKEN)
                }
            ),
            format!(
                "{:?}",
                super::users::AddUser {
                    _csrf: String::new(),
                    user: new_user(),
                }
            ),
            format!(
                "{:?}",
                super::alerts::GetAlertLink {
                    token: Secret::new(TOKEN)
                }
            ),
            format!(
                "{:?}",
                super::alerts::UseAlertLink {
                    _csrf: String::new(),
                    token: Secret::new(TOKEN),
                    days: 3,
                }
            ),
            format!(
                "{:?}",
                super::resources::TakeShownOnce {
                    _csrf: String::new(),
                    once: Secret::new(TOKEN)
                }
            ),
        ];
        for debug in shown {
            assert!(
                !debug.contains(PASSWORD) && !debug.contains(TOKEN),
                "{debug}"
            );
            assert!(debug.contains("[redacted]"), "{debug}");
        }
    }
}
