//! What every page needs to know about the visitor, and the dashboard's figures.

use super::user::CurrentUser;
use serde::{Deserialize, Serialize};

/// Sent with every page: who is signed in, the CSRF token their forms must carry, and a message
/// left by a form that was posted without JavaScript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub flash: Option<String>,
    pub version: String,
    /// True when trustdesk talks to its built-in emulator instead of AWS.
    pub demo: bool,
    /// No admin exists yet: the sign-in page points at the setup link.
    pub needs_setup: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseStatus {
    pub path: String,
    pub size_bytes: u64,
    pub journal_mode: String,
    pub schema_version: i64,
    pub users: u64,
    pub audit_rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub user: CurrentUser,
    pub version: String,
    pub database: Result<DatabaseStatus, String>,
    pub aws: AwsTarget,
    pub expiry: super::ExpiryOverview,
}

/// Where the console's AWS calls go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsTarget {
    /// `None`: AWS's own endpoints.
    pub endpoint_url: Option<String>,
    /// The in-process emulator with the demo data.
    pub demo: bool,
}

/// Whether a one-time setup link can still be used, checked before the form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupLinkState {
    Usable,
    /// Expired, used, replaced by a newer one, or never issued: the page says the same for all.
    Unusable,
    /// An admin exists already; setup is over.
    Done,
}
