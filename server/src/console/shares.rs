//! Share links from the admins' side: making one for a scope, listing them with their views,
//! revoking one or all. Each change is audited in the transaction that makes it; the token is
//! shown once and never stored, logged or audited.

use super::*;
use crate::store::{share_links, shared_items};
use app::model::share::{
    ShareCreated, ShareForm, ShareLinksPage, SharePreview, ShareScope, SHARE_PATH,
};
use app::ports::{Changed, ShareLinkPorts};

/// What only admins may do with share links, for refusals.
const SHARING: &str = "share views or manage share links";
/// Views listed for the selected link.
const VIEWS_SHOWN: i64 = 200;

impl RequestConsole {
    /// An admin, or an audited refusal naming what a viewer tried.
    /// How many items the scope holds now, counted the way the link will read them.
    async fn scope_size(&self, scope: &ShareScope) -> Result<usize, AppError> {
        let selection = match scope {
            ShareScope::Inventory { kind, filter } => shared_items::Selection::Kind {
                kind: *kind,
                filter,
            },
            ShareScope::Item { item } => shared_items::Selection::Item(item),
            ShareScope::Expiry { account, expires } => {
                shared_items::Selection::Dated { account, expires }
            }
        };
        let now = self.console.clock.timestamp();
        let (_, total) = shared_items::page(self.console.db.pool(), selection, "", 1, &now)
            .await
            .map_err(db_error)?;
        Ok(total)
    }

    /// The page that posted the form is not where the URL is shown (a plain post is redirected,
    /// and a form sent from the page reloads it), and the URL must not wait in the session: it
    /// is held in memory for one showing, and the browser goes to the page that shows it.
    fn show_once(&self, admin: &UserRecord, created: ShareCreated) -> Changed<ShareCreated> {
        let handle = self.console.once.put(
            admin.id,
            zeroize::Zeroizing::new(
                serde_json::to_string(&shown_once_link(&created)).unwrap_or_default(),
            ),
        );
        Changed::with(created).then_to(format!("/shown-once?once={handle}"))
    }
}

/// A new share link's URL as the one-time page shows it.
fn shown_once_link(created: &ShareCreated) -> OnceSecret {
    OnceSecret {
        title: "Share link created".into(),
        warning: format!(
            "Copy this link now and send it to {}: trustdesk keeps only a hash of it and cannot show it again. It works until {} (UTC).",
            created.label, created.expires_at
        ),
        values: vec![app::model::SecretValue {
            id: "share-url".into(),
            label: "Share link".into(),
            value: created.url.clone(),
        }],
        image_png_base64: None,
        item: None,
        next: ("/shares".into(), "See every share link".into()),
    }
}

#[async_trait::async_trait]
impl ShareLinkPorts for RequestConsole {
    async fn share_preview(&self, form: ShareForm) -> Result<SharePreview, AppError> {
        self.require_admin("share.preview", ("share_link", "new"), SHARING)
            .await?;
        let scope = form.scope()?;
        let items = self.scope_size(&scope).await?;
        if let ShareScope::Item { .. } = &scope {
            if items == 0 {
                return Err(AppError::not_found(
                    "That item is not in trustdesk's cache, so there is nothing to share.",
                ));
            }
        }
        Ok(SharePreview {
            scope: scope.describe(),
            console_path: scope.console_path(),
            items,
        })
    }

    async fn create_share_link(&self, form: ShareForm) -> Result<Changed<ShareCreated>, AppError> {
        let admin = self
            .require_admin("share.create", ("share_link", "new"), SHARING)
            .await?;
        let request = form.validate()?;
        if let ShareScope::Item { .. } = &request.scope {
            if self.scope_size(&request.scope).await? == 0 {
                return Err(AppError::not_found(
                    "That item is not in trustdesk's cache, so there is nothing to share.",
                ));
            }
        }
        let token = csrf::random_token();
        let now = self.console.clock.now();
        let created_at = store::timestamp(now);
        let expires_at =
            store::timestamp(now + chrono::Duration::hours(i64::from(request.lifetime_hours)));
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let id = share_links::insert(
            &mut tx,
            share_links::NewLink {
                token_hash: &share_links::hash_token(&token),
                label: &request.label,
                scope: &request.scope,
                include_tags: request.include_tags,
                created_by: &admin.username,
                created_at: &created_at,
                expires_at: &expires_at,
            },
        )
        .await
        .map_err(db_error)?;
        let row = self.row(
            &admin.username,
            "share.create",
            "share_link",
            &id.to_string(),
            json!({
                "label": request.label,
                "scope": request.scope,
                "include_tags": request.include_tags,
                "lifetime_hours": request.lifetime_hours,
                "expires_at": expires_at,
            }),
        );
        self.console.commit_audited(tx, row, &store::now()).await?;
        let created = ShareCreated {
            id,
            url: format!("{}{SHARE_PATH}{token}", self.console.alerting.public_url()),
            label: request.label,
            expires_at,
        };
        Ok(self.show_once(&admin, created))
    }

    async fn share_links(&self, selected: Option<i64>) -> Result<ShareLinksPage, AppError> {
        let user = self.require_user().await?;
        if user.role() != Role::Admin {
            return Err(AppError::admin_only());
        }
        let pool = self.console.db.pool();
        let links = share_links::list(pool, &self.console.clock.timestamp())
            .await
            .map_err(db_error)?;
        let selected = selected.filter(|id| links.iter().any(|l| l.id == *id));
        let views = match selected {
            Some(id) => share_links::views(pool, id, VIEWS_SHOWN)
                .await
                .map_err(db_error)?,
            None => Vec::new(),
        };
        Ok(ShareLinksPage {
            links,
            selected,
            views,
        })
    }

    async fn revoke_share_link(&self, id: i64) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("share.revoke", ("share_link", &id.to_string()), SHARING)
            .await?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let link = share_links::get(&mut tx, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(format!("There is no share link {id}.")))?;
        let now = self.console.clock.timestamp();
        if !share_links::revoke(&mut tx, id, &admin.username, &now)
            .await
            .map_err(db_error)?
        {
            return Err(AppError::conflict(format!(
                "The link for {} was already revoked.",
                link.label
            )));
        }
        let row = self.row(
            &admin.username,
            "share.revoke",
            "share_link",
            &id.to_string(),
            json!({"label": link.label}),
        );
        self.console.commit_audited(tx, row, &store::now()).await?;
        Ok(Changed::notice(format!(
            "The link for {} is revoked; it stopped working now.",
            link.label
        )))
    }

    async fn revoke_all_share_links(&self) -> Result<Changed<u64>, AppError> {
        let admin = self
            .require_admin("share.revoke_all", ("share_link", "all"), SHARING)
            .await?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let revoked =
            share_links::revoke_all(&mut tx, &admin.username, &self.console.clock.timestamp())
                .await
                .map_err(db_error)?;
        let row = self.row(
            &admin.username,
            "share.revoke_all",
            "share_link",
            "all",
            json!({"revoked": revoked}),
        );
        self.console.commit_audited(tx, row, &store::now()).await?;
        Ok(Changed::with(revoked).noticed(format!(
            "Revoked {revoked} share links; none of them works any more."
        )))
    }
}
