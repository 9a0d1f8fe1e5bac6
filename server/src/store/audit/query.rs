//! Reading the trail: a filtered page newest first (one count and one page query, each on an
//! index), the values each filter can take, one row in full, and a cursor over every row a
//! filter matches for the exports.

use super::{read_state, redact, StoredRow};
use crate::store::sql::SqlResult;
use app::model::audit::ITEM_HISTORY_SHOWN;
use app::model::{
    AtRange, AuditDetail, AuditEntry, AuditPage, AuditQuery, ItemHistory, Outcome, Recorded,
    ResourceKind, ResourceRef, AUDIT_PAGE_SIZE,
};
use futures_util::{Stream, TryStreamExt};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// `WHERE …` for the filters that are set; only those, so SQLite can pick the index of one.
fn push_filters(sql: &mut QueryBuilder<'static, Sqlite>, query: &AuditQuery, range: &AtRange) {
    sql.push(" WHERE 1 = 1");
    if !query.action.is_empty() {
        sql.push(" AND action IN (");
        {
            let mut names = sql.separated(", ");
            for name in app::model::audit::names_of(&query.action) {
                names.push_bind(name.to_string());
            }
        }
        sql.push(")");
    }
    for (column, value) in [
        ("actor", &query.actor),
        ("target_kind", &query.kind),
        ("account", &query.account),
        ("outcome", &query.outcome),
    ] {
        if !value.is_empty() {
            sql.push(format!(" AND {column} = "))
                .push_bind(value.clone());
        }
    }
    if let Some(start) = &range.start {
        sql.push(" AND at >= ").push_bind(start.clone());
    }
    if let Some(end) = &range.end {
        sql.push(" AND at < ").push_bind(end.clone());
    }
}

/// The distinct values of an indexed column, one index seek each (a loose index scan), so the
/// filter's choices cost the number of values, not the number of rows.
async fn distinct(pool: &SqlitePool, column: &str) -> SqlResult<Vec<String>> {
    let sql = format!(
        "WITH RECURSIVE v(x) AS (
             SELECT MIN({column}) FROM audit_log
             UNION ALL
             SELECT (SELECT MIN({column}) FROM audit_log WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL
         )
         SELECT x FROM v WHERE x IS NOT NULL AND x != ''"
    );
    sqlx::query_scalar(&sql).fetch_all(pool).await
}

/// Newest first; `query.page` is 1-based and clamped to the last page. The filters must have
/// been checked ([`AuditQuery::validate`]) into `range`.
pub async fn page(pool: &SqlitePool, query: &AuditQuery, range: &AtRange) -> SqlResult<AuditPage> {
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM audit_log");
    push_filters(&mut count, query, range);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    let total = total as u64;
    let total_pages = total.div_ceil(u64::from(AUDIT_PAGE_SIZE)).max(1) as u32;
    let page = query.page.clamp(1, total_pages);
    let mut rows = QueryBuilder::new("SELECT * FROM audit_log");
    push_filters(&mut rows, query, range);
    rows.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(AUDIT_PAGE_SIZE))
        .push(" OFFSET ")
        .push_bind(i64::from((page - 1) * AUDIT_PAGE_SIZE));
    let rows: Vec<StoredRow> = rows.build_query_as().fetch_all(pool).await?;
    let entries =
        fold_answered_attempts(pool, rows.into_iter().map(StoredRow::entry).collect()).await?;
    Ok(AuditPage {
        entries,
        page,
        total_pages,
        total_entries: total,
        actors: distinct(pool, "actor").await?,
        actions: distinct(pool, "action").await?,
        kinds: distinct(pool, "target_kind").await?,
        accounts: distinct(pool, "account").await?,
    })
}

/// The newest row the HTTP request `request_id` wrote (a change's notice links to it), on the
/// index `audit_log_by_request`.
pub async fn newest_row_of_request(pool: &SqlitePool, request_id: &str) -> SqlResult<Option<i64>> {
    sqlx::query_scalar("SELECT max(id) FROM audit_log WHERE http_request_id = ?")
        .bind(request_id)
        .fetch_one(pool)
        .await
}

