//! The PEMs of a server certificate upload, read on the server (x509-parser) and checked as
//! IAM would: one certificate, a private key that belongs to it (aws-lc-rs derives the key's
//! public half), a chain in order (each certificate's issuer is the next one, its signature
//! verified with the issuer's key). Nothing here keeps the key or puts it in a message.

use app::kinds::server_certificate::{CertificateSummary, PemProblems};
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, KeyPair, UnparsedPublicKey, VerificationAlgorithm,
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// How many certificates a chain may hold here: each one's signature is verified, and real
/// chains hold two or three (IAM bounds only the chain's length, 2,097,152 characters).
pub(super) const MAX_CHAIN_CERTIFICATES: usize = 16;

/// The PEM blocks of a text; `what` names it in messages.
fn pem_blocks(text: &str, what: &str) -> Result<Vec<Pem>, String> {
    let blocks: Vec<Pem> = Pem::iter_from_buffer(text.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} is not valid PEM ({e})."))?;
    if blocks.is_empty() {
        return Err(format!(
            "{what} is not PEM: paste the text that begins with -----BEGIN …-----."
        ));
    }
    Ok(blocks)
}

fn x509<'a>(block: &'a Pem, what: &str) -> Result<X509Certificate<'a>, String> {
    if block.label != "CERTIFICATE" {
        return Err(format!(
            "{what} holds a {} block, not a CERTIFICATE.",
            block.label
        ));
    }
    block
        .parse_x509()
        .map_err(|e| format!("{what} is not a readable X.509 certificate ({e})."))
}

fn curve_of(certificate: &X509Certificate<'_>) -> Option<String> {
    certificate
        .public_key()
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string())
}

fn key_type(certificate: &X509Certificate<'_>) -> String {
    let spki = certificate.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(key)) => format!("RSA {}-bit", key.key_size()),
        Ok(PublicKey::EC(point)) => match curve_of(certificate).as_deref() {
            Some(OID_P256) => "EC P-256".into(),
            Some(OID_P384) => "EC P-384".into(),
            Some(OID_P521) => "EC P-521".into(),
            _ => format!("EC {}-bit", point.key_size()),
        },
        _ if spki.algorithm.algorithm.to_id_string() == OID_ED25519 => "Ed25519".into(),
        _ => format!("other ({})", spki.algorithm.algorithm.to_id_string()),
    }
}

fn names(certificate: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = certificate.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_string()),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => <[u8; 4]>::try_from(*ip)
                    .ok()
                    .map(|b| std::net::Ipv4Addr::from(b).to_string()),
                16 => <[u8; 16]>::try_from(*ip)
                    .ok()
                    .map(|b| std::net::Ipv6Addr::from(b).to_string()),
                _ => None,
            },
            GeneralName::RFC822Name(mail) => Some((*mail).to_string()),
            _ => None,
        })
        .collect()
}

fn rfc3339(time: x509_parser::time::ASN1Time) -> String {
    chrono::DateTime::from_timestamp(time.timestamp(), 0)
        .map(crate::time::timestamp)
        .unwrap_or_default()
}

