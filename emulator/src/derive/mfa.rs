//! Virtual MFA devices: a random TOTP seed in base32 and the QR code an authenticator app scans,
//! `otpauth://totp/NAME@ACCOUNT?secret=SEED` drawn as a PNG.

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
