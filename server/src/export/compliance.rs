//! The Compliance page's export: for each tag rule, in the order admins added them, every
//! cached item that breaks it (not only the first the page lists), one CSV row per rule and
//! item, read in keyset batches ([`crate::store::compliance::batch`]) that run on from one
//! rule into the next, so the export holds one batch in memory whatever its size.

use std::sync::Arc;

use app::model::{compliance::TagRule, AwsItem, ExportFormat};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{file_name, respond, unavailable, Batches, ExportRow, BATCH_ROWS};
use crate::store::{batches::Cursor, compliance, tag_rules, Db};

/// The CSV's first row.
pub const HEADER: [&str; 11] = [
    "rule_id",
    "rule_key",
    "violation",
    "message",
    "kind",
    "account",
    "region",
    "id",
    "name",
    "tag_key",
    "tag_value",
];

/// One item breaking one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceRecord {
    pub rule_id: i64,
    /// The key as the rule spells it.
    pub rule_key: String,
    /// `missing`, `not_allowed` or `misspelled` (`; `-separated if the item breaks the rule
    /// more than one way).
    pub violation: String,
    /// What to fix, in words.
    pub message: String,
    pub kind: &'static str,
    pub account: String,
    pub region: String,
    pub id: String,
    pub name: String,
    /// The tag the item carries for the rule's key (the key itself, or the other spelling it
    /// uses), and its value; empty when the key is missing.
    pub tag_key: Option<String>,
    pub tag_value: Option<String>,
}

impl ComplianceRecord {
    pub fn of(rule: &TagRule, item: AwsItem) -> Self {
        let violations = rule.check(item.item.kind, &item.item.account, &item.tags);
        let carried = rule.carried(&item.tags);
        ComplianceRecord {
            rule_id: rule.id,
            rule_key: rule.key.clone(),
            violation: violations
                .iter()
                .map(|v| v.code())
                .collect::<Vec<_>>()
                .join("; "),
            message: violations
                .iter()
                .map(|v| v.describe())
                .collect::<Vec<_>>()
                .join(" "),
            kind: item.item.kind.as_str(),
            tag_key: carried.map(|tag| tag.key.clone()),
            tag_value: carried.map(|tag| tag.value.clone()),
            account: item.item.account,
            region: item.item.region,
            id: item.item.id,
            name: item.name,
        }
    }
}

impl ExportRow for ComplianceRecord {
    fn csv_cells(&self) -> Vec<String> {
        vec![
            self.rule_id.to_string(),
            self.rule_key.clone(),
            self.violation.clone(),
            self.message.clone(),
            self.kind.to_string(),
            self.account.clone(),
            self.region.clone(),
            self.id.clone(),
            self.name.clone(),
            self.tag_key.clone().unwrap_or_default(),
            self.tag_value.clone().unwrap_or_default(),
        ]
    }
}

/// Where the export stands: the rule (its place in the list) and the last of its items read.
pub(crate) type Position = (usize, Cursor);

/// The batches of `rules`' breaking items, `limit` rows each: a rule that runs out before the
/// batch is full hands over to the next, so only the last batch is short.
pub(crate) fn batches(
    db: &Db,
    rules: Vec<TagRule>,
    limit: usize,
) -> impl Batches<ComplianceRecord, Position> {
    let pool = db.pool().clone();
    let rules = Arc::new(rules);
    move |after: Option<Position>| {
        let (pool, rules) = (pool.clone(), rules.clone());
        async move {
            let (mut index, mut cursor) = match after {
                Some((index, cursor)) => (index, Some(cursor)),
                None => (0, None),
            };
            let mut rows = Vec::new();
            while let Some(rule) = rules.get(index) {
                let wanted = limit - rows.len();
                let items = compliance::batch(&pool, rule, cursor.as_ref(), wanted).await?;
                let rule_done = items.len() < wanted;
                rows.extend(
                    items
                        .into_iter()
                        .map(|(item, at)| (ComplianceRecord::of(rule, item), (index, at))),
                );
                if !rule_done {
                    break;
                }
                index += 1;
                cursor = None;
            }
            Ok(rows)
        }
    }
}

