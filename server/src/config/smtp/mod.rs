//! The `[smtp]` table and its `TRUSTDESK_SMTP_*` equivalents. Its keys may come from different
//! layers (the host from the file, the password's variable from the environment), so each layer
//! is checked key by key, naming its source, and the whole is checked once every layer is in.

use super::secret::{Secret, SecretSource};
use super::{err, ConfigError, Names};
use serde::Deserialize;
use std::{collections::HashMap, fmt, path::PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS before anything is sent; the default.
    StartTls,
    /// TLS from the first byte ("SMTPS").
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

impl SmtpSecurity {
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartTls => "starttls",
            Self::Tls => "tls",
            Self::None => "none",
        }
    }
}

/// Where alert mail is handed over, and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Read from `password_env` or `password_file` when the configuration is loaded.
    pub password: Option<Secret>,
    /// The From address, e.g. `trustdesk <alerts@example.com>`.
    pub from: String,
    /// PEM certificates trusted for the server besides the system's, for a relay whose
    /// certificate comes from an internal CA.
    pub ca_file: Option<PathBuf>,
}

// By hand, as Config's: a field added later is shown only when listed here.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("from", &self.from)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// A port written as a TOML number or, from the environment, as text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Port {
    Number(i64),
    Text(String),
}

/// One layer's `[smtp]` keys, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SmtpFile {
    host: Option<String>,
    port: Option<Port>,
    security: Option<String>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<String>,
    from: Option<String>,
    ca_file: Option<String>,
}

impl SmtpFile {
    pub(super) fn from_env(env: &HashMap<String, String>) -> Option<Self> {
        let get = |key: &str| env.get(&format!("TRUSTDESK_SMTP_{key}")).cloned();
        let layer = Self {
            host: get("HOST"),
            port: get("PORT").map(Port::Text),
            security: get("SECURITY"),
            username: get("USERNAME"),
            password_env: get("PASSWORD_ENV"),
            password_file: get("PASSWORD_FILE"),
            from: get("FROM"),
            ca_file: get("CA_FILE"),
        };
        let any = layer.host.is_some()
            || layer.port.is_some()
            || layer.security.is_some()
            || layer.username.is_some()
            || layer.password_env.is_some()
            || layer.password_file.is_some()
            || layer.from.is_some()
            || layer.ca_file.is_some();
        any.then_some(layer)
    }
}

/// A value and the name of where it came from.
type Sourced<T> = Option<(T, String)>;

/// The keys seen so far, later layers replacing earlier ones key by key.
#[derive(Default)]
pub(super) struct SmtpParts {
    /// Where SMTP was first configured, named when a required key is missing.
    origin: Option<String>,
    host: Sourced<String>,
    port: Sourced<u16>,
    security: Sourced<SmtpSecurity>,
    username: Sourced<String>,
    password: Sourced<SecretSource>,
    from: Sourced<String>,
    ca_file: Sourced<PathBuf>,
}

