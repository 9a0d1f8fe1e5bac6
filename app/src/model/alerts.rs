//! Expiry alerts as admins configure them and the pages show them: the rules, the outbox, and
//! an item's acknowledgement or snooze.

use serde::{Deserialize, Serialize};

use super::{AppError, FieldErrors, ResourceKind};

/// Most thresholds a rule may have, and the furthest one (days).
pub const MAX_THRESHOLDS: usize = 10;
pub const MAX_THRESHOLD_DAYS: u32 = 365;
/// Most addresses per recipient list.
pub const MAX_RECIPIENTS: usize = 50;
/// Days a snooze may last.
pub const SNOOZE_CHOICES: [u32; 4] = [1, 3, 7, 14];

/// When and to whom expiry notices go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRules {
    /// Days before expiry, most distant first, e.g. 30, 14, 7, 3, 1.
    pub thresholds: Vec<u32>,
    /// Also a notice when the item has expired.
    pub notify_on_expiry: bool,
    /// The tag whose value (an email address) names an item's owner.
    pub recipient_tag: String,
    /// Copied on every notice.
    pub global_recipients: Vec<String>,
    /// Per account: who gets the notices of items without an owner tag.
    pub account_recipients: Vec<AccountRecipients>,
    pub excluded_kinds: Vec<ResourceKind>,
    /// IANA name the emails' dates are written in; empty: the server's `time_zone`.
    pub time_zone: String,
    /// Configured webhooks (`[[webhooks]]`, by name) that get every notice, besides email.
    #[serde(default)]
    pub webhooks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecipients {
    pub account: String,
    pub recipients: Vec<String>,
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            thresholds: vec![30, 14, 7, 3, 1],
            notify_on_expiry: true,
            recipient_tag: "Owner".into(),
            global_recipients: Vec::new(),
            account_recipients: Vec::new(),
            excluded_kinds: Vec::new(),
            time_zone: String::new(),
            webhooks: Vec::new(),
        }
    }
}

impl AlertRules {
    /// The recipients configured for items of `account` that carry no owner tag.
    pub fn fallback_for(&self, account: &str) -> &[String] {
        self.account_recipients
            .iter()
            .find(|a| a.account == account)
            .map(|a| a.recipients.as_slice())
            .unwrap_or(&[])
    }
}

/// The rules form as posted: lists as text, one address or number per line or comma.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRulesForm {
    #[serde(default)]
    pub thresholds: String,
    /// A checkbox: present (any value) when ticked.
    #[serde(default)]
    pub notify_on_expiry: Option<String>,
    #[serde(default)]
    pub recipient_tag: String,
    #[serde(default)]
    pub global_recipients: String,
    /// `account=addresses` lines, one account per field named `accounts[NAME]`.
    #[serde(default)]
    pub accounts: std::collections::BTreeMap<String, String>,
    /// Kind slugs left out, as ticked checkboxes `rules[excluded][SLUG]`.
    #[serde(default)]
    pub excluded: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub time_zone: String,
    /// Webhook names ticked, as checkboxes `rules[webhooks][NAME]`.
    #[serde(default)]
    pub webhooks: std::collections::BTreeMap<String, String>,
}

/// A plausible email address: one `@`, a local part and a dotted domain, no spaces or
/// control characters, at most 254 characters. Mail servers decide the rest.
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && address.chars().all(|c| {
            c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\\')
        })
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn addresses(text: &str) -> Result<Vec<String>, String> {
    let list = split_list(text);
    if list.len() > MAX_RECIPIENTS {
        return Err(format!("List at most {MAX_RECIPIENTS} addresses."));
    }
    if let Some(bad) = list.iter().find(|a| !is_email(a)) {
        return Err(format!(
            "\"{}\" is not an email address.",
            bad.chars().take(80).collect::<String>()
        ));
    }
    let mut unique = list.clone();
    unique.sort_by_key(|a| a.to_lowercase());
    unique.dedup_by_key(|a| a.to_lowercase());
    Ok(unique)
}

