//! The `[smtp]` keys through `Config::load`, as an admin writes them.

use super::*;
use crate::config::{Config, Overrides};
use std::io::Write;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(file: Option<&str>, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut toml = tempfile::NamedTempFile::new().unwrap();
    if let Some(text) = file {
        write!(toml, "{text}").unwrap();
    }
    let path = file.map(|_| toml.path());
    Config::load(path, &env(pairs), &Overrides::default())
}

#[test]
fn no_smtp_unless_configured() {
    let config = load(None, &[]).unwrap();
    assert_eq!(config.smtp, None);
    assert_eq!(
        config.mail_retry_period,
        std::time::Duration::from_secs(86_400)
    );
}

#[test]
fn the_file_table_with_a_password_from_the_environment() {
    let config = load(
        Some("mail_retry_period = \"6h\"\n[smtp]\nhost = \"smtp.example.com\"\nusername = \"alerts\"\npassword_env = \"SMTP_PASS\"\nfrom = \"trustdesk <alerts@example.com>\"\n"),
        &[("SMTP_PASS", "correct horse battery")],
    )
    .unwrap();
    let smtp = config.smtp.clone().unwrap();
    assert_eq!(smtp.host, "smtp.example.com");
    assert_eq!(smtp.security, SmtpSecurity::StartTls);
    assert_eq!(smtp.port, 587, "the STARTTLS submission port by default");
    assert_eq!(smtp.username.as_deref(), Some("alerts"));
    assert_eq!(
        smtp.password.as_ref().unwrap().expose(),
        "correct horse battery"
    );
    assert_eq!(
        config.mail_retry_period,
        std::time::Duration::from_secs(6 * 3600)
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("correct horse"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn environment_keys_override_file_keys_one_by_one() {
    let mut secret = tempfile::NamedTempFile::new().unwrap();
    writeln!(secret, "from a file").unwrap();
    let secret_path = secret.path().display().to_string();
    let config = load(
        Some("[smtp]\nhost = \"smtp.example.com\"\nport = 2525\nusername = \"a\"\npassword_env = \"UNSET_VARIABLE\"\nfrom = \"a@example.com\"\n"),
        &[
            ("TRUSTDESK_SMTP_SECURITY", "tls"),
            ("TRUSTDESK_SMTP_FROM", "b@example.com"),
            ("TRUSTDESK_SMTP_PASSWORD_FILE", &secret_path),
        ],
    )
    .unwrap();
    let smtp = config.smtp.unwrap();
    assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.com", 2525));
    assert_eq!(smtp.security, SmtpSecurity::Tls);
    assert_eq!(smtp.from, "b@example.com");
    assert_eq!(
        smtp.password.unwrap().expose(),
        "from a file",
        "the environment's file replaces the file's variable; the newline is dropped"
    );
    let config = load(
        None,
        &[
            ("TRUSTDESK_SMTP_HOST", "127.0.0.1"),
            ("TRUSTDESK_SMTP_SECURITY", "none"),
            ("TRUSTDESK_SMTP_FROM", "td@localhost"),
        ],
    )
    .unwrap();
    assert_eq!(config.smtp.unwrap().port, 25);
}

#[test]
fn bad_values_name_their_source() {
    // Each case adds to (or replaces in) a valid SMTP environment one TRUSTDESK_SMTP_* key.
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("HOST", "smtp://x")], "HOST"),
        (&[("PORT", "70000")], "PORT"),
        (&[("SECURITY", "ssl")], "SECURITY"),
        (&[("FROM", "not an address")], "FROM"),
        (&[("USERNAME", "u")], "USERNAME"),
        (&[("PASSWORD_ENV", "P")], "PASSWORD_ENV"),
        (
            &[("USERNAME", "u"), ("PASSWORD_ENV", "NOT_SET")],
            "PASSWORD_ENV",
        ),
        (
            &[("USERNAME", "u"), ("PASSWORD_FILE", "/no/such/secret")],
            "PASSWORD_FILE",
        ),
        (
            &[
                ("HOST", "smtp.example.com"),
                ("SECURITY", "none"),
                ("USERNAME", "u"),
                ("PASSWORD_ENV", "P"),
            ],
            "SECURITY",
        ),
    ];
    for (extra, source) in cases {
        let mut pairs = vec![
            ("TRUSTDESK_SMTP_HOST".to_string(), "x".to_string()),
            ("TRUSTDESK_SMTP_FROM".to_string(), "a@b.c".to_string()),
            ("P".to_string(), "p".to_string()),
        ];
        for (key, value) in *extra {
            let key = format!("TRUSTDESK_SMTP_{key}");
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value.to_string()));
        }
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let e = load(None, &pairs).unwrap_err();
        assert_eq!(
            e.source_name,
            format!("TRUSTDESK_SMTP_{source}"),
            "{extra:?}: {e}"
        );
    }
    let e = load(None, &[("TRUSTDESK_SMTP_HOST", "x")]).unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_SMTP", "{e}");
    assert!(e.message.contains("from is required"), "{e}");
    let e = load(None, &[("TRUSTDESK_MAIL_RETRY_PERIOD", "1m")]).unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_MAIL_RETRY_PERIOD", "{e}");
    let both =
        "[smtp]\nhost = \"x\"\nfrom = \"a@b.c\"\npassword_env = \"A\"\npassword_file = \"/f\"\n";
    let e = load(Some(both), &[]).unwrap_err();
    assert!(e.source_name.ends_with(": smtp.password_file"), "{e}");
    let e = load(Some("[smtp]\nhost = \"x\"\npasword = \"oops\"\n"), &[]).unwrap_err();
    assert!(e.message.contains("pasword"), "{e}");
}

