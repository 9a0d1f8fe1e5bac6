//! Who may read `/metrics`: clients from `metrics_allow` (loopback by default), and anyone
//! presenting the bearer token kept in `metrics_token_file`.

use super::{env_list, err, ip_blocks, ConfigError, Names, Secret};
use crate::client_addr::IpBlock;
use std::{collections::HashMap, path::PathBuf};

/// A shorter token could be guessed by a scraper's neighbours.
const MIN_TOKEN_CHARS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsAccess {
    /// Client addresses (after the trusted proxies) that may scrape without a token.
    pub allow: Vec<IpBlock>,
    pub token_file: Option<PathBuf>,
    /// Read from `token_file` when the configuration is loaded.
    pub token: Option<Secret>,
}

impl Default for MetricsAccess {
    fn default() -> Self {
        Self {
            allow: ["127.0.0.0/8", "::1/128"]
                .iter()
                .map(|block| block.parse().expect("a loopback block"))
                .collect(),
            token_file: None,
            token: None,
        }
    }
}

/// The keys of one layer (the file, or the environment).
#[derive(Debug, Default)]
pub(super) struct MetricsLayer {
    pub metrics_allow: Option<Vec<String>>,
    pub metrics_token_file: Option<PathBuf>,
}

impl MetricsLayer {
    pub fn from_env(env: &HashMap<String, String>) -> Self {
        Self {
            // Comma-separated, as TRUSTDESK_TRUSTED_PROXIES; empty allows no address.
            metrics_allow: env_list(env, "TRUSTDESK_METRICS_ALLOW"),
            metrics_token_file: env.get("TRUSTDESK_METRICS_TOKEN_FILE").map(PathBuf::from),
        }
    }
}

impl MetricsAccess {
    pub(super) fn apply(&mut self, layer: MetricsLayer, name: Names) -> Result<(), ConfigError> {
        if let Some(list) = layer.metrics_allow {
            self.allow = ip_blocks(&list, "metrics_allow", name)?;
        }
        if let Some(path) = layer.metrics_token_file {
            self.token = Some(read_token(&path).map_err(|m| err(name("metrics_token_file"), m))?);
            self.token_file = Some(path);
        }
        Ok(())
    }
}

/// The file's first line, without surrounding white space; never echoed in an error.
fn read_token(path: &std::path::Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the metrics token file {}: {e}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim();
    if token.chars().count() < MIN_TOKEN_CHARS {
        return Err(format!(
            "the metrics token in {} must be at least {MIN_TOKEN_CHARS} characters",
            path.display()
        ));
    }
    Ok(Secret::new(token))
}
