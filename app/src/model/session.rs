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
    /// The audit row of the change the flash message tells of, if it wrote one.
    pub flash_audit: Option<i64>,
    pub version: String,
    /// True when trustdesk talks to its built-in emulator instead of AWS.
    pub demo: bool,
    /// No admin exists yet: the sign-in page points at the setup link.
    pub needs_setup: bool,
    /// What the navigation counts, for a signed-in user.
    pub nav: Option<NavCounts>,
}

/// What the sign-in page offers besides the password form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// The single sign-on button's label, when `[sso]` is configured.
    pub sso_button: Option<String>,
    /// Local passwords are off but for the break-glass admin's.
    pub break_glass_only: bool,
}

/// The navigation's figures: each kind's items and how many of them are urgent, and what the
/// dashboard's Needs action list holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NavCounts {
    pub kinds: Vec<NavKind>,
    pub needs_action: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavKind {
    pub kind: super::ResourceKind,
    /// Still in AWS.
    pub items: u64,
    /// Expired or due within 7 days.
    pub urgent: u64,
}

impl NavCounts {
    pub fn of(&self, kind: super::ResourceKind) -> Option<&NavKind> {
        self.kinds.iter().find(|counts| counts.kind == kind)
    }
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
    pub expiry: super::ExpiryOverview,
}

/// The About page: who is signed in, this trustdesk's version, its database and where its AWS
/// calls go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct About {
    pub user: CurrentUser,
    pub version: String,
    pub database: Result<DatabaseStatus, String>,
    pub aws: AwsTarget,
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
