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
}
