//! The acknowledge and snooze links in alert emails: signed (HMAC-SHA256 with a key trustdesk
//! generates and keeps in its data directory, never in the database, the audit trail or the
//! log), bound to one item, one expiry and one recipient, expiring, and used at most once (the
//! nonce is recorded when the POST acts).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;
use serde::{Deserialize, Serialize};

/// How long an emailed link works.
pub const LINK_LIFETIME: chrono::Duration = chrono::Duration::days(30);

/// The signing key of the links (`alert-links.key`).
pub type LinkKey = crate::keyfile::DataKey<AlertLinks>;

/// The kind of [`LinkKey`].
pub struct AlertLinks;

impl crate::keyfile::KeyKind for AlertLinks {
    const FILE: &'static str = "alert-links.key";
    const NAME: &'static str = "LinkKey";
}

impl LinkKey {
    pub fn sign(&self, claims: &LinkClaims) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The claims of a token this key signed that has not expired at `now`.
    pub fn verify(
        &self,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<LinkClaims, LinkRefusal> {
        let (payload, signature) = token.split_once('.').ok_or(LinkRefusal::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkRefusal::Invalid)?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| LinkRefusal::Invalid)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| LinkRefusal::Invalid)?;
        let claims: LinkClaims =
            serde_json::from_slice(&bytes).map_err(|_| LinkRefusal::Invalid)?;
        if !matches!(claims.action.as_str(), "ack" | "snooze") {
            return Err(LinkRefusal::Invalid);
        }
        if claims.valid_until <= now.timestamp() {
            return Err(LinkRefusal::Expired);
        }
        Ok(claims)
    }
}

/// What a link stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    #[serde(rename = "a")]
    pub action: String,
    #[serde(rename = "k")]
    pub kind: String,
    #[serde(rename = "c")]
    pub account: String,
    #[serde(rename = "r")]
    pub region: String,
    #[serde(rename = "i")]
    pub id: String,
    /// The expiry the notice was about: a renewed item's old links no longer act.
    #[serde(rename = "e")]
    pub expires_at: String,
    #[serde(rename = "t")]
    pub recipient: String,
    /// Unix seconds.
    #[serde(rename = "x")]
    pub valid_until: i64,
    #[serde(rename = "n")]
    pub nonce: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Not signed by this trustdesk, altered, or cut short.
    Invalid,
    Expired,
}

impl LinkRefusal {
    pub fn sentence(self) -> &'static str {
        match self {
            LinkRefusal::Invalid => "This link is not valid: it was changed or cut short, or it was not made by this trustdesk. Open the item in trustdesk instead.",
            LinkRefusal::Expired => "This link has expired. Open the item in trustdesk to acknowledge or snooze it.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(valid_until: i64) -> LinkClaims {
        LinkClaims {
            action: "ack".into(),
            kind: "saml-provider".into(),
            account: "prod".into(),
            region: "global".into(),
            id: "Okta".into(),
            expires_at: "2026-12-10T00:00:00.000Z".into(),
            recipient: "owner@example.com".into(),
            valid_until,
            nonce: "n1".into(),
        }
    }

    #[test]
    fn a_signed_link_verifies_and_any_change_breaks_it() {
        let key = LinkKey::fixed(7);
        let now = chrono::Utc::now();
        let token = key.sign(&claims(now.timestamp() + 60));
        assert_eq!(
            key.verify(&token, now).unwrap(),
            claims(now.timestamp() + 60)
        );
        assert_eq!(
            LinkKey::fixed(8).verify(&token, now),
            Err(LinkRefusal::Invalid)
        );
        let (payload, signature) = token.split_once('.').unwrap();
        let mut other = claims(now.timestamp() + 60);
        other.id = "Other".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
        assert_eq!(
            key.verify(&format!("{forged_payload}.{signature}"), now),
            Err(LinkRefusal::Invalid)
        );
        assert_eq!(key.verify(payload, now), Err(LinkRefusal::Invalid));
        assert_eq!(
            key.verify(&token[..token.len() - 2], now),
            Err(LinkRefusal::Invalid)
        );
        let expired = key.sign(&claims(now.timestamp() - 1));
        assert_eq!(key.verify(&expired, now), Err(LinkRefusal::Expired));
    }

    #[test]
    fn the_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = LinkKey::load_or_create(dir.path()).unwrap();
        let again = LinkKey::load_or_create(dir.path()).unwrap();
        let signed = |key: &LinkKey| key.mac().finalize().into_bytes();
        assert_eq!(signed(&first), signed(&again));
        assert_eq!(format!("{first:?}"), "LinkKey([redacted])");
        // Readable by this user only, as every key of the data directory (keyfile's tests).
        assert!(dir.path().join("alert-links.key").is_file());
    }
}
