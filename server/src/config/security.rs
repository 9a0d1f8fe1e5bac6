//! The settings of trustdesk's own defences: which proxies' `X-Forwarded-For` to believe, how
//! long sign-in waits, how refused sign-ins are folded in the audit trail, how often users may
//! have AWS read, and how long a client may take to send a request.

use super::{duration, env_list, err, ip_blocks, whole_number, ConfigError, Names};
use crate::{aws_reads::AwsReadSettings, client_addr::TrustedProxies};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySettings {
    pub trusted_proxies: TrustedProxies,
    /// The first wait of sign-in and setup throttling, once the free failures are spent.
    pub sign_in_delay: Duration,
    /// Refused sign-ins of one kind (account, address, reason) within this share an audit row.
    pub audit_repeat_window: Duration,
    pub aws_reads: AwsReadSettings,
    /// How long a client may take to send a request's line and headers.
    pub request_head_timeout: Duration,
    /// How long a client may take to send a request's body once its headers are in.
    pub request_body_timeout: Duration,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            sign_in_delay: crate::auth::FIRST_DELAY,
            audit_repeat_window: Duration::from_secs(60),
            aws_reads: AwsReadSettings::default(),
            request_head_timeout: Duration::from_secs(15),
            request_body_timeout: Duration::from_secs(60),
        }
    }
}

/// A whole number, written as one in `trustdesk.toml` or as text (an environment variable).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Count {
    Number(i64),
    Text(String),
}

/// The keys of one layer (the file, or the environment).
#[derive(Debug, Default)]
pub(super) struct SecurityLayer {
    pub trusted_proxies: Option<Vec<String>>,
    pub sign_in_delay: Option<String>,
    pub audit_repeat_window: Option<String>,
    pub aws_reads_per_minute: Option<Count>,
    pub viewer_refresh_interval: Option<String>,
    pub request_head_timeout: Option<String>,
    pub request_body_timeout: Option<String>,
}

impl SecurityLayer {
    pub fn from_env(env: &std::collections::HashMap<String, String>) -> Self {
        Self {
            trusted_proxies: env_list(env, "TRUSTDESK_TRUSTED_PROXIES"),
            sign_in_delay: env.get("TRUSTDESK_SIGN_IN_DELAY").cloned(),
            audit_repeat_window: env.get("TRUSTDESK_AUDIT_REPEAT_WINDOW").cloned(),
            aws_reads_per_minute: env
                .get("TRUSTDESK_AWS_READS_PER_MINUTE")
                .cloned()
                .map(Count::Text),
            viewer_refresh_interval: env.get("TRUSTDESK_VIEWER_REFRESH_INTERVAL").cloned(),
            request_head_timeout: env.get("TRUSTDESK_REQUEST_HEAD_TIMEOUT").cloned(),
            request_body_timeout: env.get("TRUSTDESK_REQUEST_BODY_TIMEOUT").cloned(),
        }
    }
}

impl SecuritySettings {
    pub(super) fn apply(&mut self, layer: SecurityLayer, name: Names) -> Result<(), ConfigError> {
        if let Some(list) = layer.trusted_proxies {
            let blocks = ip_blocks(&list, "trusted_proxies", name)?;
            self.trusted_proxies = TrustedProxies::new(blocks);
        }
        if let Some(value) = layer.sign_in_delay {
            let delay = duration(&value, "sign_in_delay", Duration::from_millis(100), name)?;
            if delay > Duration::from_secs(3600) {
                return Err(err(name("sign_in_delay"), "must be at most 1h"));
            }
            self.sign_in_delay = delay;
        }
        if let Some(value) = layer.audit_repeat_window {
            self.audit_repeat_window =
                duration(&value, "audit_repeat_window", Duration::from_secs(1), name)?;
        }
        if let Some(value) = layer.aws_reads_per_minute {
            let text = match value {
                Count::Number(n) => n.to_string(),
                Count::Text(text) => text,
            };
            self.aws_reads.per_minute =
                whole_number(&text, 1..=10_000, "aws_reads_per_minute", name)?;
        }
        if let Some(value) = layer.viewer_refresh_interval {
            self.aws_reads.viewer_refresh_interval =
                duration(&value, "viewer_refresh_interval", Duration::ZERO, name)?;
        }
        if let Some(value) = layer.request_head_timeout {
            self.request_head_timeout =
                duration(&value, "request_head_timeout", Duration::from_secs(1), name)?;
        }
        if let Some(value) = layer.request_body_timeout {
            self.request_body_timeout =
                duration(&value, "request_body_timeout", Duration::from_secs(1), name)?;
        }
        Ok(())
    }
}
