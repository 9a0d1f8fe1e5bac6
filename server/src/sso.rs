//! Single sign-on with an OpenID Connect provider (`[sso]`): the authorization code flow with
//! PKCE, `state` and `nonce`, the provider's discovery document and keys (read again once when
//! an ID token names a key they lack: the provider rotated them), and the ID token checked for
//! its issuer, audience, expiry, nonce and signature before its claims are read.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::ProviderMetadataWithLogout;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::config::SsoConfig;

/// How long the provider's discovery document and keys are used before they are read again.
const METADATA_FOR: Duration = Duration::from_secs(15 * 60);
/// How long a sign-in may take at the provider.
pub const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// Sign-ins one client (an IPv4 address, an IPv6 /64) may start or finish a minute: each is
/// open to anyone and writes a session, and a refusal an audit row.
pub const HOPS_PER_MINUTE: u32 = 30;
/// Clients the limit remembers; beyond that the least recently seen make room.
const CLIENTS_KEPT: usize = 10_000;

/// What a sign-in started with, kept in the session until the provider sends the user back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// Where to go once signed in (a path of this site).
    pub next: String,
    /// Unix seconds.
    pub started: i64,
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `issuer` + `sub`: what the account is matched by.
    pub subject: String,
    /// The claim the configuration names (`preferred_username`, `email`, …), else `sub`.
    pub username: String,
    pub groups: Vec<String>,
    /// The raw ID token, for the provider's end-session endpoint.
    pub id_token: String,
}

/// Why a sign-in failed, as the sign-in page says it; details go to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    #[error("The sign-in could not be matched to one started here (it expired, or was tampered with). Start again.")]
    State,
    #[error("The identity provider refused the sign-in: {0}")]
    Provider(String),
    #[error("The identity provider's answer could not be trusted (its ID token failed a check). Start again; if it keeps failing, ask your administrator to look at trustdesk's log.")]
    Token,
    #[error("The identity provider could not be reached; try again in a moment.")]
    Unreachable,
}

pub struct Sso {
    settings: SsoConfig,
    public_url: String,
    redirect: RedirectUrl,
    metadata: Mutex<Option<(ProviderMetadataWithLogout, Instant)>>,
    /// The provider's origins (its issuer's, its end-session endpoint's), space-separated:
    /// where pages' forms may lead, for sign-out.
    origins: std::sync::RwLock<String>,
    /// Starts and returns counted per client.
    hops: crate::rate_limit::RateLimiter,
    http: HttpClient,
}

type HttpClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<axum::body::Bytes>,
>;

impl Sso {
    pub fn new(settings: SsoConfig, public_url: &str) -> Result<Self, String> {
        let redirect = RedirectUrl::new(format!(
            "{}{CALLBACK_PATH}",
            public_url.trim_end_matches('/')
        ))
        .map_err(|e| format!("the callback address is not a URL: {e}"))?;
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| format!("the system's CA certificates cannot be read: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(https);
        let origins = url::Url::parse(&settings.issuer)
            .map(|issuer| issuer.origin().ascii_serialization())
            .unwrap_or_default();
        let hops = crate::rate_limit::RateLimiter::new(
            crate::rate_limit::Limit {
                requests: HOPS_PER_MINUTE,
                window: Duration::from_secs(60),
            },
            CLIENTS_KEPT,
        );
        Ok(Sso {
            hops,
            origins: std::sync::RwLock::new(origins),
            settings,
            public_url: public_url.to_string(),
            redirect,
            metadata: Mutex::new(None),
            http,
        })
    }

    pub fn settings(&self) -> &SsoConfig {
        &self.settings
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Counts one start or return of a sign-in from `client`; `Err(wait)` once its
    /// allowance for the minute is spent.
    pub fn allow(&self, client: &str) -> Result<(), Duration> {
        self.hops.hit(
            "sso",
            &crate::rate_limit::client_bucket(client),
            Instant::now(),
        )
    }

    /// The provider's origins, for the pages' `form-action`.
    pub fn origins(&self) -> String {
        self.origins.read().map(|o| o.clone()).unwrap_or_default()
    }

    /// The provider's address to send the user to, and what the session keeps meanwhile.
    pub async fn begin(&self, next: String, now: i64) -> Result<(String, Pending), SsoError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
                next,
                started: now,
            },
        ))
    }

    /// Trades the code the provider sent back for a checked ID token, once `state` matched.
    pub async fn finish(
        &self,
        pending: Pending,
        state: &str,
        code: &str,
        now: i64,
    ) -> Result<Identity, SsoError> {
        let fresh = now - pending.started <= PENDING_FOR.as_secs() as i64;
        if !fresh || !constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
            return Err(SsoError::State);
        }
        let client = self.client(false).await?;
        let http = self.provider_http();
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                tracing::error!(error = %e, "sso: the provider has no token endpoint");
                SsoError::Unreachable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| {
                tracing::warn!(error = ?e, "sso: the code was refused");
                SsoError::Provider(token_error_words(&e))
            })?;
        let token = answer.id_token().ok_or_else(|| {
            tracing::warn!("sso: the token answer had no ID token");
            SsoError::Token
        })?;
        let nonce = Nonce::new(pending.nonce.clone());
        let checked = match token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.subject().to_string(),
            Err(first) => {
                // A key the cached set lacks: the provider may have rotated its keys.
                tracing::info!(error = %first, "sso: the ID token failed a check; reading the provider's keys again");
                let client = self.client(true).await?;
                let verifier = client.id_token_verifier();
                let subject = token
                    .claims(&verifier, &nonce)
                    .map_err(|e| {
                        tracing::warn!(error = %e, "sso: the ID token failed a check");
                        SsoError::Token
                    })?
                    .subject()
                    .to_string();
                subject
            }
        };
        let raw = token.to_string();
        let claims = payload(&raw).ok_or(SsoError::Token)?;
        let claimed = claims
            .get(&self.settings.username_claim)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let username = account_name(claimed, &checked);
        let groups = match claims.get(&self.settings.groups_claim) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        Ok(Identity {
            subject: format!("{}#{checked}", self.settings.issuer),
            username,
            groups,
            id_token: raw,
        })
    }

    /// The provider's end-session address for `id_token`, if it has one, returning to `back`.
    pub async fn end_session(&self, id_token: &str, back: &str) -> Option<String> {
        self.metadata(false).await.ok()?;
        let metadata = self.metadata.lock().await.clone()?.0;
        let end = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut url = end.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("post_logout_redirect_uri", back);
        Some(url.to_string())
    }

    async fn client(
        &self,
        again: bool,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SsoError,
    > {
        let metadata = self.metadata(again).await?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose().to_string(),
            )),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    async fn metadata(&self, again: bool) -> Result<ProviderMetadataWithLogout, SsoError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, read)) = cached.as_ref() {
            if !again && read.elapsed() < METADATA_FOR {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| {
            tracing::error!(error = %e, "sso: the issuer is not a URL");
            SsoError::Unreachable
        })?;
        let http = self.provider_http();
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "sso: the provider's discovery document could not be read");
                SsoError::Unreachable
            })?;
        if let Some(end) = &metadata.additional_metadata().end_session_endpoint {
            let end = end.url().origin().ascii_serialization();
            if let Ok(mut origins) = self.origins.write() {
                if !origins.split(' ').any(|o| o == end) {
                    origins.push(' ');
                    origins.push_str(&end);
                }
            }
        }
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// The provider's HTTP client as openidconnect calls it: each request's future owns a
    /// handle to the client, so it borrows nothing and can be sent between threads.
    fn provider_http(&self) -> impl Fn(openidconnect::HttpRequest) -> ProviderCall + use<'_> {
        let client = self.http.clone();
        move |request| Box::pin(send(client.clone(), request))
    }
}

