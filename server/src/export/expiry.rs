//! The expiry list's export: the dated items still in AWS, of every kind or one, soonest
//! first, with the expiry overview's filters (kind, account, region, tag, expiry window).

use app::model::{AppError, ExpiryQuery, InventoryQuery};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::{file_name, respond, view_batches, ExportFormat, ExportOptions, Record, BATCH_ROWS};
use crate::store::{batches::View, Db};

/// The export of the expiry list as `query` filters it, as of `now`, named
/// `trustdesk-expiry-<date>`; a validation error (naming the field) for a kind or window that
/// does not exist. A share link passes its fixed window and its options here.
pub async fn stream(
    db: &Db,
    now: DateTime<Utc>,
    query: ExpiryQuery,
    format: ExportFormat,
    options: ExportOptions,
) -> Result<Response, AppError> {
    let kind = query.validate()?;
    let view = View::Expiry {
        kind,
        filter: InventoryQuery {
            account: query.account,
            region: query.region,
            tag: query.tag,
            expires: query.expires,
            ..Default::default()
        },
    };
    Ok(respond(
        format,
        file_name("expiry", now.date_naive(), format),
        Record::header(options),
        BATCH_ROWS,
        view_batches(db, view, now, options, BATCH_ROWS),
    )
    .await)
}
