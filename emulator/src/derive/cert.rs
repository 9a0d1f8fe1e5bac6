//! X.509 server certificates as IAM checks them on upload: one PEM certificate whose dates are
//! read from it, and a private key that must belong to it.

use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING,
};
use chrono::{DateTime, Utc};
use x509_parser::pem::Pem;

#[derive(Debug, Clone)]
pub struct ParsedCertificate {
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub subject: String,
    /// The subjectPublicKey bits: an RSAPublicKey for RSA, the point for EC, the key for Ed25519.
    public_key: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CertError(pub String);

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn pem_blocks(text: &str) -> Result<Vec<Pem>, CertError> {
    let blocks: Vec<Pem> = Pem::iter_from_buffer(text.trim().as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| CertError(format!("Unable to parse PEM: {e}")))?;
    if blocks.is_empty() {
        return Err(CertError(
            "Unable to parse certificate. Please ensure the certificate is in PEM format."
                .to_string(),
        ));
    }
    Ok(blocks)
}

fn parse_one(block: &Pem) -> Result<ParsedCertificate, CertError> {
    if block.label != "CERTIFICATE" {
        return Err(CertError(format!(
            "Expected a CERTIFICATE block, found {}.",
            block.label
        )));
    }
    let certificate = block
        .parse_x509()
        .map_err(|e| CertError(format!("Unable to parse certificate: {e}")))?;
    let validity = certificate.validity();
    let to_utc = |t: x509_parser::time::ASN1Time| {
        DateTime::<Utc>::from_timestamp(t.timestamp(), 0)
            .ok_or_else(|| CertError("Certificate date out of range.".to_string()))
    };
    Ok(ParsedCertificate {
        not_before: to_utc(validity.not_before)?,
        not_after: to_utc(validity.not_after)?,
        subject: certificate.subject().to_string(),
        public_key: certificate.public_key().subject_public_key.data.to_vec(),
    })
}

/// The certificate body: exactly one PEM certificate.
pub fn parse_certificate(text: &str) -> Result<ParsedCertificate, CertError> {
    let blocks = pem_blocks(text)?;
    if blocks.len() != 1 {
        return Err(CertError(
            "The certificate body must contain exactly one certificate.".to_string(),
        ));
    }
    parse_one(&blocks[0])
}

/// A chain: one or more PEM certificates.
pub fn parse_chain(text: &str) -> Result<Vec<ParsedCertificate>, CertError> {
    pem_blocks(text)?.iter().map(parse_one).collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    Malformed(String),
    Mismatch,
}

/// Accepts PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`) keys.
pub fn check_key_matches(certificate: &ParsedCertificate, key_pem: &str) -> Result<(), KeyError> {
    let blocks = pem_blocks(key_pem)
        .map_err(|e| KeyError::Malformed(format!("Unable to parse private key: {e}")))?;
    let [block] = blocks.as_slice() else {
        return Err(KeyError::Malformed(
            "The private key must be a single PEM block.".to_string(),
        ));
    };
    let public_key = public_key_of(&block.label, &block.contents).ok_or_else(|| {
        KeyError::Malformed(format!(
            "Unable to parse the {} block as a private key.",
            block.label
        ))
    })?;
    if public_key == certificate.public_key {
        Ok(())
    } else {
        Err(KeyError::Mismatch)
    }
}

fn public_key_of(label: &str, der: &[u8]) -> Option<Vec<u8>> {
    let ec = |from: &dyn Fn(
        &'static aws_lc_rs::signature::EcdsaSigningAlgorithm,
    ) -> Option<EcdsaKeyPair>| {
        [
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &ECDSA_P384_SHA384_ASN1_SIGNING,
        ]
        .into_iter()
        .find_map(from)
        .map(|pair| pair.public_key().as_ref().to_vec())
    };
    match label {
        "PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_pkcs8(der)
            .ok()
            .map(|pair| pair.public_key().as_ref().to_vec())
            .or_else(|| ec(&|alg| EcdsaKeyPair::from_pkcs8(alg, der).ok()))
            .or_else(|| {
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .ok()
                    .map(|pair| pair.public_key().as_ref().to_vec())
            }),
        "RSA PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_der(der)
            .ok()
            .map(|pair| pair.public_key().as_ref().to_vec()),
        "EC PRIVATE KEY" => ec(&|alg| EcdsaKeyPair::from_private_key_der(alg, der).ok()),
        _ => None,
    }
}

/// A self-signed certificate and its key, valid between the two dates: what the demo seed and
/// tests upload.
pub fn self_signed(
    common_name: &str,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> (String, String) {
    use chrono::Datelike;
    let mut params = rcgen::CertificateParams::new(vec![common_name.to_string()])
        .expect("a DNS name is a valid subject alternative name");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.not_before = rcgen::date_time_ymd(
        not_before.year(),
        not_before.month() as u8,
        not_before.day() as u8,
    );
    params.not_after = rcgen::date_time_ymd(
        not_after.year(),
        not_after.month() as u8,
        not_after.day() as u8,
    );
    let key = rcgen::KeyPair::generate().expect("generating a P-256 key");
    let certificate = params
        .self_signed(&key)
        .expect("self-signing a certificate");
    (certificate.pem(), key.serialize_pem())
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn reads_dates_and_matches_only_its_own_key() {
        let not_before = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let not_after = Utc.with_ymd_and_hms(2027, 3, 4, 0, 0, 0).unwrap();
        let (pem, key) = self_signed("api.example.com", not_before, not_after);
        let parsed = parse_certificate(&pem).unwrap();
        assert_eq!(parsed.not_after, not_after);
        assert_eq!(parsed.not_before, not_before);
        assert!(parsed.subject.contains("api.example.com"));
        assert_eq!(check_key_matches(&parsed, &key), Ok(()));

        let (_, other_key) = self_signed(
            "other.example.com",
            not_before,
            not_before + Duration::days(1),
        );
        assert_eq!(
            check_key_matches(&parsed, &other_key),
            Err(KeyError::Mismatch)
        );
        assert!(matches!(
            check_key_matches(&parsed, "garbage"),
            Err(KeyError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_garbage_and_two_certificates() {
        assert!(parse_certificate("not a certificate").is_err());
        assert!(parse_certificate(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        )
        .is_err());
        let now = Utc::now();
        let (a, _) = self_signed("a.example.com", now, now + Duration::days(2));
        let (b, _) = self_signed("b.example.com", now, now + Duration::days(2));
        assert!(parse_certificate(&format!("{a}{b}")).is_err());
        assert_eq!(parse_chain(&format!("{a}{b}")).unwrap().len(), 2);
    }
}
