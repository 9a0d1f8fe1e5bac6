//! The cached items a bulk edit's selection holds, up to a limit: the same filters the
//! inventories and the Compliance page use, so a bulk edit changes what those pages showed.

use super::sql::SqlResult;
use std::collections::HashSet;

use app::model::bulk::Selection;
use app::model::{compliance::TagRule, AwsItem, ResourceKind};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::resources::{self, Row, COLUMNS};

/// Up to `limit` items of the selection, in a stable order (kind, account, name); `now`
/// anchors expiry windows. A picked item trustdesk no longer caches is left out.
pub async fn items(
    pool: &SqlitePool,
    selection: &Selection,
    rules: &[TagRule],
    now: &str,
    limit: usize,
) -> SqlResult<Vec<AwsItem>> {
    match selection {
        Selection::Picked { items } => {
            let mut found = Vec::with_capacity(items.len());
            for item in items.iter().take(limit) {
                if let Some(cached) = resources::get(pool, item).await? {
                    found.push(cached);
                }
            }
            Ok(found)
        }
        Selection::Matching { kind, query } => {
            let kinds: Vec<ResourceKind> = match kind {
                Some(kind) => vec![*kind],
                None => ResourceKind::ALL.to_vec(),
            };
            let mut found = Vec::new();
            for kind in kinds {
                let mut select =
                    QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM resources r"));
                super::inventory_filter::push_filter(&mut select, kind, query, now);
                select.push(" ORDER BY r.account, r.name COLLATE NOCASE, r.id LIMIT ");
                select.push_bind((limit - found.len()) as i64);
                let rows: Vec<Row> = select.build_query_as().fetch_all(pool).await?;
                found.extend(rows.into_iter().filter_map(Row::into_resource));
                if found.len() >= limit {
                    break;
                }
            }
            Ok(found)
        }
        Selection::Breaking { rule } => {
            let mut seen = HashSet::new();
            let mut found = Vec::new();
            for rule in rules.iter().filter(|r| rule.is_none_or(|id| r.id == id)) {
                for item in super::compliance::items(pool, rule, limit as i64).await? {
                    if found.len() < limit && seen.insert(item.item.clone()) {
                        found.push(item);
                    }
                }
            }
            found.sort_by(|a, b| {
                (a.item.kind.as_str(), &a.item.account, a.name.to_lowercase()).cmp(&(
                    b.item.kind.as_str(),
                    &b.item.account,
                    b.name.to_lowercase(),
                ))
            });
            Ok(found)
        }
    }
}
