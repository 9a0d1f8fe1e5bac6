//! The demo's chat channel: a Slack-compatible incoming webhook (`POST /_emulator/chat/{channel}`
//! with `{"text": …}`) that keeps the newest messages, and a page showing them
//! (`GET /_emulator/chat`, or `/_emulator/chat.json`). trustdesk's demo posts its expiry notices
//! here, so a demo shows chat alerts without a Slack workspace, as it shows email as `.eml` files.

use std::collections::VecDeque;

use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

/// Messages kept, the oldest dropped first.
pub const KEPT: usize = 200;
/// The largest message accepted (Slack's own limit is near 40,000 characters of text).
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct ChatMessage {
    pub channel: String,
    pub received_at: String,
    pub text: String,
}

#[derive(Default)]
pub struct Channel {
    messages: VecDeque<ChatMessage>,
}

impl Channel {
    /// A post to `channel`: its `text`, as Slack reads it.
    pub fn receive(&mut self, channel: &str, body: &[u8]) -> Response {
        let valid_channel = (1..=64).contains(&channel.len())
            && channel
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid_channel {
            return (StatusCode::NOT_FOUND, "no_service").into_response();
        }
        if body.len() > MAX_BODY {
            return (StatusCode::PAYLOAD_TOO_LARGE, "msg_too_long").into_response();
        }
        let text = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|json| {
                json.get("text")
                    .and_then(|t| t.as_str())
                    .map(str::to_string)
            });
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return (StatusCode::BAD_REQUEST, "no_text").into_response();
        };
        if self.messages.len() == KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back(ChatMessage {
            channel: channel.to_string(),
            received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text,
        });
        (StatusCode::OK, "ok").into_response()
    }

    pub fn messages(&self) -> Vec<ChatMessage> {
        self.messages.iter().rev().cloned().collect()
    }

    /// The messages, newest first, their markup shown as Slack shows it.
    pub fn page(&self) -> Response {
        let mut html = String::from(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Demo chat</title>\
             <style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#0f172a}\
             article{border:1px solid #cbd5e1;border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}\
             header{font-size:.8rem;color:#475569;margin-bottom:.25rem}p{margin:.2rem 0;white-space:pre-wrap}a{color:#4338ca}</style></head>\
             <body><main><h1>Demo chat</h1><p>What trustdesk's demo posted to its Slack-compatible webhook, newest first.</p>",
        );
        if self.messages.is_empty() {
            html.push_str("<p id=\"empty\">No messages yet.</p>");
        }
        for message in self.messages.iter().rev() {
            html.push_str(&format!(
                "<article data-channel=\"{}\"><header>#{} · {}</header>",
                escape(&message.channel),
                escape(&message.channel),
                escape(&message.received_at)
            ));
            for line in message.text.lines() {
                html.push_str(&format!("<p>{}</p>", render(line)));
            }
            html.push_str("</article>");
        }
        html.push_str("</main></body></html>");
        Html(html).into_response()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line of Slack markup as HTML: `<url|label>` links (http and https only) and `*bold*`;
/// Slack's own escapes (`&amp;`, `&lt;`, `&gt;`) are kept as the entities they are.
fn render(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('<') {
        out.push_str(&bold(&rest[..start]));
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            out.push_str(&bold(&escape(&rest[start..])));
            rest = "";
            break;
        };
        let (url, label) = after[..end]
            .split_once('|')
            .unwrap_or((&after[..end], &after[..end]));
        if url.starts_with("https://") || url.starts_with("http://") {
            // The label is Slack-escaped text (its `&` already entities); a poster that sends a
            // raw `<` in it gets it shown, not parsed.
            out.push_str(&format!(
                "<a href=\"{}\">{}</a>",
                url.replace('"', "%22"),
                label.replace('<', "&lt;")
            ));
        } else {
            out.push_str(&escape(&after[..end]));
        }
        rest = &after[end + 1..];
    }
    out.push_str(&bold(rest));
    out
}

/// `*text*` as bold; the text is already escaped by Slack's rules (no raw `<`).
fn bold(text: &str) -> String {
    let parts: Vec<&str> = text.split('*').collect();
    if parts.len() < 3 {
        return text.replace('"', "&quot;");
    }
    let mut out = String::new();
    for (index, part) in parts.iter().enumerate() {
        let open = index % 2 == 1 && index + 1 < parts.len();
        if open {
            out.push_str(&format!("<strong>{part}</strong>"));
        } else {
            if index % 2 == 1 {
                out.push('*');
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_becomes_links_and_bold_without_raw_html() {
        assert_eq!(
            render("*[trustdesk] 1 item* • <https://td/x|api &amp; co> · <javascript:alert(1)|x>"),
            "<strong>[trustdesk] 1 item</strong> • <a href=\"https://td/x\">api &amp; co</a> · javascript:alert(1)|x"
        );
    }

    #[test]
    fn a_raw_tag_in_a_label_is_shown_not_parsed() {
        assert_eq!(
            render("<https://x|<script>alert(1)>"),
            "<a href=\"https://x\">&lt;script</a>alert(1)>"
        );
    }

    #[test]
    fn posts_are_kept_newest_first_and_bad_ones_refused() {
        let mut channel = Channel::default();
        assert_eq!(
            channel.receive("demo-chat", br#"{"text":"one"}"#).status(),
            StatusCode::OK
        );
        assert_eq!(
            channel.receive("demo-chat", br#"{"text":"two"}"#).status(),
            StatusCode::OK
        );
        assert_eq!(
            channel.receive("demo-chat", b"{}").status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            channel.receive("a/b", br#"{"text":"x"}"#).status(),
            StatusCode::NOT_FOUND
        );
        let texts: Vec<String> = channel.messages().into_iter().map(|m| m.text).collect();
        assert_eq!(texts, ["two", "one"]);
        for n in 0..KEPT {
            channel.receive("demo-chat", format!(r#"{{"text":"{n}"}}"#).as_bytes());
        }
        assert_eq!(channel.messages().len(), KEPT);
    }
}
