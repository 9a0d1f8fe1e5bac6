//! Which items a bulk edit changes: items picked one by one, every item matching an inventory
//! filter (of one kind, or of every kind from a search by tag), or every item breaking a tag
//! rule. The same fields travel in `/bulk/new`'s URL and in the preview form.

use serde::{Deserialize, Serialize};

use crate::model::{
    inventory::query_params, AppError, ErrorKind, InventoryQuery, ResourceKind, ResourceRef,
};

/// The most items picked one by one (an inventory page's checkboxes, a few pages' worth).
pub const MAX_PICKED: usize = 500;
/// The most items one bulk edit changes; a larger selection is refused, to be narrowed.
pub const MAX_BULK_ITEMS: usize = 10_000;
/// The longest filter value or pick: longer than any id, name or tag AWS allows.
pub const MAX_FIELD: usize = 2048;

/// The selection as its fields: a kind, an inventory's filter fields (its sort, page and
/// "removed in AWS" play no part), `rule`, and `pick`s of `kind|account|region|id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SelectionForm {
    /// A kind's slug, or empty for every kind with tags.
    pub kind: String,
    #[serde(flatten)]
    pub filter: InventoryQuery,
    /// `all` (items breaking any rule) or a rule's id.
    pub rule: String,
    pub picks: Vec<String>,
}

/// What a selection means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Selection {
    Picked {
        items: Vec<ResourceRef>,
    },
    Matching {
        kind: Option<ResourceKind>,
        query: InventoryQuery,
    },
    /// `rule` `None` for every rule.
    Breaking {
        rule: Option<i64>,
    },
}

/// What a checkbox posts for an item.
pub fn pick_value(item: &ResourceRef) -> String {
    format!(
        "{}|{}|{}|{}",
        item.kind.as_str(),
        item.account,
        item.region,
        item.id
    )
}

fn parse_pick(pick: &str) -> Option<ResourceRef> {
    let mut parts = pick.splitn(4, '|');
    let kind = ResourceKind::parse(parts.next()?)?;
    let (account, region, id) = (parts.next()?, parts.next()?, parts.next()?);
    if [account, region, id].iter().any(|part| part.is_empty()) {
        return None;
    }
    Some(ResourceRef {
        kind,
        account: account.to_string(),
        region: region.to_string(),
        id: id.to_string(),
    })
}

impl SelectionForm {
    pub fn parse(&self) -> Result<Selection, AppError> {
        let refuse = |message: String| Err(AppError::new(ErrorKind::Validation, message));
        let filter = &self.filter;
        let fields = [
            &self.kind,
            &filter.q,
            &filter.account,
            &filter.region,
            &filter.status,
            &filter.tag,
            &filter.expires,
            &self.rule,
        ];
        if fields
            .into_iter()
            .chain(&self.picks)
            .any(|field| field.len() > MAX_FIELD || field.chars().any(char::is_control))
        {
            return refuse(format!(
                "A filter value is longer than {MAX_FIELD} characters or holds a control character; change the filter."
            ));
        }
        if !self.picks.is_empty() {
            if self.picks.len() > MAX_PICKED {
                return refuse(format!(
                    "At most {MAX_PICKED} items can be picked one by one; use \"all matching this filter\" for more."
                ));
            }
            let mut items: Vec<ResourceRef> = Vec::with_capacity(self.picks.len());
            for pick in &self.picks {
                let Some(item) = parse_pick(pick) else {
                    return refuse("A picked item could not be read; pick the items again.".into());
                };
                if !items.contains(&item) {
                    items.push(item);
                }
            }
            return Ok(Selection::Picked { items });
        }
        if !self.rule.is_empty() {
            return match self.rule.as_str() {
                "all" => Ok(Selection::Breaking { rule: None }),
                id => match id.parse::<i64>() {
                    Ok(id) if id > 0 => Ok(Selection::Breaking { rule: Some(id) }),
                    _ => refuse("The tag rule could not be read; open the fix from the Compliance page again.".into()),
                },
            };
        }
        let kind = match self.kind.as_str() {
            "" => None,
            slug => match ResourceKind::parse(slug) {
                Some(kind) => Some(kind),
                None => return refuse(format!("There is no kind named {slug}.")),
            },
        };
        if kind.is_none() && filter.tag.trim().is_empty() && filter.q.trim().is_empty() {
            return refuse(
                "Across kinds, search by a tag (Key or Key=Value) or by text, or start from one kind's inventory.".into(),
            );
        }
        Ok(Selection::Matching {
            kind,
            query: InventoryQuery {
                status: if kind.is_some() {
                    filter.status.clone()
                } else {
                    String::new()
                },
                removed: false,
                ..filter.filter()
            },
        })
    }

    /// The query string of `/bulk/new` for this selection.
    pub fn url_params(&self) -> Vec<String> {
        let mut params = query_params([("kind", self.kind.as_str())]);
        params.extend(self.filter.url_params());
        params.extend(query_params([("rule", self.rule.as_str())]));
        params.extend(query_params(
            self.picks.iter().map(|pick| ("pick", pick.as_str())),
        ));
        params
    }

