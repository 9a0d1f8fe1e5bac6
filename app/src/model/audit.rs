//! The audit trail as pages see it: rows, the filters of the list, a row's detail with the
//! item's state before and after the change, and the walk along the hash chain.

use super::{AwsItem, Field, FieldErrors, Tag};
use serde::{Deserialize, Serialize};

/// What the first row links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
    /// Written before a call whose result is not known yet (an AWS change in flight).
    Attempted,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Error, Outcome::Attempted];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Attempted => "attempted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Outcome::Ok),
            "error" => Some(Outcome::Error),
            "attempted" => Some(Outcome::Attempted),
            _ => None,
        }
    }
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub client_ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub account: String,
    pub region: String,
    /// Request parameters as JSON, secrets already redacted.
    pub params: String,
    /// The parameters in a few words, for the list ("set Team=web").
    #[serde(default)]
    pub summary: String,
    pub outcome: Outcome,
    pub message: String,
    pub request_id: String,
    /// trustdesk's id of the HTTP request that wrote the row (its `X-Request-Id`); empty for
    /// rows from before it was recorded, the command line and background jobs.
    #[serde(default)]
    pub http_request_id: String,
    pub hash: String,
}

/// Actions as rows written before every action was named `<kind>.<verb>` call them, with their
/// name now. Rows are sealed into the hash chain as written, so old rows keep their name and the
/// list shows the new one.
const RENAMED_ACTIONS: [(&str, &str); 18] = [
    ("iam.create_instance_profile", "instance-profile.create"),
    (
        "iam.add_role_to_instance_profile",
        "instance-profile.add-role",
    ),
    (
        "iam.remove_role_from_instance_profile",
        "instance-profile.remove-role",
    ),
    ("iam.create_policy", "managed-policy.create"),
    ("iam.delete_policy_version", "managed-policy.delete-version"),
    ("iam.create_virtual_mfa_device", "mfa-device.create"),
    ("iam.create_oidc_provider", "oidc-provider.create"),
    (
        "iam.add_client_id_to_oidc_provider",
        "oidc-provider.add-client-id",
    ),
    (
        "iam.remove_client_id_from_oidc_provider",
        "oidc-provider.remove-client-id",
    ),
    (
        "iam.update_oidc_provider_thumbprint",
        "oidc-provider.thumbprints",
    ),
    ("iam.create_saml_provider", "saml-provider.create"),
    ("iam.update_saml_provider", "saml-provider.metadata"),
    ("iam.upload_server_certificate", "server-certificate.upload"),
    ("ec2.create_verification_token", "verification-token.create"),
    ("license-manager.create_token", "license-token.create"),
    ("mpa.create_identity_source", "identity-source.create"),
    ("ec2.create_trust_provider", "trust-provider.create"),
    ("ec2.modify_trust_provider", "trust-provider.modify"),
];

/// The name an action has now (see [`RENAMED_ACTIONS`]).
pub fn action_name(action: &str) -> &str {
    RENAMED_ACTIONS
        .iter()
        .find(|(old, _)| *old == action)
        .map_or(action, |(_, new)| new)
}

/// Every name rows of `action` were written under: its name, and the names it had before the
/// rename, so that filtering by it finds the old rows the list shows under it.
pub fn names_of(action: &str) -> Vec<&str> {
    let mut names = vec![action];
    names.extend(
        RENAMED_ACTIONS
            .iter()
            .filter(|(_, new)| *new == action)
            .map(|(old, _)| *old),
    );
    names
}

impl AuditEntry {
    /// What the row acted on: its kind, then its id where it has one.
    pub fn target(&self) -> String {
        if self.target_id.is_empty() {
            self.target_kind.clone()
        } else {
            format!("{} {}", self.target_kind, self.target_id)
        }
    }

