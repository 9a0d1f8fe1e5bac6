//! `bulk_edits` and `bulk_edit_items`: previews, their items' before and after, and results.
//! State changes are single conditional UPDATEs, so two confirmations of one preview (two tabs,
//! two processes) cannot both start it.

use app::model::bulk::{
    BulkCounts, BulkEdit, BulkItem, BulkState, ItemStatus, TagOperation, BULK_PAGE_SIZE,
};
use app::model::{ResourceKind, ResourceRef, Tag};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::sql::{push_page, Bind, SqlResult};

/// An item of a bulk edit with its place in the selection.
#[derive(Debug, Clone)]
pub struct Stored {
    pub position: i64,
    pub item: BulkItem,
}

#[derive(sqlx::FromRow)]
struct EditRow {
    id: String,
    created_by: String,
    created_at: String,
    selection: String,
    operations: String,
    state: String,
    revision: i64,
    notice: String,
    confirmed_by: String,
    finished_at: Option<String>,
}

impl EditRow {
    fn into_edit(self, counts: BulkCounts) -> BulkEdit {
        BulkEdit {
            operations: serde_json::from_str::<Vec<TagOperation>>(&self.operations)
                .unwrap_or_default(),
            state: BulkState::parse(&self.state).unwrap_or(BulkState::Stopped),
            id: self.id,
            created_by: self.created_by,
            created_at: self.created_at,
            selection: self.selection,
            revision: self.revision,
            notice: self.notice,
            confirmed_by: self.confirmed_by,
            finished_at: self.finished_at,
            counts,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    position: i64,
    kind: String,
    account: String,
    region: String,
    id: String,
    name: String,
    before: String,
    after: String,
    status: String,
    message: String,
    breaks_before: String,
    breaks_after: String,
    request_id: String,
}

impl ItemRow {
    fn into_stored(self) -> Option<Stored> {
        let tags = |json: &str| serde_json::from_str::<Vec<Tag>>(json).unwrap_or_default();
        let lines = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();
        Some(Stored {
            position: self.position,
            item: BulkItem {
                item: ResourceRef {
                    kind: ResourceKind::parse(&self.kind)?,
                    account: self.account,
                    region: self.region,
                    id: self.id,
                },
                name: self.name,
                before: tags(&self.before),
                after: tags(&self.after),
                status: ItemStatus::parse(&self.status)?,
                message: self.message,
                breaks_before: lines(&self.breaks_before),
                breaks_after: lines(&self.breaks_after),
                request_id: self.request_id,
            },
        })
    }
}

const EDIT_COLUMNS: &str = "id, created_by, created_at, selection, operations, state, revision, \
     notice, confirmed_by, finished_at";
const ITEM_COLUMNS: &str = "position, kind, account, region, id, name, before, after, status, \
     message, breaks_before, breaks_after, request_id";

/// An item's preview or result, bound in the order of [`ITEM_COLUMNS`] after the item's key:
/// its name, its tags before and after, its status and message, the rules it breaks before and
/// after, and AWS's request id.
fn bind_outcome<'q, B: Bind<'q>>(query: B, item: &'q BulkItem) -> B {
    let states = query
        .bind_value(item.name.as_str())
        .bind_value(json(&item.before));
    let status = states
        .bind_value(json(&item.after))
        .bind_value(item.status.as_str());
    let breaks = status
        .bind_value(item.message.as_str())
        .bind_value(json(&item.breaks_before));
    breaks
        .bind_value(json(&item.breaks_after))
        .bind_value(item.request_id.as_str())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data always serialises")
}

/// Stores a new preview and its items, in selection order.
pub async fn insert(
    conn: &mut SqliteConnection,
    edit: &BulkEdit,
    items: &[BulkItem],
) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO bulk_edits (id, created_by, created_at, selection, operations, state, revision) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&edit.id)
    .bind(&edit.created_by)
    .bind(&edit.created_at)
    .bind(&edit.selection)
    .bind(json(&edit.operations))
    .bind(edit.state.as_str())
    .bind(edit.revision)
    .execute(&mut *conn)
    .await?;
    // SQLite binds at most 32,766 parameters per statement: 13 per row, 500 rows per INSERT.
    for (chunk_number, chunk) in items.chunks(500).enumerate() {
        let mut insert = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO bulk_edit_items (edit_id, {ITEM_COLUMNS}) "
        ));
        insert.push_values(chunk.iter().enumerate(), |mut row, (n, item)| {
            let position = (chunk_number * 500 + n) as i64;
            let row = row.push_bind(&edit.id).push_bind(position);
            bind_outcome(row.bind_item(&item.item), item);
        });
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Removes previews never confirmed (an edit applied in part and sent back to preview keeps
/// its results), created before `before`.
pub async fn forget_old_previews(conn: &mut SqliteConnection, before: &str) -> SqlResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM bulk_edits WHERE state = 'previewed' AND confirmed_by = '' AND created_at < ?",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

async fn counts(pool: &SqlitePool, id: &str) -> SqlResult<BulkCounts> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM bulk_edit_items WHERE edit_id = ? GROUP BY status",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut counts = BulkCounts::default();
    for (status, count) in rows {
        if let Some(status) = ItemStatus::parse(&status) {
            counts.add(status, count as u64);
        }
    }
    Ok(counts)
}

