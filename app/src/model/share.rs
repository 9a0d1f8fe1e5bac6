//! Read-only share links: what one shows (its scope), the form that makes one, and what the
//! admins' Share links page and the anonymous share view see.

use super::{
    error::{AppError, FieldErrors},
    AwsItem, Field, InventoryQuery, ResourceKind, ResourceRef, Tag, EXPIRY_WINDOWS,
};
use serde::{Deserialize, Serialize};

/// A link's lifetime in hours: at least one hour, at most 90 days.
pub const MIN_LIFETIME_HOURS: u32 = 1;
pub const MAX_LIFETIME_HOURS: u32 = 90 * 24;
pub const DEFAULT_LIFETIME_HOURS: u32 = 7 * 24;
/// The lifetimes the form offers: hours, label.
pub const LIFETIME_CHOICES: [(u32, &str); 9] = [
    (1, "1 hour"),
    (8, "8 hours"),
    (24, "1 day"),
    (72, "3 days"),
    (168, "7 days"),
    (336, "14 days"),
    (720, "30 days"),
    (1440, "60 days"),
    (2160, "90 days"),
];
pub const LABEL_MAX_CHARS: usize = 100;
/// The path prefix of share views; the token follows it.
pub const SHARE_PATH: &str = "/s/";

/// Detail fields a share view never shows, whatever the kind says: values that prove control of
/// a resource are secrets to an outsider, even where the console shows them to its users.
pub const FIELDS_NEVER_SHARED: [&str; 1] = ["Token value"];

/// What a link shows. Fixed when the link is made: the person holding it can page and sort
/// within it, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareScope {
    /// One kind's inventory under a filter (its page and sort are the viewer's).
    Inventory {
        kind: ResourceKind,
        filter: InventoryQuery,
    },
    /// One item.
    Item { item: ResourceRef },
    /// Dated items of every kind, in an expiry window and optionally one account.
    Expiry {
        #[serde(default)]
        account: String,
        /// An inventory expiry filter (`expired`, `7d`, …) or empty for every dated item.
        #[serde(default)]
        expires: String,
    },
}

impl ShareScope {
    /// A sentence naming what the link shows, for the banner and the Share links page.
    pub fn describe(&self) -> String {
        match self {
            ShareScope::Inventory { kind, filter } => {
                let conditions = describe_filter(filter);
                if conditions.is_empty() {
                    format!("All {}", kind.title())
                } else {
                    format!("{} where {}", kind.title(), conditions.join(", "))
                }
            }
            ShareScope::Item { item } => {
                format!(
                    "{} {} in {} / {}",
                    item.kind.singular(),
                    item.id,
                    item.account,
                    item.region
                )
            }
            ShareScope::Expiry { account, expires } => {
                let window = window_label(expires).unwrap_or("with an expiry");
                let window = if expires.is_empty() {
                    "Every item with an expiry".to_string()
                } else {
                    format!("Items expiring: {}", window.to_lowercase())
                };
                if account.is_empty() {
                    window
                } else {
                    format!("{window}, account {account}")
                }
            }
        }
    }

    /// The signed-in console's page showing the same items.
    pub fn console_path(&self) -> String {
        match self {
            ShareScope::Inventory { kind, filter } => {
                let query = filter.filter().url_params().join("&");
                if query.is_empty() {
                    kind.path().to_string()
                } else {
                    format!("{}?{query}", kind.path())
                }
            }
            ShareScope::Item { item } => item.detail_path(),
            ShareScope::Expiry { .. } => "/".to_string(),
        }
    }

    /// The page that makes a link for this scope.
    pub fn new_link_path(&self) -> String {
        use super::resource::encode_segment as enc;
        match self {
            ShareScope::Inventory { kind, filter } => {
                let filter = filter.filter().url_params().join("&");
                let sep = if filter.is_empty() { "" } else { "&" };
                format!(
                    "/shares/new?scope=inventory&kind={}{sep}{filter}",
                    kind.as_str()
                )
            }
            ShareScope::Item { item } => format!(
                "/shares/new?scope=item&kind={}&account={}&region={}&id={}",
                item.kind.as_str(),
                enc(&item.account),
                enc(&item.region),
                enc(&item.id)
            ),
            ShareScope::Expiry { account, expires } => format!(
                "/shares/new?scope=expiry&expires={}&account={}",
                enc(expires),
                enc(account)
            ),
        }
    }

