//! `[[webhooks]]`: chat channels and other HTTP receivers that expiry notices can go to besides
//! email. A webhook's URL is a secret (Slack's and Teams' carry their token in the path), so,
//! like a signing key, it is read from an environment variable or a file, and shown only as its
//! scheme and host.

use super::secret::{Secret, SecretSource};
use super::{err, ConfigError, Names};
use serde::Deserialize;
use std::{collections::HashMap, fmt};

/// Most webhooks a configuration may list.
pub const MAX_WEBHOOKS: usize = 20;
/// A signing secret's least length: an HMAC key anyone could guess protects nothing.
const MIN_SIGNING_SECRET: usize = 16;

/// What a webhook's requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"text": …}`, what Slack's, Mattermost's and Microsoft Teams workflows' incoming
    /// webhooks accept.
    Slack,
    /// trustdesk's own JSON document, signed with HMAC-SHA256 under the webhook's secret.
    Json,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Json => "json",
        }
    }

    /// As the Alerts page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Slack => "Slack-compatible chat",
            Self::Json => "Signed JSON",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// How alert rules and the Outbox name it: letters, digits, `.`, `_` and `-`.
    pub name: String,
    pub format: WebhookFormat,
    /// An `http` or `https` URL; the whole of it is a secret.
    pub url: Secret,
    /// The HMAC key of a `json` webhook's signature header.
    pub signing_secret: Option<Secret>,
}

impl WebhookConfig {
    /// What may be shown of the URL: `https://hooks.slack.com/…`.
    pub fn destination(&self) -> String {
        destination(self.url.expose())
    }
}

/// `scheme://host[:port]/…`: enough to tell webhooks apart, nothing of the path or query that
/// carry a token.
pub fn destination(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => {
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}/…",
                url.scheme(),
                url.host_str().unwrap_or_default()
            )
        }
        Err(_) => "(not a URL)".into(),
    }
}

// By hand, as Config's: the URL is never printed, only where it leads.
impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("destination", &self.destination())
            .field("signing_secret", &self.signing_secret)
            .finish()
    }
}

/// One `[[webhooks]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WebhookFile {
    name: String,
    format: String,
    url_env: Option<String>,
    url_file: Option<String>,
    secret_env: Option<String>,
    secret_file: Option<String>,
}

/// The webhooks of the configuration file `file` (its name for errors), URLs and secrets read.
pub(super) fn resolve(
    tables: Vec<WebhookFile>,
    env: &HashMap<String, String>,
    name: Names,
) -> Result<Vec<WebhookConfig>, ConfigError> {
    if tables.len() > MAX_WEBHOOKS {
        return Err(err(
            name("webhooks"),
            format!("list at most {MAX_WEBHOOKS} webhooks"),
        ));
    }
    let mut resolved: Vec<WebhookConfig> = Vec::with_capacity(tables.len());
    for (index, table) in tables.into_iter().enumerate() {
        let key = |k: &str| name(&format!("webhooks[{index}].{k}"));
        let hook_name = table.name.trim().to_string();
        let plain = (1..=64).contains(&hook_name.len())
            && hook_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !plain {
            return Err(err(
                key("name"),
                format!(
                    "\"{hook_name}\" is not a name of 1 to 64 letters, digits, '.', '_' or '-'"
                ),
            ));
        }
        if resolved
            .iter()
            .any(|hook| hook.name.eq_ignore_ascii_case(&hook_name))
        {
            return Err(err(
                key("name"),
                format!("two webhooks are named {hook_name}"),
            ));
        }
        let format = match table.format.trim().to_ascii_lowercase().as_str() {
            "slack" => WebhookFormat::Slack,
            "json" => WebhookFormat::Json,
            other => {
                return Err(err(
                    key("format"),
                    format!("\"{other}\" is not slack or json"),
                ))
            }
        };
        let (url_env, url_file) = (key("url_env"), key("url_file"));
        let url_source = SecretSource::from_keys(table.url_env, table.url_file, &url_env, &url_file)?
            .ok_or_else(|| {
                err(
                    key("url_env"),
                    "a webhook needs url_env or url_file (its URL is a secret, so it is not written in the configuration)",
                )
            })?;
        let url_key = match url_source {
            SecretSource::Env(_) => url_env,
            SecretSource::File(_) => url_file,
        };
        let url = url_source.read(env, &url_key)?;
        let url = check_url(url.expose()).map_err(|message| err(&url_key, message))?;
        let (secret_env, secret_file) = (key("secret_env"), key("secret_file"));
        let secret_source = SecretSource::from_keys(
            table.secret_env,
            table.secret_file,
            &secret_env,
            &secret_file,
        )?;
        let signing_secret = match (format, secret_source) {
            (WebhookFormat::Json, None) => {
                return Err(err(
                    key("secret_env"),
                    "a json webhook is signed: give secret_env or secret_file",
                ))
            }
            (WebhookFormat::Slack, Some(_)) => {
                return Err(err(
                    key("secret_env"),
                    "slack webhooks are not signed (their URL is the secret); leave the secret out or use format json",
                ))
            }
            (WebhookFormat::Slack, None) => None,
            (WebhookFormat::Json, Some(source)) => {
                let source_key = match source {
                    SecretSource::Env(_) => secret_env,
                    SecretSource::File(_) => secret_file,
                };
                let secret = source.read(env, &source_key)?;
                if secret.expose().len() < MIN_SIGNING_SECRET {
                    return Err(err(
                        source_key,
                        format!("a signing secret needs at least {MIN_SIGNING_SECRET} characters"),
                    ));
                }
                Some(secret)
            }
        };
        resolved.push(WebhookConfig {
            name: hook_name,
            format,
            url,
            signing_secret,
        });
    }
    Ok(resolved)
}

