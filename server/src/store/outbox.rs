//! The mail outbox: notices written in the transaction that decided to send them, then claimed
//! and delivered by [`crate::jobs::deliver`].
//!
//! A row is `pending` until a sender claims it (`sending`), then `sent`, back to `pending` with a
//! later `next_attempt_at`, or `failed` once its retry period is over; an admin may `retry` or
//! `discard` it. A claim is identified by the row's `attempts` and `claimed_at`, so a sender
//! whose claim went stale and was taken over cannot overwrite what the new sender records.

use super::sql::SqlResult;
use sqlx::{SqliteConnection, SqlitePool};

/// A mail to queue; [`enqueue`] fills in the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum OutboxState {
    Pending,
    Sending,
    Sent,
    Failed,
    Discarded,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Discarded => "discarded",
        }
    }
}

/// How a row is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
pub enum Channel {
    /// To an email address, by the mailer.
    Email,
    /// To a configured webhook (the recipient is its name), its text body the JSON posted.
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }
}

/// A row without its bodies: what the Outbox page lists.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub created_at: String,
    pub channel: Channel,
    /// An email address, or a webhook's name.
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    pub state: OutboxState,
    /// Attempts since the row was queued or last retried by an admin.
    pub attempts: i64,
    pub next_attempt_at: String,
    pub claimed_at: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub discarded_at: Option<String>,
    /// Where the current retry period started: `created_at`, or an admin's retry.
    pub retrying_since: String,
}

/// A whole row: what a sender sends and the Outbox page's detail shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMail {
    #[sqlx(flatten)]
    pub entry: OutboxEntry,
    pub text_body: String,
    pub html_body: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub discarded: u64,
}

const ENTRY_COLUMNS: &str =
    "id, created_at, channel, recipient, subject, message_id, state, attempts,
    next_attempt_at, claimed_at, last_error, sent_at, discarded_at, retrying_since";

/// `<outbox-{id}-{created_at without separators}@{host}>`: unique across databases that reuse
/// ids (a restored backup, a second installation) because the creation time is in it.
pub fn message_id(id: i64, created_at: &str, host: &str) -> String {
    let compact: String = created_at
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    let host = if host.is_empty() { "localhost" } else { &host };
    format!("<outbox-{id}-{compact}@{host}>")
}

/// Queues a mail inside the caller's transaction, so it is sent if and only if that commits.
pub async fn enqueue(
    conn: &mut SqliteConnection,
    mail: &NewMail,
    message_host: &str,
    now: &str,
) -> SqlResult<i64> {
    insert(conn, Channel::Email, mail, message_host, now).await
}

/// Queues a post to the webhook `name` inside the caller's transaction: `subject` for the
/// Outbox page, `body` the JSON posted.
pub async fn enqueue_post(
    conn: &mut SqliteConnection,
    name: &str,
    subject: &str,
    body: &str,
    message_host: &str,
    now: &str,
) -> SqlResult<i64> {
    let post = NewMail {
        recipient: name.to_string(),
        subject: subject.to_string(),
        text: body.to_string(),
        html: String::new(),
    };
    insert(conn, Channel::Webhook, &post, message_host, now).await
}

async fn insert(
    conn: &mut SqliteConnection,
    channel: Channel,
    mail: &NewMail,
    message_host: &str,
    now: &str,
) -> SqlResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (created_at, channel, recipient, subject, text_body, html_body, state,
                             next_attempt_at, retrying_since)
         VALUES (?1, ?6, ?2, ?3, ?4, ?5, 'pending', ?1, ?1)
         RETURNING id",
    )
    .bind(now)
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(channel)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE outbox SET message_id = ? WHERE id = ?")
        .bind(message_id(id, now, message_host))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Claims up to `limit` due rows for the caller to send: pending rows whose time has come, and