    /// Checks what the viewer cannot see on a form: a known expiry window, bounded texts.
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = FieldErrors::new();
        let bounded = |value: &str, what: &str| {
            if value.chars().count() > 1024 {
                Err(format!("The {what} is longer than 1024 characters."))
            } else if value.chars().any(char::is_control) {
                Err(format!("The {what} holds control characters."))
            } else {
                Ok(())
            }
        };
        match self {
            ShareScope::Inventory { filter, .. } => {
                for (field, value) in filter.text_filters() {
                    errors.check(field, bounded(value, "filter"));
                }
                errors.check("expires", known_window(&filter.expires));
            }
            ShareScope::Item { item } => {
                errors.check("id", bounded(&item.id, "item id"));
                errors.check("account", bounded(&item.account, "account"));
                errors.check("region", bounded(&item.region, "region"));
            }
            ShareScope::Expiry { account, expires } => {
                errors.check("account", bounded(account, "account"));
                errors.check("expires", known_window(expires));
                if expires == "none" {
                    errors.check(
                        "expires",
                        Err("An expiry share lists dated items; choose a window.".into()),
                    );
                }
            }
        }
        errors.into_result()
    }
}

fn known_window(value: &str) -> Result<(), String> {
    if value.is_empty() || window_label(value).is_some() {
        Ok(())
    } else {
        Err(format!(
            "\"{value}\" is not an expiry window trustdesk knows."
        ))
    }
}

fn window_label(value: &str) -> Option<&'static str> {
    EXPIRY_WINDOWS
        .iter()
        .find(|(v, _, _)| *v == value)
        .map(|(_, label, _)| *label)
}

/// The filter's conditions in words: `account prod`, `tag owner=alice`, ….
fn describe_filter(filter: &InventoryQuery) -> Vec<String> {
    let mut conditions: Vec<String> = filter
        .text_filters()
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| match name {
            "q" => format!(
                "id, name, ARN, account id or tags contain every word of “{}”",
                value.trim()
            ),
            name => format!("{name} is {}", value.trim()),
        })
        .collect();
    if let Some(label) = window_label(&filter.expires) {
        conditions.push(format!("expiry is {}", label.to_lowercase()));
    }
    if filter.removed {
        conditions.push("removed in AWS".to_string());
    }
    conditions
}

/// What the new-link form submits. The scope arrives as the fields of the page it was made
/// from (an inventory's filter, one item, or the expiry overview's window).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareForm {
    /// `inventory`, `item` or `expiry`.
    pub scope: String,
    #[serde(default)]
    pub kind: String,
    /// An item's id.
    #[serde(default)]
    pub id: String,
    /// An inventory's filter (its sort and page play no part); an item's account and region;
    /// the expiry list's account and window.
    #[serde(flatten)]
    pub filter: InventoryQuery,
    /// Who the link is for.
    #[serde(default)]
    pub label: String,
    /// Hours, as the lifetime select submits them.
    #[serde(default)]
    pub lifetime_hours: String,
    /// A checkbox: present (`on`) to include tags.
    #[serde(default)]
    pub include_tags: String,
}

/// A checked form, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRequest {
    pub scope: ShareScope,
    pub label: String,
    pub lifetime_hours: u32,
    pub include_tags: bool,
}

impl ShareForm {
    /// The scope this form's fields name, as the new-link page shows it before submitting.
    pub fn scope(&self) -> Result<ShareScope, AppError> {
        let kind = || {
            ResourceKind::parse(&self.kind).ok_or_else(|| {
                AppError::validation(vec![super::FieldError {
                    field: "kind".into(),
                    message: format!("\"{}\" is not a kind trustdesk knows.", self.kind),
                }])
            })
        };
        let scope = match self.scope.as_str() {
            "inventory" => ShareScope::Inventory {
                kind: kind()?,
                filter: self.filter.filter(),
            },
            "item" => ShareScope::Item {
                item: ResourceRef {
                    kind: kind()?,
                    account: self.filter.account.clone(),
                    region: self.filter.region.clone(),
                    id: self.id.clone(),
                },
            },
            "expiry" => ShareScope::Expiry {
                account: self.filter.account.clone(),
                expires: self.filter.expires.clone(),
            },
            other => {
                return Err(AppError::validation(vec![super::FieldError {
                    field: "scope".into(),
                    message: format!(
                        "\"{other}\" is not something trustdesk can share; open the inventory, item or expiry overview to share and use its Share button."
                    ),
                }]))
            }
        };
        scope.validate()?;
        Ok(scope)
    }