impl AlertRulesForm {
    /// The rules, or every field's problem at once. `accounts` and `webhooks` are the
    /// configured names (others are refused); the time zone is checked by the server.
    pub fn validate(
        &self,
        accounts: &[String],
        webhooks: &[String],
    ) -> Result<AlertRules, AppError> {
        let mut errors = FieldErrors::new();
        let mut thresholds = Vec::new();
        errors.check("thresholds", {
            let mut result = Ok(());
            for part in split_list(&self.thresholds) {
                match part.parse::<u32>() {
                    Ok(days) if (1..=MAX_THRESHOLD_DAYS).contains(&days) => thresholds.push(days),
                    _ => {
                        result = Err(format!(
                            "\"{}\" is not a whole number of days from 1 to {MAX_THRESHOLD_DAYS}.",
                            part.chars().take(20).collect::<String>()
                        ));
                        break;
                    }
                }
            }
            thresholds.sort_unstable_by(|a, b| b.cmp(a));
            thresholds.dedup();
            if result.is_ok() && thresholds.len() > MAX_THRESHOLDS {
                result = Err(format!("Use at most {MAX_THRESHOLDS} thresholds."));
            }
            if result.is_ok() && thresholds.is_empty() && self.notify_on_expiry.is_none() {
                result = Err("Give at least one threshold, or tick the notice on expiry.".into());
            }
            result
        });
        let tag = self.recipient_tag.trim().to_string();
        errors.check(
            "recipient_tag",
            if tag.is_empty() || tag.chars().count() > 128 {
                Err("Name the tag that holds the owner's address (1 to 128 characters).".into())
            } else if tag.chars().any(char::is_control) {
                Err("A tag key cannot contain control characters.".into())
            } else {
                Ok(())
            },
        );
        let mut global = Vec::new();
        errors.check(
            "global_recipients",
            addresses(&self.global_recipients).map(|list| global = list),
        );
        let mut account_recipients = Vec::new();
        for (account, text) in &self.accounts {
            let field = format!("accounts[{account}]");
            if !accounts.contains(account) {
                errors.check(
                    &field,
                    Err(format!("No account named {account} is configured.")),
                );
                continue;
            }
            match addresses(text) {
                Ok(recipients) if recipients.is_empty() => {}
                Ok(recipients) => account_recipients.push(AccountRecipients {
                    account: account.clone(),
                    recipients,
                }),
                Err(message) => errors.check(&field, Err(message)),
            }
        }
        let mut excluded_kinds = Vec::new();
        errors.check("excluded", {
            let mut result = Ok(());
            for slug in self.excluded.keys() {
                match ResourceKind::parse(slug) {
                    Some(kind) if kind.has_expiry() => excluded_kinds.push(kind),
                    _ => {
                        result = Err("Only kinds that expire can be left out.".into());
                        break;
                    }
                }
            }
            result
        });
        let mut chosen_webhooks = Vec::new();
        errors.check("webhooks", {
            match self.webhooks.keys().find(|name| !webhooks.contains(name)) {
                Some(unknown) => Err(format!(
                    "No webhook named {} is configured.",
                    unknown.chars().take(64).collect::<String>()
                )),
                None => {
                    chosen_webhooks = self.webhooks.keys().cloned().collect();
                    Ok(())
                }
            }
        });
        errors.into_result()?;
        Ok(AlertRules {
            thresholds,
            notify_on_expiry: self.notify_on_expiry.is_some(),
            recipient_tag: tag,
            global_recipients: global,
            account_recipients,
            excluded_kinds,
            time_zone: self.time_zone.trim().to_string(),
            webhooks: chosen_webhooks,
        })
    }
}

