//! The `users` table.

use super::sql::SqlResult;
use app::model::{Role, UserSummary};
use sqlx::{SqliteConnection, SqlitePool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// The identity provider's issuer#subject, for an account that signs in with it.
    pub sso_subject: Option<String>,
}

impl UserRecord {
    pub fn role(&self) -> Role {
        // The CHECK constraint keeps the column to these two values.
        self.role.parse().unwrap_or(Role::Viewer)
    }

    pub fn is_active_admin(&self) -> bool {
        !self.disabled && self.role() == Role::Admin
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            username: self.username.clone(),
            role: self.role(),
            disabled: self.disabled,
            created_at: self.created_at.clone(),
            last_login_at: self.last_login_at.clone(),
            single_sign_on: self.sso_subject.is_some(),
        }
    }
}

const COLUMNS: &str =
    "id, username, role, password_hash, disabled, created_at, last_login_at, sso_subject";

pub async fn find_by_username(
    conn: &mut SqliteConnection,
    username: &str,
) -> SqlResult<Option<UserRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = ?"))
        .bind(username)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(conn: &mut SqliteConnection, id: i64) -> SqlResult<Option<UserRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(pool: &SqlitePool) -> SqlResult<Vec<UserRecord>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
        .fetch_all(pool)
        .await
}

pub async fn count_active_admins(conn: &mut SqliteConnection) -> SqlResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
        .fetch_one(conn)
        .await
}

/// Inserts a user; `Ok(None)` when the username is taken.
pub async fn insert(
    conn: &mut SqliteConnection,
    username: &str,
    role: Role,
    password_hash: &str,
    now: &str,
) -> SqlResult<Option<i64>> {
    let result = sqlx::query(
        "INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(username)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
}

/// What an SSO user's `password_hash` holds: no password hashes to it, so local sign-in fails.
pub const NO_PASSWORD: &str = "!sso";

/// The user the provider's `subject` (issuer#sub) signed in as before.
pub async fn find_by_sso_subject(
    conn: &mut SqliteConnection,
    subject: &str,
) -> SqlResult<Option<UserRecord>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE sso_subject = ?"
    ))
    .bind(subject)
    .fetch_optional(conn)
    .await
}

/// A user who signs in with the provider only; `None` when the name is taken.
pub async fn insert_sso(
    conn: &mut SqliteConnection,
    username: &str,
    role: Role,
    subject: &str,
    now: &str,
) -> SqlResult<Option<i64>> {
    let result = sqlx::query(
        "INSERT INTO users (username, role, password_hash, created_at, sso_subject)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
    )
    .bind(username)
    .bind(role.as_str())
    .bind(NO_PASSWORD)
    .bind(now)
    .bind(subject)
    .execute(conn)
    .await?;
    Ok((result.rows_affected() == 1).then(|| result.last_insert_rowid()))
}

pub async fn set_role(conn: &mut SqliteConnection, id: i64, role: Role) -> SqlResult<()> {
    sqlx::query("UPDATE users SET role = ? WHERE id = ?")
        .bind(role.as_str())
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_disabled(conn: &mut SqliteConnection, id: i64, disabled: bool) -> SqlResult<()> {
    sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
        .bind(disabled)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn record_login(conn: &mut SqliteConnection, id: i64, now: &str) -> SqlResult<()> {
    sqlx::query("UPDATE users SET last_login_at = ? WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}