pub async fn get(pool: &SqlitePool, id: &str) -> SqlResult<Option<BulkEdit>> {
    let row: Option<EditRow> = sqlx::query_as(&format!(
        "SELECT {EDIT_COLUMNS} FROM bulk_edits WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => Ok(Some(row.into_edit(counts(pool, id).await?))),
        None => Ok(None),
    }
}

/// The newest `limit` bulk edits with their counts.
pub async fn recent(pool: &SqlitePool, limit: i64) -> SqlResult<Vec<BulkEdit>> {
    let rows: Vec<EditRow> = sqlx::query_as(&format!(
        "SELECT {EDIT_COLUMNS} FROM bulk_edits ORDER BY created_at DESC, id LIMIT ?"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let counted: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT i.edit_id, i.status, COUNT(*) FROM bulk_edit_items i \
         JOIN (SELECT id FROM bulk_edits ORDER BY created_at DESC, id LIMIT ?) e ON e.id = i.edit_id \
         GROUP BY i.edit_id, i.status",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut counts = BulkCounts::default();
            for (_, status, n) in counted.iter().filter(|(edit, _, _)| *edit == row.id) {
                if let Some(status) = ItemStatus::parse(status) {
                    counts.add(status, *n as u64);
                }
            }
            row.into_edit(counts)
        })
        .collect())
}

/// One page of an edit's items, all or of one status, and how many there are.
pub async fn items_page(
    pool: &SqlitePool,
    id: &str,
    status: Option<ItemStatus>,
    page: u32,
) -> SqlResult<(Vec<BulkItem>, u64)> {
    let filter = |sql: &mut QueryBuilder<'_, Sqlite>| {
        sql.push(" WHERE edit_id = ");
        sql.push_bind(id.to_string());
        if let Some(status) = status {
            sql.push(" AND status = ");
            sql.push_bind(status.as_str());
        }
    };
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM bulk_edit_items");
    filter(&mut count);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    let mut select =
        QueryBuilder::<Sqlite>::new(format!("SELECT {ITEM_COLUMNS} FROM bulk_edit_items"));
    filter(&mut select);
    select.push(" ORDER BY position");
    push_page(&mut select, page, BULK_PAGE_SIZE);
    let rows: Vec<ItemRow> = select.build_query_as().fetch_all(pool).await?;
    Ok((
        rows.into_iter()
            .filter_map(ItemRow::into_stored)
            .map(|s| s.item)
            .collect(),
        total as u64,
    ))
}

/// Every item of the edit with one of `statuses`, in selection order.
pub async fn items_with(
    pool: &SqlitePool,
    id: &str,
    statuses: &[ItemStatus],
) -> SqlResult<Vec<Stored>> {
    let mut select = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {ITEM_COLUMNS} FROM bulk_edit_items WHERE edit_id = "
    ));
    select.push_bind(id.to_string());
    select.push(" AND status IN (");
    let mut list = select.separated(", ");
    for status in statuses {
        list.push_bind(status.as_str());
    }
    select.push(") ORDER BY position");
    let rows: Vec<ItemRow> = select.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(ItemRow::into_stored).collect())
}

/// Starts a run of the edit (state `checking`, owned by `runner`), only if it is in `from`
/// (and at `revision`, when given): whether this caller won the start.
pub async fn start(
    conn: &mut SqliteConnection,
    id: &str,
    from: &[BulkState],
    revision: Option<i64>,
    runner: &str,
) -> SqlResult<bool> {
    let mut update = QueryBuilder::<Sqlite>::new(
        "UPDATE bulk_edits SET state = 'checking', notice = '', finished_at = NULL, runner = ",
    );
    update.push_bind(runner.to_string());
    update.push(", heartbeat_at = ");
    update.push_bind(crate::time::now());
    update.push(" WHERE id = ");
    update.push_bind(id.to_string());
    update.push(" AND state IN (");
    let mut list = update.separated(", ");
    for state in from {
        list.push_bind(state.as_str());
    }
    update.push(")");
    if let Some(revision) = revision {
        update.push(" AND revision = ");
        update.push_bind(revision);
    }
    Ok(update.build().execute(&mut *conn).await?.rows_affected() == 1)
}

