//! Expiry alerts: what a run needs (mail delivery, webhooks, the signing key, the zone and
//! address emails use), the digest's content (as mail, and as chat or JSON posts), and the
//! emailed links.

pub mod chat;
pub mod digest;
pub mod link;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::jobs::deliver::RetryPolicy;
use crate::mail::Mailer;
use crate::webhooks::Webhooks;

/// How the notices to a webhook are recorded (`alert_notices.recipient`) and how its links name
/// whom they were sent to: `webhook:` and its name, which no email address can be (it has no @).
pub const WEBHOOK_RECIPIENT: &str = "webhook:";

/// Built once from the configuration; the public URL is known once the server is bound.
pub struct Alerting {
    pub mailer: Arc<dyn Mailer>,
    pub from: String,
    /// `[[webhooks]]`: where notices go besides email, as the alert rules choose.
    pub webhooks: Webhooks,
    pub message_host: String,
    pub retry: RetryPolicy,
    pub time_zone: chrono_tz::Tz,
    pub link_key: link::LinkKey,
    /// Where the demo's mailer writes `.eml` files.
    pub folder: Option<PathBuf>,
    /// The page of the demo's chat channel (the emulator's), when the demo posts there.
    pub demo_chat_page: Option<String>,
    public_url: OnceLock<String>,
}

impl Alerting {
    pub fn from_config(config: &Config) -> std::io::Result<Self> {
        Ok(Self {
            mailer: crate::mail::from_config(config),
            from: crate::mail::sender(config),
            webhooks: Webhooks::new(config.webhooks.clone()),
            message_host: crate::mail::message_host(config),
            retry: RetryPolicy::new(config.mail_retry_period),
            time_zone: config.time_zone,
            link_key: link::LinkKey::load_or_create(&config.data_dir)?,
            folder: (config.demo && config.smtp.is_none()).then(|| config.data_dir.join("outbox")),
            demo_chat_page: None,
            public_url: OnceLock::new(),
        })
    }

    /// No mail and a key of its own: for a console built without configuration (tests of one
    /// part).
    pub fn disabled() -> Self {
        Self {
            mailer: Arc::new(crate::mail::Disabled::default()),
            from: "trustdesk <trustdesk@localhost>".into(),
            webhooks: Webhooks::none(),
            message_host: "localhost".into(),
            retry: RetryPolicy::new(std::time::Duration::from_secs(24 * 3600)),
            time_zone: chrono_tz::UTC,
            link_key: link::LinkKey::random(),
            folder: None,
            demo_chat_page: None,
            public_url: OnceLock::new(),
        }
    }

    pub fn set_public_url(&self, url: &str) {
        let _ = self.public_url.set(url.trim_end_matches('/').to_string());
    }

    /// What hands the outbox's rows over.
    pub fn couriers(&self) -> crate::jobs::deliver::Couriers<'_> {
        crate::jobs::deliver::Couriers {
            mailer: self.mailer.as_ref(),
            from: &self.from,
            webhooks: &self.webhooks,
        }
    }

    /// The address links in emails start with.
    pub fn public_url(&self) -> &str {
        self.public_url
            .get()
            .map(String::as_str)
            .unwrap_or("http://localhost:3000")
    }
}