/// rows left `sending` since before `stale_before` by a sender that died. One UPDATE, so two
/// processes on one database never claim the same row.
pub async fn claim_due(
    conn: &mut SqliteConnection,
    now: &str,
    stale_before: &str,
    limit: u32,
) -> SqlResult<Vec<OutboxMail>> {
    let mut claimed: Vec<OutboxMail> = sqlx::query_as(&format!(
        "UPDATE outbox SET state = 'sending', claimed_at = ?1, attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1
             UNION ALL
             SELECT id FROM outbox WHERE state = 'sending' AND claimed_at < ?2
             ORDER BY id LIMIT ?3)
         RETURNING {ENTRY_COLUMNS}, text_body, html_body"
    ))
    .bind(now)
    .bind(stale_before)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    claimed.sort_by_key(|mail| mail.entry.id);
    Ok(claimed)
}

/// The claim a sender holds: the row's attempt count and claim time as it claimed it.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub id: i64,
    pub attempts: i64,
    pub claimed_at: &'a str,
}

impl<'a> From<&'a OutboxEntry> for Claim<'a> {
    fn from(entry: &'a OutboxEntry) -> Self {
        Self {
            id: entry.id,
            attempts: entry.attempts,
            claimed_at: entry.claimed_at.as_deref().unwrap_or_default(),
        }
    }
}

/// Ends a claim; false when the claim was no longer the caller's (taken over as stale).
async fn finish(
    pool: &SqlitePool,
    claim: Claim<'_>,
    set: &str,
    values: &[&str],
) -> SqlResult<bool> {
    let sql = format!(
        "UPDATE outbox SET {set}, claimed_at = NULL
         WHERE id = ? AND state = 'sending' AND attempts = ? AND claimed_at = ?"
    );
    let mut query = sqlx::query(&sql);
    for value in values {
        query = query.bind(*value);
    }
    let done = query
        .bind(claim.id)
        .bind(claim.attempts)
        .bind(claim.claimed_at)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_sent(pool: &SqlitePool, claim: Claim<'_>, now: &str) -> SqlResult<bool> {
    finish(pool, claim, "state = 'sent', sent_at = ?", &[now]).await
}

/// Back to pending until `next_attempt_at`, with the failure as a sentence for the Outbox page.
pub async fn mark_retry(
    pool: &SqlitePool,
    claim: Claim<'_>,
    error: &str,
    next_attempt_at: &str,
) -> SqlResult<bool> {
    finish(
        pool,
        claim,
        "state = 'pending', last_error = ?, next_attempt_at = ?",
        &[error, next_attempt_at],
    )
    .await
}

/// Undeliverable: the retry period is over, or the server refused the mail for good.
pub async fn mark_failed(pool: &SqlitePool, claim: Claim<'_>, error: &str) -> SqlResult<bool> {
    finish(pool, claim, "state = 'failed', last_error = ?", &[error]).await
}

/// Newest first, of one state or of all.
pub async fn list(
    pool: &SqlitePool,
    state: Option<OutboxState>,
    limit: u32,
) -> SqlResult<Vec<OutboxEntry>> {
    sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2"
    ))
    .bind(state.map(OutboxState::as_str))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

pub async fn get(pool: &SqlitePool, id: i64) -> SqlResult<Option<OutboxMail>> {
    sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS}, text_body, html_body FROM outbox WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// An admin's "send again": a pending, failed or discarded row becomes due now, with a fresh
/// retry period and attempt count. Runs in the caller's transaction beside its audit row; false
/// when the row does not exist or is being sent or was sent.
pub async fn retry(conn: &mut SqliteConnection, id: i64, now: &str) -> SqlResult<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?1, retrying_since = ?1,
                           attempts = 0, discarded_at = NULL
         WHERE id = ?2 AND state IN ('pending', 'failed', 'discarded')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An admin's "do not send": a pending or failed row is kept, shown as discarded. A row being
