//! One expiry model for every dated kind: urgency buckets, the overview's counts, the timeline.

use serde::{Deserialize, Serialize};

use super::{AppError, AwsItem, FieldErrors, ResourceKind, EXPIRY_WINDOWS};

/// How soon an expiry is, in the buckets every page and email uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Urgency {
    Expired,
    Within7,
    Within30,
    Within90,
    Later,
}

impl Urgency {
    pub const ALL: [Urgency; 5] = [
        Urgency::Expired,
        Urgency::Within7,
        Urgency::Within30,
        Urgency::Within90,
        Urgency::Later,
    ];

    /// The bucket of an expiry `seconds` from now (negative: past).
    pub fn of_seconds(seconds: i64) -> Self {
        const DAY: i64 = 86_400;
        match seconds {
            s if s < 0 => Urgency::Expired,
            s if s < 7 * DAY => Urgency::Within7,
            s if s < 30 * DAY => Urgency::Within30,
            s if s < 90 * DAY => Urgency::Within90,
            _ => Urgency::Later,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Expired => "Expired",
            Urgency::Within7 => "≤ 7 days",
            Urgency::Within30 => "8–30 days",
            Urgency::Within90 => "31–90 days",
            Urgency::Later => "Later",
        }
    }

    /// The inventory's `expires` filter showing exactly this bucket.
    pub fn filter(self) -> &'static str {
        match self {
            Urgency::Expired => "expired",
            Urgency::Within7 => "7d",
            Urgency::Within30 => "8-30d",
            Urgency::Within90 => "31-90d",
            Urgency::Later => "later",
        }
    }

    /// Text colour classes, the same on every page.
    pub fn text_class(self) -> &'static str {
        match self {
            Urgency::Expired | Urgency::Within7 => "text-red-700 dark:text-red-400",
            Urgency::Within30 => "text-amber-700 dark:text-amber-400",
            Urgency::Within90 => "text-yellow-700 dark:text-yellow-400",
            Urgency::Later => "text-slate-600 dark:text-slate-400",
        }
    }

    /// The stylesheet's class for the days left beside an expiry in this bucket (its colour,
    /// bold under [`crate::model::EXPIRY_WARNING_DAYS`]).
    pub fn days_class(self) -> &'static str {
        match self {
            Urgency::Expired => "days-expired",
            Urgency::Within7 => "days-7",
            Urgency::Within30 => "days-30",
            Urgency::Within90 => "days-90",
            Urgency::Later => "days-later",
        }
    }

    /// The chart's fill for a bar of this bucket.
    pub fn fill(self) -> &'static str {
        match self {
            Urgency::Expired => "#b91c1c",
            Urgency::Within7 => "#dc2626",
            Urgency::Within30 => "#d97706",
            Urgency::Within90 => "#ca8a04",
            Urgency::Later => "#64748b",
        }
    }
}

/// Items per urgency bucket, in [`Urgency::ALL`] order.
pub type UrgencyCounts = [u64; 5];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    pub kind: ResourceKind,
    pub counts: UrgencyCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCounts {
    pub account: String,
    pub counts: UrgencyCounts,
}

/// One kind in one account: the overview's finest counts, each linked to a filtered inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindAccountCounts {
    pub kind: ResourceKind,
    pub account: String,
    pub counts: UrgencyCounts,
}

/// One bar of the timeline: the expired, or one week of the next 180 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineBar {
    /// Days from now the bar covers, `[from, until)`; the expired bar has neither.
    pub from_day: Option<i64>,
    pub until_day: Option<i64>,
    pub count: u64,
    /// The first items of the bar, soonest first, for the chart's list.
    pub items: Vec<TimelineItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineItem {
    pub kind: ResourceKind,
    pub name: String,
    pub account: String,
    pub path: String,
    pub expires_at: String,
}

/// The dashboard's first screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryOverview {
    pub by_kind: Vec<KindCounts>,
    pub by_kind_and_account: Vec<KindAccountCounts>,
    pub by_account: Vec<AccountCounts>,
    pub totals: UrgencyCounts,
    pub timeline: Vec<TimelineBar>,
    /// The ten items that expire next (not yet expired), soonest first.
    pub soonest: Vec<AwsItem>,
    /// For each of `soonest`: `ack` or `snooze` when its notices are silenced.
    #[serde(default)]
    pub soonest_silenced: Vec<Option<String>>,
    /// What needs someone now: items expired or due within 7 days whose notices nobody
    /// acknowledged or snoozed, the most overdue first ([`NEEDS_ACTION_SHOWN`] at most).
    #[serde(default)]
    pub needs_action: Vec<AwsItem>,
    /// How many items need action in all.
    #[serde(default)]
    pub needs_action_total: u64,
}

