//! One typed configuration: built-in defaults < `trustdesk.toml` < `TRUSTDESK_*` environment
//! variables < command-line flags. Every value is checked when loaded, naming where it came from.

mod accounts;
mod monitoring;
mod organization;
mod secret;
mod security;
mod smtp;
mod sso;
mod webhooks;

use accounts::check_accounts;
pub use accounts::{AccountConfig, InstanceMetadata};
pub use organization::{OrganizationConfig, RegionChoice, ACCOUNT_ID_SLOT};

pub use monitoring::MetricsAccess;
pub use secret::Secret;
pub use security::SecuritySettings;
pub use smtp::{SmtpConfig, SmtpSecurity};
pub use sso::{LocalAccounts, SsoConfig};
pub use webhooks::{destination as webhook_destination, WebhookConfig, WebhookFormat};

use crate::store::audit::AuditKey;
use serde::Deserialize;
use std::{
    collections::HashMap,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    /// The address users type, e.g. `https://trustdesk.example.com`; defaults to `http://` plus
    /// the bound address. Decides whether the session cookie is `Secure`.
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    /// Defaults to `<data_dir>/trustdesk.db`.
    pub database: Option<PathBuf>,
    pub session_idle_timeout: Duration,
    pub log_format: LogFormat,
    pub log_level: String,
    /// Serves the compiled site (wasm, JavaScript, CSS, static files) that cargo-leptos writes
    /// from this directory instead of the copy built into a release binary. Without it: the
    /// built-in copy, or `target/site` in a debug build.
    pub site_dir: Option<PathBuf>,
    /// Sends every AWS call to this endpoint instead of AWS's own (an emulator, a VPC endpoint).
    pub aws_endpoint_url: Option<String>,
    /// Starts the AWS emulator in-process with the demo data and points the console at it.
    pub demo: bool,
    /// With `demo`: the demo also has an account at organisation scale (1,000 customer managed
    /// policies, 300 instance profiles), `serve --demo --scale` or `TRUSTDESK_DEMO_SCALE`.
    pub demo_scale: bool,
    /// The AWS accounts the console manages; empty means one account from the default
    /// credential chain and region.
    pub accounts: Vec<AccountConfig>,
    /// The AWS Organization whose accounts the console manages too (`[organization]`, file only).
    pub organization: Option<OrganizationConfig>,
    /// Whether the SDK may ask the EC2 instance metadata service for a region and credentials.
    pub aws_instance_metadata: InstanceMetadata,
    pub sync: SyncSettings,
    /// The zone expiry dates are written in where no viewer's zone is known (emails), an IANA
    /// name such as `Europe/Berlin`.
    pub time_zone: chrono_tz::Tz,
    /// Where alert mail goes; without it mail waits in the outbox (or, in the demo, is written
    /// to files).
    pub smtp: Option<SmtpConfig>,
    /// How long a mail is retried before it is marked undeliverable.
    pub mail_retry_period: Duration,
    /// Chat channels and other receivers of expiry notices (`[[webhooks]]`, file only).
    pub webhooks: Vec<WebhookConfig>,
    /// Signing in with an OpenID Connect provider (`[sso]`, file only).
    pub sso: Option<SsoConfig>,
    /// Requests a minute one share link, and one client address across share links, may make.
    pub share_requests_per_minute: u32,
    /// The file the audit key was read from.
    pub audit_key_file: Option<PathBuf>,
    /// Read from `audit_key_file` when the configuration is loaded: audit rows are sealed with
    /// HMAC-SHA256 under it, and keyed rows need it to be verified.
    pub audit_key: Option<AuditKey>,
    /// Trusted proxies, sign-in delays, the folding of refused sign-ins, and limits on
    /// user-started AWS reads.
    pub security: SecuritySettings,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
}

