//! One expiry model for every dated kind: urgency buckets, the overview's counts, the timeline.

use serde::{Deserialize, Serialize};

use super::{AwsItem, ResourceKind};

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
}

/// Days of the timeline, and the width of one bar.
pub const TIMELINE_DAYS: i64 = 182;
pub const TIMELINE_BAR_DAYS: i64 = 7;
/// Items listed per bar; the count says how many more there are.
pub const TIMELINE_ITEMS_PER_BAR: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

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
