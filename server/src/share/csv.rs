//! A share view's CSV: the export of exactly the link's scope, through the exports' own
//! streaming and formula neutralisation, with tags only if the link includes them.

use super::LinkReader;
use crate::export::{self, ExportFormat, ExportOptions};
use crate::store::shared_items;
use app::model::{share::ShareScope, AppError, ExpiryQuery};
use axum::response::Response;

impl LinkReader {
    pub(super) async fn csv_response(&self) -> Result<Response, AppError> {
        let options = ExportOptions {
            include_tags: self.link.include_tags,
        };
        let format = ExportFormat::Csv;
        match &self.scope {
            ShareScope::Inventory { kind, filter } => Ok(export::inventory::stream(
                &self.db,
                self.now,
                *kind,
                filter.clone(),
                format,
                options,
            )
            .await),
            ShareScope::Expiry { account, expires } => {
                export::expiry::stream(
                    &self.db,
                    self.now,
                    ExpiryQuery {
                        account: account.clone(),
                        expires: expires.clone(),
                        ..Default::default()
                    },
                    format,
                    options,
                )
                .await
            }
            ShareScope::Item { item } => {
                let found = shared_items::find(
                    self.db.pool(),
                    shared_items::Selection::Item(item),
                    item,
                    &self.stamp(),
                )
                .await
                .map_err(crate::store::db_error)?
                .ok_or_else(|| {
                    AppError::not_found("The shared item is no longer in trustdesk's cache.")
                })?;
                Ok(export::item::one(found, self.now, format, options).await)
            }
        }
    }
}
