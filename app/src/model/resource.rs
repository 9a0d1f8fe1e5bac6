//! AWS items as the console shows them, whatever their kind: where they live, what they are
//! called, their status and expiry, their tags, and their other safe fields for the detail page.

use serde::{Deserialize, Serialize};

pub use crate::kinds::ResourceKind;

/// The AWS service a kind belongs to; the navigation groups kinds by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    Ec2,
    Iam,
    LicenseManager,
    MultiPartyApproval,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Ec2,
        Service::Iam,
        Service::LicenseManager,
        Service::MultiPartyApproval,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Service::Ec2 => "EC2",
            Service::Iam => "IAM",
            Service::LicenseManager => "License Manager",
            Service::MultiPartyApproval => "Multi-party approval",
        }
    }

    /// For the navigation on a phone's width.
    pub fn short_title(self) -> &'static str {
        match self {
            Service::Ec2 => "EC2",
            Service::Iam => "IAM",
            Service::LicenseManager => "LM",
            Service::MultiPartyApproval => "MPA",
        }
    }
}

/// Which tag rules a kind's service applies, if it has tags at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagRules {
    /// The service has no tags for this kind.
    None,
    /// EC2: keys up to 127 characters, values up to 256, `aws:` reserved, case-sensitive.
    Ec2,
    /// IAM: keys up to 128 and values up to 256 of letters, digits, spaces and `_.:/=+-@`;
    /// `aws:` reserved; keys case-sensitive on every kind trustdesk manages (IAM folds case
    /// only on users and roles).
    Iam,
    /// Multi-party approval: keys up to 128, values up to 256, `aws:` reserved.
    Mpa,
}

/// What the generic machinery (navigation, inventory, detail page, tags, delete, refresh)
/// needs to know of a kind. Each kind's module declares its own.
#[derive(Debug)]
pub struct KindInfo {
    /// The stable name used in URLs, the cache and the audit trail.
    pub slug: &'static str,
    /// Plural, for page titles.
    pub title: &'static str,
    pub singular: &'static str,
    /// Short plural for the navigation.
    pub nav_label: &'static str,
    /// The inventory page.
    pub path: &'static str,
    pub service: Service,
    /// The AWS field a dated kind's one expiry comes from (e.g. `ValidUntil`); None for kinds
    /// that do not expire.
    pub expiry_field: Option<&'static str>,
    pub tag_rules: TagRules,
    /// Global per account (IAM): one scope per account, shown as region `global`.
    pub global: bool,
    /// Who may call the kind's own server functions, and how much each takes.
    pub endpoints: &'static [crate::model::Endpoint],
    /// The kind's own sections of an item's page are what it holds (a policy document), shown
    /// full width in the main column; else they are actions, in the side column.
    pub sections_are_content: bool,
    /// How an item of the kind is renewed before or after it expires; None where trustdesk
    /// offers no renewal (kinds that do not expire, or whose successor AWS cannot make).
    pub renewal: Option<Renewal>,
}

/// How an expiring item is renewed.
#[derive(Debug, Clone, Copy)]
pub enum Renewal {
    /// By a successor made with the kind's create form, prefilled from the item: the form's
    /// fields, by their names (`token[license]`), as [`RenewalForm::prefill`] carries them.
    Successor(fn(&AwsItem) -> Vec<(&'static str, String)>),
    /// On the item's own page, in the section with this element id (a SAML provider's
    /// metadata is replaced in place).
    InPlace(&'static str),
}

/// A renewal's create form as it opens: the item it renews and the values it starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalForm {
    pub renews: ResourceRef,
    pub name: String,
    pub expires_at: Option<String>,
    /// Form field name → value.
    pub prefill: Vec<(String, String)>,
}

impl RenewalForm {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.prefill
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

impl KindInfo {
    /// The descriptor of a kind of `service` before the kind names itself: the service's tag
    /// rules (none on License Manager tokens), global per account where the service is (IAM),
    /// no expiry and no server functions of its own. A kind's `INFO` fills in the rest.
    pub const fn of(service: Service) -> Self {
        KindInfo {
            slug: "",
            title: "",
            singular: "",
            nav_label: "",
            path: "",
            service,
            expiry_field: None,
            sections_are_content: false,
            tag_rules: match service {
                Service::Ec2 => TagRules::Ec2,
                Service::Iam => TagRules::Iam,
                Service::LicenseManager => TagRules::None,
                Service::MultiPartyApproval => TagRules::Mpa,
            },
            global: matches!(service, Service::Iam),
            endpoints: &[],
            renewal: None,
        }
    }
}

/// The region name of global kinds' items.
pub const GLOBAL_REGION: &str = "global";

/// An item's field with this label says more about its status (the user an MFA device is
/// assigned to, how many entities a policy is attached to); the inventory shows it under the status.
pub const STATUS_DETAIL: &str = "Status detail";

impl ResourceKind {
    /// The stable name used in URLs, the cache and the audit trail.
    pub fn as_str(self) -> &'static str {
        self.info().slug
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Plural, for page titles.
    pub fn title(self) -> &'static str {
        self.info().title
    }

    pub fn singular(self) -> &'static str {
        self.info().singular
    }

    /// The inventory page.
    pub fn path(self) -> &'static str {
        self.info().path
    }