/// Items the dashboard's "Needs action" lists; its count says how many more there are.
pub const NEEDS_ACTION_SHOWN: usize = 15;

/// Days of the timeline, and the width of one bar.
pub const TIMELINE_DAYS: i64 = 182;
pub const TIMELINE_BAR_DAYS: i64 = 7;
/// Items listed per bar; the count says how many more there are.
pub const TIMELINE_ITEMS_PER_BAR: usize = 12;

/// The expiry list's filters, as its export's URL carries them: the dated items of every kind
/// (or of one) still in AWS, soonest first. The same names and values as an inventory's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryQuery {
    /// A dated kind's slug (e.g. `server-certificate`), or empty for all of them.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    /// `Key=Value`, or `Key` alone for any value.
    #[serde(default)]
    pub tag: String,
    /// One of the inventory's expiry windows but `none` (e.g. `expired`, `30d`), or empty.
    #[serde(default)]
    pub expires: String,
}

impl ExpiryQuery {
    /// The kind asked for (None: every dated kind), or which field names something unknown.
    /// Unlike an inventory's filters, which a page shows back, an export has no page to show
    /// that a filter was ignored, so an unknown value is refused instead of dropped.
    pub fn validate(&self) -> Result<Option<ResourceKind>, AppError> {
        let mut errors = FieldErrors::new();
        let kind = ResourceKind::parse(&self.kind).filter(|k| k.has_expiry());
        errors.check(
            "kind",
            if self.kind.is_empty() || kind.is_some() {
                Ok(())
            } else {
                Err(format!(
                    "No kind with an expiry is called {:?}; use one of {}.",
                    self.kind,
                    ResourceKind::ALL
                        .iter()
                        .filter(|k| k.has_expiry())
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            },
        );
        let windows = || {
            EXPIRY_WINDOWS
                .iter()
                .map(|(value, _, _)| *value)
                .filter(|value| *value != "none")
        };
        errors.check(
            "expires",
            if self.expires.is_empty() || windows().any(|w| w == self.expires) {
                Ok(())
            } else {
                Err(format!(
                    "{:?} is not an expiry window; use one of {}.",
                    self.expires,
                    windows().collect::<Vec<_>>().join(", ")
                ))
            },
        );
        errors.into_result()?;
        Ok(kind)
    }

    /// The query string's `name=value` pairs of the filters set, percent-encoded.
    pub fn url_params(&self) -> Vec<String> {
        super::inventory::query_params([
            ("kind", self.kind.as_str()),
            ("account", &self.account),
            ("region", &self.region),
            ("tag", &self.tag),
            ("expires", &self.expires),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_query_names_the_field_it_cannot_use() {
        let fine = ExpiryQuery {
            kind: "server-certificate".into(),
            expires: "30d".into(),
            ..Default::default()
        };
        assert_eq!(fine.validate(), Ok(Some(ResourceKind::ServerCertificate)));
        assert_eq!(ExpiryQuery::default().validate(), Ok(None));
        let undated = ExpiryQuery {
            kind: "trust-provider".into(),
            expires: "none".into(),
            ..Default::default()
        };
        let error = undated.validate().unwrap_err();
        assert!(error
            .field("kind")
            .is_some_and(|m| m.contains("server-certificate")));
        assert!(error.field("expires").is_some_and(|m| m.contains("30d")));
        assert_eq!(
            ExpiryQuery {
                tag: "Owner=a b".into(),
                expires: "7d".into(),
                ..Default::default()
            }
            .url_params(),
            vec!["tag=Owner%3Da%20b".to_string(), "expires=7d".to_string()]
        );
    }

    #[test]
    fn buckets_follow_the_inventory_filters() {
        const DAY: i64 = 86_400;
        assert_eq!(Urgency::of_seconds(-1), Urgency::Expired);
        assert_eq!(Urgency::of_seconds(0), Urgency::Within7);
        assert_eq!(Urgency::of_seconds(7 * DAY - 1), Urgency::Within7);
        assert_eq!(Urgency::of_seconds(7 * DAY), Urgency::Within30);
        assert_eq!(Urgency::of_seconds(30 * DAY), Urgency::Within90);
        assert_eq!(Urgency::of_seconds(90 * DAY), Urgency::Later);
        for urgency in Urgency::ALL {
            assert!(
                crate::model::EXPIRY_WINDOWS
                    .iter()
                    .any(|(value, _, _)| *value == urgency.filter()),
                "{urgency:?} links to a filter the inventory knows"
            );
        }
    }
}