    /// The selection `/bulk/new`'s URL names: `get` reads one field, `get_all` the repeated
    /// `pick`s.
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
        get_all: impl Fn(&str) -> Option<Vec<String>>,
    ) -> Self {
        Self {
            kind: get("kind").unwrap_or_default(),
            filter: InventoryQuery::from_query(&get).filter(),
            rule: get("rule").unwrap_or_default(),
            picks: get_all("pick").unwrap_or_default(),
        }
    }

    /// The selection of every item of `kind` matching an inventory's filter.
    pub fn matching(kind: ResourceKind, query: &InventoryQuery) -> Self {
        Self {
            kind: kind.as_str().into(),
            filter: query.filter(),
            ..Default::default()
        }
    }
}

impl Selection {
    /// One line saying what was selected, for the preview's heading.
    pub fn describe(&self) -> String {
        match self {
            Selection::Picked { items } if items.len() == 1 => "1 item picked".into(),
            Selection::Picked { items } => format!("{} items picked", items.len()),
            Selection::Breaking { rule: None } => "Items breaking any tag rule".into(),
            Selection::Breaking { rule: Some(id) } => format!("Items breaking tag rule #{id}"),
            Selection::Matching { kind, query } => {
                let mut parts = vec![match kind {
                    Some(kind) => kind.title().to_string(),
                    None => "Items of every kind".to_string(),
                }];
                // The tag first: a search across kinds is by tag.
                let mut filters = query.text_filters().to_vec();
                filters.sort_by_key(|(name, _)| *name != "tag");
                filters.push(("expiring", &query.expires));
                let said = filters
                    .into_iter()
                    .filter(|(_, value)| !value.trim().is_empty())
                    .map(|(name, value)| match name {
                        "q" => format!("matching {}", value.trim()),
                        name => format!("{name} {}", value.trim()),
                    });
                parts.extend(said);
                parts.join(", ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> ResourceRef {
        ResourceRef {
            kind: ResourceKind::InstanceProfile,
            account: "prod".into(),
            region: "global".into(),
            id: id.into(),
        }
    }

    #[test]
    fn picks_round_trip_and_repeat_once() {
        let picked = item("web|odd");
        let form = SelectionForm {
            picks: vec![
                pick_value(&picked),
                pick_value(&picked),
                pick_value(&item("api")),
            ],
            ..Default::default()
        };
        assert_eq!(
            form.parse().unwrap(),
            Selection::Picked {
                items: vec![picked, item("api")]
            }
        );
    }

    #[test]
    fn crafted_selections_are_refused_with_a_sentence() {
        let refused = |form: SelectionForm| form.parse().unwrap_err().message;
        let picks = |picks: Vec<String>| SelectionForm {
            picks,
            ..Default::default()
        };
        assert!(refused(picks(vec!["nope|a|b|c".into()])).contains("could not be read"));
        assert!(refused(picks(vec!["instance-profile|a||c".into()])).contains("could not be read"));
        assert!(refused(picks(vec![pick_value(&item("x")); MAX_PICKED + 1])).contains("At most"));
        let long = SelectionForm {
            filter: InventoryQuery {
                q: "x".repeat(MAX_FIELD + 1),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(refused(long).contains("longer than"));
        let control = SelectionForm {
            filter: InventoryQuery {
                tag: "Owner\u{0}".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(refused(control).contains("control character"));
        let rule = |rule: &str| SelectionForm {
            rule: rule.into(),
            ..Default::default()
        };
        assert!(refused(rule("-1")).contains("rule"));
        assert_eq!(
            rule("7").parse().unwrap(),
            Selection::Breaking { rule: Some(7) }
        );
        assert!(refused(SelectionForm::default()).contains("search by a tag"));
        let kind = SelectionForm {
            kind: "users".into(),
            ..Default::default()
        };
        assert!(refused(kind).contains("no kind named users"));
    }

    #[test]
    fn across_kinds_a_kind_s_status_does_not_apply() {
        let form = SelectionForm {
            filter: InventoryQuery {
                tag: "Team=payments".into(),
                status: "active".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let Selection::Matching { kind, query } = form.parse().unwrap() else {
            panic!("a tag search matches items");
        };
        assert_eq!(kind, None);
        assert_eq!(query.status, "");
        assert_eq!(query.tag, "Team=payments");
        assert_eq!(form.url_params(), ["status=active", "tag=Team%3Dpayments"]);
        let matching = Selection::Matching {
            kind: Some(ResourceKind::TrustProvider),
            query: InventoryQuery {
                q: "web".into(),
                account: "prod".into(),
                tag: "Team".into(),
                expires: "30d".into(),
                ..Default::default()
            },
        };
        assert_eq!(
            matching.describe(),
            "Verified Access trust providers, tag Team, matching web, account prod, expiring 30d"
        );
    }
}
