//! The tags a kind's cached items carry, as suggestions for a new item's tags: the keys most
//! used, each with its values most used, read from the tags' index (`resource_tags_by_pair`).

use super::sql::SqlResult;
use app::model::compliance::{KeySuggestion, TagSuggestions};
use app::model::ResourceKind;
use sqlx::SqlitePool;

/// Keys suggested at most.
pub const KEYS: usize = 30;
/// Values suggested per key at most.
pub const VALUES_PER_KEY: usize = 20;

/// Of items still in AWS; SQLite counts and ranks, so at most [`KEYS`] × [`VALUES_PER_KEY`]
/// rows reach the server however many distinct values the kind's tags have.
pub async fn for_kind(pool: &SqlitePool, kind: ResourceKind) -> SqlResult<TagSuggestions> {
    let pairs: Vec<(String, String, i64)> = sqlx::query_as(
        "WITH pairs AS (
             SELECT t.key, t.value, COUNT(*) AS uses FROM resource_tags t
             JOIN resources r ON r.kind = t.kind AND r.account = t.account
                             AND r.region = t.region AND r.id = t.id
             WHERE t.kind = ?1 AND r.gone_at IS NULL
             GROUP BY t.key, t.value),
         keys AS (SELECT key, SUM(uses) AS total FROM pairs GROUP BY key
                  ORDER BY total DESC, key LIMIT ?2),
         ranked AS (SELECT p.key, p.value, k.total,
                           row_number() OVER (PARTITION BY p.key ORDER BY p.uses DESC, p.value) AS place
                    FROM pairs p JOIN keys k ON k.key = p.key)
         SELECT key, value, total FROM ranked WHERE place <= ?3
         ORDER BY total DESC, key, place",
    )
    .bind(kind.as_str())
    .bind(KEYS as i64)
    .bind(VALUES_PER_KEY as i64)
    .fetch_all(pool)
    .await?;
    // Rows come a key at a time, the most used key first, its values most used first.
    let mut keys: Vec<KeySuggestion> = Vec::new();
    for (key, value, _total) in pairs {
        if keys.last().is_none_or(|last| last.key != key) {
            keys.push(KeySuggestion {
                key,
                values: Vec::new(),
            });
        }
        if let Some(last) = keys.last_mut().filter(|_| !value.is_empty()) {
            last.values.push(value);
        }
    }
    Ok(TagSuggestions { keys })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::temp_db_holding;
    use app::model::Tag;

    #[tokio::test]
    async fn keys_most_used_first_each_with_its_values_most_used_first_of_one_kind_only() {
        let mut items = Vec::new();
        for (n, (team, env)) in [("web", Some("prod")), ("web", None), ("data", Some("dev"))]
            .into_iter()
            .enumerate()
        {
            let mut item = crate::store::dated_token(&format!("t-{n}"), "2030-01-01T00:00:00.000Z");
            item.tags = vec![Tag {
                key: "Team".into(),
                value: team.into(),
            }];
            if let Some(env) = env {
                item.tags.push(Tag {
                    key: "Env".into(),
                    value: env.into(),
                });
            }
            items.push(item);
        }
        let mut other = crate::store::dated_token("other", "2030-01-01T00:00:00.000Z");
        other.item.kind = ResourceKind::TrustProvider;
        other.tags = vec![Tag {
            key: "Secret".into(),
            value: "x".into(),
        }];
        items.push(other);
        let (_dir, db) = temp_db_holding(items).await;
        let suggested = for_kind(db.pool(), ResourceKind::VerificationToken)
            .await
            .unwrap();
        let keys: Vec<&str> = suggested.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["Team", "Env"]);
        assert_eq!(suggested.keys[0].values, ["web", "data"]);
    }
}
