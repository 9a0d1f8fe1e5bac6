//! Expiry notices to chat channels and other HTTP receivers (`[[webhooks]]`): the signature of
//! signed posts and the one HTTP client that posts them. Posting only: what a post says is
//! [`crate::alerts::chat`]'s, retrying and recording what happened [`crate::jobs::deliver`]'s,
//! as for mail.

use crate::config::WebhookConfig;
use crate::delivery::DeliveryError;
use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http::{header, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use sha2::Sha256;
use std::time::Duration;

/// One post's longest time, the answer included: a receiver that hangs is tried again later.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read (for the log and Slack's error words); the rest is not waited for.
const ANSWER_LIMIT: usize = 4096;

/// Every post names its delivery: the outbox row's id, the same on every attempt, so a
/// receiver can tell a resend after a crash from a new notice.
pub const DELIVERY_HEADER: &str = "X-Trustdesk-Delivery";
/// Signed posts: the Unix time the signature was made, and `v1=` + hex HMAC-SHA256 of
/// `{timestamp}.{delivery}.{body}` under the webhook's secret (a receiver refuses old
/// timestamps and delivery ids it has seen, so a captured post cannot be replayed).
pub const TIMESTAMP_HEADER: &str = "X-Trustdesk-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Trustdesk-Signature";

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The configured webhooks and the client that posts to them.
pub struct Webhooks {
    hooks: Vec<WebhookConfig>,
    /// Or why there is none (the system's CA certificates could not be read).
    client: Result<HttpClient, String>,
}

impl Webhooks {
    pub fn new(hooks: Vec<WebhookConfig>) -> Self {
        let client = if hooks.is_empty() {
            Err("No webhooks are configured.".to_string())
        } else {
            build_client()
        };
        if let (Err(reason), false) = (&client, hooks.is_empty()) {
            tracing::error!(%reason, "webhooks cannot be posted to");
        }
        Self { hooks, client }
    }

    pub fn none() -> Self {
        Self::new(Vec::new())
    }

    pub fn configured(&self) -> &[WebhookConfig] {
        &self.hooks
    }

    pub fn get(&self, name: &str) -> Option<&WebhookConfig> {
        self.hooks.iter().find(|hook| hook.name == name)
    }

    /// Posts `body` to the webhook `name` as delivery `delivery`, signed at `unix_time` when
    /// the webhook is signed.
    pub async fn post(
        &self,
        name: &str,
        delivery: &str,
        body: &str,
        unix_time: i64,
    ) -> Result<(), DeliveryError> {
        let hook = self.get(name).ok_or_else(|| {
            DeliveryError::permanent(format!(
                "No webhook named {name} is configured any more: add it back to trustdesk.toml, or discard this notice."
            ))
        })?;
        let client = self
            .client
            .as_ref()
            .map_err(|reason| DeliveryError::temporary(reason.clone()))?;
        let mut request = http::Request::post(hook.url.expose())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "trustdesk")
            .header(DELIVERY_HEADER, delivery);
        if let Some(secret) = &hook.signing_secret {
            request = request.header(TIMESTAMP_HEADER, unix_time).header(
                SIGNATURE_HEADER,
                signature(secret.expose(), unix_time, delivery, body),
            );
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|_| {
                DeliveryError::permanent(format!(
                    "The URL of the webhook {name} cannot be used for a request; check its url_env or url_file."
                ))
            })?;
        let exchange = async {
            let response = client.request(request).await?;
            let status = response.status();
            // A delivered post's answer is not waited for: a receiver slow to finish it would
            // otherwise be posted to again.
            let answer = if status.is_success() {
                String::new()
            } else {
                Limited::new(response.into_body(), ANSWER_LIMIT)
                    .collect()
                    .await
                    .map(|body| String::from_utf8_lossy(&body.to_bytes()).into_owned())
                    .unwrap_or_default()
            };
            Ok::<_, hyper_util::client::legacy::Error>((status, answer))
        };
        match tokio::time::timeout(POST_TIMEOUT, exchange).await {
            Err(_) => {
                tracing::warn!(
                    webhook = name,
                    delivery,
                    "the webhook did not answer in time"
                );
                Err(DeliveryError::temporary(format!(
                    "The webhook {name} did not answer within {} seconds; trying again later.",
                    POST_TIMEOUT.as_secs()
                )))
            }
            Ok(Err(error)) => {
                // hyper's errors name the failure, not the URL (which holds the token).
                let reason = error_chain(&error);
                tracing::warn!(webhook = name, delivery, %reason, "the webhook could not be reached");
                Err(DeliveryError::temporary(format!(
                    "The webhook {name} could not be reached ({reason}); trying again later."
                )))
            }
            Ok(Ok((status, answer))) => {
                let outcome = judge(name, status, &answer);
                if let Err(error) = &outcome {
                    tracing::warn!(webhook = name, delivery, status = status.as_u16(), answer = %answer.chars().take(300).collect::<String>(), %error, "the webhook refused the notice");
                }
                outcome
            }
        }
    }
}

