//! Handing mail over: SMTP in production ([`smtp`]), `.eml` files in the demo ([`files`]), a
//! recorder in unit tests ([`memory`]). Mailers only send; retrying and recording what happened
//! is [`crate::jobs::deliver`]'s.

pub mod files;
pub mod memory;
pub mod smtp;

use crate::config::Config;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use std::sync::Arc;

pub use crate::delivery::DeliveryError;

/// One mail as it is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// With its angle brackets, e.g. `<outbox-7-20261201T100000000Z@td.example.com>`.
    pub message_id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// When the mail was written (the outbox row's creation), not when this attempt runs: a
    /// resend is the same message.
    pub date: DateTime<Utc>,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Envelope) -> Result<(), DeliveryError>;

    /// Where mail goes, for the Outbox page and the start-up log; never a secret.
    fn describe(&self) -> String;
}

/// SMTP when `[smtp]` is configured; in demo mode without it, files under
/// `<data_dir>/outbox/`; otherwise [`Disabled`], which keeps mail waiting in the outbox.
pub fn from_config(config: &Config) -> Arc<dyn Mailer> {
    if let Some(smtp) = &config.smtp {
        return match smtp::SmtpMailer::new(smtp) {
            Ok(mailer) => Arc::new(mailer),
            Err(error) => {
                tracing::error!(%error, "the SMTP settings cannot be used; mail waits in the outbox");
                Arc::new(Disabled::because(error.sentence()))
            }
        };
    }
    if config.demo {
        return Arc::new(files::FileMailer::new(config.data_dir.join("outbox")));
    }
    Arc::new(Disabled::default())
}

/// The From address: `[smtp] from`, or a local one for the demo's files.
pub fn sender(config: &Config) -> String {
    match &config.smtp {
        Some(smtp) => smtp.from.clone(),
        None => format!("trustdesk <trustdesk@{}>", message_host(config)),
    }
}

/// The right-hand side of Message-IDs: the public URL's host, else the From address's domain,
/// else `localhost`.
pub fn message_host(config: &Config) -> String {
    let from_url = config
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    let from_address = || {
        let smtp = config.smtp.as_ref()?;
        let mailbox: Mailbox = smtp.from.parse().ok()?;
        Some(mailbox.email.domain().to_string())
    };
    from_url
        .or_else(from_address)
        .unwrap_or_else(|| "localhost".to_string())
}

/// The MIME message: multipart/alternative with the text first and the HTML second, so a
/// client shows the richest part it can.
pub(crate) fn build_message(mail: &Envelope) -> Result<lettre::Message, DeliveryError> {
    let from: Mailbox = mail.from.parse().map_err(|_| {
        DeliveryError::permanent(format!(
            "The From address \"{}\" is not an email address.",
            mail.from
        ))
    })?;
    let to: Mailbox = mail.to.parse().map_err(|_| {
        DeliveryError::permanent(format!(
            "The recipient \"{}\" is not an email address.",
            mail.to
        ))
    })?;
    lettre::Message::builder()
        .message_id(Some(mail.message_id.clone()))
        .date(mail.date.into())
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|error| {
            tracing::warn!(%error, message_id = %mail.message_id, "cannot build a mail");
            DeliveryError::permanent(format!("The mail cannot be written: {error}."))
        })
}

/// No SMTP server: every send fails with a sentence that says what to configure, so mail
/// waits in the outbox until it is configured (and fails only after its retry period).
pub struct Disabled {
    reason: String,
}

impl Disabled {
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl Default for Disabled {
    fn default() -> Self {
        Self::because("No SMTP server is configured: set [smtp] in trustdesk.toml.")
    }
}

#[async_trait]
impl Mailer for Disabled {
    async fn send(&self, _mail: &Envelope) -> Result<(), DeliveryError> {
        Err(DeliveryError::temporary(self.reason.clone()))
    }

    fn describe(&self) -> String {
        format!("not sent: {}", self.reason)
    }
}

#[cfg(test)]
pub(crate) fn sample(message_id: &str) -> Envelope {
    use chrono::TimeZone;
    Envelope {
        message_id: message_id.to_string(),
        from: "trustdesk <alerts@example.com>".into(),
        to: "owner@example.com".into(),
        subject: "3 items expire this week".into(),
        text: "Plain: the SAML provider corp expires on 2026-12-08.".into(),
        html: "<p>HTML: the SAML provider <b>corp</b> expires on 2026-12-08.</p>".into(),
        date: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;
    use std::collections::HashMap;

    #[test]
    fn the_message_carries_the_envelope_s_id_date_and_both_parts() {
        let mail = sample("<outbox-7-20261201T100000000Z@td.example.com>");
        let raw = String::from_utf8(build_message(&mail).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <outbox-7-20261201T100000000Z@td.example.com>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        let text_at = raw.find("Content-Type: text/plain").expect("a text part");
        let html_at = raw.find("Content-Type: text/html").expect("an HTML part");
        assert!(text_at < html_at, "the text part first, the richest last");
    }

    #[test]
    fn a_bad_recipient_is_permanent() {
        let mut mail = sample("<a@b>");
        mail.to = "not an address".into();
        let error = build_message(&mail).unwrap_err();
        assert!(error.is_permanent());
        assert!(error.sentence().contains("not an address"), "{error}");
    }

    #[tokio::test]
    async fn without_smtp_mail_waits_with_a_sentence_and_the_demo_writes_files() {
        let plain = Config::load(None, &HashMap::new(), &Overrides::default()).unwrap();
        let error = from_config(&plain)
            .send(&sample("<a@b>"))
            .await
            .unwrap_err();
        assert_eq!(
            error.sentence(),
            "No SMTP server is configured: set [smtp] in trustdesk.toml."
        );
        assert!(!error.is_permanent());
        let demo = Config {
            demo: true,
            ..plain
        };
        assert!(from_config(&demo).describe().contains("outbox"));
    }

    #[test]
    fn message_hosts_come_from_the_public_url_or_the_from_address() {
        let env: HashMap<String, String> = [
            ("TRUSTDESK_SMTP_HOST", "smtp.example.com"),
            ("TRUSTDESK_SMTP_FROM", "trustdesk <alerts@mail.example.org>"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut config = Config::load(None, &env, &Overrides::default()).unwrap();
        assert_eq!(message_host(&config), "mail.example.org");
        config.public_url = Some("https://td.example.com:8443".into());
        assert_eq!(message_host(&config), "td.example.com");
        assert_eq!(sender(&config), "trustdesk <alerts@mail.example.org>");
    }
}
