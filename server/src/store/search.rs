//! The search across every kind, answered by the trigram index of the items still in AWS
//! (migration `search_index`): one query gives each kind's number of matches and its first
//! few, soonest expiry first.

use super::inventory_filter::escape_like;
use super::resources::{Row, COLUMNS};
use super::sql::SqlResult;
use app::model::search::{SearchGroup, SearchWords, SEARCH_MATCH_LIMIT, SEARCH_SHOWN_PER_KIND};
use app::model::ResourceKind;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// Each kind's matches of `words` (with at least one indexed word), in the navigation's order
/// of kinds, and whether more than [`SEARCH_MATCH_LIMIT`] items matched.
pub async fn search(pool: &SqlitePool, words: &SearchWords) -> SqlResult<(Vec<SearchGroup>, bool)> {
    if words.too_short() {
        return Ok((Vec::new(), false));
    }
    let rows: Vec<MatchRow> = query("", words).build_query_as().fetch_all(pool).await?;
    let matched: i64 = rows.first().map_or(0, |row| row.matched);
    let mut groups: Vec<SearchGroup> = Vec::new();
    for row in rows {
        let total = u64::try_from(row.matches).unwrap_or(0);
        let Some(item) = row.item.into_resource() else {
            continue;
        };
        match groups.iter_mut().find(|group| group.kind == item.item.kind) {
            Some(group) => group.items.push(item),
            None => groups.push(SearchGroup {
                kind: item.item.kind,
                total,
                items: vec![item],
            }),
        }
    }
    groups.sort_by_key(|group| {
        ResourceKind::ALL
            .iter()
            .position(|kind| *kind == group.kind)
    });
    Ok((groups, matched > SEARCH_MATCH_LIMIT as i64))
}

#[derive(sqlx::FromRow)]
struct MatchRow {
    #[sqlx(flatten)]
    item: Row,
    /// This kind's matches (of the first [`SEARCH_MATCH_LIMIT`] + 1).
    matches: i64,
    /// Every kind's.
    matched: i64,
}

/// The FTS5 query of the indexed words: each one a phrase (quotes doubled inside), all of them
/// required. The trigram tokenizer makes a phrase match anywhere inside the text.
fn match_expression(words: &SearchWords) -> String {
    words
        .indexed
        .iter()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `lead` goes before the query (`EXPLAIN QUERY PLAN ` in tests). The matches are counted and
/// ranked on `search_rows` alone (one seek by number each); only the few each kind shows are
/// read from `resources`.
fn query<'q>(lead: &str, words: &SearchWords) -> QueryBuilder<'q, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{lead}WITH hits AS (SELECT s.kind, s.account, s.region, s.id, s.expires_at, s.name
           FROM search_index JOIN search_rows s ON s.number = search_index.rowid"
    ));
    // Words too short for the index narrow what it found, on the items' own text.
    if !words.short.is_empty() {
        sql.push(
            " JOIN resources r ON r.kind = s.kind AND r.account = s.account
                              AND r.region = s.region AND r.id = s.id",
        );
    }
    sql.push(" WHERE search_index MATCH ");
    sql.push_bind(match_expression(words));
    for word in &words.short {
        sql.push(" AND r.search LIKE ");
        sql.push_bind(format!("%{}%", escape_like(word)));
        sql.push(" ESCAPE '\\'");
    }
    // The index's own order, said outright: without it SQLite reads every match of a common
    // word before the limit applies once the ranking below sorts (a whole account id took 49 ms
    // at 100,000 items, 7 ms with it).
    sql.push(" ORDER BY search_index.rowid LIMIT ");
    sql.push_bind(SEARCH_MATCH_LIMIT as i64 + 1);
    sql.push(format!(
        "), ranked AS (SELECT *, count(*) OVER (PARTITION BY kind) AS matches,
                 count(*) OVER () AS matched,
                 row_number() OVER (PARTITION BY kind ORDER BY ifnull(expires_at, '~'),
                     name COLLATE NOCASE, id, region, account) AS place
           FROM hits)
         SELECT {columns}, ranked.matches, ranked.matched FROM ranked
         JOIN resources r ON r.kind = ranked.kind AND r.account = ranked.account
                         AND r.region = ranked.region AND r.id = ranked.id
         WHERE ranked.place <= {SEARCH_SHOWN_PER_KIND}
         ORDER BY ranked.kind, ranked.place",
        columns = prefixed_columns()
    ));
    sql
}