/// One row per change in a list: drops the attempts (written before AWS is asked, so that a
/// crash leaves a trace) that their request answered with a later row of the same action on the
/// same kind, account and region (a create's answer names the new item's AWS id, its attempt
/// the name asked for). An attempt nobody answered stays. The trail and its exports keep every
/// row; this is the list's view of them, one indexed read of the page's requests.
async fn fold_answered_attempts(
    pool: &SqlitePool,
    entries: Vec<AuditEntry>,
) -> SqlResult<Vec<AuditEntry>> {
    let requests: Vec<String> = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Attempted && !e.http_request_id.is_empty())
        .map(|e| e.http_request_id.clone())
        .collect();
    if requests.is_empty() {
        return Ok(entries);
    }
    let mut answers = QueryBuilder::<Sqlite>::new(
        "SELECT id, http_request_id, action, target_kind, account, region FROM audit_log
         WHERE outcome <> 'attempted' AND http_request_id IN (",
    );
    {
        let mut list = answers.separated(", ");
        for request in requests {
            list.push_bind(request);
        }
    }
    answers.push(")");
    let answers: Vec<(i64, String, String, String, String, String)> =
        answers.build_query_as().fetch_all(pool).await?;
    let answered = |e: &AuditEntry| {
        answers
            .iter()
            .any(|(id, request, action, kind, account, region)| {
                *id > e.id
                    && *request == e.http_request_id
                    && *action == e.action
                    && *kind == e.target_kind
                    && *account == e.account
                    && *region == e.region
            })
    };
    Ok(entries
        .into_iter()
        .filter(|e| e.outcome != Outcome::Attempted || !answered(e))
        .collect())
}

/// The rows that acted on `item`, newest first: the first [`ITEM_HISTORY_SHOWN`] and their
/// number, both on the index `audit_log_by_target`.
pub async fn item_history(pool: &SqlitePool, item: &ResourceRef) -> SqlResult<ItemHistory> {
    const WHERE: &str =
        " FROM audit_log WHERE target_kind = ? AND target_id = ? AND account = ? AND region = ?";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*){WHERE}"))
        .bind(item.kind.as_str())
        .bind(&item.id)
        .bind(&item.account)
        .bind(&item.region)
        .fetch_one(pool)
        .await?;
    let rows: Vec<StoredRow> = sqlx::query_as(&format!("SELECT *{WHERE} ORDER BY id DESC LIMIT ?"))
        .bind(item.kind.as_str())
        .bind(&item.id)
        .bind(&item.account)
        .bind(&item.region)
        .bind(i64::from(ITEM_HISTORY_SHOWN))
        .fetch_all(pool)
        .await?;
    Ok(ItemHistory {
        entries: fold_answered_attempts(pool, rows.into_iter().map(StoredRow::entry).collect())
            .await?,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// One row in full, secrets redacted again on the way out (rows written before a key joined
/// the redacted list keep it from showing).
pub async fn detail(pool: &SqlitePool, id: i64) -> SqlResult<Option<AuditDetail>> {
    let row: Option<StoredRow> = sqlx::query_as("SELECT * FROM audit_log WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| {
        let before = redacted_state(row.state_before.as_deref());
        let after = redacted_state(row.state_after.as_deref());
        let params_pretty = pretty_params(&row.params);
        let about_item =
            ResourceKind::parse(&row.target_kind).is_some() && !row.action.starts_with("sync.");
        let (prev_hash, scheme) = (row.prev_hash.clone(), row.scheme.clone());
        AuditDetail {
            entry: row.entry(),
            params_pretty,
            prev_hash,
            scheme,
            before,
            after,
            about_item,
        }
    }))
}

fn redacted_state(stored: Option<&str>) -> Recorded {
    let redacted = stored.map(
        |json| match serde_json::from_str::<serde_json::Value>(json) {
            Ok(mut value) => {
                redact(&mut value);
                value.to_string()
            }
            Err(_) => json.to_string(),
        },
    );
    read_state(redacted.as_deref())
}

