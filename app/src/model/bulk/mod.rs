//! Bulk tag edits: a selection of items, tag operations, a preview bound to what it showed,
//! and the per-item results of applying it.

pub mod fixes;
pub mod operation;
pub mod page;
pub mod preview;
pub mod selection;

pub use fixes::suggested_fixes;
pub use operation::{
    parse_operations, OperationRow, TagOperation, MAX_OPERATIONS, OPERATION_CHOICES,
};
pub use page::{
    BulkCounts, BulkDraft, BulkEdit, BulkEditPage, BulkEditsPage, BulkItem, BulkState,
    BULK_PAGE_SIZE,
};
pub use preview::{preview, same_tags, ItemStatus, Previewed, TagChange};
pub use selection::{pick_value, Selection, SelectionForm, MAX_BULK_ITEMS, MAX_PICKED};