    pub fn service(self) -> Service {
        self.info().service
    }

    pub fn has_expiry(self) -> bool {
        self.info().expiry_field.is_some()
    }

    /// The AWS field the expiry comes from, e.g. `NotAfter`.
    pub fn expiry_field(self) -> Option<&'static str> {
        self.info().expiry_field
    }

    pub fn has_tags(self) -> bool {
        self.info().tag_rules != TagRules::None
    }

    pub fn tag_rules(self) -> TagRules {
        self.info().tag_rules
    }

    pub fn is_global(self) -> bool {
        self.info().global
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// `Key=Value` pairs as tags: for tests.
#[cfg(test)]
pub fn tags_of(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(key, value)| Tag::new(*key, *value))
        .collect()
}

/// A labelled value on the detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// Which item: kind, account (by its configured name), region and AWS id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub id: String,
}

impl ResourceRef {
    /// The item's page. The id is percent-encoded: IAM ids can hold `/` (an OIDC provider's
    /// URL, a policy's path), which the router decodes back into the one segment.
    pub fn detail_path(&self) -> String {
        format!(
            "/resources/{}/{}/{}/{}",
            self.kind.as_str(),
            encode_segment(&self.account),
            self.region,
            encode_segment(&self.id)
        )
    }

    /// Its successor's create form, prefilled from it (kinds renewed by a
    /// [`Renewal::Successor`]).
    pub fn renewal_path(&self) -> String {
        format!(
            "{}/new?renew_account={}&renew_region={}&renew_id={}",
            self.kind.path(),
            encode_segment(&self.account),
            encode_segment(&self.region),
            encode_segment(&self.id)
        )
    }

    /// `account/region/id`, how forms name an item in one field.
    pub fn to_target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.id)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_segment(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsItem {
    pub item: ResourceRef,
    /// The AWS account id behind the configured account name.
    pub account_id: String,
    pub name: String,
    pub status: String,
    /// RFC 3339, UTC.
    pub expires_at: Option<String>,
    pub tags: Vec<Tag>,
    pub fields: Vec<Field>,
    /// When the console last read this item from AWS (RFC 3339, UTC).
    pub last_seen: String,
    /// Whole days until expiry, negative once expired; computed when the item is read.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

impl AwsItem {
    /// The value of the item's detail field `label` (e.g. `Role`), if it has one.
    pub fn field(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.as_str())
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}

/// Days below which an expiry is shown as close.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The filter, sort and page of an inventory view, as carried in its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryQuery {
    /// Free text matched against id, name and tag values.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub status: String,
    /// `Key=Value`, or `Key` alone for any value.
    #[serde(default)]
    pub tag: String,
    /// An expiry window: `expired`, `7d`, `30d` or `90d` (not yet expired, due within that
    /// many days), `none` (no expiry), or empty for all.
    #[serde(default)]
    pub expires: String,
    /// `expiry` (default), `-expiry`, `name`, `-name`, `account`, `region`, `status`.
    #[serde(default)]
    pub sort: String,
    #[serde(default, deserialize_with = "number")]
    pub page: u32,
    /// Items a page shows: one of [`PAGE_SIZES`]; anything else (0 when the URL has none) is
    /// [`INVENTORY_PAGE_SIZE`].
    #[serde(default, deserialize_with = "number")]
    pub size: u32,
    /// Items AWS no longer lists instead of those it does.
    #[serde(default, deserialize_with = "flag")]
    pub removed: bool,
}

impl InventoryQuery {
    /// The query of an inventory's URL, each field as `get` reads it: the first page unless it
    /// names another; `removed` set as a flag is (`1`, `true`, `on`).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| get(key).unwrap_or_default();
        InventoryQuery {
            q: text("q"),
            account: text("account"),
            region: text("region"),
            status: text("status"),
            tag: text("tag"),
            expires: text("expires"),
            sort: text("sort"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            size: get("size").and_then(|p| p.parse().ok()).unwrap_or(0),
            removed: get("removed").is_some_and(|v| is_on(&v)),
        }
    }

    /// The filter alone: the same items, in no particular order, not paged.
    pub fn filter(&self) -> Self {
        InventoryQuery {
            sort: String::new(),
            page: 0,
            size: 0,
            ..self.clone()
        }
    }

    /// The filters of free text, each by its name in the URL.
    pub fn text_filters(&self) -> [(&'static str, &str); 5] {
        [
            ("q", &self.q),
            ("account", &self.account),
            ("region", &self.region),
            ("status", &self.status),
            ("tag", &self.tag),
        ]
    }

    /// The query string's pairs of what is set (the page aside), for links that keep the view.
    pub fn url_params(&self) -> Vec<String> {
        let mut params = query_params(self.text_filters());
        params.extend(query_params([
            ("expires", self.expires.as_str()),
            ("sort", &self.sort),
        ]));
        if self.removed {
            params.push("removed=1".into());
        }
        if self.page_size() != INVENTORY_PAGE_SIZE {
            params.push(format!("size={}", self.page_size()));
        }
        params
    }

    /// The free text's words, as the cache's search text is matched: lower-cased, each once,
    /// at most [`QUERY_WORDS`] of the first [`QUERY_TEXT_CHARS`] characters (what a form could
    /// send; a crafted URL's longer text costs no more).
    pub fn words(&self) -> Vec<String> {
        let text: String = self.q.chars().take(QUERY_TEXT_CHARS).collect();
        let mut words: Vec<String> = Vec::new();
        for word in text.split_whitespace().map(str::to_lowercase) {
            if !words.contains(&word) && words.len() < QUERY_WORDS {
                words.push(word);
            }
        }
        words
    }

    /// Refuses free text longer than a person types, naming the field.
    pub fn check_text(&self) -> Result<(), super::AppError> {
        if self.q.chars().count() > QUERY_TEXT_CHARS {
            return Err(super::AppError::validation(vec![super::FieldError {
                field: "q".into(),
                message: format!("Search: at most {QUERY_TEXT_CHARS} characters."),
            }]));
        }
        Ok(())
    }

    /// How many items a page of this view shows.
    pub fn page_size(&self) -> usize {
        let size = self.size as usize;
        if PAGE_SIZES.contains(&size) {
            size
        } else {
            INVENTORY_PAGE_SIZE
        }
    }
}

/// A URL's query pairs `name=value` of the fields given a value, the values percent-encoded.
pub fn query_params<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_segment(value)))
        .collect()
}