/// How the background sync reads AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// Time between the starts of two syncs (each start moved by up to a tenth, at random, so
    /// that several trustdesk installations do not call AWS in step).
    pub interval: Duration,
    /// Scopes (a kind in one account and region) read at the same time.
    pub concurrency: usize,
    /// A scope that takes longer is abandoned and reported as timed out.
    pub scope_timeout: Duration,
    /// How long an item AWS no longer lists stays visible as removed.
    pub gone_retention: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            concurrency: 4,
            scope_timeout: Duration::from_secs(120),
            gone_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            data_dir: PathBuf::from("data"),
            database: None,
            session_idle_timeout: Duration::from_secs(8 * 3600),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            site_dir: None,
            aws_endpoint_url: None,
            demo: false,
            demo_scale: false,
            accounts: Vec::new(),
            organization: None,
            aws_instance_metadata: InstanceMetadata::Auto,
            sync: SyncSettings::default(),
            time_zone: chrono_tz::UTC,
            smtp: None,
            mail_retry_period: Duration::from_secs(24 * 3600),
            webhooks: Vec::new(),
            sso: None,
            share_requests_per_minute: 60,
            audit_key_file: None,
            audit_key: None,
            security: SecuritySettings::default(),
            metrics: MetricsAccess::default(),
        }
    }
}

// Written by hand so that a secret added later cannot leak through a derived Debug: every
// field is listed on purpose.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_path())
            .field(
                "session_idle_timeout",
                &humantime::format_duration(self.session_idle_timeout).to_string(),
            )
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("site_dir", &self.site_dir)
            .field("aws_endpoint_url", &self.aws_endpoint_url)
            .field("aws_instance_metadata", &self.aws_instance_metadata)
            .field("demo", &self.demo)
            .field("demo_scale", &self.demo_scale)
            .field("accounts", &self.accounts)
            .field("organization", &self.organization)
            .field("sync", &self.sync)
            .field("time_zone", &self.time_zone)
            .field("smtp", &self.smtp)
            .field(
                "mail_retry_period",
                &humantime::format_duration(self.mail_retry_period).to_string(),
            )
            .field("webhooks", &self.webhooks)
            .field("sso", &self.sso)
            .field("share_requests_per_minute", &self.share_requests_per_minute)
            .field("audit_key_file", &self.audit_key_file)
            .field("audit_key", &self.audit_key)
            .field("security", &self.security)
            .field("metrics", &self.metrics)
            .finish()
    }
}

/// What a `trustdesk.toml` may contain; every key is optional and unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<PathBuf>,
    session_idle_timeout: Option<String>,
    log_format: Option<String>,
    log_level: Option<String>,
    site_dir: Option<PathBuf>,
    aws_endpoint_url: Option<String>,
    demo: Option<bool>,
    accounts: Option<Vec<AccountConfig>>,
    organization: Option<OrganizationConfig>,
    aws_instance_metadata: Option<accounts::Switch>,
    sync_interval: Option<String>,
    sync_concurrency: Option<String>,
    sync_scope_timeout: Option<String>,
    gone_retention: Option<String>,
    time_zone: Option<String>,
    smtp: Option<smtp::SmtpFile>,
    webhooks: Option<Vec<webhooks::WebhookFile>>,
    sso: Option<sso::SsoFile>,
    mail_retry_period: Option<String>,
    share_requests_per_minute: Option<String>,
    audit_key_file: Option<PathBuf>,
    trusted_proxies: Option<Vec<String>>,
    sign_in_delay: Option<String>,
    audit_repeat_window: Option<String>,
    aws_reads_per_minute: Option<security::Count>,
    viewer_refresh_interval: Option<String>,
    request_head_timeout: Option<String>,
    request_body_timeout: Option<String>,
    metrics_allow: Option<Vec<String>>,
    metrics_token_file: Option<PathBuf>,
}

/// A duration such as `15m` or `2h`, at least `min`.
fn duration(value: &str, key: &str, min: Duration, name: Names) -> Result<Duration, ConfigError> {
    let parsed = humantime::parse_duration(value).map_err(|e| {
        err(
            name(key),
            format!("\"{value}\" is not a duration like 15m or 2h: {e}"),
        )
    })?;
    if parsed < min {
        return Err(err(
            name(key),
            format!("must be at least {}", humantime::format_duration(min)),
        ));
    }
    Ok(parsed)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    /// Where the bad value came from: a file path, an environment variable or a flag.
    pub source_name: String,
    pub message: String,
}