    /// Where: `account / region`, or as much of it as the row has.
    pub fn scope(&self) -> String {
        [self.account.as_str(), self.region.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The filters and page of the audit list, as carried in its URL (`/audit?actor=…&page=2`).
/// Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    /// The target's kind: a resource kind's slug, `user`, `sync`, …
    pub kind: String,
    pub account: String,
    /// `ok`, `error` or `attempted`.
    pub outcome: String,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    pub from: String,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub to: String,
    /// 1-based; 0 reads as 1.
    pub page: u32,
}

/// A date range in the stored timestamps' form: rows with `start <= at < end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

impl AuditQuery {
    /// Checks the filters, naming each field that is wrong, and answers the date range.
    pub fn validate(&self) -> Result<AtRange, super::AppError> {
        let mut errors = FieldErrors::new();
        if !self.outcome.is_empty() && Outcome::parse(&self.outcome).is_none() {
            errors.check(
                "outcome",
                Err("Choose ok, error or attempted (or any).".into()),
            );
        }
        let from = parse_day(&self.from);
        let to = parse_day(&self.to);
        errors.check("from", from.clone().map(|_| ()));
        errors.check("to", to.clone().map(|_| ()));
        if let (Ok(Some(from)), Ok(Some(to))) = (&from, &to) {
            if from > to {
                errors.check("to", Err("The last day comes before the first day.".into()));
            }
        }
        errors.into_result()?;
        Ok(AtRange {
            start: from
                .ok()
                .flatten()
                .map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}T00:00:00.000Z")),
            end: to.ok().flatten().map(|day| {
                let (y, m, d) = next_day(day);
                format!("{y:04}-{m:02}-{d:02}T00:00:00.000Z")
            }),
        })
    }

    /// The list's URL query, each field as `get` reads it: the first page unless it names
    /// another.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default();
        AuditQuery {
            actor: text("actor"),
            action: text("action"),
            kind: text("kind"),
            account: text("account"),
            outcome: text("outcome"),
            from: text("from"),
            to: text("to"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    }

    /// The filters (not the page), each by its name in the URL.
    pub fn filters(&self) -> [(&'static str, &str); 7] {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("kind", &self.kind),
            ("account", &self.account),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// The query string of these filters (no page), for links that keep them: the pager, the
    /// exports. Empty values are left out.
    pub fn filter_string(&self) -> String {
        super::inventory::query_params(self.filters()).join("&")
    }

    pub fn is_filtered(&self) -> bool {
        !self.filter_string().is_empty()
    }

    /// `/audit?…` for another page of the same filters.
    pub fn page_href(&self, page: u32) -> String {
        let filters = self.filter_string();
        if filters.is_empty() {
            format!("/audit?page={page}")
        } else {
            format!("/audit?{filters}&page={page}")
        }
    }
}

type Day = (i32, u32, u32);

/// `YYYY-MM-DD` as a calendar day; empty is no limit.
fn parse_day(value: &str) -> Result<Option<Day>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let wrong = || Err(format!("\"{value}\" is not a date like 2026-12-01."));
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return wrong();
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return wrong();
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return wrong();
    };
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return wrong();
    }
    Ok(Some((y, m, d)))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn next_day((y, m, d): Day) -> Day {
    if d < days_in_month(y, m) {
        (y, m, d + 1)
    } else if m < 12 {
        (y, m + 1, 1)
    } else {
        (y + 1, 1, 1)
    }
}

/// The audit rows that acted on one item, newest first: the first [`ITEM_HISTORY_SHOWN`] and
/// how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemHistory {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
}

pub const ITEM_HISTORY_SHOWN: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// 1-based.
    pub page: u32,
    pub total_pages: u32,
    /// Rows matching the filters.
    pub total_entries: u64,
    /// The values each filter can take, from the trail itself.
    pub actors: Vec<String>,
    pub actions: Vec<String>,
    pub kinds: Vec<String>,
    pub accounts: Vec<String>,
}

/// What an AWS item looked like around a change: trustdesk's cached copy before it, AWS's
/// answer read right after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    pub name: String,
    pub status: String,
    pub expires_at: Option<String>,
    pub tags: Vec<Tag>,
    pub fields: Vec<Field>,
    /// When trustdesk read this copy from AWS (RFC 3339, UTC).
    pub read_at: String,
}

impl From<&AwsItem> for ItemState {
    fn from(item: &AwsItem) -> Self {
        Self {
            name: item.name.clone(),
            status: item.status.clone(),
            expires_at: item.expires_at.clone(),
            tags: item.tags.clone(),
            fields: item.fields.clone(),
            read_at: item.last_seen.clone(),
        }
    }
}

/// One side of a change as recorded in its row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recorded {
    /// The row predates the recording of states, or the state is unknown (an attempt).
    #[default]
    NotRecorded,
    /// No item: before a create (or when trustdesk had not read it), after a delete.
    Absent,
    Present(ItemState),
}

