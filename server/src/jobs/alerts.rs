//! cache → outbox: which items crossed a threshold for whom, once, ever. A run decides and
//! writes everything in one write transaction (the notices and the outbox rows together), so
//! overlapping runs, in one process or two, wait for each other and never send a notice twice;
//! a crash before the commit leaves nothing, after it leaves mail the sender delivers.

use std::collections::BTreeMap;

use app::model::alerts::{is_email, AlertRules};
use app::model::Tag;
use chrono::{DateTime, Utc};

use super::JobContext;
use crate::alerts::digest::{self, DigestItem};
use crate::alerts::link::{LinkClaims, LINK_LIFETIME};
use crate::alerts::{chat, WEBHOOK_RECIPIENT};
use crate::config::WebhookFormat;
use crate::store::{self, alerts::Due, outbox::NewMail};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertReport {
    /// Digests queued, one per recipient (an address or a webhook) with something due.
    pub digests: usize,
    /// Item notices they carry.
    pub notices: usize,
}

/// The thresholds (days; 0 is "on expiry") an expiry `seconds_left` away has crossed.
fn crossed(rules: &AlertRules, seconds_left: i64) -> Vec<i64> {
    let mut crossed: Vec<i64> = rules
        .thresholds
        .iter()
        .map(|days| i64::from(*days))
        .filter(|days| seconds_left <= days * 86_400)
        .collect();
    if rules.notify_on_expiry && seconds_left <= 0 {
        crossed.push(0);
    }
    crossed
}

/// Who is told about an item: its owner (the rule's tag, when it holds an address) or else the
/// account's fallback list, and the global list; lower-cased, each once. The tag is looked for
/// as spelled first: AWS keeps `Owner` and `owner` apart on the kinds trustdesk manages, so an
/// item may carry both; a tag in another case still names an owner when the exact one is absent.
fn recipients(rules: &AlertRules, item: &Due) -> Vec<String> {
    let tags: Vec<Tag> = serde_json::from_str(&item.tags).unwrap_or_default();
    let owner = tags
        .iter()
        .find(|t| t.key == rules.recipient_tag)
        .or_else(|| {
            tags.iter()
                .find(|t| t.key.eq_ignore_ascii_case(&rules.recipient_tag))
        })
        .map(|t| t.value.trim().to_string())
        .filter(|v| is_email(v));
    let mut all: Vec<String> = match owner {
        Some(owner) => vec![owner],
        None => rules.fallback_for(&item.account).to_vec(),
    };
    all.extend(rules.global_recipients.iter().cloned());
    let mut all: Vec<String> = all.into_iter().map(|a| a.to_lowercase()).collect();
    all.sort();
    all.dedup();
    all
}

