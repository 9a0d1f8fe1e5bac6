//! Which items a bulk edit changes: items picked one by one, every item matching an inventory
//! filter (of one kind, or of every kind from a search by tag), or every item breaking a tag
//! rule. The same fields travel in `/bulk/new`'s URL and in the preview form.

use serde::{Deserialize, Serialize};

use crate::model::{
    resource::encode_segment, AppError, ErrorKind, InventoryQuery, ResourceKind, ResourceRef,
};

/// The most items picked one by one (an inventory page's checkboxes, a few pages' worth).
pub const MAX_PICKED: usize = 500;
/// The most items one bulk edit changes; a larger selection is refused, to be narrowed.
pub const MAX_BULK_ITEMS: usize = 10_000;
/// The longest filter value or pick: longer than any id, name or tag AWS allows.
pub const MAX_FIELD: usize = 2048;

/// The selection as its fields: filter fields, `rule`, and `pick`s of `kind|account|region|id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionForm {
    /// A kind's slug, or empty for every kind with tags.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub expires: String,
    /// `all` (items breaking any rule) or a rule's id.
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
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
        let fields = [
            &self.kind,
            &self.q,
            &self.account,
            &self.region,
            &self.status,
            &self.tag,
            &self.expires,
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
        if kind.is_none() && self.tag.trim().is_empty() && self.q.trim().is_empty() {
            return refuse(
                "Across kinds, search by a tag (Key or Key=Value) or by text, or start from one kind's inventory.".into(),
            );
        }
        Ok(Selection::Matching {
            kind,
            query: InventoryQuery {
                q: self.q.clone(),
                account: self.account.clone(),
                region: self.region.clone(),
                status: if kind.is_some() {
                    self.status.clone()
                } else {
                    String::new()
                },
                tag: self.tag.clone(),
                expires: self.expires.clone(),
                ..Default::default()
            },
        })
    }

    /// The query string of `/bulk/new` for this selection.
    pub fn url_params(&self) -> Vec<String> {
        let mut params: Vec<String> = [
            ("kind", &self.kind),
            ("q", &self.q),
            ("account", &self.account),
            ("region", &self.region),
            ("status", &self.status),
            ("tag", &self.tag),
            ("expires", &self.expires),
            ("rule", &self.rule),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_segment(value)))
        .collect();
        params.extend(
            self.picks
                .iter()
                .map(|pick| format!("pick={}", encode_segment(pick))),
        );
        params
    }

    /// The selection of every item of `kind` matching an inventory's filter.
    pub fn matching(kind: ResourceKind, query: &InventoryQuery) -> Self {
        Self {
            kind: kind.as_str().into(),
            q: query.q.clone(),
            account: query.account.clone(),
            region: query.region.clone(),
            status: query.status.clone(),
            tag: query.tag.clone(),
            expires: query.expires.clone(),
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
                for (label, value) in [
                    ("tag", &query.tag),
                    ("matching", &query.q),
                    ("account", &query.account),
                    ("region", &query.region),
                    ("status", &query.status),
                    ("expiring", &query.expires),
                ] {
                    if !value.trim().is_empty() {
                        parts.push(format!("{label} {}", value.trim()));
                    }
                }
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
            q: "x".repeat(MAX_FIELD + 1),
            ..Default::default()
        };
        assert!(refused(long).contains("longer than"));
        let control = SelectionForm {
            tag: "Owner\u{0}".into(),
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
            tag: "Team=payments".into(),
            status: "active".into(),
            ..Default::default()
        };
        let Selection::Matching { kind, query } = form.parse().unwrap() else {
            panic!("a tag search matches items");
        };
        assert_eq!(kind, None);
        assert_eq!(query.status, "");
        assert_eq!(query.tag, "Team=payments");
        assert_eq!(form.url_params(), ["status=active", "tag=Team%3Dpayments"]);
    }
}