/// How a layer names its keys in errors: `listen` becomes `trustdesk.toml: listen` or
/// `TRUSTDESK_LISTEN`.
type Names<'a> = &'a (dyn Fn(&str) -> String + 'a);

/// A whole number from `range`, given as text (an environment variable, or a key kept as
/// text); else an error naming `key`.
fn whole_number(
    value: &str,
    range: std::ops::RangeInclusive<u32>,
    key: &str,
    name: Names,
) -> Result<u32, ConfigError> {
    let (low, high) = (range.start(), range.end());
    let parsed = value.trim().parse().ok().filter(|n| range.contains(n));
    parsed.ok_or_else(|| {
        let message = format!("\"{value}\" is not a whole number from {low} to {high}");
        err(name(key), message)
    })
}

/// A comma-separated list in an environment variable (`10.0.0.0/8,192.0.2.7`), its entries
/// trimmed and the empty ones left out: an empty variable is an empty list.
fn env_list(
    env: &std::collections::HashMap<String, String>,
    variable: &str,
) -> Option<Vec<String>> {
    env.get(variable).map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// Address blocks (`10.0.0.0/8`, `192.0.2.7`), or an error naming `key`.
fn ip_blocks(
    list: &[String],
    key: &str,
    name: Names,
) -> Result<Vec<crate::client_addr::IpBlock>, ConfigError> {
    list.iter()
        .map(|entry| entry.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| err(name(key), message))
}

fn err(source_name: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        source_name: source_name.into(),
        message: message.into(),
    }
}

/// Command-line overrides, applied last.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    /// `serve --demo`.
    pub demo: bool,
}

pub const ENV_PREFIX: &str = "TRUSTDESK_";
pub const DEFAULT_CONFIG_FILE: &str = "trustdesk.toml";

