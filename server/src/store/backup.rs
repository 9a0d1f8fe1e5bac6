//! `trustdesk backup FILE`: a consistent copy of the live database, taken while the server
//! writes. `VACUUM INTO` reads one snapshot (a read transaction in WAL mode, so writers carry on)
//! and writes it compacted to a new file; the copy is written under a temporary name, flushed to
//! disk, checked, and only then given its name, which it never takes from an existing file.

use super::sql::SqlResult;
use super::Db;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; trustdesk does not overwrite a file with a backup")]
    Exists(PathBuf),
    #[error("cannot write the backup {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database could not be copied: {0}")]
    Copy(sqlx::Error),
    #[error("the copy in {path} failed its check: {reason}")]
    Check { path: PathBuf, reason: String },
}

/// What a finished backup holds, read back from the copy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub size_bytes: u64,
    pub schema_version: i64,
    pub audit_rows: i64,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Backed up the database to {}: {} bytes, schema version {}, {} audit rows; integrity check ok.",
            self.path.display(),
            self.size_bytes,
            self.schema_version,
            self.audit_rows
        )
    }
}

/// Copies `db` to `target`, which must not exist yet.
pub async fn backup(db: &Db, target: &Path) -> Result<BackupReport, BackupError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BackupError::Io { path, source }
    };
    if target.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    let name = target
        .file_name()
        .ok_or_else(|| BackupError::Io {
            path: target.to_path_buf(),
            source: std::io::Error::other("the path names no file"),
        })?
        .to_string_lossy()
        .to_string();
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Beside the target, so that naming it is a link within one filesystem.
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    if partial.symlink_metadata().is_ok() {
        std::fs::remove_file(&partial).map_err(io(&partial))?;
    }
    let written = write_checked(db, &partial).await;
    let report = match written {
        Ok(report) => report,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    // A hard link refuses an existing name where a rename would replace it: a file that
    // appeared at `target` meanwhile is kept.
    let linked = std::fs::hard_link(&partial, target);
    let _ = std::fs::remove_file(&partial);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::Exists(target.to_path_buf()))
        }
        Err(source) => {
            return Err(BackupError::Io {
                path: target.to_path_buf(),
                source,
            })
        }
    }
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))?;
    Ok(BackupReport {
        path: target.to_path_buf(),
        ..report
    })
}

async fn write_checked(db: &Db, partial: &Path) -> Result<BackupReport, BackupError> {
    let text = partial.to_str().ok_or_else(|| BackupError::Io {
        path: partial.to_path_buf(),
        source: std::io::Error::other("the path is not valid UTF-8"),
    })?;
    sqlx::query("VACUUM INTO ?")
        .bind(text)
        .execute(db.pool())
        .await
        .map_err(BackupError::Copy)?;
    let file = std::fs::File::open(partial).map_err(|source| BackupError::Io {
        path: partial.to_path_buf(),
        source,
    })?;
    file.sync_all().map_err(|source| BackupError::Io {
        path: partial.to_path_buf(),
        source,
    })?;
    let size_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let check = |reason: String| BackupError::Check {
        path: partial.to_path_buf(),
        reason,
    };
    let (schema_version, audit_rows) =
        read_copy(partial).await.map_err(|e| check(e.to_string()))?;
    Ok(BackupReport {
        path: partial.to_path_buf(),
        size_bytes,
        schema_version,
        audit_rows,
    })
}

/// Reads the copy without changing it (immutable: no journal, no lock files beside it).
async fn read_copy(path: &Path) -> SqlResult<(i64, i64)> {
    use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions};
    let mut connection = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .read_only(true)
        .immutable(true)
        .connect()
        .await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await?;
    if integrity != "ok" {
        return Err(sqlx::Error::Protocol(format!(
            "integrity check: {integrity}"
        )));
    }
    let schema_version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1",
    )
    .fetch_one(&mut connection)
    .await?;
    let audit_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut connection)
        .await?;
    Ok((schema_version, audit_rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_backup_is_a_checked_copy_and_never_replaces_a_file() {
        let (dir, db) = crate::store::temp_db().await;
        sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES ('u', 'x', 'admin', '2026-01-01T00:00:00Z')")
            .execute(db.pool())
            .await
            .unwrap();
        let target = dir.path().join("copy.db");
        let report = backup(&db, &target).await.unwrap();
        assert_eq!(report.path, target);
        assert!(report.schema_version > 0);
        assert_eq!(report.size_bytes, std::fs::metadata(&target).unwrap().len());
        let copy = Db::open(&target).await.unwrap();
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(copy.pool())
            .await
            .unwrap();
        assert_eq!(users, 1);

        let before = std::fs::read(&target).unwrap();
        let again = backup(&db, &target).await.unwrap_err();
        assert!(matches!(again, BackupError::Exists(_)), "{again}");
        assert_eq!(std::fs::read(&target).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