/// The Alerts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    pub rules: AlertRules,
    pub accounts: Vec<String>,
    /// The server's `time_zone`, used when the rules name none.
    pub default_time_zone: String,
    /// What delivers mail: SMTP server, demo folder, or nothing configured.
    pub mailer: String,
    /// The configured webhooks (`[[webhooks]]`), whether or not the rules use them.
    pub webhooks: Vec<WebhookInfo>,
    /// The page of the demo's chat channel, when the demo posts its notices there.
    pub demo_chat_page: Option<String>,
    pub can_edit: bool,
}

/// A configured webhook as the Alerts page shows it: never its whole URL, which is a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    pub name: String,
    /// "Slack-compatible chat" or "Signed JSON".
    pub format: String,
    /// The URL's scheme and host: `https://hooks.slack.com/…`.
    pub destination: String,
}

/// An item's acknowledgement or snooze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    /// `ack` or `snooze`.
    pub state: String,
    /// When a snooze ends.
    pub until: Option<String>,
    pub by: String,
    pub at: String,
}

/// One row of the Outbox page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub id: i64,
    pub created_at: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// An email address, or a webhook's name.
    pub recipient: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub message_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub rows: Vec<OutboxRow>,
    pub mailer: String,
    /// Where the demo writes its `.eml` files, when it does.
    pub folder: Option<String>,
    /// The page of the demo's chat channel, when the demo posts its notices there.
    pub demo_chat_page: Option<String>,
    pub can_manage: bool,
}

/// What an emailed acknowledge or snooze link stands for, shown before the recipient confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLinkInfo {
    /// `ack` or `snooze`.
    pub action: String,
    pub kind: ResourceKind,
    pub name: String,
    pub account: String,
    pub region: String,
    pub expires_at: Option<String>,
    pub recipient: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AlertRulesForm {
        AlertRulesForm {
            thresholds: "7, 30\n1, 7".into(),
            notify_on_expiry: Some("on".into()),
            recipient_tag: "Owner".into(),
            global_recipients: "sec@example.com; SEC@example.com".into(),
            accounts: [("prod".to_string(), "ops@example.com".to_string())].into(),
            excluded: [("license-token".to_string(), "on".to_string())].into(),
            time_zone: " Europe/Berlin ".into(),
            webhooks: [("security-chat".to_string(), "on".to_string())].into(),
        }
    }

    #[test]
    fn a_good_form_becomes_sorted_deduplicated_rules() {
        let rules = form()
            .validate(&["prod".into(), "dev".into()], &["security-chat".into()])
            .unwrap();
        assert_eq!(rules.thresholds, vec![30, 7, 1]);
        assert_eq!(rules.global_recipients, vec!["sec@example.com"]);
        assert_eq!(rules.fallback_for("prod"), ["ops@example.com".to_string()]);
        assert!(rules.fallback_for("dev").is_empty());
        assert_eq!(rules.excluded_kinds, vec![ResourceKind::LicenseToken]);
        assert_eq!(rules.time_zone, "Europe/Berlin");
        assert_eq!(rules.webhooks, ["security-chat"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = AlertRulesForm {
            thresholds: "30, soon".into(),
            recipient_tag: "".into(),
            global_recipients: "not an address".into(),
            accounts: [("nowhere".to_string(), "a@example.com".to_string())].into(),
            excluded: [("mfa-device".to_string(), "on".to_string())].into(),
            webhooks: [("removed-chat".to_string(), "on".to_string())].into(),
            ..form()
        };
        let error = bad
            .validate(&["prod".into()], &["security-chat".into()])
            .unwrap_err();
        for field in [
            "thresholds",
            "recipient_tag",
            "global_recipients",
            "accounts[nowhere]",
            "excluded",
            "webhooks",
        ] {
            assert!(error.field(field).is_some(), "{field}: {error:?}");
        }
    }

    #[test]
    fn addresses_are_checked_strictly_enough_for_a_header() {
        assert!(is_email("owner+alerts@team.example.com"));
        for bad in [
            "",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@example.com\r\nBcc: x@y.z",
            "<a@example.com>",
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
    }
}
