//! An inventory view's export: the items of one kind that its page's filters select, in the
//! page's order, every page at once.

use app::model::{InventoryQuery, ResourceKind};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::{file_name, respond, view_batches, ExportFormat, ExportOptions, Record, BATCH_ROWS};
use crate::store::{batches::View, Db};

/// The export of `kind`'s inventory as `query` (the page's own) filters and sorts it, as of
/// `now` (the expiry windows and days left), named `trustdesk-<kind's path>-<date>`. The page
/// number is ignored. A share link passes its fixed query and its options here.
pub async fn stream(
    db: &Db,
    now: DateTime<Utc>,
    kind: ResourceKind,
    query: InventoryQuery,
    format: ExportFormat,
    options: ExportOptions,
) -> Response {
    let name = file_name(
        kind.path().trim_start_matches('/'),
        now.date_naive(),
        format,
    );
    let view = View::Inventory { kind, query };
    respond(
        format,
        name,
        Record::header(options),
        BATCH_ROWS,
        view_batches(db, view, now, options, BATCH_ROWS),
    )
    .await
}
