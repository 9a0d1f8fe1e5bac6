//! `sync_runs`, `leases` and `sync_schedule`: what each sync did per scope, who may sync now,
//! and when the next sync is due.

use app::model::{ResourceKind, SyncScopeRun};
use sqlx::{SqliteConnection, SqlitePool};

use super::sql::{Bind, SqlResult};

/// A scope's row of one run: what [`queue`] inserted, for the sync to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedScope {
    pub row: i64,
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
}

/// Inserts one `queued` row per scope of a run, so that the Sync page shows the whole run
/// (and its progress) from its first moment.
pub async fn queue(
    conn: &mut SqliteConnection,
    run: &str,
    scopes: &[(ResourceKind, String, String)],
    now: &str,
) -> SqlResult<Vec<QueuedScope>> {
    let mut queued = Vec::with_capacity(scopes.len());
    for (kind, account, region) in scopes {
        let (row,): (i64,) = sqlx::query_as(
            "INSERT INTO sync_runs (run, kind, account, region, queued_at, outcome)
             VALUES (?, ?, ?, ?, ?, 'queued') RETURNING id",
        )
        .bind(run)
        .bind_scope(kind.as_str(), account, region)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        queued.push(QueuedScope {
            row,
            kind: *kind,
            account: account.clone(),
            region: region.clone(),
        });
    }
    Ok(queued)
}

pub async fn mark_running(pool: &SqlitePool, row: i64, now: &str) -> SqlResult<()> {
    sqlx::query("UPDATE sync_runs SET outcome = 'running', started_at = ? WHERE id = ?")
        .bind(now)
        .bind(row)
        .execute(pool)
        .await?;
    Ok(())
}

/// How a scope's sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
    Timeout,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
        }
    }
}

pub async fn finish(
    conn: &mut SqliteConnection,
    row: i64,
    outcome: Outcome,
    items: usize,
    aws_calls: u64,
    error: &str,
    now: &str,
) -> SqlResult<()> {
    sqlx::query(
        "UPDATE sync_runs SET outcome = ?, items = ?, aws_calls = ?, error = ?, finished_at = ?
         WHERE id = ?",
    )
    .bind(outcome.as_str())
    .bind(items as i64)
    .bind(aws_calls as i64)
    .bind(error)
    .bind(now)
    .bind(row)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rows a process left queued or running when it stopped (a crash, a kill): they will never
/// finish, so they say so instead of showing "running" for ever.
pub async fn abandon_unfinished(pool: &SqlitePool, now: &str) -> SqlResult<u64> {
    let done = sqlx::query(
        "UPDATE sync_runs SET outcome = 'abandoned', finished_at = ?,
           error = 'trustdesk stopped before this scope was read; the next sync reads it again.'
         WHERE outcome IN ('queued', 'running')",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// [`abandon_unfinished`] for the scopes of one run (this process's, at its stop).
pub async fn abandon_run(pool: &SqlitePool, run: &str, now: &str) -> SqlResult<u64> {
    let done = sqlx::query(
        "UPDATE sync_runs SET outcome = 'abandoned', finished_at = ?,
           error = 'trustdesk stopped before this scope was read; the next sync reads it again.'
         WHERE run = ? AND outcome IN ('queued', 'running')",
    )
    .bind(now)
    .bind(run)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[derive(sqlx::FromRow)]
struct RunRow {
    run: String,
    kind: String,
    account: String,
    region: String,
    queued_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    items: i64,
    aws_calls: i64,
    outcome: String,
    error: String,
}

impl RunRow {
    fn into_model(self) -> Option<SyncScopeRun> {
        let parse = |at: &Option<String>| {
            at.as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        };
        let duration_ms = parse(&self.finished_at)
            .zip(parse(&self.started_at))
            .map(|(end, start)| (end - start).num_milliseconds());
        Some(SyncScopeRun {
            duration_ms,
            run: self.run,
            kind: ResourceKind::parse(&self.kind)?,
            account: self.account,
            region: self.region,
            queued_at: self.queued_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            items: self.items.max(0) as u64,
            aws_calls: self.aws_calls.max(0) as u64,
            outcome: self.outcome,
            error: self.error,
        })
    }
}

const RUN_COLUMNS: &str =
    "run, kind, account, region, queued_at, started_at, finished_at, items, aws_calls, outcome, error";

/// The newest row of every scope that was ever synced.
pub async fn latest_per_scope(pool: &SqlitePool) -> SqlResult<Vec<SyncScopeRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE id IN
           (SELECT MAX(id) FROM sync_runs GROUP BY kind, account, region)
         ORDER BY kind, account, region"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(RunRow::into_model).collect())
}

/// The newest finished row of each scope of `kind` (for the inventory's "last read" line).
pub async fn latest_finished(
    pool: &SqlitePool,
    kind: ResourceKind,
) -> SqlResult<Vec<SyncScopeRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE id IN
           (SELECT MAX(id) FROM sync_runs
            WHERE kind = ? AND outcome IN ('ok', 'error', 'timeout') GROUP BY account, region)"
    ))
    .bind(kind.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(RunRow::into_model).collect())
}