fn pretty_params(params: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(params) {
        Ok(mut value) => {
            redact(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        Err(_) => params.to_string(),
    }
}

/// A row as the exports write it: every column, JSON columns parsed and redacted again.
#[derive(Debug, serde::Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub client_ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub account: String,
    pub region: String,
    pub outcome: String,
    pub message: String,
    pub request_id: String,
    /// trustdesk's HTTP request; None where not recorded (part of the hashed form when set).
    pub http_request_id: Option<String>,
    pub params: serde_json::Value,
    pub state_before: Option<serde_json::Value>,
    pub state_after: Option<serde_json::Value>,
    pub scheme: String,
    pub prev_hash: String,
    pub hash: String,
}

impl ExportRow {
    fn of(row: StoredRow) -> Self {
        let json = |text: &str| {
            let mut value = serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_string()));
            redact(&mut value);
            value
        };
        Self {
            params: json(&row.params),
            state_before: row.state_before.as_deref().map(json),
            state_after: row.state_after.as_deref().map(json),
            id: row.id,
            at: row.at,
            actor: row.actor,
            client_ip: row.client_ip,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            account: row.account,
            region: row.region,
            outcome: row.outcome,
            message: row.message,
            request_id: row.request_id,
            http_request_id: row.http_request_id,
            scheme: row.scheme,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// Every row the filters match, oldest first, read from one cursor as the caller consumes it:
/// a task walks the cursor and hands rows over a small channel, so a slow download holds a
/// few rows in memory, never the trail.
pub fn export_rows(
    pool: SqlitePool,
    query: AuditQuery,
    range: AtRange,
) -> impl Stream<Item = SqlResult<ExportRow>> + Send + 'static {
    let (sender, receiver) = tokio::sync::mpsc::channel::<SqlResult<ExportRow>>(64);
    tokio::spawn(async move {
        let mut sql = QueryBuilder::new("SELECT * FROM audit_log");
        push_filters(&mut sql, &query, &range);
        sql.push(" ORDER BY id");
        let mut rows = sql.build_query_as::<StoredRow>().fetch(&pool);
        loop {
            let item = match rows.try_next().await {
                Ok(Some(row)) => Ok(ExportRow::of(row)),
                Ok(None) => break,
                Err(error) => Err(error),
            };
            let failed = item.is_err();
            // A send fails when the download was cancelled: the cursor closes with the task.
            if sender.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

#[cfg(test)]
mod tests {
    use super::super::{append, seal::Seal, tests::db_with_rows, NewAuditRow};
    use super::*;
    use app::model::{ItemState, Tag};

    fn filtered(query: AuditQuery) -> (AuditQuery, AtRange) {
        let range = query.validate().unwrap();
        (query, range)
    }

    #[tokio::test]
    async fn pages_are_newest_first() {
        let (_dir, db) = db_with_rows(AUDIT_PAGE_SIZE as usize + 3, &Seal::plain()).await;
        let at = |page| {
            filtered(AuditQuery {
                page,
                ..Default::default()
            })
        };
        let (q, r) = at(1);
        let first = super::page(db.pool(), &q, &r).await.unwrap();
        assert_eq!(first.total_pages, 2);
        assert_eq!(first.entries[0].id, i64::from(AUDIT_PAGE_SIZE) + 3);
        let (q, r) = at(2);
        let second = super::page(db.pool(), &q, &r).await.unwrap();
        assert_eq!(second.entries.len(), 3);
        assert_eq!(second.entries.last().unwrap().id, 1);
        let (q, r) = at(99);
        assert_eq!(
            super::page(db.pool(), &q, &r).await.unwrap().page,
            2,
            "clamped to the last page"
        );
    }

    async fn add(db: &crate::store::Db, row: NewAuditRow, at: &str) {
        let mut tx = db.begin_write().await.unwrap();
        append(&mut tx, &Seal::plain(), row, at).await.unwrap();
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn every_filter_narrows_the_page_and_the_count() {
        let (_dir, db) = db_with_rows(0, &Seal::plain()).await;
        let row = |actor: &str, action: &str, kind: &str, account: &str, outcome| NewAuditRow {
            actor: actor.into(),
            action: action.into(),
            target_kind: kind.into(),
            account: account.into(),
            outcome: Some(outcome),
            ..Default::default()
        };
        add(
            &db,
            row(
                "alice",
                "saml-provider.tag",
                "saml-provider",
                "prod",
                Outcome::Ok,
            ),
            "2026-11-30T23:59:59.999Z",
        )
        .await;
        add(
            &db,
            row(
                "bob",
                "saml-provider.tag",
                "saml-provider",
                "dev",
                Outcome::Error,
            ),
            "2026-12-01T00:00:00.000Z",
        )
        .await;
        add(
            &db,
            row("alice", "user.add", "user", "", Outcome::Ok),
            "2026-12-01T12:00:00.000Z",
        )
        .await;
        add(
            &db,
            row(
                "alice",
                "oidc-provider.untag",
                "oidc-provider",
                "prod",
                Outcome::Attempted,
            ),
            "2026-12-02T00:00:00.000Z",
        )
        .await;

        let ids = |query: AuditQuery| {
            let db = db.clone();
            async move {
                let (q, r) = filtered(query);
                let page = super::page(db.pool(), &q, &r).await.unwrap();
                assert_eq!(page.total_entries as usize, page.entries.len());
                page.entries.iter().map(|e| e.id).collect::<Vec<_>>()
            }
        };
        let q = |f: fn(&mut AuditQuery)| {
            let mut query = AuditQuery::default();
            f(&mut query);
            query
        };
        assert_eq!(ids(q(|q| q.actor = "alice".into())).await, vec![4, 3, 1]);
        assert_eq!(
            ids(q(|q| q.action = "saml-provider.tag".into())).await,
            vec![2, 1]
        );
        assert_eq!(ids(q(|q| q.kind = "user".into())).await, vec![3]);
        assert_eq!(ids(q(|q| q.account = "prod".into())).await, vec![4, 1]);
        assert_eq!(ids(q(|q| q.outcome = "error".into())).await, vec![2]);
        assert_eq!(
            ids(q(|q| q.from = "2026-12-01".into())).await,
            vec![4, 3, 2]
        );
        assert_eq!(
            ids(q(|q| {
                q.from = "2026-12-01".into();
                q.to = "2026-12-01".into();
            }))
            .await,
            vec![3, 2],
            "both ends of one whole day"
        );
        assert_eq!(
            ids(q(|q| {
                q.actor = "alice".into();
                q.account = "prod".into();
                q.to = "2026-12-01".into();
            }))
            .await,
            vec![1]
        );
        let (all, range) = filtered(AuditQuery::default());
        let page = super::page(db.pool(), &all, &range).await.unwrap();
        assert_eq!(page.actors, vec!["alice", "bob"]);
        assert_eq!(page.kinds, vec!["oidc-provider", "saml-provider", "user"]);
        assert_eq!(
            page.accounts,
            vec!["dev", "prod"],
            "no empty account offered"
        );
        assert_eq!(page.actions.len(), 3);
    }

    #[tokio::test]
    async fn the_detail_carries_states_and_redacts() {
        let (_dir, db) = db_with_rows(1, &Seal::plain()).await;
        let state = ItemState {
            name: "p".into(),
            status: "active".into(),
            expires_at: None,
            tags: vec![Tag {
                key: "Owner".into(),
                value: "alice".into(),
            }],
            fields: vec![],
            read_at: "2026-12-01T00:00:00.000Z".into(),
        };
        add(
            &db,
            NewAuditRow {
                action: "saml-provider.tag".into(),
                target_kind: "saml-provider".into(),
                params: serde_json::json!({"set": [{"key": "Owner", "value": "bob"}]}),
                before: Recorded::Present(state.clone()),
                after: Recorded::Absent,
                ..Default::default()
            },
            "2026-12-01T00:00:00.000Z",
        )
        .await;
        let old = detail(db.pool(), 1).await.unwrap().unwrap();
        assert_eq!(old.before, Recorded::NotRecorded);
        assert!(!old.params_pretty.contains("hunter2"));
        assert!(!old.about_item);
        let new = detail(db.pool(), 2).await.unwrap().unwrap();
        assert_eq!(new.before, Recorded::Present(state));
        assert_eq!(new.after, Recorded::Absent);
        assert!(new.about_item);
        assert_eq!(new.scheme, "sha256");
        assert!(detail(db.pool(), 3).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_export_cursor_applies_the_filters_oldest_first() {
        let (_dir, db) = db_with_rows(7, &Seal::plain()).await;
        let (query, range) = filtered(AuditQuery {
            actor: "alice".into(),
            ..Default::default()
        });
        let rows: Vec<ExportRow> = export_rows(db.pool().clone(), query, range)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 3, 5, 7]
        );
        assert_eq!(rows[0].params["password"], "[redacted]");
    }
}