/// Whether `issuer`'s key verifies `child`'s signature: `None` when the algorithm is not one
/// checked here (RSA PKCS#1 SHA-256/384/512, ECDSA P-256/P-384).
fn signature_verifies(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Option<bool> {
    let signed_with = child.signature_algorithm.algorithm.to_id_string();
    let key = issuer.public_key();
    let key_kind = key.algorithm.algorithm.to_id_string();
    let curve = curve_of(issuer);
    let algorithm: &'static dyn VerificationAlgorithm =
        match (signed_with.as_str(), key_kind.as_str(), curve.as_deref()) {
            ("1.2.840.113549.1.1.11", OID_RSA, _) => &sig::RSA_PKCS1_2048_8192_SHA256,
            ("1.2.840.113549.1.1.12", OID_RSA, _) => &sig::RSA_PKCS1_2048_8192_SHA384,
            ("1.2.840.113549.1.1.13", OID_RSA, _) => &sig::RSA_PKCS1_2048_8192_SHA512,
            ("1.2.840.10045.4.3.2", OID_EC, Some(OID_P256)) => &sig::ECDSA_P256_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", OID_EC, Some(OID_P256)) => &sig::ECDSA_P256_SHA384_ASN1,
            ("1.2.840.10045.4.3.2", OID_EC, Some(OID_P384)) => &sig::ECDSA_P384_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", OID_EC, Some(OID_P384)) => &sig::ECDSA_P384_SHA384_ASN1,
            _ => return None,
        };
    Some(
        UnparsedPublicKey::new(algorithm, key.subject_public_key.data.as_ref())
            .verify(
                child.tbs_certificate.as_ref(),
                child.signature_value.data.as_ref(),
            )
            .is_ok(),
    )
}

/// `issuer` issued `child`: its subject is the child's issuer and, where the algorithm is one
/// checked here, its key verifies the child's signature.
fn issued_by(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    child.issuer().as_raw() == issuer.subject().as_raw()
        && signature_verifies(child, issuer) != Some(false)
}

/// The public half of a private key, as a certificate's subjectPublicKey holds it; `None` when
/// the block is no key read here. PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) and SEC1
/// (`EC PRIVATE KEY`) keys, RSA and EC P-256/P-384.
fn public_key_of(label: &str, der: &[u8]) -> Option<Vec<u8>> {
    let ec = |from: &dyn Fn(&'static sig::EcdsaSigningAlgorithm) -> Option<EcdsaKeyPair>| {
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
            .or_else(|| ec(&|alg| EcdsaKeyPair::from_pkcs8(alg, der).ok())),
        "RSA PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_der(der)
            .ok()
            .map(|pair| pair.public_key().as_ref().to_vec()),
        "EC PRIVATE KEY" => ec(&|alg| EcdsaKeyPair::from_private_key_der(alg, der).ok()),
        _ => None,
    }
}

/// The private key's problem with `certificate`, if any. Messages never quote the key.
fn check_key(certificate: &X509Certificate<'_>, key: &str) -> Result<(), String> {
    let blocks = pem_blocks(key, "The private key")?;
    let [block] = blocks.as_slice() else {
        return Err(format!(
            "The private key field holds {} PEM blocks; paste the one private key.",
            blocks.len()
        ));
    };
    match block.label.as_str() {
        "ENCRYPTED PRIVATE KEY" => {
            return Err("The private key is encrypted; IAM needs it unencrypted (e.g. openssl pkey -in key.pem -out plain-key.pem).".into())
        }
        "CERTIFICATE" => {
            return Err("This is a certificate, not a private key.".into());
        }
        _ => {}
    }
    let public = public_key_of(&block.label, &block.contents).ok_or_else(|| {
        format!(
            "The {} block could not be read as an RSA or EC (P-256, P-384) private key.",
            block.label
        )
    })?;
    if public.as_slice() == certificate.public_key().subject_public_key.data.as_ref() {
        Ok(())
    } else {
        Err("This private key does not belong to the certificate (their public keys differ): choose the key the certificate was issued for.".into())
    }
}

/// The form's PEM rule: body, chain (may be empty) and key, each problem on its field.
pub(super) fn check_pems(
    body: &str,
    chain: &str,
    key: &str,
) -> Result<CertificateSummary, PemProblems> {
    let mut problems: PemProblems = Vec::new();
    let body_blocks = match pem_blocks(body, "The certificate") {
        Ok(blocks) => blocks,
        Err(problem) => return Err(vec![("body", problem)]),
    };
    if body_blocks.len() > 1 {
        return Err(vec![(
            "body",
            format!(
                "The certificate body holds {} PEM blocks; put the one certificate here and its issuers in the chain.",
                body_blocks.len()
            ),
        )]);
    }
    let certificate = match x509(&body_blocks[0], "The certificate") {
        Ok(certificate) => certificate,
        Err(problem) => return Err(vec![("body", problem)]),
    };
    if let Err(problem) = check_key(&certificate, key) {
        problems.push(("private_key", problem));
    }
    let chain_blocks = if chain.is_empty() {
        Vec::new()
    } else {
        match pem_blocks(chain, "The chain") {
            Ok(blocks) => blocks,
            Err(problem) => {
                problems.push(("chain", problem));
                Vec::new()
            }
        }
    };
    if chain_blocks.len() > MAX_CHAIN_CERTIFICATES {
        problems.push(("chain", format!(
            "The chain holds {} certificates; trustdesk checks chains of up to {MAX_CHAIN_CERTIFICATES}. Keep the issuers from the certificate's issuer up to the root, and leave the rest out.",
            chain_blocks.len()
        )));
        return Err(problems);
    }
    let mut chain_certificates = Vec::new();
    for (i, block) in chain_blocks.iter().enumerate() {
        match x509(block, &format!("Certificate {} of the chain", i + 1)) {
            Ok(certificate) => chain_certificates.push(certificate),
            Err(problem) => {
                problems.push(("chain", problem));
                break;
            }
        }
    }
    if chain_certificates.len() == chain_blocks.len() {
        if let Some(first) = chain_certificates.first() {
            if !issued_by(&certificate, first) {
                problems.push(("chain", format!(
                    "The chain's first certificate ({}) did not issue the certificate (issued by {}): put the certificate's issuer first.",
                    first.subject(), certificate.issuer()
                )));
            }
        }
        if let Some(i) = chain_certificates
            .windows(2)
            .position(|pair| !issued_by(&pair[0], &pair[1]))
        {
            problems.push(("chain", format!(
                "The chain is out of order: certificate {} ({}) did not issue certificate {} ({}). Order it from the certificate's issuer up to the root.",
                i + 2, chain_certificates[i + 1].subject(), i + 1, chain_certificates[i].subject()
            )));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(summary_of(&certificate, &chain_certificates))
}

fn summary_of(
    certificate: &X509Certificate<'_>,
    chain: &[X509Certificate<'_>],
) -> CertificateSummary {
    let validity = certificate.validity();
    CertificateSummary {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        sans: names(certificate),
        not_before: rfc3339(validity.not_before),
        not_after: rfc3339(validity.not_after),
        key_type: key_type(certificate),
        chain: chain.iter().map(|c| c.subject().to_string()).collect(),
    }
}

/// What a stored body (and chain) says, for the detail page.
pub(super) fn read_summary(body: &str, chain: Option<&str>) -> Option<CertificateSummary> {
    let blocks = pem_blocks(body, "").ok()?;
    let certificate = x509(blocks.first()?, "").ok()?;
    let chain_blocks = chain
        .and_then(|c| pem_blocks(c, "").ok())
        .unwrap_or_default();
    let chain: Vec<X509Certificate<'_>> = chain_blocks
        .iter()
        .filter_map(|b| x509(b, "").ok())
        .collect();
    Some(summary_of(&certificate, &chain))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs openssl in `dir`; panics with its stderr when it fails.
    fn openssl(dir: &std::path::Path, args: &[&str]) {
        let output = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl CLI is installed");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// How `openssl req -newkey` makes an RSA key.
    const RSA: &[&str] = &["rsa:2048"];

    /// A self-signed certificate `NAME.pem` valid for `days`, with a new key `NAME.key` made as
    /// `key` says (the arguments of `-newkey`).
    fn self_signed(dir: &std::path::Path, name: &str, key: &[&str], days: &str, subject: &str) {
        let (key_file, pem) = (format!("{name}.key"), format!("{name}.pem"));
        let mut args = vec!["req", "-x509", "-newkey"];
        args.extend(key);
        args.extend(["-nodes", "-keyout", &key_file, "-out", &pem]);
        openssl(
            dir,
            &[&args[..], &["-days", days, "-subj", subject]].concat(),
        );
    }

    /// A certificate `NAME.pem` valid for `days`, for a new RSA key `NAME.key`, issued by the
    /// certificate `CA.pem` (its key `CA.key`) with the X.509 `extensions` given.
    fn issued(
        dir: &std::path::Path,
        name: &str,
        ca: &str,
        days: &str,
        subject: &str,
        extensions: &str,
    ) {
        let (key_file, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let (ca_pem, ca_key, ext) = (
            format!("{ca}.pem"),
            format!("{ca}.key"),
            format!("{name}.ext"),
        );
        std::fs::write(dir.join(&ext), format!("{extensions}\n")).unwrap();
        let request = [
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key_file, "-out", &csr,
        ];
        openssl(dir, &[&request[..], &["-subj", subject]].concat());
        let sign = [
            "x509", "-req", "-in", &csr, "-CA", &ca_pem, "-CAkey", &ca_key,
        ];
        let rest = [
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            days,
            "-extfile",
            &ext,
        ];
        openssl(dir, &[&sign[..], &rest[..]].concat());
    }

    fn read(dir: &std::path::Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn keys_chains_and_summaries() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A root CA, an intermediate it signs, a leaf (RSA) the intermediate signs; an EC leaf.
        self_signed(d, "root", RSA, "30", "/CN=Test Root");
        let ca = "basicConstraints=critical,CA:TRUE";
        issued(d, "int", "root", "30", "/CN=Test Intermediate", ca);
        let names = "subjectAltName=DNS:www.example.com,DNS:example.com,IP:192.0.2.7";
        issued(d, "leaf", "int", "10", "/CN=www.example.com", names);
        let ec = ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"];
        self_signed(d, "ec", &ec, "5", "/CN=ec.example.com");
        let (leaf, leaf_key) = (read(d, "leaf.pem"), read(d, "leaf.key"));
        let chain = format!("{}{}", read(d, "int.pem"), read(d, "root.pem"));

        let summary = check_pems(&leaf, &chain, &leaf_key).unwrap();
        assert_eq!(summary.subject, "CN=www.example.com");
        assert_eq!(summary.issuer, "CN=Test Intermediate");
        assert_eq!(
            summary.sans,
            ["www.example.com", "example.com", "192.0.2.7"]
        );
        assert_eq!(summary.key_type, "RSA 2048-bit");
        assert_eq!(summary.chain, ["CN=Test Intermediate", "CN=Test Root"]);
        assert!(summary.not_after > summary.not_before);

        let ec = check_pems(&read(d, "ec.pem"), "", &read(d, "ec.key")).unwrap();
        assert_eq!(ec.key_type, "EC P-384");

        // The wrong key, the chain reversed, the chain without the intermediate.
        let problems = check_pems(&leaf, &chain, &read(d, "root.key")).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "private_key");
        assert!(
            problems[0].1.contains("does not belong"),
            "{}",
            problems[0].1
        );
        assert!(
            !problems[0].1.contains("PRIVATE"),
            "the key is never quoted"
        );
        let reversed = format!("{}{}", read(d, "root.pem"), read(d, "int.pem"));
        let problems = check_pems(&leaf, &reversed, &leaf_key).unwrap_err();
        assert!(problems.iter().all(|(f, _)| *f == "chain"));
        assert!(
            problems[0].1.contains("did not issue the certificate"),
            "{problems:?}"
        );
        let out_of_order = format!("{}{}", read(d, "int.pem"), read(d, "ec.pem"));
        let problems = check_pems(&leaf, &out_of_order, &leaf_key).unwrap_err();
        assert!(problems[0].1.contains("out of order"), "{problems:?}");

        // A chain padded with copies, each of which would be parsed and verified, is refused
        // by its count.
        let padded = read(d, "root.pem").repeat(MAX_CHAIN_CERTIFICATES + 1);
        let problems = check_pems(&leaf, &padded, &leaf_key).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(f, m)| *f == "chain" && m.contains("up to 16")),
            "{problems:?}"
        );

        // A certificate whose issuer's name matches but whose signature does not verify.
        self_signed(d, "fake", RSA, "30", "/CN=Test Intermediate");
        let problems = check_pems(&leaf, &read(d, "fake.pem"), &leaf_key).unwrap_err();
        assert!(problems[0].1.contains("did not issue"), "{problems:?}");

        // Wrong blocks in the wrong fields.
        let problems = check_pems(&leaf_key, "", &leaf_key).unwrap_err();
        assert_eq!(problems[0].0, "body");
        assert!(problems[0]
            .1
            .contains("PRIVATE KEY block, not a CERTIFICATE"));
        let problems = check_pems(&leaf, "", &leaf).unwrap_err();
        assert_eq!(
            problems,
            vec![(
                "private_key",
                "This is a certificate, not a private key.".to_string()
            )]
        );
        let problems = check_pems("hello", "", &leaf_key).unwrap_err();
        assert!(problems[0].1.contains("not PEM"));
        let problems = check_pems(&format!("{leaf}{leaf}"), "", &leaf_key).unwrap_err();
        assert!(problems[0].1.contains("2 PEM blocks"));
    }
}