/// One line of the before/after table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateLine {
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl StateLine {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The item's name, status, expiry, fields and tags side by side, in a stable order (the
/// fields in the order AWS's adapter gives them, then tags by key).
pub fn state_lines(before: Option<&ItemState>, after: Option<&ItemState>) -> Vec<StateLine> {
    let mut lines: Vec<StateLine> = Vec::new();
    let mut put = |label: String, side: usize, value: Option<String>| {
        let line = match lines.iter_mut().find(|l| l.label == label) {
            Some(line) => line,
            None => {
                lines.push(StateLine {
                    label,
                    before: None,
                    after: None,
                });
                lines.last_mut().expect("just pushed")
            }
        };
        if side == 0 {
            line.before = value;
        } else {
            line.after = value;
        }
    };
    let mut tag_keys: Vec<String> = Vec::new();
    for (side, state) in [before, after].into_iter().enumerate() {
        let Some(state) = state else { continue };
        put("Name".into(), side, Some(state.name.clone()));
        put("Status".into(), side, Some(state.status.clone()));
        put("Expires".into(), side, state.expires_at.clone());
        for field in &state.fields {
            put(field.label.clone(), side, Some(field.value.clone()));
        }
        tag_keys.extend(state.tags.iter().map(|t| t.key.clone()));
    }
    tag_keys.sort();
    tag_keys.dedup();
    for key in tag_keys {
        for (side, state) in [before, after].into_iter().enumerate() {
            let value = state.and_then(|s| s.tags.iter().find(|t| t.key == key));
            put(format!("Tag {key}"), side, value.map(|t| t.value.clone()));
        }
    }
    lines.retain(|l| l.before.is_some() || l.after.is_some());
    lines
}

/// One row in full, for its detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDetail {
    pub entry: AuditEntry,
    /// The parameters, secrets redacted, indented for reading.
    pub params_pretty: String,
    pub prev_hash: String,
    /// `sha256` or `hmac-sha256`.
    pub scheme: String,
    pub before: Recorded,
    pub after: Recorded,
    /// The row concerns an AWS item, so before and after belong on its page.
    pub about_item: bool,
}

/// What walking the hash chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub rows_checked: u64,
    /// The first row whose stored hash or link does not match, with why.
    pub first_broken: Option<BrokenLink>,
    /// The first row sealed with the audit key (HMAC); rows before it use plain SHA-256.
    #[serde(default)]
    pub keyed_from: Option<i64>,
    /// The newest row's hash (the genesis value for an empty trail).
    #[serde(default)]
    pub head: String,
}