type ProviderCall = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>,
>;

/// One request to the provider: 10 seconds at most, an answer of 1 MiB at most.
async fn send(
    http: HttpClient,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    use http_body_util::BodyExt;
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(
        parts,
        http_body_util::Full::new(axum::body::Bytes::from(body)),
    );
    let answer = tokio::time::timeout(Duration::from_secs(10), http.request(request))
        .await
        .map_err(|_| HttpError("the identity provider did not answer within 10 seconds".into()))?
        .map_err(|e| HttpError(e.to_string()))?;
    let (parts, body) = answer.into_parts();
    let body = http_body_util::Limited::new(body, 1024 * 1024)
        .collect()
        .await
        .map_err(|e| HttpError(e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(http::Response::from_parts(parts, body))
}

/// What every path of the sign-in with the provider starts with.
pub const PATHS: &str = "/auth/sso/";
/// Where the provider sends the user back.
pub const CALLBACK_PATH: &str = "/auth/sso/callback";
/// Where a sign-in with the provider starts.
pub const START_PATH: &str = "/auth/sso/start";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The ID token's claims: read only after [`Sso::finish`] checked its signature and the rest.
fn payload(jwt: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::Engine;
    let middle = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(middle)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A trustdesk username from what the provider calls the user: lower-case, with what usernames
/// may not hold turned into `-`, at most 64 characters; the subject when the claim is empty.
pub fn account_name(claimed: &str, subject: &str) -> String {
    let tidy = |text: &str| {
        let mut name = String::new();
        for c in text.trim().to_lowercase().chars() {
            let c = if c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, '.' | '_' | '-' | '@')
            {
                c
            } else {
                '-'
            };
            if !(c == '-' && name.ends_with('-')) {
                name.push(c);
            }
        }
        let name: String = name
            .trim_matches('-')
            .chars()
            .take(app::model::user::USERNAME_MAX_CHARS)
            .collect();
        name.trim_end_matches('-').to_string()
    };
    let name = tidy(claimed);
    if !name.is_empty() {
        return name;
    }
    let name = tidy(subject);
    if name.is_empty() {
        "sso-user".into()
    } else {
        name
    }
}

fn token_error_words<E: std::error::Error>(error: &E) -> String {
    let text = error.to_string();
    if text.contains("invalid_grant") {
        "the code was already used, or expired (invalid_grant).".into()
    } else {
        "it did not accept the code.".into()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_valid_usernames() {
        assert_eq!(account_name("alice", "x"), "alice");
        assert_eq!(account_name("Alice Smith", "x"), "alice-smith");
        assert_eq!(account_name("  Bob@Example.COM ", "x"), "bob@example.com");
        assert_eq!(account_name("Zoë  O'Brien", "x"), "zo-o-brien");
        assert_eq!(account_name("", "00u1ABCD"), "00u1abcd");
        assert_eq!(account_name("日本", "\u{202e}"), "sso-user");
        let long = account_name(&"a".repeat(200), "x");
        assert_eq!(long.len(), 64);
        for name in [
            "alice",
            "alice-smith",
            "00u1abcd",
            "sso-user",
            long.as_str(),
        ] {
            assert_eq!(app::model::user::validate_username(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn only_the_state_sent_matches() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
