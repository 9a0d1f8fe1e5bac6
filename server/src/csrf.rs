//! CSRF tokens that need no stored session, so that a page view stores nothing.
//!
//! A token is an HMAC (with a key kept in the data directory) of what the request is bound to:
//! its stored session's id once there is a session, else a random value in a cookie of its own
//! (the browser binding, for the sign-in and setup forms of visitors without a session). A
//! cross-site page can neither read the token from our pages nor compute it without the key.
//! The session binding holds even against a planted cookie, and changes with the session id,
//! which cycles at every sign-in: the token rotates with it.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::Mac;
use rand::RngCore;
use subtle::ConstantTimeEq;

/// What a request's token is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// The id of the stored session the request carries.
    Session(String),
    /// The value of the request's CSRF cookie, when it has no stored session.
    Browser(String),
}

/// The key tokens are signed with (`csrf.key`), kept so that forms rendered before a restart
/// still post after it.
pub type CsrfKey = crate::keyfile::DataKey<Csrf>;

/// The kind of [`CsrfKey`].
pub struct Csrf;

impl crate::keyfile::KeyKind for Csrf {
    const FILE: &'static str = "csrf.key";
    const NAME: &'static str = "CsrfKey";
}

impl CsrfKey {
    pub fn token(&self, binding: &Binding) -> String {
        let mut mac = self.mac();
        // Domain-separated, so a token of one binding never equals one of the other.
        let (kind, value) = match binding {
            Binding::Session(id) => ("session", id),
            Binding::Browser(value) => ("browser", value),
        };
        mac.update(b"trustdesk csrf v1\0");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// True only if `candidate` is the token of `binding` (compared in constant time).
    pub fn verify(&self, binding: &Binding, candidate: &str) -> bool {
        !candidate.is_empty()
            && bool::from(self.token(binding).as_bytes().ct_eq(candidate.as_bytes()))
    }
}

fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new value for a browser's CSRF cookie.
pub fn fresh_browser_value() -> String {
    fresh_token()
}

/// The CSRF cookie's name: with the `__Host-` prefix over https, so that no other host (a
/// sibling subdomain) can set it.
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-trustdesk_csrf"
    } else {
        "trustdesk_csrf"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_fits_one_binding_under_one_key() {
        let key = CsrfKey::random();
        let session = Binding::Session("abc".into());
        let token = key.token(&session);
        assert!(key.verify(&session, &token));
        assert!(!key.verify(&Binding::Session("abd".into()), &token));
        assert!(
            !key.verify(&Binding::Browser("abc".into()), &token),
            "a browser value equal to a session id gives another token"
        );
        assert!(!CsrfKey::random().verify(&session, &token), "another key");
        assert!(!key.verify(&session, ""));
    }
}
