//! Which cached items break a tag rule, answered in SQL over the tag index: counts per kind and
//! account, and the first items. The same three conditions as `TagRule::check`: a required key
//! missing (and no other spelling of it), a value not allowed, a key spelled otherwise.

use super::batches::{cursor_of, push_batch, Cursor};
use super::inventory_order::{order_terms, SortKey};
use super::resources::{Row, COLUMNS};
use super::sql::SqlResult;
use app::model::{compliance::AllowedValues, compliance::TagRule, AwsItem, ResourceKind};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// The order a rule's breaking items are listed and exported in; the row id makes it total,
/// so that keyset batches neither skip nor repeat an item.
const ORDER: &[SortKey] = &[
    ("r.kind", false),
    ("r.account", false),
    ("r.name COLLATE NOCASE", false),
    ("r.id", false),
    ("r.rowid", false),
];

const TAG_OF_R: &str =
    "SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.account = r.account \
     AND t.region = r.region AND t.id = r.id";

/// The kinds a rule covers: its own list, or every kind with tags.
fn kinds(rule: &TagRule) -> Vec<ResourceKind> {
    ResourceKind::ALL
        .into_iter()
        .filter(|kind| kind.has_tags() && (rule.kinds.is_empty() || rule.kinds.contains(kind)))
        .collect()
}

/// ` lower(t.key) IN (…)` over the rule's key and its other spellings. SQLite's `lower` folds
/// ASCII letters only, as `TagRule::check`'s comparison does; the bound keys are folded the same
/// way (Rust's `to_lowercase` would fold `É` too, and a tag spelled exactly `Équipe` would then
/// count as missing from the rule `Équipe`).
fn push_spellings(sql: &mut QueryBuilder<'_, Sqlite>, rule: &TagRule) {
    sql.push(" lower(t.key) IN (");
    let mut list = sql.separated(", ");
    list.push_bind(rule.key.to_ascii_lowercase());
    for spelling in &rule.spellings {
        list.push_bind(spelling.to_ascii_lowercase());
    }
    sql.push(")");
}

/// ` WHERE …`: the items the rule applies to that break it.
fn push_breaking(sql: &mut QueryBuilder<'_, Sqlite>, rule: &TagRule) {
    sql.push(" WHERE r.gone_at IS NULL AND r.kind IN (");
    let mut list = sql.separated(", ");
    for kind in kinds(rule) {
        list.push_bind(kind.as_str());
    }
    sql.push(")");
    if !rule.accounts.is_empty() {
        sql.push(" AND r.account IN (");
        let mut list = sql.separated(", ");
        for account in &rule.accounts {
            list.push_bind(account.clone());
        }
        sql.push(")");
    }
    sql.push(" AND (");
    // Spelled otherwise.
    sql.push(format!("EXISTS ({TAG_OF_R} AND t.key <> "));
    sql.push_bind(rule.key.clone());
    sql.push(" AND");
    push_spellings(sql, rule);
    sql.push(")");
    // Missing, with no other spelling of it either.
    if rule.required {
        sql.push(format!(" OR NOT EXISTS ({TAG_OF_R} AND"));
        push_spellings(sql, rule);
        sql.push(")");
    }
    // A value the rule does not allow.
    match &rule.allowed {
        AllowedValues::Any => {}
        AllowedValues::List(values) => {
            sql.push(format!(" OR EXISTS ({TAG_OF_R} AND t.key = "));
            sql.push_bind(rule.key.clone());
            sql.push(" AND t.value NOT IN (");
            let mut list = sql.separated(", ");
            for value in values {
                list.push_bind(value.clone());
            }
            sql.push("))");
        }
        AllowedValues::Pattern(pattern) => {
            sql.push(format!(" OR EXISTS ({TAG_OF_R} AND t.key = "));
            sql.push_bind(rule.key.clone());
            sql.push(" AND NOT (t.value GLOB ");
            sql.push_bind(pattern.clone());
            sql.push("))");
        }
    }
    sql.push(")");
}

/// `(kind, account, items)` breaking the rule.
pub async fn counts(pool: &SqlitePool, rule: &TagRule) -> SqlResult<Vec<(String, String, i64)>> {
    let mut sql =
        QueryBuilder::<Sqlite>::new("SELECT r.kind, r.account, COUNT(*) FROM resources r");
    push_breaking(&mut sql, rule);
    sql.push(" GROUP BY r.kind, r.account ORDER BY r.kind, r.account");
    sql.build_query_as().fetch_all(pool).await
}

/// The first `limit` items breaking the rule, by kind, account and name.
pub async fn items(pool: &SqlitePool, rule: &TagRule, limit: i64) -> SqlResult<Vec<AwsItem>> {
    let mut sql = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM resources r"));
    push_breaking(&mut sql, rule);
    sql.push(" ORDER BY ");
    sql.push(order_terms(ORDER));
    sql.push(" LIMIT ");
    sql.push_bind(limit);
    let rows: Vec<Row> = sql.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(Row::into_resource).collect())
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    #[sqlx(flatten)]
    row: Row,
    batch_cursor: String,
}

/// Up to `limit` items breaking the rule after `after` (from the first without one), in the
/// order [`items`] lists them, each with the cursor that continues after it: the compliance
/// export's batches, each one short query that starts where the one before ended.
pub async fn batch(
    pool: &SqlitePool,
    rule: &TagRule,
    after: Option<&Cursor>,
    limit: usize,
) -> SqlResult<Vec<(AwsItem, Cursor)>> {
    let cursor = cursor_of(ORDER);
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {COLUMNS}, {cursor} AS batch_cursor FROM resources r"
    ));
    push_breaking(&mut sql, rule);
    push_batch(&mut sql, ORDER, after, limit)?;
    let rows: Vec<BatchRow> = sql.build_query_as().fetch_all(pool).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let cursor = Cursor::parse(&row.batch_cursor)?;
        if let Some(item) = row.row.into_resource() {
            items.push((item, cursor));
        }
    }
    Ok(items)
}
