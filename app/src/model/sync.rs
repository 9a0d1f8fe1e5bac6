//! The background sync as the Sync page and the inventories show it.

use serde::{Deserialize, Serialize};

use super::ResourceKind;

/// One scope (a kind in one account and region) of one sync run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncScopeRun {
    pub run: String,
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub queued_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub items: u64,
    pub aws_calls: u64,
    /// Between start and end, once both are known.
    pub duration_ms: Option<i64>,
    /// `queued`, `running`, `ok`, `error`, `timeout` or `abandoned`.
    pub outcome: String,
    /// What went wrong, as a sentence; empty when nothing did.
    pub error: String,
}

impl SyncScopeRun {
    pub fn is_finished(&self) -> bool {
        !matches!(self.outcome.as_str(), "queued" | "running")
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome.as_str(), "error" | "timeout" | "abandoned")
    }
}

/// The Sync page: the newest run of every scope, the run in progress, and the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOverview {
    pub scopes: Vec<SyncScopeRun>,
    /// Scopes of the newest run: finished and in all, for its progress.
    pub newest_done: usize,
    pub newest_total: usize,
    /// A sync is running now (in this or another trustdesk process).
    pub running: bool,
    pub next_run_at: Option<String>,
    /// A "Sync now" waits to be picked up.
    pub requested: bool,
    pub interval_seconds: u64,
    /// The caller may press "Sync now" (admins).
    pub can_sync: bool,
    /// The organization's accounts, when they are read from AWS Organizations.
    #[serde(default)]
    pub organization: Option<OrganizationRead>,
}

/// The organization's accounts as the last read found them (`[organization]`), for the Sync
/// page: which are managed, and why the others are not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRead {
    pub read_at: String,
    /// Why the organization could not be read, as a sentence (its accounts managed before stay
    /// managed meanwhile); empty when it was.
    pub error: String,
    pub accounts: Vec<OrganizationAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationAccount {
    pub id: String,
    /// Its name in AWS.
    pub aws_name: String,
    /// Its name in the console (and its URLs), when managed.
    pub name: String,
    /// The organizational units it is under, outermost first, when they were read.
    pub ous: Vec<String>,
    /// AWS's status: `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` or `CLOSED`.
    pub status: String,
    pub state: AccountState,
    /// Why it is not managed, as a sentence; empty when it is.
    pub note: String,
}

/// What the console does with an account of the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Read at every sync.
    Managed,
    /// Left out by `include_*` / `exclude_*`.
    Excluded,
    /// Suspended, closing or closed in AWS: not read (its cached items stay).
    Inactive,
    /// Its role could not be assumed: AWS's sentence in the note.
    Unreachable,
}
