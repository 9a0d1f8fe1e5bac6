//! SQLite through sqlx: one pool, migrations at open, and a repository module per table.

pub mod alerts;
pub mod audit;
pub mod backup;
pub mod batches;
pub mod bulk_edits;
pub mod bulk_selection;
pub mod compliance;
pub mod counts;
pub mod expiry;
pub mod expiry_counts;
mod inventory_filter;
mod inventory_order;
pub mod organization;
pub mod outbox;
pub mod overview_read;
pub mod renewals;
pub mod resources;
pub mod scope_cache;
pub mod search;
pub mod sessions;
pub mod setup;
pub mod share_links;
pub mod shared_items;
pub mod sql;
pub mod sync;
pub mod tag_rules;
pub mod tag_suggestions;
pub mod users;

use app::model::DatabaseStatus;
use sql::SqlResult;
use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Sqlite, SqlitePool, Transaction,
};
use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Connect { path: PathBuf, source: sqlx::Error },
    #[error("cannot take the migration lock beside the database {path}: {source}")]
    MigrationLock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a database migration failed, so trustdesk did not start; the database {path} is as it was before that migration: {source}")]
    Migration {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
    /// A downgrade: sqlx refuses a database that records a migration it does not have, before
    /// it changes anything.
    #[error("the database {path} was migrated by a newer trustdesk (its migration {version} is unknown to this one), so trustdesk did not start and changed nothing: run that newer version again, or restore the backup taken before the upgrade")]
    NewerSchema { path: PathBuf, version: i64 },
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
    path: PathBuf,
    /// How audit rows written through this database are sealed.
    seal: audit::Seal,
}

pub type Tx = Transaction<'static, Sqlite>;

impl Db {
    /// Opens (creating if needed) the database in WAL mode and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, OpenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| OpenError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // sqlx takes no lock around SQLite migrations: two processes starting at once on a new
        // or older database would both apply the same migration, and one would fail to start.
        // The first connection is made under the same lock, because switching a new file to WAL
        // needs it alone: a second process doing the same at that moment gets "database is
        // locked" at once, without waiting out the busy timeout. A lock file beside the database
        // makes them take turns.
        let lock = migration_lock(path)
            .await
            .map_err(|source| OpenError::MigrationLock {
                path: path.to_path_buf(),
                source,
            })?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .expect("a static connection string")
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a local file does not go stale the way a network one can; pinging
            // it before every query doubled the round trips to sqlx's connection threads.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|source| OpenError::Connect {
                path: path.to_path_buf(),
                source,
            })?;
        let migrated = MIGRATOR.run(&pool).await;
        drop(lock);
        migrated.map_err(|source| match source {
            sqlx::migrate::MigrateError::VersionMissing(version) => OpenError::NewerSchema {
                path: path.to_path_buf(),
                version,
            },
            source => OpenError::Migration {
                path: path.to_path_buf(),
                source,
            },
        })?;
        Ok(Self {
            pool,
            path: path.to_path_buf(),
            seal: audit::Seal::plain(),
        })
    }

    /// Audit rows are sealed with `seal` (the audit key, when configured) from now on.
    pub fn with_seal(mut self, seal: audit::Seal) -> Self {
        self.seal = seal;
        self
    }

    /// What [`audit::append`] seals rows with, and the chain is verified with.
    pub fn seal(&self) -> &audit::Seal {
        &self.seal
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction that takes the write lock at once, so that reading the last audit
    /// hash and appending after it cannot interleave with another writer, even in another process.
    pub async fn begin_write(&self) -> SqlResult<Tx> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    pub async fn ping(&self) -> SqlResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn status(&self) -> SqlResult<DatabaseStatus> {
        // One statement: the dashboard shows this on every view.
        let (journal_mode, schema_version, users, audit_rows): (String, i64, i64, i64) =
            sqlx::query_as(
                "SELECT (SELECT journal_mode FROM pragma_journal_mode),
                        (SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1),
                        (SELECT COUNT(*) FROM users),
                        (SELECT COUNT(*) FROM audit_log)",
            )
            .fetch_one(&self.pool)
            .await?;
        let file_size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        Ok(DatabaseStatus {
            path: self.path.display().to_string(),
            size_bytes: file_size(&self.path) + file_size(&wal),
            journal_mode,
            schema_version,
            users: users as u64,
            audit_rows: audit_rows as u64,
        })
    }
}