impl ChainReport {
    /// What to keep elsewhere, once the chain checked out.
    pub fn anchor(&self) -> Option<Anchor> {
        self.first_broken.is_none().then(|| Anchor {
            rows: self.rows_checked,
            head: self.head.clone(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    pub id: i64,
    pub reason: String,
}

/// Where a chunked walk along the chain stands: the last row checked and its hash, whether
/// keyed rows began, and how many rows were checked so far. The page carries it from one
/// chunk to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCursor {
    /// 0 before the first row.
    pub after_id: i64,
    pub prev_hash: String,
    #[serde(default)]
    pub keyed_from: Option<i64>,
    pub rows_checked: u64,
}

impl Default for ChainCursor {
    fn default() -> Self {
        Self {
            after_id: 0,
            prev_hash: GENESIS.to_string(),
            keyed_from: None,
            rows_checked: 0,
        }
    }
}

/// One chunk of a walk along the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainProgress {
    /// Where the next chunk starts.
    pub cursor: ChainCursor,
    /// Rows in the trail now, for the progress bar.
    pub total_rows: u64,
    /// The walk reached the newest row (or a break).
    pub done: bool,
    pub first_broken: Option<BrokenLink>,
}

impl ChainProgress {
    pub fn report(&self) -> ChainReport {
        ChainReport {
            rows_checked: self.cursor.rows_checked,
            first_broken: self.first_broken.clone(),
            keyed_from: self.cursor.keyed_from,
            head: self.cursor.prev_hash.clone(),
        }
    }
}

/// The trail's length and newest hash at one moment, written `rows=1234 head=<hash>`: kept
/// outside trustdesk, it shows later whether newest rows were removed or the trail rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub rows: u64,
    pub head: String,
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rows={} head={}", self.rows, self.head)
    }
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wrong = || format!("\"{s}\" is not an anchor like rows=1234 head=<64 hex digits>");
        let mut rows = None;
        let mut head = None;
        for part in s.split_whitespace() {
            match part.split_once('=') {
                Some(("rows", n)) if rows.is_none() => {
                    rows = Some(n.parse::<u64>().map_err(|_| wrong())?)
                }
                Some(("head", h)) if head.is_none() => head = Some(h.to_ascii_lowercase()),
                _ => return Err(wrong()),
            }
        }
        match (rows, head) {
            (Some(rows), Some(head))
                if head.len() == 64 && head.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Ok(Anchor { rows, head })
            }
            _ => Err(wrong()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str) -> AuditQuery {
        AuditQuery {
            from: from.into(),
            to: to.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_day_range_covers_whole_days_in_utc() {
        let range = query("2026-02-28", "2026-12-31").validate().unwrap();
        assert_eq!(range.start.as_deref(), Some("2026-02-28T00:00:00.000Z"));
        assert_eq!(
            range.end.as_deref(),
            Some("2027-01-01T00:00:00.000Z"),
            "the last day is included"
        );
        let leap = query("", "2028-02-28").validate().unwrap();
        assert_eq!(leap.end.as_deref(), Some("2028-02-29T00:00:00.000Z"));
        assert_eq!(leap.start, None);
    }

    #[test]
    fn bad_filters_name_their_field() {
        let e = query("2026-13-01", "").validate().unwrap_err();
        assert!(e.field("from").is_some(), "{e:?}");
        let e = query("2026-02-30", "").validate().unwrap_err();
        assert!(e.field("from").is_some());
        let e = query("2026-12-02", "2026-12-01").validate().unwrap_err();
        assert!(e.field("to").is_some());
        let e = AuditQuery {
            outcome: "maybe".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.field("outcome").is_some());
    }

    #[test]
    fn links_keep_the_filters() {
        let q = AuditQuery {
            actor: "alice smith".into(),
            kind: "saml-provider".into(),
            page: 3,
            ..Default::default()
        };
        assert_eq!(q.filter_string(), "actor=alice%20smith&kind=saml-provider");
        assert_eq!(
            q.page_href(4),
            "/audit?actor=alice%20smith&kind=saml-provider&page=4"
        );
        assert_eq!(AuditQuery::default().page_href(2), "/audit?page=2");
    }

    fn state(tags: &[(&str, &str)], status: &str) -> ItemState {
        ItemState {
            name: "p".into(),
            status: status.into(),
            expires_at: None,
            tags: tags
                .iter()
                .map(|(k, v)| Tag {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            fields: vec![Field {
                label: "ARN".into(),
                value: "arn:x".into(),
            }],
            read_at: "2026-12-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn before_and_after_line_up_and_show_what_changed() {
        let before = state(&[("Owner", "alice"), ("Team", "a")], "active");
        let after = state(&[("Owner", "bob"), ("Cost", "1")], "active");
        let lines = state_lines(Some(&before), Some(&after));
        let changed: Vec<(&str, Option<&str>, Option<&str>)> = lines
            .iter()
            .filter(|l| l.changed())
            .map(|l| (l.label.as_str(), l.before.as_deref(), l.after.as_deref()))
            .collect();
        assert_eq!(
            changed,
            vec![
                ("Tag Cost", None, Some("1")),
                ("Tag Owner", Some("alice"), Some("bob")),
                ("Tag Team", Some("a"), None),
            ]
        );
        assert!(lines.iter().any(|l| l.label == "ARN" && !l.changed()));
        assert!(
            !lines.iter().any(|l| l.label == "Expires"),
            "no expiry on either side: no line"
        );
        let created = state_lines(None, Some(&after));
        assert!(created.iter().all(|l| l.before.is_none()));
    }

    #[test]
    fn anchors_read_back_what_they_print() {
        let anchor = Anchor {
            rows: 1234,
            head: "ab".repeat(32),
        };
        let printed = anchor.to_string();
        assert_eq!(printed, format!("rows=1234 head={}", "ab".repeat(32)));
        assert_eq!(printed.parse::<Anchor>(), Ok(anchor));
        assert!("rows=12".parse::<Anchor>().is_err());
        assert!(format!("rows=x head={}", "ab".repeat(32))
            .parse::<Anchor>()
            .is_err());
        assert!("rows=1 head=abc".parse::<Anchor>().is_err());
    }
}