    /// Checks every field; the message of each names what to fix.
    pub fn validate(&self) -> Result<ShareRequest, AppError> {
        let scope = self.scope()?;
        let mut errors = FieldErrors::new();
        let label = self.label.trim().to_string();
        errors.check("label", validate_label(&label));
        let lifetime = self.lifetime_hours.trim().parse::<u32>();
        errors.check(
            "lifetime_hours",
            match lifetime {
                Ok(hours) if (MIN_LIFETIME_HOURS..=MAX_LIFETIME_HOURS).contains(&hours) => Ok(()),
                _ => Err(format!(
                    "Choose a lifetime from 1 hour to 90 days ({MIN_LIFETIME_HOURS} to {MAX_LIFETIME_HOURS} hours)."
                )),
            },
        );
        errors.into_result()?;
        Ok(ShareRequest {
            scope,
            label,
            lifetime_hours: lifetime.unwrap_or(DEFAULT_LIFETIME_HOURS),
            include_tags: matches!(self.include_tags.as_str(), "on" | "true" | "1"),
        })
    }
}

pub fn validate_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err(
            "Say who the link is for, e.g. \"External auditor (Acme LLP), Q4 review\".".into(),
        );
    }
    if label.chars().count() > LABEL_MAX_CHARS {
        return Err(format!("Use at most {LABEL_MAX_CHARS} characters."));
    }
    if label.chars().any(char::is_control) {
        return Err("Use plain text without line breaks or control characters.".into());
    }
    Ok(())
}

/// The answer to creating a link: its URL, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCreated {
    pub id: i64,
    pub url: String,
    pub label: String,
    pub expires_at: String,
}

/// What the new-link page shows before the link is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharePreview {
    pub scope: String,
    /// The console page showing the same items.
    pub console_path: String,
    /// Items in the scope now.
    pub items: usize,
}

/// Whether a link still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareState {
    Active,
    Expired,
    Revoked,
}

impl ShareState {
    pub fn label(self) -> &'static str {
        match self {
            ShareState::Active => "Active",
            ShareState::Expired => "Expired",
            ShareState::Revoked => "Revoked",
        }
    }
}

/// One row of the Share links page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkSummary {
    pub id: i64,
    pub label: String,
    pub scope: String,
    /// The console page showing the same items.
    pub scope_path: String,
    pub include_tags: bool,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub state: ShareState,
    pub views: i64,
    pub last_viewed_at: Option<String>,
    /// Distinct client addresses among the recorded views.
    pub addresses: i64,
}

/// One recorded view of a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareViewRecord {
    pub at: String,
    pub client_ip: String,
    pub user_agent: String,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinksPage {
    pub links: Vec<ShareLinkSummary>,
    /// The selected link's newest views, when one is selected.
    pub selected: Option<i64>,
    pub views: Vec<ShareViewRecord>,
}

/// The banner of a share view: who shared what, for whom, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareBanner {
    pub shared_by: String,
    pub label: String,
    pub scope: String,
    pub created_at: String,
    pub expires_at: String,
    pub include_tags: bool,
}

/// An item as a share view shows it: no internal fields, tags only if the link includes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedItem {
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub id: String,
    pub name: String,
    pub status: String,
    pub expires_at: Option<String>,
    pub expires_in_days: Option<i64>,
    pub tags: Vec<Tag>,
    pub fields: Vec<Field>,
    pub last_seen: String,
}

impl SharedItem {
    /// What a share view may show of a cached item.
    pub fn from_item(item: AwsItem, include_tags: bool, with_fields: bool) -> Self {
        Self {
            kind: item.item.kind,
            account: item.item.account,
            region: item.item.region,
            id: item.item.id,
            name: item.name,
            status: item.status,
            expires_at: item.expires_at,
            expires_in_days: item.expires_in_days,
            tags: if include_tags { item.tags } else { Vec::new() },
            fields: if with_fields {
                item.fields
                    .into_iter()
                    .filter(|f| !FIELDS_NEVER_SHARED.contains(&f.label.as_str()))
                    .collect()
            } else {
                Vec::new()
            },
            last_seen: item.last_seen,
        }
    }
}

