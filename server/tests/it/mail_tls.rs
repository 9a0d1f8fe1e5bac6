//! STARTTLS and implicit TLS against a real server with a certificate made for the test:
//! delivered when the certificate is trusted through `smtp.ca_file`, refused when it is not,
//! and never sent in clear when STARTTLS is required but not offered.

use crate::{
    outbox_fixtures::{config_with, db, deliver, enqueue, report, row, t0, FROM},
    smtp_server::{free_port, SmtpServer},
};
use server::{mail, store::outbox::OutboxState};
use std::{path::PathBuf, process::Command};

/// A self-signed certificate for 127.0.0.1, made with the openssl command `setup.sh` installs.
fn certificate(dir: &tempfile::TempDir) -> (String, String) {
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=trustdesk test SMTP"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let path = |p: PathBuf| p.display().to_string();
    (path(cert), path(key))
}

fn tls_config(port: u16, security: &str, ca_file: Option<&str>) -> server::config::Config {
    let port = port.to_string();
    let mut env = vec![
        ("TRUSTDESK_SMTP_HOST", "127.0.0.1"),
        ("TRUSTDESK_SMTP_PORT", port.as_str()),
        ("TRUSTDESK_SMTP_SECURITY", security),
        ("TRUSTDESK_SMTP_USERNAME", "alerts"),
        ("TRUSTDESK_SMTP_PASSWORD_ENV", "TLS_TEST_PASSWORD"),
        ("TLS_TEST_PASSWORD", "over-tls-only"),
        ("TRUSTDESK_SMTP_FROM", FROM),
    ];
    if let Some(ca_file) = ca_file {
        env.push(("TRUSTDESK_SMTP_CA_FILE", ca_file));
    }
    config_with(&env)
}

#[tokio::test]
async fn starttls_and_implicit_tls_deliver_and_sign_in_when_the_certificate_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(&dir);
    for (flag, security) in [("--starttls", "starttls"), ("--tls", "tls")] {
        let smtp = SmtpServer::start_on(
            free_port(),
            &[flag, &cert, &key, "--login", "alerts", "over-tls-only"],
        );
        let (_db_dir, db) = db().await;
        let id = enqueue(&db, "owner@example.com", security, t0()).await;
        let mailer = mail::from_config(&tls_config(smtp.port, security, Some(&cert)));
        assert_eq!(
            deliver(&db, mailer.as_ref(), t0()).await,
            report(1, 0, 0),
            "{security}: {:?}",
            row(&db, id).await.last_error
        );
        let received = smtp.received();
        assert_eq!(received.len(), 1, "{security}");
        assert_eq!(received[0].subject.as_deref(), Some(security));
        assert_eq!(received[0].login.as_deref(), Some("alerts"));
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(&dir);
    let smtp = SmtpServer::start_on(free_port(), &["--starttls", &cert, &key]);
    let (_db_dir, db) = db().await;
    let id = enqueue(&db, "owner@example.com", "untrusted", t0()).await;
    let mailer = mail::from_config(&tls_config(smtp.port, "starttls", None));
    assert_eq!(deliver(&db, mailer.as_ref(), t0()).await, report(0, 1, 0));
    let waiting = row(&db, id).await;
    assert_eq!(waiting.state, OutboxState::Pending);
    let error = waiting.last_error.unwrap();
    let expected = format!(
        "The TLS connection to SMTP server 127.0.0.1:{} failed (",
        smtp.port
    );
    assert!(error.starts_with(&expected), "{error}");
    assert!(error.contains("certificate"), "{error}");
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn required_starttls_is_never_skipped_for_a_plain_connection() {
    let smtp = SmtpServer::start();
    let (_db_dir, db) = db().await;
    let id = enqueue(&db, "owner@example.com", "plain", t0()).await;
    let mailer = mail::from_config(&tls_config(smtp.port, "starttls", None));
    assert_eq!(deliver(&db, mailer.as_ref(), t0()).await, report(0, 1, 0));
    assert_eq!(
        row(&db, id).await.last_error.as_deref(),
        Some(format!("SMTP server 127.0.0.1:{} does not offer STARTTLS; set smtp.security to tls if it expects TLS from the first byte (usually port 465).", smtp.port).as_str())
    );
    assert!(smtp.received().is_empty());
}