impl Config {
    /// Loads the configuration: `file` if given (it must exist), else `./trustdesk.toml` if
    /// present; then the environment; then `overrides`.
    pub fn load(
        file: Option<&Path>,
        env: &HashMap<String, String>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let mut smtp = smtp::SmtpParts::default();
        // Where the audit key's path came from, for an error reading it.
        let mut audit_key_source = None;
        let file = match file {
            Some(path) => Some(path.to_path_buf()),
            None => env
                .get("TRUSTDESK_CONFIG")
                .map(PathBuf::from)
                .or_else(|| Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists())),
        };
        if let Some(path) = file {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(&name, format!("cannot read the configuration file: {e}")))?;
            let mut parsed: FileConfig =
                toml::from_str(&text).map_err(|e| err(&name, e.message().to_string()))?;
            let key_name = |key: &str| format!("{name}: {key}");
            if parsed.audit_key_file.is_some() {
                audit_key_source = Some(key_name("audit_key_file"));
            }
            if let Some(layer) = parsed.smtp.take() {
                smtp.merge(layer, &key_name)?;
            }
            if let Some(tables) = parsed.webhooks.take() {
                config.webhooks = webhooks::resolve(tables, env, &key_name)?;
            }
            if let Some(table) = parsed.sso.take() {
                config.sso = Some(sso::resolve(table, env, &key_name)?);
            }
            config.apply(parsed, key_name)?;
        }
        let security_env = security::SecurityLayer::from_env(env);
        let metrics_env = monitoring::MetricsLayer::from_env(env);
        let from_env = FileConfig {
            listen: env.get("TRUSTDESK_LISTEN").cloned(),
            public_url: env.get("TRUSTDESK_PUBLIC_URL").cloned(),
            data_dir: env.get("TRUSTDESK_DATA_DIR").map(PathBuf::from),
            database: env.get("TRUSTDESK_DATABASE").map(PathBuf::from),
            session_idle_timeout: env.get("TRUSTDESK_SESSION_IDLE_TIMEOUT").cloned(),
            log_format: env.get("TRUSTDESK_LOG_FORMAT").cloned(),
            log_level: env.get("TRUSTDESK_LOG_LEVEL").cloned(),
            site_dir: env.get("TRUSTDESK_SITE_DIR").map(PathBuf::from),
            aws_endpoint_url: env.get("TRUSTDESK_AWS_ENDPOINT_URL").cloned(),
            demo: match env.get("TRUSTDESK_DEMO").map(String::as_str) {
                None => None,
                Some("true" | "1") => Some(true),
                Some("false" | "0") => Some(false),
                Some(other) => {
                    return Err(err(
                        "TRUSTDESK_DEMO",
                        format!("\"{other}\" is not true or false"),
                    ))
                }
            },
            accounts: None,
            organization: None,
            aws_instance_metadata: env
                .get("TRUSTDESK_AWS_INSTANCE_METADATA")
                .map(|v| accounts::Switch::Text(v.clone())),
            sync_interval: env.get("TRUSTDESK_SYNC_INTERVAL").cloned(),
            sync_concurrency: env.get("TRUSTDESK_SYNC_CONCURRENCY").cloned(),
            sync_scope_timeout: env.get("TRUSTDESK_SYNC_SCOPE_TIMEOUT").cloned(),
            gone_retention: env.get("TRUSTDESK_GONE_RETENTION").cloned(),
            time_zone: env.get("TRUSTDESK_TIME_ZONE").cloned(),
            smtp: None,
            webhooks: None,
            sso: None,
            mail_retry_period: env.get("TRUSTDESK_MAIL_RETRY_PERIOD").cloned(),
            share_requests_per_minute: env.get("TRUSTDESK_SHARE_REQUESTS_PER_MINUTE").cloned(),
            audit_key_file: env.get("TRUSTDESK_AUDIT_KEY_FILE").map(PathBuf::from),
            trusted_proxies: security_env.trusted_proxies,
            sign_in_delay: security_env.sign_in_delay,
            audit_repeat_window: security_env.audit_repeat_window,
            aws_reads_per_minute: security_env.aws_reads_per_minute,
            viewer_refresh_interval: security_env.viewer_refresh_interval,
            request_head_timeout: security_env.request_head_timeout,
            request_body_timeout: security_env.request_body_timeout,
            metrics_allow: metrics_env.metrics_allow,
            metrics_token_file: metrics_env.metrics_token_file,
        };
        if from_env.audit_key_file.is_some() {
            audit_key_source = Some("TRUSTDESK_AUDIT_KEY_FILE".to_string());
        }
        // `smtp.host` is TRUSTDESK_SMTP_HOST.
        let env_name = |key: &str| format!("{ENV_PREFIX}{}", key.to_uppercase().replace('.', "_"));
        if let Some(layer) = smtp::SmtpFile::from_env(env) {
            smtp.merge(layer, &env_name)?;
        }
        config.apply(from_env, env_name)?;
        config.smtp = smtp.resolve(env)?;
        if let (Some(path), Some(source)) = (&config.audit_key_file, audit_key_source) {
            config.audit_key = Some(AuditKey::read(path).map_err(|message| err(source, message))?);
        }
        if let Some(listen) = overrides.listen {
            config.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            config.data_dir = dir.clone();
        }
        if overrides.demo {
            config.demo = true;
        }
        config.demo_scale = match env.get("TRUSTDESK_DEMO_SCALE").map(String::as_str) {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => {
                return Err(err(
                    "TRUSTDESK_DEMO_SCALE",
                    format!("\"{other}\" is not true or false"),
                ))
            }
        };
        Ok(config)
    }

    fn apply(
        &mut self,
        layer: FileConfig,
        name: impl Fn(&str) -> String,
    ) -> Result<(), ConfigError> {
        if let Some(listen) = layer.listen {
            self.listen = listen.parse().map_err(|_| {
                err(
                    name("listen"),
                    format!("\"{listen}\" is not an address like 127.0.0.1:3000"),
                )
            })?;
        }
        if let Some(url) = layer.public_url {
            let trimmed = url.trim_end_matches('/');
            if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
                || trimmed.len() <= "https://".len()
            {
                return Err(err(
                    name("public_url"),
                    format!("\"{url}\" must be an absolute http:// or https:// URL"),
                ));
            }
            self.public_url = Some(trimmed.to_string());
        }
        if let Some(dir) = layer.data_dir {
            self.data_dir = dir;
        }
        if let Some(db) = layer.database {
            self.database = Some(db);
        }
        if let Some(timeout) = layer.session_idle_timeout {
            let parsed = humantime::parse_duration(&timeout).map_err(|e| {
                err(
                    name("session_idle_timeout"),
                    format!("\"{timeout}\" is not a duration like 8h or 30m: {e}"),
                )
            })?;
            if parsed < Duration::from_secs(60) {
                return Err(err(
                    name("session_idle_timeout"),
                    "must be at least one minute",
                ));
            }
            self.session_idle_timeout = parsed;
        }
        if let Some(format) = layer.log_format {
            self.log_format = match format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(err(
                        name("log_format"),
                        format!("\"{other}\" is not text or json"),
                    ))
                }
            };
        }
        if let Some(level) = layer.log_level {
            self.log_level = level;
        }
        if let Some(dir) = layer.site_dir {
            if dir.as_os_str().is_empty() {
                return Err(err(name("site_dir"), "must not be empty"));
            }
            self.site_dir = Some(dir);
        }
        if let Some(url) = layer.aws_endpoint_url {
            let parsed = url::Url::parse(&url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if parsed.is_none() {
                return Err(err(
                    name("aws_endpoint_url"),
                    format!("\"{url}\" must be an absolute http:// or https:// URL"),
                ));
            }
            self.aws_endpoint_url = Some(url.trim_end_matches('/').to_string());
        }
        if let Some(demo) = layer.demo {
            self.demo = demo;
        }
        if let Some(accounts) = layer.accounts {
            check_accounts(&accounts).map_err(|message| err(name("accounts"), message))?;
            self.accounts = accounts;
        }
        if let Some(organization) = layer.organization {
            organization
                .check()
                .map_err(|message| err(name("organization"), message))?;
            self.organization = Some(organization);
        }
        if let Some(value) = layer.aws_instance_metadata {
            self.aws_instance_metadata = value
                .parse()
                .map_err(|message| err(name("aws_instance_metadata"), message))?;
        }
        if let Some(value) = layer.sync_interval {
            self.sync.interval = duration(&value, "sync_interval", Duration::from_secs(60), &name)?;
        }
        if let Some(value) = layer.sync_concurrency {
            self.sync.concurrency =
                whole_number(&value, 1..=32, "sync_concurrency", &name)? as usize;
        }
        if let Some(value) = layer.sync_scope_timeout {
            self.sync.scope_timeout =
                duration(&value, "sync_scope_timeout", Duration::from_secs(5), &name)?;
        }
        if let Some(value) = layer.gone_retention {
            self.sync.gone_retention =
                duration(&value, "gone_retention", Duration::from_secs(3600), &name)?;
        }
        if let Some(value) = layer.mail_retry_period {
            self.mail_retry_period =
                duration(&value, "mail_retry_period", Duration::from_secs(300), &name)?;
        }
        if let Some(path) = layer.audit_key_file {
            if path.as_os_str().is_empty() {
                return Err(err(name("audit_key_file"), "must not be empty"));
            }
            self.audit_key_file = Some(path);
        }
        self.security.apply(
            security::SecurityLayer {
                trusted_proxies: layer.trusted_proxies,
                sign_in_delay: layer.sign_in_delay,
                audit_repeat_window: layer.audit_repeat_window,
                aws_reads_per_minute: layer.aws_reads_per_minute,
                viewer_refresh_interval: layer.viewer_refresh_interval,
                request_head_timeout: layer.request_head_timeout,
                request_body_timeout: layer.request_body_timeout,
            },
            &name,
        )?;
        self.metrics.apply(
            monitoring::MetricsLayer {
                metrics_allow: layer.metrics_allow,
                metrics_token_file: layer.metrics_token_file,
            },
            &name,
        )?;
        if let Some(value) = layer.time_zone {
            self.time_zone = value.trim().parse().map_err(|_| {
                err(
                    name("time_zone"),
                    format!("\"{value}\" is not an IANA time zone such as Europe/Berlin"),
                )
            })?;
        }
        if let Some(value) = layer.share_requests_per_minute {
            let key = "share_requests_per_minute";
            self.share_requests_per_minute = whole_number(&value, 1..=10_000, key, &name)?;
        }
        Ok(())
    }

    pub fn database_path(&self) -> PathBuf {
        self.database
            .clone()
            .unwrap_or_else(|| self.data_dir.join("trustdesk.db"))
    }

    /// The URL users reach trustdesk at, given the address it actually bound.
    pub fn effective_public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }

    pub fn cookies_are_secure(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests;