/// One alert run as of `now`.
pub async fn run(jobs: &JobContext, now: DateTime<Utc>) -> Result<AlertReport, sqlx::Error> {
    let rules = store::alerts::rules(jobs.db.pool()).await?;
    let alerting = &jobs.alerting;
    let zone: chrono_tz::Tz = rules.time_zone.parse().unwrap_or(alerting.time_zone);
    let furthest = rules.thresholds.iter().copied().max().unwrap_or(0);
    let now_at = crate::time::timestamp(now);
    let horizon = crate::time::timestamp(
        now + chrono::Duration::days(i64::from(furthest)) + chrono::Duration::seconds(1),
    );

    // The webhooks the rules send to, as recipients of their own: each gets every notice once.
    let (configured, missing): (Vec<&String>, Vec<&String>) = rules
        .webhooks
        .iter()
        .partition(|name| alerting.webhooks.get(name).is_some());
    if !missing.is_empty() {
        tracing::warn!(webhooks = ?missing, "the alert rules name webhooks that are not configured; they get no notices until added back");
    }
    let chats: Vec<String> = configured
        .into_iter()
        .map(|name| format!("{WEBHOOK_RECIPIENT}{name}"))
        .collect();

    let mut tx = jobs.db.begin_write().await?;
    let due = store::alerts::due(&mut tx, &now_at, &horizon).await?;
    // recipient → (item, its most urgent crossed threshold, all it crossed)
    let mut digests: BTreeMap<String, Vec<(Due, Vec<i64>)>> = BTreeMap::new();
    for item in due {
        let Some(reference) = item.item() else {
            continue;
        };
        if rules.excluded_kinds.contains(&reference.kind) {
            continue;
        }
        let Ok(expires_at) = DateTime::parse_from_rfc3339(&item.expires_at) else {
            continue;
        };
        let thresholds = crossed(&rules, (expires_at.with_timezone(&Utc) - now).num_seconds());
        let Some(current) = thresholds.iter().copied().min() else {
            continue;
        };
        for recipient in recipients(&rules, &item)
            .into_iter()
            .chain(chats.iter().cloned())
        {
            if store::alerts::noticed(&mut tx, &item, &recipient)
                .await?
                .contains(&current)
            {
                continue;
            }
            digests
                .entry(recipient)
                .or_default()
                .push((item.clone(), thresholds.clone()));
        }
    }
    let mut report = AlertReport::default();
    let base = alerting.public_url().to_string();
    // `now` is the clock expiries are measured by (the emulator's in the demo); the mail itself
    // is written, sent and its links expire in real time.
    let written = store::now();
    let links_valid_until = (Utc::now() + LINK_LIFETIME).timestamp();
    for (recipient, all_items) in &digests {
        let webhook = recipient
            .strip_prefix(WEBHOOK_RECIPIENT)
            .and_then(|name| alerting.webhooks.get(name));
        // A signed JSON receiver gets its items in posts of at most `JSON_ITEMS`; a mail and a
        // chat message carry all of them (a chat message lists the most urgent).
        let per_post = match webhook {
            Some(hook) if hook.format == WebhookFormat::Json => chat::JSON_ITEMS,
            _ => all_items.len().max(1),
        };
        for items in all_items.chunks(per_post) {
            let entries: Vec<DigestItem> = items
                .iter()
                .filter_map(|(item, _)| {
                    let reference = item.item()?;
                    let expires_at = DateTime::parse_from_rfc3339(&item.expires_at)
                        .ok()?
                        .with_timezone(&Utc);
                    let link = |action: &str| {
                        let claims = LinkClaims {
                            action: action.into(),
                            kind: item.kind.clone(),
                            account: item.account.clone(),
                            region: item.region.clone(),
                            id: item.id.clone(),
                            expires_at: item.expires_at.clone(),
                            recipient: recipient.clone(),
                            valid_until: links_valid_until,
                            nonce: crate::csrf::random_token(),
                        };
                        format!(
                            "{base}/alerts/link?token={}",
                            alerting.link_key.sign(&claims)
                        )
                    };
                    Some(DigestItem {
                        kind: reference.kind,
                        id: item.id.clone(),
                        name: item.name.clone(),
                        account: item.account.clone(),
                        region: item.region.clone(),
                        expires_at,
                        link: format!("{base}{}", reference.detail_path()),
                        // Links that act without signing in go to their one recipient, never to
                        // a channel or a receiver (alerts::chat leaves them out).
                        acknowledge_link: if webhook.is_some() {
                            String::new()
                        } else {
                            link("ack")
                        },
                        snooze_link: if webhook.is_some() {
                            String::new()
                        } else {
                            link("snooze")
                        },
                    })
                })
                .collect();
            let outbox_id = match webhook {
                Some(hook) => {
                    let post = chat::compose(hook.format, &entries, now, zone, &format!("{base}/"));
                    store::outbox::enqueue_post(
                        &mut tx,
                        &hook.name,
                        &post.subject,
                        &post.body,
                        &alerting.message_host,
                        &written,
                    )
                    .await?
                }
                None => {
                    let composed = digest::compose(&entries, now, zone);
                    store::outbox::enqueue(
                        &mut tx,
                        &NewMail {
                            recipient: recipient.clone(),
                            subject: composed.subject,
                            text: composed.text,
                            html: composed.html,
                        },
                        &alerting.message_host,
                        &written,
                    )
                    .await?
                }
            };
            for (item, thresholds) in items {
                // The less urgent thresholds it crossed at once are spent too: a 30-day notice
                // never follows the 7-day one.
                for threshold in thresholds {
                    store::alerts::record_notice(
                        &mut tx, item, *threshold, recipient, outbox_id, &now_at,
                    )
                    .await?;
                }
            }
        }
        report.digests += 1;
        report.notices += all_items.len();
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(tags: &str) -> Due {
        Due {
            kind: "saml-provider".into(),
            account: "prod".into(),
            region: "global".into(),
            id: "Okta".into(),
            name: "Okta".into(),
            expires_at: "2026-12-10T00:00:00.000Z".into(),
            tags: tags.into(),
        }
    }

    #[test]
    fn crossing_thresholds_counts_down_to_the_notice_on_expiry() {
        let rules = AlertRules::default();
        const DAY: i64 = 86_400;
        assert!(crossed(&rules, 31 * DAY).is_empty());
        assert_eq!(crossed(&rules, 30 * DAY), vec![30]);
        assert_eq!(crossed(&rules, 5 * DAY), vec![30, 14, 7]);
        assert_eq!(crossed(&rules, -1), vec![30, 14, 7, 3, 1, 0]);
        let quiet = AlertRules {
            notify_on_expiry: false,
            ..AlertRules::default()
        };
        assert_eq!(crossed(&quiet, -1), vec![30, 14, 7, 3, 1]);
    }

    #[test]
    fn the_owner_tag_wins_over_the_account_fallback_and_the_global_list_is_copied() {
        let rules = AlertRules {
            global_recipients: vec!["sec@example.com".into()],
            account_recipients: vec![app::model::alerts::AccountRecipients {
                account: "prod".into(),
                recipients: vec!["ops@example.com".into()],
            }],
            ..AlertRules::default()
        };
        assert_eq!(
            recipients(
                &rules,
                &due(r#"[{"key":"owner","value":"Alice@Example.com"}]"#)
            ),
            vec!["alice@example.com", "sec@example.com"]
        );
        assert_eq!(
            recipients(
                &rules,
                &due(r#"[{"key":"Owner","value":"not an address"}]"#)
            ),
            vec!["ops@example.com", "sec@example.com"]
        );
        // Both spellings on one item (two keys in IAM): the rule's own spelling names the owner.
        let rules = AlertRules {
            recipient_tag: "Owner".into(),
            ..AlertRules::default()
        };
        assert_eq!(
            recipients(
                &rules,
                &due(
                    r#"[{"key":"owner","value":"old@example.com"},{"key":"Owner","value":"new@example.com"}]"#
                )
            ),
            vec!["new@example.com"]
        );
    }
}