/// The export of every rule's breaking items as of the last sync, named
/// `trustdesk-compliance-<date>.csv`.
pub async fn stream(db: &Db, now: DateTime<Utc>) -> Response {
    let rules = match tag_rules::list(db.pool()).await {
        Ok(rules) => rules,
        Err(error) => return unavailable(&error),
    };
    let format = ExportFormat::Csv;
    respond(
        format,
        file_name("compliance", now.date_naive(), format),
        HEADER.to_vec(),
        BATCH_ROWS,
        batches(db, rules, BATCH_ROWS),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{
        compliance::{AllowedValues, TagRuleForm},
        ResourceKind, ResourceRef, Tag,
    };

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Every fourth item lacks `Owner`, spells `costcenter`, has a bad `CostCentre`, or is
    /// tidy; names tie and differ in case, so the order has equal values to step over.
    fn item(n: usize) -> AwsItem {
        let kind = [ResourceKind::VerificationToken, ResourceKind::SamlProvider][n % 2];
        let mut tags = match n % 4 {
            0 => vec![tag("CostCentre", "CC-1000")],
            1 => vec![tag("Owner", "a@example.com"), tag("costcenter", "CC-1000")],
            2 => vec![tag("Owner", "a@example.com"), tag("CostCentre", "=1+1")],
            _ => vec![tag("Owner", "a@example.com"), tag("CostCentre", "CC-1234")],
        };
        tags.push(tag("Team", "web"));
        AwsItem {
            item: ResourceRef {
                kind,
                account: ["prod", "dev"][n / 2 % 2].into(),
                region: if kind == ResourceKind::SamlProvider {
                    "global".into()
                } else {
                    ["us-east-1", "eu-west-1"][n / 4 % 2].into()
                },
                id: format!("id-{:03}", n * 37 % 101),
            },
            account_id: "123456789012".into(),
            name: ["b", "B", "a", "c"][n % 3].into(),
            status: "valid".into(),
            expires_at: None,
            tags,
            fields: Vec::new(),
            last_seen: "2026-12-10T00:00:00.000Z".into(),
            expires_in_days: None,
        }
    }

    fn rules() -> Vec<TagRule> {
        let accounts = ["prod".to_string(), "dev".to_string()];
        let mut rules: Vec<TagRule> = crate::demo::tag_rules()
            .iter()
            .map(|form| {
                form.validate(&accounts)
                    .expect("the demo's rules are valid")
            })
            .collect();
        // Breaks nothing: the walk must step over an empty rule into the next.
        let nobody = TagRuleForm {
            key: "Team".into(),
            required: "on".into(),
            ..Default::default()
        };
        rules.insert(1, nobody.validate(&accounts).expect("valid"));
        for (id, rule) in rules.iter_mut().enumerate() {
            rule.id = id as i64 + 1;
        }
        rules
    }

    async fn seeded(n: usize) -> (tempfile::TempDir, Db) {
        crate::store::temp_db_holding((0..n).map(item)).await
    }

    #[tokio::test]
    async fn batches_list_every_breaking_item_of_every_rule_once_in_the_page_s_order() {
        let (_dir, db) = seeded(41).await;
        let rules = rules();
        let mut expected = Vec::new();
        for rule in &rules {
            let listed = compliance::items(db.pool(), rule, 10_000)
                .await
                .expect("items");
            // The SQL and the rule's own check agree on which items break it.
            let breaking = (0..41)
                .map(item)
                .filter(|i| !rule.check(i.item.kind, &i.item.account, &i.tags).is_empty())
                .count();
            assert_eq!(listed.len(), breaking, "{}", rule.key);
            expected.extend(listed.into_iter().map(|i| (rule.id, i.item)));
        }
        assert_eq!(
            expected.len(),
            11 + 20,
            "Owner: 11 lack it; CostCentre: 20 break it"
        );
        for limit in [1, 2, 3, 7, 41, 1000] {
            let mut walk = batches(&db, rules.clone(), limit);
            let mut after = None;
            let mut walked = Vec::new();
            loop {
                let rows = walk(after.take()).await.expect("batch");
                assert!(rows.len() <= limit);
                let done = rows.len() < limit;
                after = rows.last().map(|(_, position)| position.clone());
                walked.extend(rows.into_iter().map(|(record, _)| {
                    (
                        record.rule_id,
                        ResourceRef {
                            kind: ResourceKind::parse(record.kind).expect("a kind"),
                            account: record.account,
                            region: record.region,
                            id: record.id,
                        },
                    )
                }));
                if done {
                    break;
                }
            }
            assert_eq!(walked, expected, "in batches of {limit}");
        }
    }

    #[test]
    fn a_record_says_how_the_item_breaks_the_rule_and_what_it_carries() {
        let rules = rules();
        let cost_centre = rules.iter().find(|r| r.key == "CostCentre").expect("rule");
        assert_eq!(
            cost_centre.allowed,
            AllowedValues::Pattern("CC-????".into())
        );
        let misspelled = ComplianceRecord::of(cost_centre, item(1));
        assert_eq!(misspelled.violation, "misspelled");
        assert_eq!(
            misspelled.message,
            "costcenter should be spelled CostCentre."
        );
        assert_eq!(misspelled.tag_key.as_deref(), Some("costcenter"));
        assert_eq!(misspelled.tag_value.as_deref(), Some("CC-1000"));
        let bad = ComplianceRecord::of(cost_centre, item(2));
        assert_eq!(bad.violation, "not_allowed");
        assert_eq!(
            bad.csv_cells()[9..],
            ["CostCentre".to_string(), "=1+1".to_string()]
        );
        let owner = rules.iter().find(|r| r.key == "Owner").expect("rule");
        let missing = ComplianceRecord::of(owner, item(0));
        assert_eq!(missing.violation, "missing");
        assert_eq!((missing.tag_key, missing.tag_value), (None, None));
        assert_eq!(
            HEADER.len(),
            ComplianceRecord::of(owner, item(0)).csv_cells().len()
        );
    }

    #[tokio::test]
    async fn the_csv_neutralises_formulas_and_is_one_row_per_rule_and_item() {
        let (_dir, db) = seeded(9).await;
        let response = respond(
            ExportFormat::Csv,
            "x.csv".into(),
            HEADER.to_vec(),
            2,
            batches(&db, rules(), 2),
        )
        .await;
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let mut reader = csv::Reader::from_reader(bytes.as_ref());
        assert_eq!(reader.headers().expect("header").len(), HEADER.len());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        // Of 9 items: 3 without Owner (0, 4, 8); 4 with a bad cost centre (1, 2, 5, 6).
        assert_eq!(rows.len(), 3 + 4);
        let values: Vec<&str> = rows.iter().map(|r| &r[10]).collect();
        assert!(values.contains(&"'=1+1"), "{values:?}");
        assert!(!values.contains(&"=1+1"), "{values:?}");
    }
}