fn build_client() -> Result<HttpClient, String> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|error| {
            format!("Webhooks cannot be posted to: the system's CA certificates cannot be read ({error}).")
        })?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(https))
}

/// The failure and its causes, each once: "client error (Connect): tcp connect error:
/// Connection refused (os error 111)".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// What an answer means: delivered (2xx), worth another try later (a busy or failing
/// receiver: 408, 425, 429, 5xx) or refused for good (a redirect, any other 4xx), as a
/// sentence an admin can act on.
fn judge(name: &str, status: StatusCode, answer: &str) -> Result<(), DeliveryError> {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("");
    if status.is_success() {
        return Ok(());
    }
    if status.is_server_error() || matches!(code, 408 | 425 | 429) {
        return Err(DeliveryError::temporary(format!(
            "The webhook {name} answered {code} {reason}; trying again later."
        )));
    }
    if status.is_redirection() {
        return Err(DeliveryError::permanent(format!(
            "The webhook {name} answered with a redirect ({code} {reason}); set its URL to the address it redirects to."
        )));
    }
    // Slack and Mattermost answer a refusal with a word such as `no_service` or
    // `channel_is_archived`, which says what to fix.
    let word = answer.trim();
    let word = if !word.is_empty()
        && word.len() <= 40
        && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        format!(": {word}")
    } else {
        String::new()
    };
    Err(DeliveryError::permanent(format!(
        "The webhook {name} refused the notice ({code} {reason}{word}); check that its URL is still valid and send a test from the Alerts page."
    )))
}

/// `v1=` + hex HMAC-SHA256 of `{unix_time}.{delivery}.{body}` under `secret`.
pub fn signature(secret: &str, unix_time: i64, delivery: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(unix_time.to_string().as_bytes());
    mac.update(b".");
    mac.update(delivery.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_delivered_retried_or_refused_for_good() {
        assert!(judge("chat", StatusCode::OK, "ok").is_ok());
        assert!(judge("chat", StatusCode::NO_CONTENT, "").is_ok());
        for code in [500, 502, 503, 408, 429] {
            let error = judge("chat", StatusCode::from_u16(code).unwrap(), "").unwrap_err();
            assert!(!error.is_permanent(), "{code}");
            assert!(error.sentence().contains("trying again later"), "{code}");
        }
        let gone = judge("chat", StatusCode::NOT_FOUND, "no_service\n").unwrap_err();
        assert!(gone.is_permanent());
        assert_eq!(
            gone.sentence(),
            "The webhook chat refused the notice (404 Not Found: no_service); check that its URL is still valid and send a test from the Alerts page."
        );
        let page = judge("chat", StatusCode::FORBIDDEN, "<html>denied</html>").unwrap_err();
        assert!(
            !page.sentence().contains("html"),
            "only a short word of the answer is repeated"
        );
        let moved = judge("chat", StatusCode::MOVED_PERMANENTLY, "").unwrap_err();
        assert!(moved.is_permanent() && moved.sentence().contains("redirect"));
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_time_the_delivery_and_the_body() {
        // echo -n '1700000000.outbox-1@td.{"a":1}' | openssl dgst -sha256 -hmac 'a-secret-of-16+chars'
        assert_eq!(
            signature(
                "a-secret-of-16+chars",
                1_700_000_000,
                "outbox-1@td",
                r#"{"a":1}"#
            ),
            "v1=1ceba22dc2e59d11cabb8c61fee09b12ec2438121c7ba7e7aa45f821e90120f7"
        );
    }
}
