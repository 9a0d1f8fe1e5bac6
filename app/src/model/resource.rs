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

/// The item a create form's new item renews, as the form carries it (`{arg}[renews][…]`, hidden
/// fields of a renewal's form); its kind is the form's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewedItem {
    pub account: String,
    pub region: String,
    pub id: String,
}

impl RenewedItem {
    pub fn of(item: &ResourceRef) -> Self {
        RenewedItem {
            account: item.account.clone(),
            region: item.region.clone(),
            id: item.id.clone(),
        }
    }

    pub fn as_ref_of(&self, kind: ResourceKind) -> ResourceRef {
        ResourceRef {
            kind,
            account: self.account.clone(),
            region: self.region.clone(),
            id: self.id.clone(),
        }
    }
}

/// What the admin chose for a renewed item once its successor existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retirement {
    /// Nothing yet: the successor's page offers the choice.
    Undecided,
    /// Left in AWS until it expires (no notices for it meanwhile).
    LeftToExpire,
    /// Deleted through trustdesk.
    Deleted,
}

/// One side of a renewal link, as an item's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedItem {
    pub item: ResourceRef,
    /// Its cached name; its id when the cache no longer holds it.
    pub name: String,
    pub expires_at: Option<String>,
    /// The cache holds it, still in AWS.
    pub present: bool,
}

/// An item's renewal links: the item it renews (it was made as its successor) and the item that
/// renews it, with when, by whom and what became of the renewed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalLinks {
    pub renews: Option<RenewalLink>,
    pub renewed_by: Option<RenewalLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalLink {
    /// The other item of the pair.
    pub other: LinkedItem,
    pub renewed_at: String,
    pub renewed_by: String,
    /// What became of the renewed item of the pair.
    pub retired: Retirement,
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

    /// Where an expiring item is renewed: its successor's prefilled create form, or the section
    /// of its own page that renews it in place; none for kinds not renewed through trustdesk.
    pub fn renew_href(&self) -> Option<String> {
        match self.kind.info().renewal? {
            Renewal::Successor(_) => Some(self.renewal_path()),
            Renewal::InPlace(section) => Some(format!("{}#{section}", self.detail_path())),
        }
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
    use super::*;

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
