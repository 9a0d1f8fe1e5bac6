//! What the bulk-edit pages show: the draft before a preview, a preview or its results, and
//! the list of bulk edits.

use serde::{Deserialize, Serialize};

use super::{ItemStatus, OperationRow, SelectionForm, TagOperation};
use crate::model::{ResourceKind, ResourceRef, Tag};

/// Items per page of a preview or its results.
pub const BULK_PAGE_SIZE: usize = 100;

/// Where a bulk edit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BulkState {
    /// Shown to the admin; nothing sent.
    Previewed,
    /// Confirmed: its items are being read again from AWS, to see whether they changed since.
    Checking,
    /// Being sent to AWS.
    Applying,
    /// Every item was sent (some may have failed).
    Finished,
    /// trustdesk stopped while it ran; what was not sent is retryable.
    Stopped,
}

impl BulkState {
    pub const ALL: [BulkState; 5] = [
        BulkState::Previewed,
        BulkState::Checking,
        BulkState::Applying,
        BulkState::Finished,
        BulkState::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BulkState::Previewed => "previewed",
            BulkState::Checking => "checking",
            BulkState::Applying => "applying",
            BulkState::Finished => "finished",
            BulkState::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            BulkState::Previewed => "Preview: nothing sent yet",
            BulkState::Checking => "Checking the items against AWS",
            BulkState::Applying => "Applying",
            BulkState::Finished => "Finished",
            BulkState::Stopped => "Stopped before it finished",
        }
    }

    /// Still working: the page follows its progress.
    pub fn is_running(self) -> bool {
        matches!(self, BulkState::Checking | BulkState::Applying)
    }
}

/// How many of a bulk edit's items stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCounts {
    pub pending: u64,
    pub unchanged: u64,
    pub refused: u64,
    pub done: u64,
    pub failed: u64,
}

impl BulkCounts {
    pub fn of(&self, status: ItemStatus) -> u64 {
        match status {
            ItemStatus::Pending => self.pending,
            ItemStatus::Unchanged => self.unchanged,
            ItemStatus::Refused => self.refused,
            ItemStatus::Done => self.done,
            ItemStatus::Failed => self.failed,
        }
    }

    pub fn add(&mut self, status: ItemStatus, count: u64) {
        *match status {
            ItemStatus::Pending => &mut self.pending,
            ItemStatus::Unchanged => &mut self.unchanged,
            ItemStatus::Refused => &mut self.refused,
            ItemStatus::Done => &mut self.done,
            ItemStatus::Failed => &mut self.failed,
        } += count;
    }

    pub fn total(&self) -> u64 {
        self.pending + self.unchanged + self.refused + self.done + self.failed
    }
}

/// One bulk edit, without its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkEdit {
    pub id: String,
    pub created_by: String,
    pub created_at: String,
    /// What was selected, in words.
    pub selection: String,
    pub operations: Vec<TagOperation>,
    pub state: BulkState,
    /// Bumped by every re-preview; a confirmation names the revision it saw.
    pub revision: i64,
    /// Why the admin must look again (items changed in AWS since the preview), if so.
    pub notice: String,
    pub confirmed_by: String,
    pub finished_at: Option<String>,
    pub counts: BulkCounts,
}

impl BulkEdit {
    /// Failed items, or items a stop left unsent, can be sent again.
    pub fn can_retry(&self) -> bool {
        matches!(self.state, BulkState::Finished | BulkState::Stopped)
            && self.counts.failed + self.counts.pending > 0
    }

    pub fn can_apply(&self) -> bool {
        self.state == BulkState::Previewed && self.counts.pending > 0
    }
}

/// One item of a bulk edit: its tags before and after, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    pub item: ResourceRef,
    pub name: String,
    pub before: Vec<Tag>,
    pub after: Vec<Tag>,
    pub status: ItemStatus,
    /// Why it was refused or failed.
    pub message: String,
    pub breaks_before: Vec<String>,
    pub breaks_after: Vec<String>,
    /// AWS's request id of the call that changed it.
    pub request_id: String,
}

/// A preview, or its progress and results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkEditPage {
    pub edit: BulkEdit,
    /// The items of the page, in selection order.
    pub items: Vec<BulkItem>,
    /// The status shown (empty for all).
    pub status: String,
    pub page: u32,
    pub pages: u32,
    /// The caller may apply and retry (an admin).
    pub can_change: bool,
}

/// The bulk edits, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkEditsPage {
    pub edits: Vec<BulkEdit>,
    pub can_change: bool,
}

/// `/bulk/new` before the preview: what the selection holds and the operations suggested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDraft {
    pub selection: SelectionForm,
    /// What was selected, in words.
    pub described: String,
    /// How many items it holds (up to one past the limit).
    pub selected: u64,
    /// How many of each kind.
    pub by_kind: Vec<(ResourceKind, u64)>,
    /// The first few items, by name.
    pub sample: Vec<(ResourceRef, String)>,
    /// For a rule's fix, the operations that fix it; else blank rows.
    pub suggested: Vec<OperationRow>,
    /// What the admin should know before previewing (fixes left out, rules of other scopes).
    pub notes: Vec<String>,
    pub can_change: bool,
}
