//! Runs the background jobs of one trustdesk process until it stops: the first sync at start,
//! then one every `sync_interval` (moved by up to a tenth at random), or sooner when someone
//! asks with "Sync now" (in this process, or in another one sharing the database).

use std::time::Duration;

use rand::Rng;

use super::JobContext;
use crate::store;

/// How often a waiting scheduler looks for a "Sync now" made by another process.
const REQUEST_POLL: Duration = Duration::from_secs(5);
/// How often the outbox is looked at for mail that is due.
const DELIVERY_POLL: Duration = Duration::from_secs(10);

pub async fn run(jobs: JobContext, stop: tokio::sync::watch::Receiver<bool>) {
    let deliveries = tokio::spawn(deliver(jobs.clone(), stop.clone()));
    syncs(jobs, stop).await;
    let _ = deliveries.await;
}

/// Hands due mail to the mailer and posts to webhooks until the server stops; woken early when an alert run queued
/// some.
async fn deliver(jobs: JobContext, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let alerting = &jobs.alerting;
        match super::deliver::deliver_due(
            &jobs.db,
            &alerting.couriers(),
            chrono::Utc::now(),
            &alerting.retry,
        )
        .await
        {
            Ok(report) if report.sent + report.retried + report.failed > 0 => {
                jobs.metrics
                    .delivery_failures(report.retried, report.failed);
                tracing::info!(
                    sent = report.sent,
                    retried = report.retried,
                    failed = report.failed,
                    "outbox delivered"
                )
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "outbox: the database failed"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(DELIVERY_POLL) => {}
            () = jobs.wakeups.mail.notified() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// After every sync, the alert run over what it read.
async fn alert(jobs: &JobContext) {
    match super::alerts::run(jobs, jobs.clock.now()).await {
        Ok(report) if report.digests > 0 => {
            tracing::info!(
                digests = report.digests,
                notices = report.notices,
                "alert run queued mail"
            );
            jobs.wakeups.mail.notify_one();
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "alert run: the database failed"),
    }
}

async fn syncs(jobs: JobContext, mut stop: tokio::sync::watch::Receiver<bool>) {
    match store::sync::abandon_unfinished(jobs.db.pool(), &store::now()).await {
        Ok(0) => {}
        Ok(rows) => tracing::warn!(
            rows,
            "sync: scopes left unfinished by an earlier stop are marked abandoned"
        ),
        Err(error) => tracing::warn!(%error, "sync: could not mark unfinished scopes"),
    }
    // The first sync runs at once.
    let mut deadline = tokio::time::Instant::now();
    let mut first = true;
    loop {
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep_until(deadline) => break,
                () = jobs.wakeups.sync.notified() => break,
                () = tokio::time::sleep(REQUEST_POLL) => {
                    if requested(&jobs).await {
                        break;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
        }
        if !std::mem::take(&mut first) && !requested(&jobs).await {
            // Another process may have synced meanwhile and set the next run.
            if let Some(later) = scheduled_later(&jobs).await {
                deadline = later;
                continue;
            }
        }
        let synced = sync_once(&jobs).await;
        if *stop.borrow() {
            // The sync stopped part-way; alerts wait for the next start's full one.
            return;
        }
        deadline = if synced {
            alert(&jobs).await;
            let next = next_start(jobs.sync_settings.interval);
            let next_at = chrono::Utc::now()
                + chrono::Duration::from_std(next).unwrap_or(chrono::Duration::minutes(15));
            if let Err(error) =
                store::sync::set_next_run(jobs.db.pool(), &crate::time::timestamp(next_at)).await
            {
                tracing::warn!(%error, "sync: could not record the next run");
            }
            tokio::time::Instant::now() + next
        } else {
            // Another process holds the lease: look again once it may have run out.
            tokio::time::Instant::now() + super::sync::LEASE_FOR / 2
        };
    }
}

/// When the recorded next run is still ahead (set by this or another process), that moment.
async fn scheduled_later(jobs: &JobContext) -> Option<tokio::time::Instant> {
    let (next_run_at, _) = store::sync::schedule(jobs.db.pool()).await.ok()?;
    let at = chrono::DateTime::parse_from_rfc3339(&next_run_at?).ok()?;
    let ahead = (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()?;
    (ahead > Duration::from_secs(1)).then(|| tokio::time::Instant::now() + ahead)
}

/// One full sync; another process's sync in progress is left to finish alone (false).
async fn sync_once(jobs: &JobContext) -> bool {
    let started = store::now();
    match super::sync::run(jobs, &app::model::ResourceKind::ALL).await {
        Ok(Some(report)) => {
            let failures = report.failures();
            tracing::info!(
                items = report.items(),
                aws_calls = report.aws_calls(),
                failed_scopes = failures.len(),
                "sync finished"
            );
            if let Err(error) = store::sync::clear_request(jobs.db.pool(), &started).await {
                tracing::warn!(%error, "sync: could not clear the request");
            }
            true
        }
        Ok(None) => {
            tracing::info!("sync: another trustdesk process is syncing; skipped");
            false
        }
        Err(error) => {
            tracing::error!(%error, "sync: the database failed");
            true
        }
    }
}

async fn requested(jobs: &JobContext) -> bool {
    matches!(
        store::sync::schedule(jobs.db.pool()).await,
        Ok((_, Some(_)))
    )
}

/// The interval moved by up to a tenth either way, so that installations started together do
/// not call AWS in step.
fn next_start(interval: Duration) -> Duration {
    let tenth = interval.as_millis() as u64 / 10;
    let jitter = rand::thread_rng().gen_range(0..=tenth * 2);
    Duration::from_millis(interval.as_millis() as u64 - tenth + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_start_stays_within_a_tenth_of_the_interval() {
        let interval = Duration::from_secs(900);
        for _ in 0..200 {
            let next = next_start(interval);
            assert!(
                next >= Duration::from_secs(810) && next <= Duration::from_secs(990),
                "{next:?}"
            );
        }
    }
}