/// An absolute `https` URL with a host (`http` only to this machine: the URL and the posts
/// are secrets), in the form it is posted to; the message never repeats the URL.
fn check_url(url: &str) -> Result<Secret, String> {
    if url.len() > 2048 {
        return Err("the URL is longer than 2,048 characters".into());
    }
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| format!("the value is not a URL ({e}); give the webhook's whole address"))?;
    let host = parsed.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    match parsed.scheme() {
        "https" => {}
        "http" if super::smtp::is_loopback(host) => {}
        "http" => {
            return Err(
                "a webhook's URL starts with https:// (http:// only to this machine): its token and the posts would cross the network in clear".into(),
            )
        }
        scheme => {
            return Err(format!(
                "a webhook's URL starts with https://, not {scheme}://"
            ))
        }
    }
    // What the HTTP client will be given: the URL as `url` normalised it (a host in punycode,
    // spaces escaped), which it must take too.
    let normalised = parsed.as_str().to_string();
    if http::Uri::try_from(normalised.as_str()).is_err() {
        return Err("the URL cannot be used for an HTTP request".into());
    }
    Ok(Secret::new(normalised))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, format: &str) -> WebhookFile {
        WebhookFile {
            name: name.into(),
            format: format.into(),
            url_env: Some("HOOK_URL".into()),
            url_file: None,
            secret_env: None,
            secret_file: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn named(key: &str) -> String {
        format!("trustdesk.toml: {key}")
    }

    #[test]
    fn a_slack_webhook_reads_its_url_from_the_environment_and_shows_only_the_host() {
        let hooks = resolve(
            vec![table("security-chat", "slack")],
            &env(&[("HOOK_URL", "https://hooks.slack.com/services/T0/B0/secret")]),
            &named,
        )
        .unwrap();
        assert_eq!(hooks[0].format, WebhookFormat::Slack);
        assert_eq!(hooks[0].destination(), "https://hooks.slack.com/…");
        let debug = format!("{hooks:?}");
        assert!(!debug.contains("/services/"), "{debug}");
    }

    #[test]
    fn a_json_webhook_needs_a_long_enough_signing_secret() {
        let mut json = table("siem", "json");
        let vars = env(&[("HOOK_URL", "http://127.0.0.1:9/in"), ("KEY", "short")]);
        let error = resolve(vec![table("siem", "json")], &vars, &named).unwrap_err();
        assert_eq!(error.source_name, "trustdesk.toml: webhooks[0].secret_env");
        json.secret_env = Some("KEY".into());
        let error = resolve(vec![json], &vars, &named).unwrap_err();
        assert!(error.message.contains("at least 16"), "{error}");
    }

    #[test]
    fn bad_tables_are_refused_naming_the_key() {
        let vars = env(&[("HOOK_URL", "ftp://example.com/x")]);
        let error = resolve(vec![table("a", "slack")], &vars, &named).unwrap_err();
        assert_eq!(error.source_name, "trustdesk.toml: webhooks[0].url_env");
        assert!(error.message.contains("not ftp://"), "{error}");
        assert!(
            !error.message.contains("example.com"),
            "the URL is not repeated"
        );

        let vars = env(&[("HOOK_URL", "https://example.com/x")]);
        let error = resolve(vec![table("a b", "slack")], &vars, &named).unwrap_err();
        assert_eq!(error.source_name, "trustdesk.toml: webhooks[0].name");
        let error = resolve(
            vec![table("chat", "slack"), table("CHAT", "slack")],
            &vars,
            &named,
        )
        .unwrap_err();
        assert_eq!(error.source_name, "trustdesk.toml: webhooks[1].name");
        let error = resolve(vec![table("chat", "teams")], &vars, &named).unwrap_err();
        assert_eq!(error.source_name, "trustdesk.toml: webhooks[0].format");
        let mut signed_slack = table("chat", "slack");
        signed_slack.secret_env = Some("HOOK_URL".into());
        let error = resolve(vec![signed_slack], &vars, &named).unwrap_err();
        assert!(error.message.contains("not signed"), "{error}");
        let mut no_url = table("chat", "slack");
        no_url.url_env = None;
        let error = resolve(vec![no_url], &vars, &named).unwrap_err();
        assert!(error.message.contains("url_env or url_file"), "{error}");
        let error = resolve(vec![table("chat", "slack")], &env(&[]), &named).unwrap_err();
        assert!(error.message.contains("HOOK_URL is not set"), "{error}");
    }
}
