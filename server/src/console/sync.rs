//! The Sync page's side of the console: the sync's state for anyone signed in, "Sync now" for
//! admins (audited).

use app::model::{AppError, Outcome, Role, SyncOverview};
use app::ports::{Changed, SyncPorts};
use serde_json::json;

use crate::console::RequestConsole;
use crate::store;
use crate::store::db_error;

#[async_trait::async_trait]
impl SyncPorts for RequestConsole {
    async fn sync_overview(&self) -> Result<SyncOverview, AppError> {
        let user = self.require_user().await?;
        let pool = self.console.db().pool();
        let scopes = store::sync::latest_per_scope(pool)
            .await
            .map_err(db_error)?;
        let newest = store::sync::newest_run(pool).await.map_err(db_error)?;
        let running = store::sync::lease_held(pool, crate::jobs::sync::LEASE, &store::now())
            .await
            .map_err(db_error)?;
        let (next_run_at, requested_at) = store::sync::schedule(pool).await.map_err(db_error)?;
        let organization = if self.console.clients.reads_an_organization() {
            store::organization::latest(pool).await.map_err(db_error)?
        } else {
            None
        };
        Ok(SyncOverview {
            scopes,
            newest_done: newest.iter().filter(|run| run.is_finished()).count(),
            newest_total: newest.len(),
            running,
            next_run_at,
            requested: requested_at.is_some(),
            interval_seconds: self.console.sync_settings.interval.as_secs(),
            can_sync: user.role() == Role::Admin,
            organization,
        })
    }

    async fn request_sync(&self) -> Result<Changed, AppError> {
        let admin = self.require_user().await?;
        if admin.role() != Role::Admin {
            let mut row = self.row(&admin.username, "sync.request", "sync", "all", json!({}));
            row.outcome = Some(Outcome::Error);
            row.message = "refused: the viewer role cannot start a sync".into();
            self.console.audit_alone(row).await?;
            return Err(AppError::access_denied(
                "Only admins can start a sync; your account has the viewer role. The next scheduled sync runs by itself.",
            ));
        }
        let now = store::now();
        let tx = self.console.db().begin_write().await.map_err(db_error)?;
        let mut row = self.row(&admin.username, "sync.request", "sync", "all", json!({}));
        row.outcome = Some(Outcome::Ok);
        row.message = "Asked for a sync of every kind now.".into();
        self.console.commit_audited(tx, row, &now).await?;
        store::sync::request(self.console.db().pool(), &admin.username, &now)
            .await
            .map_err(db_error)?;
        self.console.wakeups.sync.notify_one();
        Ok(Changed::notice("Sync requested: it starts within seconds."))
    }
}