/// sent cannot be discarded, since the send may already have reached the server.
pub async fn discard(conn: &mut SqliteConnection, id: i64, now: &str) -> SqlResult<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'discarded', discarded_at = ?1
         WHERE id = ?2 AND state IN ('pending', 'failed')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn counts(pool: &SqlitePool) -> SqlResult<OutboxCounts> {
    let rows: Vec<(OutboxState, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM outbox GROUP BY state")
            .fetch_all(pool)
            .await?;
    let mut counts = OutboxCounts::default();
    for (state, n) in rows {
        let slot = match state {
            OutboxState::Pending => &mut counts.pending,
            OutboxState::Sending => &mut counts.sending,
            OutboxState::Sent => &mut counts.sent,
            OutboxState::Failed => &mut counts.failed,
            OutboxState::Discarded => &mut counts.discarded,
        };
        *slot = n as u64;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    const T0: &str = "2026-12-01T10:00:00.000Z";
    const T1: &str = "2026-12-01T10:05:00.000Z";
    const T2: &str = "2026-12-01T10:20:00.000Z";

    async fn db_with_one_mail() -> (tempfile::TempDir, Db, i64) {
        let (dir, db) = crate::store::temp_db().await;
        let mut tx = db.begin_write().await.unwrap();
        let mail = NewMail {
            recipient: "owner@example.com".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let id = enqueue(&mut tx, &mail, "td.example.com", T0).await.unwrap();
        tx.commit().await.unwrap();
        (dir, db, id)
    }

    #[test]
    fn message_ids_name_the_row_its_time_and_the_host() {
        assert_eq!(
            message_id(42, T0, "td.example.com"),
            "<outbox-42-20261201T100000000Z@td.example.com>"
        );
        assert_eq!(
            message_id(1, T0, "bad host>"),
            "<outbox-1-20261201T100000000Z@badhost>"
        );
        assert_eq!(
            message_id(1, T0, ""),
            "<outbox-1-20261201T100000000Z@localhost>"
        );
    }

    #[tokio::test]
    async fn a_stale_claim_is_taken_over_and_its_late_result_is_ignored() {
        let (_dir, db, id) = db_with_one_mail().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let first = claim_due(&mut conn, T0, "2026-12-01T09:50:00.000Z", 10)
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].entry.message_id,
            message_id(id, T0, "td.example.com")
        );
        assert!(
            claim_due(&mut conn, T1, "2026-12-01T09:55:00.000Z", 10)
                .await
                .unwrap()
                .is_empty(),
            "a fresh claim is not due"
        );
        let second = claim_due(&mut conn, T2, "2026-12-01T10:10:00.000Z", 10)
            .await
            .unwrap();
        assert_eq!(second.len(), 1, "the claim from 10:00 is stale at 10:10");
        assert_eq!(second[0].entry.attempts, 2);
        assert_eq!(second[0].entry.message_id, first[0].entry.message_id);
        assert!(
            !mark_failed(db.pool(), Claim::from(&first[0].entry), "late")
                .await
                .unwrap(),
            "the first sender's claim is no longer its own"
        );
        assert!(mark_sent(db.pool(), Claim::from(&second[0].entry), T2)
            .await
            .unwrap());
        let row = get(db.pool(), id).await.unwrap().unwrap().entry;
        assert_eq!((row.state, row.last_error), (OutboxState::Sent, None));
    }

    #[tokio::test]
    async fn discard_and_retry_follow_the_state() {
        let (_dir, db, id) = db_with_one_mail().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let claimed = claim_due(&mut conn, T0, T0, 1).await.unwrap();
        assert!(
            !discard(&mut conn, id, T1).await.unwrap(),
            "a mail being sent cannot be discarded"
        );
        mark_failed(db.pool(), Claim::from(&claimed[0].entry), "refused")
            .await
            .unwrap();
        assert!(discard(&mut conn, id, T1).await.unwrap());
        let counts = counts(db.pool()).await.unwrap();
        assert_eq!((counts.discarded, counts.failed), (1, 0));
        assert_eq!(
            list(db.pool(), Some(OutboxState::Discarded), 10)
                .await
                .unwrap()[0]
                .discarded_at
                .as_deref(),
            Some(T1)
        );
        assert!(list(db.pool(), Some(OutboxState::Failed), 10)
            .await
            .unwrap()
            .is_empty());
        assert!(retry(&mut conn, id, T2).await.unwrap());
        let row = get(db.pool(), id).await.unwrap().unwrap().entry;
        assert_eq!(row.state, OutboxState::Pending);
        assert_eq!((row.attempts, row.retrying_since.as_str()), (0, T2));
        assert_eq!((row.next_attempt_at.as_str(), row.discarded_at), (T2, None));
        assert!(!retry(&mut conn, id + 1, T2).await.unwrap(), "no such row");
    }
}
