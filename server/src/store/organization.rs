//! The last read of the organization's accounts, for the Sync page.

use app::model::OrganizationRead;
use sqlx::SqlitePool;

use super::sql::SqlResult;

/// Replaces the last read with `read`.
pub async fn save(pool: &SqlitePool, read: &OrganizationRead) -> SqlResult<()> {
    let report = serde_json::to_string(read).unwrap_or_else(|_| "{}".into());
    sqlx::query(
        "INSERT INTO organization_reads (singleton, read_at, report) VALUES (1, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET read_at = excluded.read_at, report = excluded.report",
    )
    .bind(&read.read_at)
    .bind(report)
    .execute(pool)
    .await?;
    Ok(())
}

/// The last read, if the organization was ever read.
pub async fn latest(pool: &SqlitePool) -> SqlResult<Option<OrganizationRead>> {
    let report: Option<String> =
        sqlx::query_scalar("SELECT report FROM organization_reads WHERE singleton = 1")
            .fetch_optional(pool)
            .await?;
    Ok(report.and_then(|text| serde_json::from_str(&text).ok()))
}