/// A run's own update: applied only while the edit runs and `runner` still owns it; whether
/// it did (a run marked stopped, or superseded by a retry, must stop).
async fn as_runner(
    conn: &mut SqliteConnection,
    sql: &str,
    binds: &[&str],
    id: &str,
    runner: &str,
) -> SqlResult<bool> {
    let sql = format!("{sql} WHERE id = ? AND runner = ? AND state IN ('checking', 'applying')");
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    Ok(query
        .bind(id)
        .bind(runner)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Whether `runner` still owns the running edit.
pub async fn owned(conn: &mut SqliteConnection, id: &str, runner: &str) -> SqlResult<bool> {
    let owned: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM bulk_edits WHERE id = ? AND runner = ? AND state IN ('checking', 'applying')",
    )
    .bind(id)
    .bind(runner)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(owned.is_some())
}

/// Checked: the changes go out now.
pub async fn to_applying(conn: &mut SqliteConnection, id: &str, runner: &str) -> SqlResult<bool> {
    as_runner(
        conn,
        "UPDATE bulk_edits SET state = 'applying'",
        &[],
        id,
        runner,
    )
    .await
}

/// The run is alive.
pub async fn heartbeat(
    conn: &mut SqliteConnection,
    id: &str,
    runner: &str,
    at: &str,
) -> SqlResult<bool> {
    as_runner(
        conn,
        "UPDATE bulk_edits SET heartbeat_at = ?",
        &[at],
        id,
        runner,
    )
    .await
}

/// Back to a preview the admin must confirm again, at the next revision, saying why.
pub async fn re_preview(
    conn: &mut SqliteConnection,
    id: &str,
    runner: &str,
    notice: &str,
) -> SqlResult<bool> {
    as_runner(
        conn,
        "UPDATE bulk_edits SET state = 'previewed', revision = revision + 1, notice = ?",
        &[notice],
        id,
        runner,
    )
    .await
}

/// The run ends in `state` (finished or stopped).
pub async fn finish(
    conn: &mut SqliteConnection,
    id: &str,
    runner: &str,
    state: BulkState,
    notice: &str,
    at: &str,
) -> SqlResult<bool> {
    as_runner(
        conn,
        "UPDATE bulk_edits SET state = ?, notice = ?, finished_at = ?",
        &[state.as_str(), notice, at],
        id,
        runner,
    )
    .await
}

pub async fn set_confirmed_by(conn: &mut SqliteConnection, id: &str, by: &str) -> SqlResult<()> {
    sqlx::query("UPDATE bulk_edits SET confirmed_by = ? WHERE id = ?")
        .bind(by)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Rewrites one item's preview or result.
pub async fn update_item(conn: &mut SqliteConnection, id: &str, stored: &Stored) -> SqlResult<()> {
    let update = sqlx::query(
        "UPDATE bulk_edit_items SET name = ?, before = ?, after = ?, status = ?, message = ?, \
         breaks_before = ?, breaks_after = ?, request_id = ? WHERE edit_id = ? AND position = ?",
    );
    let update = bind_outcome(update, &stored.item)
        .bind(id)
        .bind(stored.position);
    update.execute(&mut *conn).await.map(|_| ())
}

/// Failed items become pending again, for a retry.
pub async fn reset_failed(conn: &mut SqliteConnection, id: &str) -> SqlResult<u64> {
    Ok(sqlx::query(
        "UPDATE bulk_edit_items SET status = 'pending', message = '', request_id = '' \
         WHERE edit_id = ? AND status = 'failed'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// How long an edit may run without a heartbeat before it counts as stopped (longer than one
/// AWS call with its retries may take).
pub const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(3);

/// Edits left checking or applying by a process that stopped (no heartbeat since
/// `stale_before`): marked stopped with `notice`, their unsent items retryable. Answers how many.
pub async fn stop_abandoned(
    pool: &SqlitePool,
    stale_before: &str,
    at: &str,
    notice: &str,
) -> SqlResult<u64> {
    Ok(sqlx::query(
        "UPDATE bulk_edits SET state = 'stopped', finished_at = ?, notice = ? \
         WHERE state IN ('checking', 'applying') AND (heartbeat_at IS NULL OR heartbeat_at < ?)",
    )
    .bind(at)
    .bind(notice)
    .bind(stale_before)
    .execute(pool)
    .await?
    .rows_affected())
}