/// A page number: a JSON number, or the text of a URL's or a form's field.
fn number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Number(u32),
        Text(String),
    }
    match Number::deserialize(deserializer)? {
        Number::Number(n) => Ok(n),
        Number::Text(text) => text.parse().map_err(serde::de::Error::custom),
    }
}

fn is_on(text: &str) -> bool {
    matches!(text, "1" | "true" | "on")
}

/// A URL flag: `1`, `true` or `on` (a checkbox) set it; absent or anything else leaves it off.
/// A JSON `true` (a query stored as JSON, e.g. a share link's filter) sets it too.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match <Option<Flag>>::deserialize(deserializer)? {
        Some(Flag::Bool(on)) => on,
        Some(Flag::Text(text)) => is_on(&text),
        None => false,
    })
}

pub const INVENTORY_PAGE_SIZE: usize = 25;
/// An inventory's free text: the characters and the words it is matched by.
pub const QUERY_TEXT_CHARS: usize = 200;
pub const QUERY_WORDS: usize = 8;
/// The page sizes an inventory offers.
pub const PAGE_SIZES: [usize; 4] = [INVENTORY_PAGE_SIZE, 50, 100, 200];

/// The expiry windows an inventory can be filtered by: URL value, label, and the window's end
/// in days from now (`None` for the two that are not windows ahead).
/// Days from now: from, and (unless open-ended) until.
pub type DayRange = (i64, Option<i64>);

/// The inventory's expiry filters: `(value in the URL, label, days from now: from, until)`.
/// `expired` and `none` are answered by their own conditions.
pub const EXPIRY_WINDOWS: [(&str, &str, Option<DayRange>); 8] = [
    ("expired", "Expired", None),
    ("7d", "Within 7 days", Some((0, Some(7)))),
    ("30d", "Within 30 days", Some((0, Some(30)))),
    ("90d", "Within 90 days", Some((0, Some(90)))),
    ("8-30d", "In 8 to 30 days", Some((7, Some(30)))),
    ("31-90d", "In 31 to 90 days", Some((30, Some(90)))),
    ("later", "Later than 90 days", Some((90, None))),
    ("none", "No expiry", None),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPage {
    pub kind: ResourceKind,
    pub items: Vec<AwsItem>,
    /// Items matching the filter, over all pages.
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    /// Values to offer in the filter selects.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub statuses: Vec<String>,
    /// The oldest refresh among the account/region pairs shown (RFC 3339), if any.
    pub refreshed_at: Option<String>,
    /// The account/region pairs shown whose newest sync failed, each with AWS's sentence.
    #[serde(default)]
    pub failed_scopes: Vec<String>,
    /// The page lists items AWS no longer has (the "removed in AWS" filter).
    #[serde(default)]
    pub removed: bool,
}

/// What a refresh found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    pub items: usize,
    /// One sentence per account/region that could not be read.
    pub failures: Vec<String>,
}