/// A page of a share view's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedList {
    pub items: Vec<SharedItem>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    pub sort: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(scope: &str) -> ShareForm {
        ShareForm {
            scope: scope.into(),
            kind: "saml-provider".into(),
            label: "Auditor".into(),
            lifetime_hours: "168".into(),
            ..Default::default()
        }
    }

    #[test]
    fn lifetimes_run_from_an_hour_to_ninety_days() {
        for (hours, ok) in [
            ("0", false),
            ("1", true),
            ("2160", true),
            ("2161", false),
            ("x", false),
        ] {
            let mut f = form("inventory");
            f.kind = ResourceKind::ALL[0].as_str().into();
            f.lifetime_hours = hours.into();
            assert_eq!(f.validate().is_ok(), ok, "{hours}");
            if !ok {
                assert!(f.validate().unwrap_err().field("lifetime_hours").is_some());
            }
        }
        assert!(LIFETIME_CHOICES
            .iter()
            .any(|(h, _)| *h == DEFAULT_LIFETIME_HOURS));
    }

    #[test]
    fn the_label_is_required_plain_and_bounded() {
        let mut f = form("expiry");
        f.label = "  ".into();
        assert!(f.validate().unwrap_err().field("label").is_some());
        f.label = "line\nbreak".into();
        assert!(f.validate().unwrap_err().field("label").is_some());
        f.label = "x".repeat(LABEL_MAX_CHARS + 1);
        assert!(f.validate().unwrap_err().field("label").is_some());
        f.label = " Acme LLP ".into();
        assert_eq!(f.validate().unwrap().label, "Acme LLP");
    }

    #[test]
    fn scopes_are_checked() {
        let mut f = form("everything");
        assert!(f.validate().unwrap_err().field("scope").is_some());
        f.scope = "inventory".into();
        f.kind = "nope".into();
        assert!(f.validate().unwrap_err().field("kind").is_some());
        let mut f = form("expiry");
        f.filter.expires = "forever".into();
        assert!(f.validate().unwrap_err().field("expires").is_some());
        f.filter.expires = "none".into();
        assert!(f.validate().unwrap_err().field("expires").is_some());
        f.filter.expires = "30d".into();
        assert!(f.validate().is_ok());
    }

    #[test]
    fn a_scope_round_trips_through_json_and_describes_itself() {
        let kind = ResourceKind::ALL[0];
        let scope = ShareScope::Inventory {
            kind,
            filter: InventoryQuery {
                account: "prod".into(),
                expires: "30d".into(),
                removed: true,
                ..Default::default()
            },
        };
        let json = serde_json::to_string(&scope).unwrap();
        assert_eq!(serde_json::from_str::<ShareScope>(&json).unwrap(), scope);
        let text = scope.describe();
        assert!(text.contains("account is prod"), "{text}");
        assert!(text.contains("within 30 days"), "{text}");
        assert_eq!(
            scope.console_path(),
            format!("{}?account=prod&expires=30d&removed=1", kind.path())
        );
    }

    #[test]
    fn secret_fields_and_tags_stay_out_unless_asked() {
        let item = AwsItem {
            item: ResourceRef {
                kind: ResourceKind::ALL[0],
                account: "prod".into(),
                region: "us-east-1".into(),
                id: "x".into(),
            },
            account_id: "111122223333".into(),
            name: "x".into(),
            status: "valid".into(),
            expires_at: None,
            tags: vec![Tag {
                key: "owner".into(),
                value: "alice@example.com".into(),
            }],
            fields: vec![
                Field {
                    label: "Token value".into(),
                    value: "secret".into(),
                },
                Field {
                    label: "ARN".into(),
                    value: "arn".into(),
                },
            ],
            last_seen: String::new(),
            expires_in_days: None,
        };
        let shared = SharedItem::from_item(item.clone(), false, true);
        assert!(shared.tags.is_empty());
        assert_eq!(shared.fields.len(), 1);
        assert_eq!(shared.fields[0].label, "ARN");
        assert_eq!(SharedItem::from_item(item, true, false).tags.len(), 1);
    }
}
