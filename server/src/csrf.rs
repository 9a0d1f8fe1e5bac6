//! Per-session CSRF tokens: 32 random bytes, created with the session, rotated at sign-in.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

pub const SESSION_KEY: &str = "csrf";

fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's token, created if the session has none yet.
pub async fn ensure_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    rotate(session).await
}

pub async fn rotate(session: &Session) -> Result<String, tower_sessions::session::Error> {
    let token = fresh_token();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

/// True only if the session has a token and `candidate` equals it (in constant time).
pub async fn matches(session: &Session, candidate: &str) -> bool {
    match session.get::<String>(SESSION_KEY).await {
        Ok(Some(expected)) => {
            !candidate.is_empty() && bool::from(expected.as_bytes().ct_eq(candidate.as_bytes()))
        }
        _ => false,
    }
}

/// A random URL-safe string for one-time links.
pub fn random_token() -> String {
    fresh_token()
}

/// A form's idempotency token (AWS's ClientToken): rendered with the form, so a double submit
/// creates one item.
pub fn client_token() -> String {
    random_token().chars().take(32).collect()
}