/// Which of a create form's buttons was pressed: create, or check permissions with a dry run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormIntent {
    #[default]
    Create,
    Check,
}

/// The outcome of a "Check permissions" dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionCheck {
    pub allowed: bool,
    pub message: String,
}

/// Accounts and regions a new item can go to, and this form's idempotency token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFormOptions {
    /// `account/region` values.
    pub targets: Vec<String>,
    pub client_token: String,
}

/// A secret AWS shows once (a License Manager token's JWT, a virtual MFA device's seed and QR
/// code): held in server memory for one showing to its creator, never stored, logged or audited.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnceSecret {
    /// The item the secret belongs to, if it belongs to one.
    pub item: Option<ResourceRef>,
    /// Where to go next: `(href, label)`, e.g. the new item's page.
    pub next: (String, String),
    /// The page's title, e.g. "License Manager token created".
    pub title: String,
    /// What to do now, e.g. "Copy this token now: …".
    pub warning: String,
    pub values: Vec<SecretValue>,
    /// A PNG to show (a QR code), base64.
    pub image_png_base64: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretValue {
    /// The element id of the value (its copy button is `copy-` + id).
    pub id: String,
    pub label: String,
    pub value: String,
}

// Written by hand so that a `{:?}` anywhere (a log line, a panic message) cannot print the
// secret.
impl std::fmt::Debug for OnceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnceSecret")
            .field("item", &self.item)
            .field("next", &self.next)
            .field("title", &self.title)
            .field(
                "values",
                &self.values.iter().map(|v| &v.label).collect::<Vec<_>>(),
            )
            .field(
                "image_png_base64",
                &self.image_png_base64.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_text_is_a_few_distinct_words_whatever_was_sent() {
        let query = InventoryQuery {
            q: "  Api api GW ".into(),
            ..Default::default()
        };
        assert_eq!(query.words(), ["api", "gw"]);
        let many = InventoryQuery {
            q: (0..50)
                .map(|n| format!("w{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            ..Default::default()
        };
        assert_eq!(many.words().len(), QUERY_WORDS);
        let long = InventoryQuery {
            q: "x".repeat(QUERY_TEXT_CHARS + 1),
            ..Default::default()
        };
        assert_eq!(long.words()[0].len(), QUERY_TEXT_CHARS);
        assert_eq!(long.check_text().unwrap_err().fields[0].field, "q");
        assert!(many.check_text().is_ok());
    }

    use super::*;

    #[test]
    fn links_keep_the_filter() {
        let query = InventoryQuery {
            q: "a b".into(),
            tag: "Owner=x@y".into(),
            page: 3,
            ..Default::default()
        };
        assert_eq!(query.url_params(), ["q=a%20b", "tag=Owner%3Dx%40y"]);
        let removed = InventoryQuery {
            sort: "name".into(),
            removed: true,
            ..query
        };
        assert_eq!(removed.filter().url_params().last().unwrap(), "removed=1");
        assert_eq!(removed.url_params()[2], "sort=name");
    }

    #[test]
    fn every_kind_round_trips_and_has_its_own_path() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(kind.as_str()), Some(kind));
            assert_eq!(ResourceKind::from_path(kind.path()), Some(kind));
            // The slug is also the serde name, so URLs and JSON agree.
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().to_string()))
            );
        }
        let paths: std::collections::HashSet<_> =
            ResourceKind::ALL.iter().map(|k| k.path()).collect();
        assert_eq!(
            paths.len(),
            ResourceKind::ALL.len(),
            "two kinds share a path"
        );
    }

    #[test]
    fn detail_paths_keep_an_id_with_slashes_in_one_segment() {
        let item = ResourceRef {
            kind: ResourceKind::TrustProvider,
            account: "prod".into(),
            region: "us-east-1".into(),
            id: "oidc.example.com/id/AB+C".into(),
        };
        assert_eq!(
            item.detail_path(),
            "/resources/trust-provider/prod/us-east-1/oidc.example.com%2Fid%2FAB%2BC"
        );
    }

    #[test]
    fn debug_output_never_carries_a_secret() {
        let shown = OnceSecret {
            item: None,
            next: ("/license-tokens".into(), "Back".into()),
            title: "t".into(),
            warning: "w".into(),
            values: vec![SecretValue {
                id: "jwt".into(),
                label: "Token".into(),
                value: "eyJhbGciOiJIUzI1NiJ9.e30.sig".into(),
            }],
            image_png_base64: Some("iVBORw0KGgo".into()),
        };
        let printed = format!("{shown:?}");
        assert!(
            !printed.contains("eyJ") && !printed.contains("iVBOR"),
            "{printed}"
        );
    }
}
