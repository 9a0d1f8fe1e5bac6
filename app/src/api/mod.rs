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

pub mod alerts;
pub mod audit;
pub mod resources;
pub mod session;
pub mod shares;
pub mod sync;
pub mod users;

/// The form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The prefix every server function is served under.
pub const API_PREFIX: &str = "/api";
