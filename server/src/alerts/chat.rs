//! A digest as a webhook posts it: a Slack-compatible message (`{"text": …}` in Slack's
//! markup, which Mattermost accepts too), or trustdesk's own JSON document for receivers that
//! act on it (ticketing, a SIEM), one object per item. Neither carries the email's acknowledge
//! and snooze links: they act without signing in, and everyone in a channel or with access to
//! a receiver would hold them; a post links to the item's page instead.

use super::digest::{subject, DigestItem};
use crate::config::WebhookFormat;
use app::model::Urgency;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::json;

/// The posted body and the subject the Outbox page shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub subject: String,
    pub body: String,
}

/// Items a chat message lists at most: a channel reads a few lines, not a report (and Slack
/// cuts a message's text at 40,000 characters). The rest are counted, with a link to the console.
pub const CHAT_ITEMS: usize = 25;

/// Items a signed JSON post carries at most: the alert run splits a larger digest into several
/// posts (the first run after a webhook is chosen may have thousands of items due), each with its
/// own delivery id, so no post grows past what a receiver accepts.
pub const JSON_ITEMS: usize = 500;

/// `console` is the address of trustdesk's overview, which a long chat message links to.
pub fn compose(
    format: WebhookFormat,
    items: &[DigestItem],
    now: DateTime<Utc>,
    zone: Tz,
    console: &str,
) -> Post {
    let subject = subject(items, now);
    let body = match format {
        WebhookFormat::Slack => slack(&subject, items, now, zone, console),
        WebhookFormat::Json => document(&subject, items, now),
    };
    Post { subject, body }
}

/// A test post, from the Alerts page's "Send a test".
pub fn test(format: WebhookFormat, by: &str, now: DateTime<Utc>) -> Post {
    let subject = "[trustdesk] Test notice".to_string();
    let sentence = format!(
        "This is a test from trustdesk, sent by {} from the Alerts page. Expiry notices will arrive here the same way.",
        one_line(by)
    );
    let body = match format {
        WebhookFormat::Slack => json!({ "text": escape(&sentence) }),
        WebhookFormat::Json => json!({
            "event": "test",
            "subject": subject,
            "text": sentence,
            "sent_at": now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "items": [],
        }),
    };
    Post {
        subject,
        body: body.to_string(),
    }
}

fn slack(
    subject: &str,
    items: &[DigestItem],
    now: DateTime<Utc>,
    zone: Tz,
    console: &str,
) -> String {
    let mut text = format!("*{}*", escape(subject));
    let mut listed = 0;
    for urgency in Urgency::ALL {
        let group: Vec<&DigestItem> = items
            .iter()
            .filter(|i| Urgency::of_seconds((i.expires_at - now).num_seconds()) == urgency)
            .collect();
        if group.is_empty() || listed == CHAT_ITEMS {
            continue;
        }
        text.push_str(&format!("\n*{} ({})*", urgency.label(), group.len()));
        let room = CHAT_ITEMS - listed;
        listed += group.len().min(room);
        for item in group.into_iter().take(room) {
            let local = item
                .expires_at
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z");
            text.push_str(&format!(
                "\n• {} <{}|{}> in {}/{}: {local} ({})",
                item.kind.singular(),
                link(&item.link),
                escape(&one_line(&item.name)),
                escape(&item.account),
                escape(&item.region),
                super::digest::days_phrase((item.expires_at - now).num_seconds()),
            ));
        }
    }
    if items.len() > listed {
        text.push_str(&format!(
            "\n…and {} more: <{}|open trustdesk>",
            items.len() - listed,
            link(console)
        ));
    }
    json!({ "text": text }).to_string()
}

fn document(subject: &str, items: &[DigestItem], now: DateTime<Utc>) -> String {
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let seconds = (item.expires_at - now).num_seconds();
            json!({
                "kind": item.kind.as_str(),
                "kind_name": item.kind.singular(),
                "id": item.id,
                "name": item.name,
                "account": item.account,
                "region": item.region,
                "expires_at": item.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                "expired": seconds <= 0,
                "days_left": seconds.div_euclid(86_400),
                "link": item.link,
            })
        })
        .collect();
    json!({
        "event": "expiry_notice",
        "subject": subject,
        "sent_at": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "items": items,
    })
    .to_string()
}

