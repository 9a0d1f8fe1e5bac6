//! What the repositories' queries share: the columns that name an item in every table that
//! keeps one (`kind, account, region, id`) and a scope (`kind, account, region`), bound in that
//! order, and pages.

use app::model::ResourceRef;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::query_builder::Separated;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Encode, QueryBuilder, Sqlite, Type};

/// The items that count as expiring, for a query that reads `resources` as `r`: dated, still in
/// AWS and not renewed by a successor. Written the way the partial index
/// `resources_live_by_expiry` is, so that SQLite can walk it.
pub const COUNTED_EXPIRING: &str =
    "r.expires_at IS NOT NULL AND r.gone_at IS NULL AND r.renewed_at IS NULL";

/// What a repository's function answers: its value, or the database's error.
pub type SqlResult<T> = Result<T, sqlx::Error>;

/// ` LIMIT … OFFSET …`: the rows of page `page` (1-based) of `size` rows each.
pub fn push_page(sql: &mut QueryBuilder<'_, Sqlite>, page: u32, size: usize) {
    let size = size as i64;
    push_window(sql, size, i64::from(page.saturating_sub(1)) * size);
}

/// ` LIMIT limit OFFSET offset`.
pub fn push_window(sql: &mut QueryBuilder<'_, Sqlite>, limit: i64, offset: i64) {
    sql.push(" LIMIT ");
    sql.push_bind(limit);
    sql.push(" OFFSET ");
    sql.push_bind(offset);
}

/// A query that takes values for its `?`s, one after the other (sqlx's three kinds of query).
pub trait Bind<'q>: Sized {
    fn bind_value<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(self, value: T) -> Self;

    /// `kind, account, region`: a kind in one account and region.
    fn bind_scope(self, kind: &'q str, account: &'q str, region: &'q str) -> Self {
        self.bind_value(kind).bind_value(account).bind_value(region)
    }

    /// `kind, account, region, id`: one item.
    fn bind_item(self, item: &'q ResourceRef) -> Self {
        let scope = self.bind_scope(item.kind.as_str(), &item.account, &item.region);
        scope.bind_value(item.id.as_str())
    }
}

impl<'q> Bind<'q> for Query<'q, Sqlite, SqliteArguments<'q>> {
    fn bind_value<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, O> Bind<'q> for QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
    fn bind_value<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, O> Bind<'q> for QueryScalar<'q, Sqlite, O, SqliteArguments<'q>> {
    fn bind_value<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(self, value: T) -> Self {
        self.bind(value)
    }
}

/// The values of one row of a multi-row INSERT (`QueryBuilder::push_values`).
impl<'r, 'b, 'q> Bind<'q> for &'r mut Separated<'b, 'q, Sqlite, &'static str> {
    fn bind_value<T: 'q + Encode<'q, Sqlite> + Type<Sqlite>>(self, value: T) -> Self {
        self.push_bind(value)
    }
}
