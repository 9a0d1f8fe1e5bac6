//! The settings of trustdesk's own defences: which proxies' `X-Forwarded-For` to believe, how
//! long sign-in waits, and how refused sign-ins are folded in the audit trail.

use super::{duration, err, ConfigError};
use crate::client_addr::{IpBlock, TrustedProxies};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySettings {
    pub trusted_proxies: TrustedProxies,
    /// The first wait of sign-in and setup throttling, once the free failures are spent.
    pub sign_in_delay: Duration,
    /// Refused sign-ins of one kind (account, address, reason) within this share an audit row.
    pub audit_repeat_window: Duration,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            sign_in_delay: crate::auth::FIRST_DELAY,
            audit_repeat_window: Duration::from_secs(60),
        }
    }
}

/// The keys of one layer (the file, or the environment).
#[derive(Debug, Default)]
pub(super) struct SecurityLayer {
    pub trusted_proxies: Option<Vec<String>>,
    pub sign_in_delay: Option<String>,
    pub audit_repeat_window: Option<String>,
}

impl SecurityLayer {
    pub fn from_env(env: &std::collections::HashMap<String, String>) -> Self {
        Self {
            // Comma-separated: `10.0.0.0/8,192.0.2.7`.
            trusted_proxies: env.get("TRUSTDESK_TRUSTED_PROXIES").map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(str::to_string)
                    .collect()
            }),
            sign_in_delay: env.get("TRUSTDESK_SIGN_IN_DELAY").cloned(),
            audit_repeat_window: env.get("TRUSTDESK_AUDIT_REPEAT_WINDOW").cloned(),
        }
    }
}

impl SecuritySettings {
    pub(super) fn apply(
        &mut self,
        layer: SecurityLayer,
        name: &impl Fn(&str) -> String,
    ) -> Result<(), ConfigError> {
        if let Some(list) = layer.trusted_proxies {
            let blocks = list
                .iter()
                .map(|entry| entry.parse::<IpBlock>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| err(name("trusted_proxies"), message))?;
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
        Ok(())
    }
}
