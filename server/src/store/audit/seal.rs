//! How a row is sealed: its canonical form (the JSON of its fields in a fixed order, ending with
//! the previous row's hash), and the hash over it: plain SHA-256, or HMAC-SHA256 with the audit
//! key, so that someone who can write the database but does not hold the key cannot recompute
//! a rewritten row's seal.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::{fmt, path::Path, sync::Arc};

/// The scheme of rows hashed with SHA-256 alone (every row written without a key).
pub const PLAIN: &str = "sha256";
/// The scheme of rows sealed with the audit key.
pub const KEYED: &str = "hmac-sha256";

/// The shortest key accepted: as many bytes as the HMAC's output.
pub const MIN_KEY_BYTES: usize = 32;

/// The audit key, read once at start from `audit_key_file`. Never printed.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Arc<[u8]>,
}

impl AuditKey {
    /// Reads the key file: its bytes as they are, at least [`MIN_KEY_BYTES`] of them.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the audit key file {}: {e}", path.display()))?;
        Self::from_bytes(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the audit key holds {} bytes; it needs at least {MIN_KEY_BYTES} random bytes (e.g. `head -c 32 /dev/urandom > audit.key`)",
                bytes.len()
            ));
        }
        Ok(Self {
            bytes: bytes.into(),
        })
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes a key of any length");
        mac.update(message);
        mac
    }
}

impl PartialEq for AuditKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for AuditKey {}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

/// How this process seals new rows and checks keyed ones: with the audit key, or plain.
#[derive(Clone, Debug, Default)]
pub struct Seal {
    key: Option<AuditKey>,
}

impl Seal {
    pub fn plain() -> Self {
        Self { key: None }
    }

    pub fn keyed(key: AuditKey) -> Self {
        Self { key: Some(key) }
    }

    pub fn new(key: Option<AuditKey>) -> Self {
        Self { key }
    }

    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// The scheme new rows get.
    pub fn scheme(&self) -> &'static str {
        if self.is_keyed() {
            KEYED
        } else {
            PLAIN
        }
    }

    /// The hash of a new row.
    pub(super) fn seal(&self, row: &Canonical<'_>) -> String {
        let json = row.json();
        match &self.key {
            Some(key) => hex::encode(key.mac(&json).finalize().into_bytes()),
            None => hex::encode(Sha256::digest(&json)),
        }
    }

    /// Whether `stored` is the right hash of `row` under `scheme`.
    pub(super) fn check(
        &self,
        scheme: &str,
        row: &Canonical<'_>,
        stored: &str,
    ) -> Result<(), Mismatch> {
        let json = row.json();
        match scheme {
            PLAIN => {
                if hex::encode(Sha256::digest(&json)) == stored {
                    Ok(())
                } else {
                    Err(Mismatch::Contents)
                }
            }
            KEYED => {
                let key = self.key.as_ref().ok_or(Mismatch::NoKey)?;
                let stored = hex::decode(stored).map_err(|_| Mismatch::Contents)?;
                key.mac(&json)
                    .verify_slice(&stored)
                    .map_err(|_| Mismatch::Contents)
            }
            _ => Err(Mismatch::UnknownScheme),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Mismatch {
    Contents,
    NoKey,
    UnknownScheme,
}

/// A row's fields in the order they are hashed. The two states and the HTTP request's id come
/// last before the link and only when recorded, so rows written before they existed hash as
/// they always did.
#[derive(Serialize)]
pub(super) struct Canonical<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub client_ip: &'a str,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub account: &'a str,
    pub region: &'a str,
    pub params: &'a str,
    pub outcome: &'a str,
    pub message: &'a str,
    pub request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_before: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_after: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_request_id: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl Canonical<'_> {
    fn json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain strings always serialise")
    }

    /// The plain SHA-256 of this form, as anyone can compute it (a rewrite without the key).
    #[cfg(test)]
    pub(super) fn plain_hash(&self) -> String {
        hex::encode(Sha256::digest(self.json()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor: &str) -> Canonical<'_> {
        Canonical {
            id: 1,
            at: "2026-12-01T00:00:00.000Z",
            actor,
            client_ip: "",
            action: "a",
            target_kind: "",
            target_id: "",
            account: "",
            region: "",
            params: "{}",
            outcome: "ok",
            message: "",
            request_id: "",
            state_before: None,
            state_after: None,
            http_request_id: None,
            prev_hash: "0",
        }
    }

    #[test]
    fn a_keyed_seal_needs_the_key_and_the_same_contents() {
        let key = AuditKey::from_bytes(vec![7; 32]).unwrap();
        let seal = Seal::keyed(key);
        let hash = seal.seal(&row("alice"));
        assert_eq!(seal.check(KEYED, &row("alice"), &hash), Ok(()));
        assert_eq!(
            seal.check(KEYED, &row("mallory"), &hash),
            Err(Mismatch::Contents)
        );
        assert_eq!(
            Seal::plain().check(KEYED, &row("alice"), &hash),
            Err(Mismatch::NoKey)
        );
        let other = Seal::keyed(AuditKey::from_bytes(vec![8; 32]).unwrap());
        assert_eq!(
            other.check(KEYED, &row("alice"), &hash),
            Err(Mismatch::Contents)
        );
        assert_ne!(hash, row("alice").plain_hash());
    }

    #[test]
    fn a_short_key_is_refused_and_never_printed() {
        let e = AuditKey::from_bytes(vec![1; 31]).unwrap_err();
        assert!(e.contains("31 bytes") && e.contains("at least 32"), "{e}");
        let key = AuditKey::from_bytes(b"correct horse battery staple 12345".to_vec()).unwrap();
        assert!(!format!("{key:?}").contains("horse"));
    }

    #[test]
    fn rows_without_states_hash_as_before_states_existed() {
        // The canonical form of every row written before this version, spelled out.
        let old = r#"{"id":1,"at":"2026-12-01T00:00:00.000Z","actor":"alice","client_ip":"","action":"a","target_kind":"","target_id":"","account":"","region":"","params":"{}","outcome":"ok","message":"","request_id":"","prev_hash":"0"}"#;
        assert_eq!(row("alice").json(), old.as_bytes());
    }

    #[test]
    fn a_request_id_is_hashed_after_the_states() {
        let mut with_id = row("alice");
        with_id.http_request_id = Some("0af7651916cd43dd8448eb211c80319c");
        let json = String::from_utf8(with_id.json()).unwrap();
        assert!(
            json.ends_with(r#""request_id":"","http_request_id":"0af7651916cd43dd8448eb211c80319c","prev_hash":"0"}"#),
            "{json}"
        );
        assert_ne!(with_id.plain_hash(), row("alice").plain_hash());
    }
}
