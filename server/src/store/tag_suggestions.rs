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

pub async fn for_kind(pool: &SqlitePool, kind: ResourceKind) -> SqlResult<TagSuggestions> {
    let pairs: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT key, value, COUNT(*) AS uses FROM resource_tags WHERE kind = ?
         GROUP BY key, value ORDER BY key, uses DESC, value",
    )
    .bind(kind.as_str())
    .fetch_all(pool)
    .await?;
    let mut keys: Vec<(KeySuggestion, i64)> = Vec::new();
    for (key, value, uses) in pairs {
        match keys.last_mut() {
            Some((last, total)) if last.key == key => {
                *total += uses;
                if last.values.len() < VALUES_PER_KEY && !value.is_empty() {
                    last.values.push(value);
                }
            }
            _ => keys.push((
                KeySuggestion {
                    values: if value.is_empty() {
                        Vec::new()
                    } else {
                        vec![value]
                    },
                    key,
                },
                uses,
            )),
        }
    }
    keys.sort_by(|(a, a_uses), (b, b_uses)| b_uses.cmp(a_uses).then_with(|| a.key.cmp(&b.key)));
    Ok(TagSuggestions {
        keys: keys.into_iter().take(KEYS).map(|(key, _)| key).collect(),
    })
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
