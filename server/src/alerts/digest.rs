//! One recipient's digest of a run: every item due for them, grouped by urgency, as plain text
//! and HTML, with a subject that says how many and how soon.

use app::model::{ResourceKind, Urgency};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// One item of a digest, with its links already made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    pub kind: ResourceKind,
    pub id: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub expires_at: DateTime<Utc>,
    pub link: String,
    pub acknowledge_link: String,
    pub snooze_link: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub(super) fn days_phrase(seconds: i64) -> String {
    const DAY: i64 = 86_400;
    if seconds < 0 {
        let days = ((-seconds) + DAY - 1) / DAY;
        format!("expired {} ago", plural(days.max(1), "day"))
    } else {
        let days = (seconds + DAY - 1) / DAY;
        match days {
            0 => "expires today".into(),
            _ => format!("in {}", plural(days, "day")),
        }
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A name as it may appear on one line of a header or of the text part.
fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The subject: "[trustdesk] 3 items expire within 7 days: prod", "[trustdesk] 1 item has
/// expired: dev", or both counts when both happen.
pub(super) fn subject(items: &[DigestItem], now: DateTime<Utc>) -> String {
    let expired = items.iter().filter(|i| i.expires_at <= now).count();
    let upcoming: Vec<&DigestItem> = items.iter().filter(|i| i.expires_at > now).collect();
    let mut accounts: Vec<&str> = items.iter().map(|i| i.account.as_str()).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let within = upcoming
        .iter()
        .map(|i| ((i.expires_at - now).num_seconds() + 86_399) / 86_400)
        .max()
        .unwrap_or(0)
        .max(1);
    let count = |n: usize| plural(n as i64, "item");
    let what = match (expired, upcoming.len()) {
        (0, n) => format!(
            "{} {} within {}",
            count(n),
            if n == 1 { "expires" } else { "expire" },
            plural(within, "day")
        ),
        (n, 0) => format!(
            "{} {} expired",
            count(n),
            if n == 1 { "has" } else { "have" }
        ),
        (e, n) => format!(
            "{} expired, {} {} within {}",
            count(e),
            n,
            if n == 1 { "expires" } else { "expire" },
            plural(within, "day")
        ),
    };
    format!("[trustdesk] {what}: {}", accounts.join(", "))
}

pub fn compose(items: &[DigestItem], now: DateTime<Utc>, zone: Tz) -> Digest {
    let mut text = String::from(
        "trustdesk found AWS trust artifacts that expire soon. Renew or replace them, then\nacknowledge them (no further notices until the expiry changes) or snooze them.\n",
    );
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><p>trustdesk found AWS trust artifacts that expire soon. Renew or replace them, then <em>acknowledge</em> them (no further notices until the expiry changes) or <em>snooze</em> them.</p>",
    );
    for urgency in Urgency::ALL {
        let group: Vec<&DigestItem> = items
            .iter()
            .filter(|i| Urgency::of_seconds((i.expires_at - now).num_seconds()) == urgency)
            .collect();
        if group.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{} ({})\n", urgency.label(), group.len()));
        html.push_str(&format!(
            "<h2 style=\"font-size:16px;color:{}\">{} ({})</h2><ul>",
            urgency.fill(),
            escape(urgency.label()),
            group.len()
        ));
        for item in group {
            let local = item
                .expires_at
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z");
            let when = days_phrase((item.expires_at - now).num_seconds());
            text.push_str(&format!(
                "- {} {} in {}/{}: {local} ({when})\n  Open: {}\n  Acknowledge: {}\n  Snooze: {}\n",
                item.kind.singular(),
                one_line(&item.name),
                item.account,
                item.region,
                item.link,
                item.acknowledge_link,
                item.snooze_link
            ));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a> ({}, {}/{}): {local} <strong>{when}</strong><br><a href=\"{}\">Acknowledge</a> · <a href=\"{}\">Snooze</a></li>",
                escape(&item.link),
                escape(&item.name),
                escape(item.kind.singular()),
                escape(&item.account),
                escape(&item.region),
                escape(&item.acknowledge_link),
                escape(&item.snooze_link)
            ));
        }
        html.push_str("</ul>");
    }
    text.push_str(&format!(
        "\nDates are in {}. Sent by trustdesk.\n",
        zone.name()
    ));
    html.push_str(&format!(
        "<p style=\"color:#64748b;font-size:12px\">Dates are in {}. Sent by trustdesk.</p></body></html>",
        escape(zone.name())
    ));
    Digest {
        subject: subject(items, now),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, account: &str, days: i64, now: DateTime<Utc>) -> DigestItem {
        DigestItem {
            kind: ResourceKind::ServerCertificate,
            id: name.into(),
            name: name.into(),
            account: account.into(),
            region: "global".into(),
            expires_at: now + chrono::Duration::days(days) - chrono::Duration::hours(1),
            link: format!(
                "https://td.example.com/resources/server-certificate/{account}/global/{name}"
            ),
            acknowledge_link: "https://td.example.com/alerts/link?token=a".into(),
            snooze_link: "https://td.example.com/alerts/link?token=s".into(),
        }
    }

    #[test]
    fn the_subject_says_how_many_and_how_soon() {
        let now = Utc::now();
        let items = [
            item("a", "prod", 3, now),
            item("b", "prod", 7, now),
            item("c", "prod", 1, now),
        ];
        assert_eq!(
            subject(&items, now),
            "[trustdesk] 3 items expire within 7 days: prod"
        );
        let mixed = [item("a", "prod", -2, now), item("b", "dev", 7, now)];
        assert_eq!(
            subject(&mixed, now),
            "[trustdesk] 1 item expired, 1 expires within 7 days: dev, prod"
        );
        assert_eq!(
            subject(&[item("a", "dev", -1, now)], now),
            "[trustdesk] 1 item has expired: dev"
        );
    }

    #[test]
    fn items_are_grouped_by_urgency_in_the_recipients_zone_and_names_are_escaped() {
        let now = "2026-12-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let items = [
            item("<script>", "prod", 20, now),
            item("soon", "prod", 2, now),
        ];
        let digest = compose(&items, now, chrono_tz::Europe::Berlin);
        let week = digest.text.find("≤ 7 days (1)").unwrap();
        let month = digest.text.find("8–30 days (1)").unwrap();
        assert!(week < month, "the most urgent first");
        assert!(
            digest.text.contains("2026-12-03 12:00 CET (in 2 days)"),
            "{}",
            digest.text
        );
        assert!(digest.html.contains("&lt;script&gt;") && !digest.html.contains("<script>"));
        assert!(digest
            .text
            .contains("Acknowledge: https://td.example.com/alerts/link?token=a"));
    }
}