pub(super) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SmtpParts {
    /// Checks one layer's keys; `name` turns a key such as `smtp.host` into its source's name.
    pub(super) fn merge(&mut self, layer: SmtpFile, name: Names) -> Result<(), ConfigError> {
        if self.origin.is_none() {
            self.origin = Some(name("smtp"));
        }
        if let Some(host) = layer.host {
            let host = host.trim().to_string();
            let plain = !host.is_empty()
                && host.len() <= 253
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if !plain {
                return Err(err(
                    name("smtp.host"),
                    format!("\"{host}\" is not a host name or IP address such as smtp.example.com"),
                ));
            }
            self.host = Some((host, name("smtp.host")));
        }
        if let Some(port) = layer.port {
            let parsed = match &port {
                Port::Number(n) => u16::try_from(*n).ok(),
                Port::Text(text) => text.trim().parse().ok(),
            }
            .filter(|p| *p != 0);
            let Some(parsed) = parsed else {
                let shown = match port {
                    Port::Number(n) => n.to_string(),
                    Port::Text(text) => text,
                };
                return Err(err(
                    name("smtp.port"),
                    format!("\"{shown}\" is not a port from 1 to 65535"),
                ));
            };
            self.port = Some((parsed, name("smtp.port")));
        }
        if let Some(security) = layer.security {
            let parsed = match security.trim().to_ascii_lowercase().as_str() {
                "starttls" => SmtpSecurity::StartTls,
                "tls" => SmtpSecurity::Tls,
                "none" => SmtpSecurity::None,
                _ => {
                    return Err(err(
                        name("smtp.security"),
                        format!("\"{security}\" is not starttls, tls or none"),
                    ))
                }
            };
            self.security = Some((parsed, name("smtp.security")));
        }
        if let Some(username) = layer.username {
            if username.is_empty() {
                return Err(err(name("smtp.username"), "must not be empty"));
            }
            self.username = Some((username, name("smtp.username")));
        }
        let (env_key, file_key) = (name("smtp.password_env"), name("smtp.password_file"));
        if let Some(source) =
            SecretSource::from_keys(layer.password_env, layer.password_file, &env_key, &file_key)?
        {
            let key = match source {
                SecretSource::Env(_) => env_key,
                SecretSource::File(_) => file_key,
            };
            self.password = Some((source, key));
        }
        if let Some(path) = layer.ca_file {
            let path = PathBuf::from(path);
            let pem = std::fs::read_to_string(&path).map_err(|e| {
                err(
                    name("smtp.ca_file"),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(err(
                    name("smtp.ca_file"),
                    format!("{} holds no PEM certificate", path.display()),
                ));
            }
            self.ca_file = Some((path, name("smtp.ca_file")));
        }
        if let Some(from) = layer.from {
            if from.trim().parse::<lettre::message::Mailbox>().is_err() {
                return Err(err(
                    name("smtp.from"),
                    format!("\"{from}\" is not an address like alerts@example.com or \"trustdesk <alerts@example.com>\""),
                ));
            }
            self.from = Some((from.trim().to_string(), name("smtp.from")));
        }
        Ok(())
    }

    /// The finished `[smtp]`, or `None` when no layer mentioned it; reads the password.
    pub(super) fn resolve(
        self,
        env: &HashMap<String, String>,
    ) -> Result<Option<SmtpConfig>, ConfigError> {
        let Some(origin) = self.origin else {
            return Ok(None);
        };
        let (host, _) = self.host.ok_or_else(|| {
            err(
                &origin,
                "host is required when SMTP is configured (smtp.host or TRUSTDESK_SMTP_HOST)",
            )
        })?;
        let (from, _) = self.from.ok_or_else(|| {
            err(
                &origin,
                "from is required when SMTP is configured (smtp.from or TRUSTDESK_SMTP_FROM)",
            )
        })?;
        let security = self
            .security
            .as_ref()
            .map_or(SmtpSecurity::StartTls, |s| s.0);
        let port = self.port.map_or(security.default_port(), |p| p.0);
        let password = match (&self.username, self.password) {
            (None, None) => None,
            (Some((_, source)), None) => {
                return Err(err(
                    source,
                    "a username needs smtp.password_env or smtp.password_file",
                ))
            }
            (None, Some((_, source))) => return Err(err(source, "a password needs smtp.username")),
            (Some(_), Some((secret, source))) => Some(secret.read(env, &source)?),
        };
        if password.is_some() && security == SmtpSecurity::None && !is_loopback(&host) {
            let source = self.security.map_or(origin, |s| s.1);
            return Err(err(
                source,
                format!("security none would send the SMTP password in clear to {host}; use starttls or tls"),
            ));
        }
        if let (Some((_, source)), SmtpSecurity::None) = (&self.ca_file, security) {
            return Err(err(source, "a CA file needs security starttls or tls"));
        }
        Ok(Some(SmtpConfig {
            host,
            port,
            security,
            username: self.username.map(|u| u.0),
            password,
            from,
            ca_file: self.ca_file.map(|c| c.0),
        }))
    }
}

#[cfg(test)]
mod tests;