/// Every row of the newest run: its progress while it runs, its outcome after.
pub async fn newest_run(pool: &SqlitePool) -> SqlResult<Vec<SyncScopeRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs
         WHERE run = (SELECT run FROM sync_runs ORDER BY id DESC LIMIT 1) ORDER BY id"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(RunRow::into_model).collect())
}

/// Takes (or renews) the lease `name` for `holder` until `until`, unless another holder's
/// lease is still running. True when `holder` now holds it.
pub async fn take_lease(
    pool: &SqlitePool,
    name: &str,
    holder: &str,
    now: &str,
    until: &str,
) -> SqlResult<bool> {
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3",
    )
    .bind(name)
    .bind(holder)
    .bind(now)
    .bind(until)
    .execute(pool)
    .await?;
    Ok(taken.rows_affected() == 1)
}

pub async fn release_lease(pool: &SqlitePool, name: &str, holder: &str) -> SqlResult<()> {
    sqlx::query("DELETE FROM leases WHERE name = ? AND holder = ?")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether any process holds the lease `name` now.
pub async fn lease_held(pool: &SqlitePool, name: &str, now: &str) -> SqlResult<bool> {
    let held: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM leases WHERE name = ? AND expires_at > ?")
            .bind(name)
            .bind(now)
            .fetch_optional(pool)
            .await?;
    Ok(held.is_some())
}

/// `(next_run_at, requested_at)`.
pub async fn schedule(pool: &SqlitePool) -> SqlResult<(Option<String>, Option<String>)> {
    sqlx::query_as("SELECT next_run_at, requested_at FROM sync_schedule WHERE id = 1")
        .fetch_optional(pool)
        .await
        .map(Option::unwrap_or_default)
}

pub async fn set_next_run(pool: &SqlitePool, at: &str) -> SqlResult<()> {
    sqlx::query("UPDATE sync_schedule SET next_run_at = ? WHERE id = 1")
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Asks for a sync as soon as a scheduler sees it (any process).
pub async fn request(pool: &SqlitePool, by: &str, now: &str) -> SqlResult<()> {
    sqlx::query("UPDATE sync_schedule SET requested_at = ?, requested_by = ? WHERE id = 1")
        .bind(now)
        .bind(by)
        .execute(pool)
        .await?;
    Ok(())
}

/// Clears a request made at or before `started` (one made while the sync ran stays).
pub async fn clear_request(pool: &SqlitePool, started: &str) -> SqlResult<()> {
    sqlx::query(
        "UPDATE sync_schedule SET requested_at = NULL, requested_by = NULL
         WHERE id = 1 AND requested_at <= ?",
    )
    .bind(started)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_until_its_lease_runs_out() {
        let (_dir, db) = crate::store::temp_db().await;
        let pool = db.pool();
        let (t0, t1, t2) = (
            "2026-12-01T10:00:00.000Z",
            "2026-12-01T10:01:00.000Z",
            "2026-12-01T10:02:00.000Z",
        );
        assert!(take_lease(pool, "sync", "a", t0, t1).await.unwrap());
        assert!(
            !take_lease(pool, "sync", "b", t0, t2).await.unwrap(),
            "a holds it"
        );
        assert!(
            take_lease(pool, "sync", "a", t0, t2).await.unwrap(),
            "the holder renews"
        );
        assert!(lease_held(pool, "sync", t1).await.unwrap());
        assert!(
            take_lease(pool, "sync", "b", t2, "2026-12-01T10:03:00.000Z")
                .await
                .unwrap(),
            "a's lease ran out (a crashed holder)"
        );
        release_lease(pool, "sync", "a").await.unwrap();
        assert!(
            lease_held(pool, "sync", t2).await.unwrap(),
            "a cannot release b's lease"
        );
        release_lease(pool, "sync", "b").await.unwrap();
        assert!(!lease_held(pool, "sync", t2).await.unwrap());
    }
}