#[test]
fn an_unreadable_password_file_is_named_in_the_error() {
    let pairs = [
        ("TRUSTDESK_SMTP_HOST", "x"),
        ("TRUSTDESK_SMTP_FROM", "a@b.c"),
        ("TRUSTDESK_SMTP_USERNAME", "u"),
        ("TRUSTDESK_SMTP_PASSWORD_FILE", "/no/such/secret"),
    ];
    let e = load(None, &pairs).unwrap_err();
    assert!(e.message.contains("cannot read /no/such/secret"), "{e}");
}

#[test]
fn secrets_debug_as_redacted() {
    let secret = Secret::new("hunter2");
    assert_eq!(format!("{secret:?}"), "[redacted]");
    assert_eq!(format!("{:?}", Some(secret)), "Some([redacted])");
}

#[test]
fn a_ca_file_must_hold_certificates_and_needs_tls() {
    let mut pem = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        pem,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    )
    .unwrap();
    let pem_path = pem.path().display().to_string();
    let base = [
        ("TRUSTDESK_SMTP_HOST", "smtp.example.com"),
        ("TRUSTDESK_SMTP_FROM", "a@b.c"),
    ];
    let with = |extra: &[(&'static str, &str)]| {
        let mut pairs: Vec<(&str, &str)> = base.to_vec();
        pairs.extend_from_slice(extra);
        load(None, &pairs)
    };
    let config = with(&[("TRUSTDESK_SMTP_CA_FILE", &pem_path)]).unwrap();
    assert_eq!(config.smtp.unwrap().ca_file, Some(PathBuf::from(&pem_path)));
    let e = with(&[("TRUSTDESK_SMTP_CA_FILE", "/no/such/ca.pem")]).unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_SMTP_CA_FILE", "{e}");
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    let not_pem_path = not_pem.path().display().to_string();
    let e = with(&[("TRUSTDESK_SMTP_CA_FILE", &not_pem_path)]).unwrap_err();
    assert!(e.message.contains("no PEM certificate"), "{e}");
    let e = with(&[
        ("TRUSTDESK_SMTP_CA_FILE", &pem_path),
        ("TRUSTDESK_SMTP_SECURITY", "none"),
    ])
    .unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_SMTP_CA_FILE", "{e}");
}
