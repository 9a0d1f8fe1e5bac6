//! Read-only share links, as their holders see them. A request carrying a link's token is
//! served through [`SharePorts`], bound to that one link's scope; it never reaches the
//! signed-in console's `Ports`, opens no session and can change nothing.

mod csv;
mod limits;
mod page;
pub mod web;

use crate::store::{
    self,
    share_links::{self, LinkRecord},
    shared_items::{self, Selection},
    Db,
};
use app::model::{
    share::{ShareBanner, ShareScope, ShareState, SharedItem, SharedList},
    AppError, ResourceRef, INVENTORY_PAGE_SIZE,
};

pub use limits::ShareLimits;

/// Everything a share view may ask for: reads of its own link's scope, nothing else.
#[async_trait::async_trait]
pub trait SharePorts: Send + Sync {
    fn banner(&self) -> ShareBanner;
    fn scope(&self) -> &ShareScope;
    /// A page of the scope's items (for an item scope, that one item).
    async fn list(&self, sort: &str, page: u32) -> Result<SharedList, AppError>;
    /// One item with its details, only if it is in the scope.
    async fn item(&self, item: &ResourceRef) -> Result<SharedItem, AppError>;
    /// The scope as a CSV download, streamed.
    async fn csv(&self) -> Result<axum::response::Response, AppError>;
    /// Records that the link was used (`page`, `item` or `csv`). Fails closed: a view that
    /// cannot be recorded is not shown.
    async fn record_view(
        &self,
        what: &str,
        client_ip: &str,
        user_agent: &str,
    ) -> Result<(), AppError>;
}

/// What a token resolves to.
pub enum Resolved {
    Active(Box<LinkReader>),
    /// Expired or revoked: the holder is told so (410).
    Gone(ShareState),
    Unknown,
}

/// Reads the cache for one link, within its scope.
pub struct LinkReader {
    db: Db,
    link: LinkRecord,
    scope: ShareScope,
    now: chrono::DateTime<chrono::Utc>,
}

/// Finds the link whose token is `token`, looked up by the token's hash.
pub async fn resolve(
    db: &Db,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Resolved, AppError> {
    let hash = share_links::hash_token(token);
    let Some(link) = share_links::find(db.pool(), &hash)
        .await
        .map_err(crate::store::db_error)?
    else {
        return Ok(Resolved::Unknown);
    };
    match link.state(&store::timestamp(now)) {
        ShareState::Active => {}
        gone => return Ok(Resolved::Gone(gone)),
    }
    let Some(scope) = link.scope() else {
        tracing::error!(link = link.id, "a share link's stored scope does not parse");
        return Ok(Resolved::Unknown);
    };
    Ok(Resolved::Active(Box::new(LinkReader {
        db: db.clone(),
        link,
        scope,
        now,
    })))
}

impl LinkReader {
    fn selection(&self) -> Selection<'_> {
        match &self.scope {
            ShareScope::Inventory { kind, filter } => Selection::Kind {
                kind: *kind,
                filter,
            },
            ShareScope::Item { item } => Selection::Item(item),
            ShareScope::Expiry { account, expires } => Selection::Dated { account, expires },
        }
    }

    fn shared(&self, item: app::model::AwsItem, with_fields: bool) -> SharedItem {
        SharedItem::from_item(
            crate::time::with_days_left(item, self.now),
            self.link.include_tags,
            with_fields,
        )
    }

    fn stamp(&self) -> String {
        store::timestamp(self.now)
    }
}

#[async_trait::async_trait]
impl SharePorts for LinkReader {
    fn banner(&self) -> ShareBanner {
        ShareBanner {
            shared_by: self.link.created_by.clone(),
            label: self.link.label.clone(),
            scope: self.scope.describe(),
            created_at: self.link.created_at.clone(),
            expires_at: self.link.expires_at.clone(),
            include_tags: self.link.include_tags,
        }
    }

    fn scope(&self) -> &ShareScope {
        &self.scope
    }

    async fn list(&self, sort: &str, page: u32) -> Result<SharedList, AppError> {
        let now = self.stamp();
        let (_, total) = shared_items::page(self.db.pool(), self.selection(), sort, 1, &now)
            .await
            .map_err(crate::store::db_error)?;
        let pages = total.div_ceil(INVENTORY_PAGE_SIZE).max(1) as u32;
        let page = page.clamp(1, pages);
        let (items, total) = shared_items::page(self.db.pool(), self.selection(), sort, page, &now)
            .await
            .map_err(crate::store::db_error)?;
        Ok(SharedList {
            items: items.into_iter().map(|i| self.shared(i, false)).collect(),
            total,
            page,
            pages: total.div_ceil(INVENTORY_PAGE_SIZE).max(1) as u32,
            sort: sort.to_string(),
        })
    }

    async fn item(&self, item: &ResourceRef) -> Result<SharedItem, AppError> {
        shared_items::find(self.db.pool(), self.selection(), item, &self.stamp())
            .await
            .map_err(crate::store::db_error)?
            .map(|found| self.shared(found, true))
            .ok_or_else(|| AppError::not_found("This link does not show that item."))
    }

    async fn csv(&self) -> Result<axum::response::Response, AppError> {
        self.csv_response().await
    }

    async fn record_view(
        &self,
        what: &str,
        client_ip: &str,
        user_agent: &str,
    ) -> Result<(), AppError> {
        let recorded = async {
            let mut conn = self.db.pool().acquire().await?;
            share_links::record_view(
                &mut conn,
                share_links::View {
                    link_id: self.link.id,
                    at: &self.stamp(),
                    client_ip,
                    user_agent,
                    what,
                },
            )
            .await
        }
        .await;
        recorded.map_err(crate::store::db_error)
    }
}
