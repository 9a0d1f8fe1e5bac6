//! Background work: plain async functions over the database and the AWS clients, which the
//! scheduler calls and tests call directly. Each records what it did in its own tables, so a
//! crash or a second trustdesk process on the same database never does the same work twice.
pub mod alerts;
pub mod deliver;
pub mod scheduler;
pub mod sync;

use std::sync::Arc;

/// What the background jobs work with: the database, the AWS clients, the clock, their
/// settings and signals. Not the console: the jobs never see sessions, sign-in throttles or
/// share limits, and a test can run a job from these parts alone.
#[derive(Clone)]
pub struct JobContext {
    pub(crate) db: crate::store::Db,
    pub(crate) aws: Arc<crate::aws::Aws>,
    pub(crate) clock: crate::time::Clock,
    pub(crate) metrics: Arc<crate::monitoring::Metrics>,
    pub(crate) alerting: Arc<crate::alerts::Alerting>,
    pub(crate) sync_settings: crate::config::SyncSettings,
    pub(crate) wakeups: Arc<Wakeups>,
    /// Turns true when the server stops: a running sync stops at a safe point.
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Wakes this process's jobs early: a sync someone asked for, mail someone queued.
#[derive(Default)]
pub struct Wakeups {
    pub(crate) sync: tokio::sync::Notify,
    pub(crate) mail: tokio::sync::Notify,
}

impl JobContext {
    /// Ends when the server begins to stop.
    pub(crate) async fn until_shutdown(&self) {
        until_true(self.shutdown.clone()).await
    }
}

/// Ends when `flag` turns true (never, if its sender is gone).
pub(crate) async fn until_true(mut flag: tokio::sync::watch::Receiver<bool>) {
    let turned = flag.wait_for(|on| *on).await.is_ok();
    if !turned {
        std::future::pending::<()>().await;
    }
}
