//! One item as an export: what a share link for a single item offers as its CSV.

use app::model::AwsItem;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::{file_name, respond, ExportFormat, ExportOptions, Record};
use crate::store::batches::Listed;

/// `item` as a one-row export, named after its kind and `now`'s date.
pub async fn one(
    item: AwsItem,
    now: DateTime<Utc>,
    format: ExportFormat,
    options: ExportOptions,
) -> Response {
    let name = file_name(
        item.item.kind.path().trim_start_matches('/'),
        now.date_naive(),
        format,
    );
    let record = Record::of(
        Listed {
            item,
            removed_at: None,
        },
        now,
        options,
    );
    let mut rows = Some(vec![(record, ())]);
    respond(
        format,
        name,
        Record::header(options),
        1,
        move |_after: Option<()>| {
            let batch = rows.take().unwrap_or_default();
            async move { Ok(batch) }
        },
    )
    .await
}