fn prefixed_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|column| format!("r.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::expiry::tests::steps;
    use crate::store::temp_db;
    use crate::store::{resources, timestamp};
    use app::model::{AwsItem, Field, ResourceRef, Tag};

    /// The items a search would find, read by a pass over the cache without the limit (tests compare the index with
    /// a scan of the cache).
    async fn scan(pool: &SqlitePool, words: &SearchWords) -> SqlResult<Vec<AwsItem>> {
        let mut sql = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.gone_at IS NULL"
        ));
        for word in words.indexed.iter().chain(&words.short) {
            sql.push(" AND r.search LIKE ");
            sql.push_bind(format!("%{}%", escape_like(word)));
            sql.push(" ESCAPE '\\'");
        }
        sql.push(
            " ORDER BY kind, ifnull(expires_at, '~'), name COLLATE NOCASE, id, region, account",
        );
        resources::fetch(sql, pool).await
    }

    fn item(kind: ResourceKind, id: &str, name: &str, tags: &[(&str, &str)]) -> AwsItem {
        AwsItem {
            item: ResourceRef {
                kind,
                account: "prod".into(),
                region: if kind.is_global() {
                    "global"
                } else {
                    "us-east-1"
                }
                .into(),
                id: id.into(),
            },
            account_id: "123456789012".into(),
            name: name.into(),
            status: "active".into(),
            expires_at: kind
                .has_expiry()
                .then(|| timestamp(chrono::Utc::now() + chrono::Duration::days(30))),
            tags: tags
                .iter()
                .map(|(key, value)| Tag {
                    key: key.to_string(),
                    value: value.to_string(),
                })
                .collect(),
            fields: vec![Field {
                label: "ARN".into(),
                value: format!("arn:aws:test::123456789012:thing/{id}"),
            }],
            last_seen: timestamp(chrono::Utc::now()),
            expires_in_days: None,
        }
    }

    fn words(text: &str) -> SearchWords {
        SearchWords::parse(text).unwrap()
    }

    async fn ids(pool: &SqlitePool, text: &str) -> Vec<String> {
        let (groups, _) = search(pool, &words(text)).await.unwrap();
        groups
            .into_iter()
            .flat_map(|group| group.items.into_iter().map(|item| item.item.id))
            .collect()
    }

    #[tokio::test]
    async fn finds_fragments_of_ids_names_arns_account_ids_and_tags_in_every_kind() {
        let (_dir, db) = temp_db().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let certificate = item(
            ResourceKind::ServerCertificate,
            "ASCAEXAMPLE1",
            "api-gateway-dev",
            &[("Team", "Payments")],
        );
        let token = item(
            ResourceKind::LicenseToken,
            "tok-0a1b2c",
            "renewal token",
            &[("CostCentre", "cc-4711")],
        );
        resources::upsert(&mut conn, &certificate).await.unwrap();
        resources::upsert(&mut conn, &token).await.unwrap();

        assert_eq!(ids(db.pool(), "gateway").await, ["ASCAEXAMPLE1"]);
        assert_eq!(
            ids(db.pool(), "GATEWAY-D").await,
            ["ASCAEXAMPLE1"],
            "any case"
        );
        assert_eq!(ids(db.pool(), "a1b2").await, ["tok-0a1b2c"], "inside an id");
        assert_eq!(ids(db.pool(), "thing/tok").await, ["tok-0a1b2c"], "the ARN");
        assert_eq!(
            ids(db.pool(), "payments").await,
            ["ASCAEXAMPLE1"],
            "a tag value"
        );
        assert_eq!(
            ids(db.pool(), "costcentre").await,
            ["tok-0a1b2c"],
            "a tag key"
        );
        assert_eq!(ids(db.pool(), "6789012").await.len(), 2, "the account id");
        assert_eq!(
            ids(db.pool(), "renewal to").await,
            ["tok-0a1b2c"],
            "every word"
        );
        assert!(ids(db.pool(), "renewal gateway").await.is_empty());
        assert!(
            ids(db.pool(), "\"quoted\" AND NOT").await.is_empty(),
            "words, not syntax"
        );
    }

    #[tokio::test]
    async fn the_index_follows_changes_removals_in_aws_and_deletions() {
        let (_dir, db) = temp_db().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let mut policy = item(
            ResourceKind::ManagedPolicy,
            "arn:aws:iam::123456789012:policy/ops",
            "ops",
            &[("Owner", "alice")],
        );
        resources::upsert(&mut conn, &policy).await.unwrap();
        assert_eq!(ids(db.pool(), "alice").await.len(), 1);

        policy.tags[0].value = "bob".into();
        resources::upsert(&mut conn, &policy).await.unwrap();
        assert!(
            ids(db.pool(), "alice").await.is_empty(),
            "the old value is gone"
        );
        assert_eq!(ids(db.pool(), "bob").await.len(), 1);

        sqlx::query("UPDATE resources SET gone_at = '2026-01-01T00:00:00.000Z'")
            .execute(&mut *conn)
            .await
            .unwrap();
        assert!(ids(db.pool(), "bob").await.is_empty(), "removed in AWS");
        resources::upsert(&mut conn, &policy).await.unwrap();
        assert_eq!(ids(db.pool(), "bob").await.len(), 1, "back in AWS");

        sqlx::query("DELETE FROM resources")
            .execute(&mut *conn)
            .await
            .unwrap();
        assert!(ids(db.pool(), "bob").await.is_empty(), "forgotten");
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM search_rows")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[tokio::test]
    async fn groups_count_every_match_and_show_the_soonest_first() {
        let (_dir, db) = temp_db().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let count = SEARCH_SHOWN_PER_KIND + 5;
        for n in 0..count {
            let mut token = item(
                ResourceKind::VerificationToken,
                &format!("ipam-ext-res-ver-token-{n:04}"),
                "verify",
                &[],
            );
            token.expires_at = Some(timestamp(
                chrono::Utc::now() + chrono::Duration::days(100 - n as i64),
            ));
            resources::upsert(&mut conn, &token).await.unwrap();
        }
        resources::upsert(
            &mut conn,
            &item(
                ResourceKind::MfaDevice,
                "arn:aws:iam::123456789012:mfa/verify-me",
                "verify-me",
                &[],
            ),
        )
        .await
        .unwrap();
        let (groups, limited) = search(db.pool(), &words("verify")).await.unwrap();
        assert!(!limited);
        let kinds: Vec<_> = groups.iter().map(|group| group.kind).collect();
        let in_nav_order: Vec<_> = ResourceKind::ALL
            .into_iter()
            .filter(|kind| kinds.contains(kind))
            .collect();
        assert_eq!(kinds, in_nav_order);
        let tokens = groups
            .iter()
            .find(|group| group.kind == ResourceKind::VerificationToken)
            .unwrap();
        assert_eq!(tokens.total, count as u64);
        assert_eq!(tokens.items.len(), SEARCH_SHOWN_PER_KIND);
        assert_eq!(
            tokens.items[0].item.id,
            format!("ipam-ext-res-ver-token-{:04}", count - 1),
            "soonest expiry first"
        );
    }

    #[tokio::test]
    async fn a_renewal_ranks_the_item_anew() {
        let (_dir, db) = temp_db().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let mut tokens = Vec::new();
        for (n, days) in [(1, 10), (2, 20)] {
            let mut token = item(
                ResourceKind::VerificationToken,
                &format!("tok-{n}"),
                "renewable",
                &[],
            );
            token.expires_at = Some(timestamp(chrono::Utc::now() + chrono::Duration::days(days)));
            resources::upsert(&mut conn, &token).await.unwrap();
            tokens.push(token);
        }
        assert_eq!(ids(db.pool(), "renewable").await, ["tok-1", "tok-2"]);
        tokens[0].expires_at = Some(timestamp(chrono::Utc::now() + chrono::Duration::days(400)));
        resources::upsert(&mut conn, &tokens[0]).await.unwrap();
        assert_eq!(ids(db.pool(), "renewable").await, ["tok-2", "tok-1"]);
    }

    #[tokio::test]
    async fn short_words_narrow_and_the_index_agrees_with_a_scan() {
        let (_dir, db) = temp_db().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let teams = ["web", "data", "platform"];
        for n in 0..60 {
            let kind = ResourceKind::ALL[n % ResourceKind::ALL.len()];
            let team = teams[n % 3];
            resources::upsert(
                &mut conn,
                &item(
                    kind,
                    &format!("item-{n:03}"),
                    &format!("{team} item {n}"),
                    &[("Env", if n % 2 == 0 { "eu" } else { "us" })],
                ),
            )
            .await
            .unwrap();
        }
        for text in [
            "item",
            "web",
            "platform eu",
            "data us 7",
            "item-01",
            "tem-0",
            "12345 item",
        ] {
            let found = ids(db.pool(), text).await;
            let (groups, _) = search(db.pool(), &words(text)).await.unwrap();
            let scanned = scan(db.pool(), &words(text)).await.unwrap();
            let total: u64 = groups.iter().map(|group| group.total).sum();
            assert_eq!(total as usize, scanned.len(), "{text}");
            for id in found {
                assert!(
                    scanned.iter().any(|item| item.item.id == id),
                    "{text}: {id}"
                );
            }
        }
    }

    #[tokio::test]
    async fn more_matches_than_the_limit_say_so() {
        let (_dir, db) = temp_db().await;
        let mut tx = db.begin_write().await.unwrap();
        for n in 0..=SEARCH_MATCH_LIMIT {
            resources::upsert(
                &mut tx,
                &item(
                    ResourceKind::OidcProvider,
                    &format!("oidc-{n}"),
                    "many",
                    &[],
                ),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let (groups, limited) = search(db.pool(), &words("many")).await.unwrap();
        assert!(limited);
        assert_eq!(groups[0].total, SEARCH_MATCH_LIMIT as u64 + 1);
    }

    #[tokio::test]
    async fn the_index_is_searched_not_the_table() {
        let (_dir, db) = temp_db().await;
        let steps = steps(
            db.pool(),
            query("EXPLAIN QUERY PLAN ", &words("gateway dev")),
        )
        .await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("VIRTUAL TABLE INDEX")),
            "{steps:?}"
        );
        assert!(
            !steps.iter().any(|step| step == "SCAN r"
                || step.starts_with("SCAN r ")
                || step.contains("SCAN resources")),
            "{steps:?}"
        );
    }

    /// Sorting every match to rank them costs a whole scan of a common word's matches (a whole
    /// account id, 49 ms at 100,000 items): the limit applies in the index's order first, and
    /// only those matches are ranked.
    #[tokio::test]
    async fn matches_are_limited_before_they_are_ranked() {
        let (_dir, db) = temp_db().await;
        let steps = steps(db.pool(), query("EXPLAIN QUERY PLAN ", &words("gateway"))).await;
        let scan = steps
            .iter()
            .position(|step| step.contains("VIRTUAL TABLE INDEX"))
            .expect("the index is read");
        assert!(
            steps[..scan].iter().any(|step| step == "CO-ROUTINE hits"),
            "the matches are a query of their own: {steps:?}"
        );
        assert!(
            !steps[scan..]
                .iter()
                .take_while(|step| *step != "SCAN hits")
                .any(|step| step.contains("TEMP B-TREE")),
            "nothing sorted before the limit: {steps:?}"
        );
    }
}
