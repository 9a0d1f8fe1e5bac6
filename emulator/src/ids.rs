//! Identifiers in the shapes AWS uses.

use rand::distributions::{Alphanumeric, Uniform};
use rand::Rng;

/// IAM unique ids: a four-letter kind prefix and 17 upper-case letters and digits
/// (`ANPA…` policy, `AROA…` role, `AIPA…` instance profile, `ASCA…` server certificate).
pub fn iam_unique_id(prefix: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let tail: String = (0..17)
        .map(|_| CHARS[rng.sample(Uniform::new(0, CHARS.len()))] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// EC2 resource ids: `ipam-` and 17 lower-case hex digits.
pub fn ec2_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(17))
}

pub fn random_hex(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

pub fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` bytes that depend only on `name`: what the demo seed uses where AWS would use random
/// ones, so the same seed gives the same ids.
pub fn stable_bytes(name: &str, len: usize) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 0u32;
    while out.len() < len {
        let mut hasher = Sha256::new();
        hasher.update(counter.to_be_bytes());
        hasher.update(name.as_bytes());
        out.extend_from_slice(&hasher.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// Like [`iam_unique_id`], but the same for the same `name`.
pub fn stable_iam_id(prefix: &str, name: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = stable_bytes(name, 17)
        .iter()
        .map(|b| CHARS[usize::from(*b) % CHARS.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

pub fn stable_hex(name: &str, len: usize) -> String {
    let mut text = hex::encode(stable_bytes(name, len.div_ceil(2)));
    text.truncate(len);
    text
}

/// `len` lower-case letters and digits that depend only on `name`, for the ids AWS
/// Organizations writes in that alphabet (`o-…`, `r-…`, `ou-…`).
pub fn stable_base36(name: &str, len: usize) -> String {
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    stable_bytes(name, len)
        .iter()
        .map(|b| CHARS[usize::from(*b) % CHARS.len()] as char)
        .collect()
}

pub fn stable_uuid(name: &str) -> String {
    let bytes: [u8; 16] = stable_bytes(name, 16)
        .try_into()
        .expect("16 bytes were asked for");
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids_depend_only_on_the_name() {
        assert_eq!(stable_iam_id("AROA", "a"), stable_iam_id("AROA", "a"));
        assert_ne!(stable_iam_id("AROA", "a"), stable_iam_id("AROA", "b"));
        assert_eq!(stable_iam_id("AROA", "a").len(), 21);
        assert_eq!(stable_hex("t", 40).len(), 40);
        assert_eq!(stable_bytes("x", 70).len(), 70);
        assert_eq!(stable_uuid("u"), stable_uuid("u"));
        assert_eq!(stable_uuid("u").len(), 36);
        let id = stable_base36("o", 10);
        assert_eq!(id, stable_base36("o", 10));
        assert!(
            id.len() == 10
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        );
    }
}
