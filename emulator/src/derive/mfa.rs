//! Virtual MFA devices: a random TOTP seed in base32, the QR code an authenticator app scans,
//! `otpauth://totp/NAME@ACCOUNT?secret=SEED` drawn as a PNG, and the codes (RFC 6238: HMAC-SHA1,
//! 30-second steps, 6 digits) that EnableMFADevice checks.

use aws_lc_rs::hmac;
use chrono::{DateTime, Utc};

use rand::RngCore;

/// 40 random bytes, base32-encoded: 64 characters, as IAM's seeds are.
pub fn new_seed() -> String {
    let mut bytes = [0u8; 40];
    rand::thread_rng().fill_bytes(&mut bytes);
    base32(&bytes)
}

/// RFC 4648 base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u64::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32 (upper case, padding optional) to bytes; `None` for other characters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').chars() {
        let value = match c {
            'A'..='Z' => c as u64 - 'A' as u64,
            '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

const STEP_SECONDS: i64 = 30;

/// The 6-digit code for a time step (unix seconds / 30).
pub fn code_at_step(key: &[u8], step: u64) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key),
        &step.to_be_bytes(),
    );
    let digest = tag.as_ref();
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 1_000_000)
}

/// The code an authenticator app shows at `time` for a base32 seed.
pub fn totp(seed: &str, time: DateTime<Utc>) -> Option<String> {
    let key = base32_decode(seed)?;
    Some(code_at_step(&key, (time.timestamp() / STEP_SECONDS) as u64))
}

/// Whether `first` and `second` are the codes of two consecutive steps ending at most a minute
/// and a half before `now` (or one step after it, for clock skew), as a person reads them off an
/// app.
pub fn consecutive_codes_match(seed: &str, now: DateTime<Utc>, first: &str, second: &str) -> bool {
    let Some(key) = base32_decode(seed) else {
        return false;
    };
    let current = now.timestamp() / STEP_SECONDS;
    (current - 3..=current + 1).any(|step| {
        step > 0
            && code_at_step(&key, (step - 1) as u64) == first
            && code_at_step(&key, step as u64) == second
    })
}

pub fn otpauth_uri(device_name: &str, account_name: &str, seed: &str) -> String {
    format!("otpauth://totp/{device_name}@{account_name}?secret={seed}")
}

const MODULE_PIXELS: usize = 4;
const QUIET_ZONE_MODULES: usize = 4;

/// The text as a QR code in a greyscale PNG.
pub fn qr_code_png(text: &str) -> Result<Vec<u8>, String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| format!("QR code: {e}"))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE_MODULES) * MODULE_PIXELS;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (
                i % modules + QUIET_ZONE_MODULES,
                i / modules + QUIET_ZONE_MODULES,
            );
            for dy in 0..MODULE_PIXELS {
                let row = (my * MODULE_PIXELS + dy) * side;
                let start = row + mx * MODULE_PIXELS;
                pixels[start..start + MODULE_PIXELS].fill(0);
            }
        }
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| format!("PNG: {e}"))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| format!("PNG: {e}"))?;
    }
    Ok(png_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(new_seed().len(), 64);
    }

    #[test]
    fn base32_round_trips() {
        for bytes in [&b""[..], b"f", b"fooba", b"foobar", &[0xff; 40]] {
            assert_eq!(base32_decode(&base32(bytes)).unwrap(), bytes);
        }
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw"), None);
        assert_eq!(new_seed().len(), 64);
        assert_eq!(base32_decode(&new_seed()).unwrap().len(), 40);
    }

    #[test]
    fn codes_match_rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890": the last 6 of the 8 digits.
        let seed = base32(b"12345678901234567890");
        let at = |secs| DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
        assert_eq!(totp(&seed, at(59)).unwrap(), "287082");
        assert_eq!(totp(&seed, at(1_111_111_109)).unwrap(), "081804");
        assert_eq!(totp(&seed, at(1_234_567_890)).unwrap(), "005924");
        assert_eq!(totp(&seed, at(2_000_000_000)).unwrap(), "279037");
    }

    #[test]
    fn two_consecutive_codes_are_needed_in_order_and_recent() {
        let seed = new_seed();
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let step = chrono::Duration::seconds(STEP_SECONDS);
        let previous = totp(&seed, now - step).unwrap();
        let current = totp(&seed, now).unwrap();
        assert!(consecutive_codes_match(&seed, now, &previous, &current));
        assert!(!consecutive_codes_match(&seed, now, &current, &previous));
        assert!(!consecutive_codes_match(&seed, now, &current, &current));
        let old = now - step * 10;
        let (a, b) = (totp(&seed, old - step).unwrap(), totp(&seed, old).unwrap());
        assert!(!consecutive_codes_match(&seed, now, &a, &b));
    }

    #[test]
    fn qr_code_is_a_png_of_the_expected_size() {
        let png_bytes =
            qr_code_png(&otpauth_uri("alice-phone", "123456789012", &new_seed())).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width as usize % MODULE_PIXELS, 0);
        assert!(info.width >= ((21 + 8) * MODULE_PIXELS) as u32);
    }
}
