//! The audit trail as pages see it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
    /// Written before a call whose result is not known yet (an AWS change in flight).
    Attempted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Attempted => "attempted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Outcome::Ok),
            "error" => Some(Outcome::Error),
            "attempted" => Some(Outcome::Attempted),
            _ => None,
        }
    }
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub client_ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub account: String,
    pub region: String,
    /// Request parameters as JSON, secrets already redacted.
    pub params: String,
    pub outcome: Outcome,
    pub message: String,
    pub request_id: String,
    pub hash: String,
}

pub const AUDIT_PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// 1-based.
    pub page: u32,
    pub total_pages: u32,
    pub total_entries: u64,
}

/// What walking the hash chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub rows_checked: u64,
    /// The first row whose stored hash or link does not match, with why.
    pub first_broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    pub id: i64,
    pub reason: String,
}
