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
