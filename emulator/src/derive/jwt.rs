//! License Manager's refresh tokens are JWTs. The emulator signs them with HMAC-SHA256 under a
//! key of its own; what matters to callers is the claims, which are computed as AWS documents
//! them (`aud` the license, `amr` the token properties, `exp` from ExpirationInDays).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub fn sign(claims: &Value, key: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "HS256", "typ": "JWT" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// The claims of a token, without checking the signature.
pub fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_claims_and_signs_deterministically() {
        let claims_in = json!({ "aud": "arn:aws:license-manager::1:license:l-1", "exp": 10 });
        let token = sign(&claims_in, b"key");
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(claims(&token), Some(claims_in.clone()));
        assert_eq!(token, sign(&claims_in, b"key"));
        assert_ne!(token, sign(&claims_in, b"other"));
    }
}