/// A name or account as written, never as markup: Slack's `&`, `<` and `>` escaped, and a
/// zero-width space breaking what Mattermost's and Teams' Markdown would act on (`@channel`
/// and `@all` mentions, `[text](link)` links, `![](image)` images), since anyone who can name
/// an item in a managed account writes these.
fn escape(text: &str) -> String {
    const BREAK: &str = "\u{200B}";
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', &format!("@{BREAK}"))
        .replace("](", &format!("]{BREAK}("))
        .replace("![", &format!("!{BREAK}["))
}

/// A URL inside `<…|…>`: trustdesk's own links, whose only special character could be `|`.
fn link(url: &str) -> String {
    escape(url).replace('|', "%7C")
}

fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::ResourceKind;

    fn item(name: &str, days: i64, now: DateTime<Utc>) -> DigestItem {
        DigestItem {
            kind: ResourceKind::ServerCertificate,
            id: "ASCA1".into(),
            name: name.into(),
            account: "prod".into(),
            region: "global".into(),
            expires_at: now + chrono::Duration::days(days) - chrono::Duration::hours(1),
            link: "https://td.example.com/resources/server-certificate/prod/global/ASCA1".into(),
            acknowledge_link: "https://td.example.com/alerts/link?token=a".into(),
            snooze_link: "https://td.example.com/alerts/link?token=s".into(),
        }
    }

    #[test]
    fn a_slack_message_groups_items_and_escapes_names() {
        let now = "2026-12-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let post = compose(
            WebhookFormat::Slack,
            &[item("<!channel> & co", 2, now), item("later", 20, now)],
            now,
            chrono_tz::UTC,
            "https://td.example.com/",
        );
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with("*[trustdesk] 2 items expire within 20 days: prod*"),
            "{text}"
        );
        assert!(text.find("≤ 7 days (1)").unwrap() < text.find("8–30 days (1)").unwrap());
        assert!(
            text.contains("|&lt;!channel&gt; &amp; co>"),
            "a name cannot mention the channel: {text}"
        );
        assert!(
            !text.contains("alerts/link"),
            "no acknowledge or snooze link: {text}"
        );
        assert!(text.contains("2026-12-03 11:00 UTC (in 2 days)"), "{text}");
        assert!(!text.contains("more:"), "{text}");
    }

    #[test]
    fn names_cannot_mention_link_or_embed_in_markdown_chats() {
        let now = "2026-12-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let post = compose(
            WebhookFormat::Slack,
            &[item(
                "@channel [renew](https://evil.example) ![x](https://t.example/p)",
                2,
                now,
            )],
            now,
            chrono_tz::UTC,
            "https://td.example.com/",
        );
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        let text = body["text"].as_str().unwrap();
        for markup in ["@channel", "](https://evil", "![x]"] {
            assert!(!text.contains(markup), "{markup} in {text}");
        }
    }

    #[test]
    fn a_long_chat_message_lists_the_most_urgent_and_counts_the_rest() {
        let now = "2026-12-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut items: Vec<DigestItem> = (0..30)
            .map(|n| item(&format!("later-{n}"), 20, now))
            .collect();
        items.push(item("expired", -1, now));
        let post = compose(
            WebhookFormat::Slack,
            &items,
            now,
            chrono_tz::UTC,
            "https://td.example.com/",
        );
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        let text = body["text"].as_str().unwrap();
        assert_eq!(text.matches("\n• ").count(), CHAT_ITEMS);
        assert!(text.contains("|expired>"), "the most urgent first: {text}");
        assert!(
            text.contains("*8–30 days (30)*"),
            "a group's own count: {text}"
        );
        assert!(
            text.ends_with("…and 6 more: <https://td.example.com/|open trustdesk>"),
            "{text}"
        );
        let json = compose(
            WebhookFormat::Json,
            &items,
            now,
            chrono_tz::UTC,
            "https://td.example.com/",
        );
        let document: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(
            document["items"].as_array().unwrap().len(),
            31,
            "a receiver gets every item"
        );
    }

    #[test]
    fn the_json_document_has_one_object_per_item() {
        let now = "2026-12-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let post = compose(
            WebhookFormat::Json,
            &[item("api", -2, now)],
            now,
            chrono_tz::UTC,
            "https://td.example.com/",
        );
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        assert_eq!(body["event"], "expiry_notice");
        assert_eq!(body["subject"], post.subject);
        let first = &body["items"][0];
        assert_eq!(first["kind"], "server-certificate");
        assert_eq!(first["id"], "ASCA1");
        assert_eq!(first["expires_at"], "2026-11-29T11:00:00Z");
        assert!(first.get("acknowledge_link").is_none());
        assert_eq!(
            (first["expired"].as_bool(), first["days_left"].as_i64()),
            (Some(true), Some(-3))
        );
    }
}