/// A migrated database in a new temporary directory (removed when the directory is dropped),
/// for unit tests.
#[cfg(test)]
pub(crate) async fn temp_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("test.db"))
        .await
        .expect("database");
    (dir, db)
}

/// [`temp_db`] with `items` in its cache, for unit tests of what reads them.
#[cfg(test)]
pub(crate) async fn temp_db_holding(
    items: impl IntoIterator<Item = app::model::AwsItem>,
) -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db().await;
    let mut conn = db.pool().acquire().await.expect("connection");
    for item in items {
        resources::upsert(&mut conn, &item).await.expect("upsert");
    }
    drop(conn);
    (dir, db)
}

/// A verification token in `prod/us-east-1` that expires at `expires_at` (a stored timestamp),
/// for unit tests of what reads expiries.
#[cfg(test)]
pub(crate) fn dated_token(id: &str, expires_at: &str) -> app::model::AwsItem {
    app::model::AwsItem {
        item: app::model::ResourceRef {
            kind: app::model::ResourceKind::VerificationToken,
            account: "prod".into(),
            region: "us-east-1".into(),
            id: id.into(),
        },
        account_id: "123456789012".into(),
        name: id.into(),
        status: "valid".into(),
        expires_at: Some(expires_at.into()),
        tags: vec![],
        fields: vec![],
        last_seen: "2026-12-01T00:00:00.000Z".into(),
        expires_in_days: None,
    }
}

/// An exclusive lock on `<database>.migrate-lock`, held until dropped; waits for another process
/// that holds it.
async fn migration_lock(database: &Path) -> std::io::Result<std::fs::File> {
    let path = PathBuf::from(format!("{}.migrate-lock", database.display()));
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// UTC now as stored in every table: fixed width, so text order is time order.
pub use crate::time::{now, timestamp};

/// A database failure as the user is told it (the details go to the log): nothing was changed.
pub(crate) fn db_error(error: sqlx::Error) -> app::model::AppError {
    tracing::error!(%error, "database error");
    app::model::AppError::unavailable(
        "trustdesk could not read or write its database, so nothing was changed. Try again; if it persists, an operator should check the server log.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_in_wal_mode_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("sub/t.db")).await.unwrap();
        let status = db.status().await.unwrap();
        assert_eq!(status.journal_mode, "wal");
        assert!(status.schema_version > 0);
        assert_eq!(status.users, 0);
    }

    #[tokio::test]
    async fn a_failed_migration_is_reported_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        // A table the first migration creates, already there: that migration must fail.
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::query("CREATE TABLE users (x)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let error = Db::open(&path).await.unwrap_err();
        assert!(matches!(error, OpenError::Migration { .. }), "{error}");
        assert!(error.to_string().contains("t.db"), "{error}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_opening_a_new_database_at_once_all_start() {
        // The race lasts a few milliseconds per new file, so it takes many files to lose it
        // reliably: before the first connection was made under the lock, about one round in
        // twenty-five failed with "database is locked".
        for round in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.db");
            let openers: Vec<_> = (0..3)
                .map(|_| {
                    let path = path.clone();
                    tokio::spawn(async move { Db::open(&path).await.map(|_| ()) })
                })
                .collect();
            for opener in openers {
                if let Err(error) = opener.await.unwrap() {
                    panic!("round {round}: {error}");
                }
            }
        }
    }

    #[tokio::test]
    async fn a_database_of_a_newer_version_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = Db::open(&path).await.unwrap();
        // What a newer binary leaves behind: a migration this one does not have.
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99991231000001, 'from a newer trustdesk', 1, x'00', 0)",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let applied = "SELECT COUNT(*) FROM _sqlx_migrations";
        let before: i64 = sqlx::query_scalar(applied)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;

        let error = Db::open(&path).await.unwrap_err();
        assert!(
            matches!(
                error,
                OpenError::NewerSchema {
                    version: 99991231000001,
                    ..
                }
            ),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("t.db") && message.contains("newer trustdesk"),
            "{message}"
        );

        let pool = SqlitePool::connect_with(SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
        let after: i64 = sqlx::query_scalar(applied).fetch_one(&pool).await.unwrap();
        assert_eq!(after, before, "nothing was migrated or undone");
    }

    #[test]
    fn timestamps_are_fixed_width_utc() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(timestamp(at), "2026-01-02T03:04:05.000Z");
    }
}
