//! SMTP authentication against a real server, and the password kept out of every log line,
//! error sentence, description and Debug output along the way.

use crate::{
    outbox_fixtures::{config_with, db, deliver, enqueue, minutes, report, row, t0, FROM},
    smtp_server::{free_port, SmtpServer},
};
use server::{mail, store::outbox};

const PASSWORD: &str = "pw-7f3a9c-right";
const WRONG: &str = "pw-0b1d44-wrong";

fn login_config(port: u16, password: &str) -> server::config::Config {
    let port = port.to_string();
    config_with(&[
        ("TRUSTDESK_SMTP_HOST", "127.0.0.1"),
        ("TRUSTDESK_SMTP_PORT", &port),
        ("TRUSTDESK_SMTP_SECURITY", "none"),
        ("TRUSTDESK_SMTP_USERNAME", "alerts"),
        ("TRUSTDESK_SMTP_PASSWORD_ENV", "ALERT_SMTP_PASSWORD"),
        ("TRUSTDESK_SMTP_FROM", FROM),
        ("ALERT_SMTP_PASSWORD", password),
    ])
}

#[tokio::test]
async fn the_login_is_used_and_the_password_is_never_shown() {
    let logs = crate::captured::logs();

    let smtp = SmtpServer::start_on(free_port(), &["--login", "alerts", PASSWORD]);
    let plain = SmtpServer::start();
    let (_dir, db) = db().await;
    let right = login_config(smtp.port, PASSWORD);
    let wrong = login_config(smtp.port, WRONG);
    let unoffered = login_config(plain.port, PASSWORD);

    let signed_in = enqueue(&db, "owner@example.com", "signed in", t0()).await;
    let sent = deliver(&db, mail::from_config(&right).as_ref(), t0()).await;
    assert_eq!(sent, report(1, 0, 0));
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].login.as_deref(), Some("alerts"));
    assert_eq!(row(&db, signed_in).await.state, outbox::OutboxState::Sent);

    let refused = enqueue(&db, "owner@example.com", "refused", t0()).await;
    let mailer = mail::from_config(&wrong);
    let retried = deliver(&db, mailer.as_ref(), t0()).await;
    assert_eq!(
        retried,
        report(0, 1, 0),
        "a refused login heals when it is fixed"
    );
    assert_eq!(
        row(&db, refused).await.last_error.as_deref(),
        Some(format!("SMTP server 127.0.0.1:{} refused the username or password (535); check smtp.username and the password.", smtp.port).as_str())
    );

    let mailer = mail::from_config(&unoffered);
    let retried = deliver(&db, mailer.as_ref(), minutes(1)).await;
    assert_eq!(retried, report(0, 1, 0));
    assert_eq!(
        row(&db, refused).await.last_error.as_deref(),
        Some(format!("SMTP server 127.0.0.1:{} offers no way to sign in over this connection; check smtp.security and smtp.username.", plain.port).as_str())
    );
    assert!(plain.received().is_empty());

    let logged = logs.text();
    assert!(
        logged.contains("SMTP send failed"),
        "the log was captured: {logged}"
    );
    let mut shown = vec![logged];
    for config in [&right, &wrong, &unoffered] {
        shown.push(format!("{config:?}"));
        shown.push(format!("{:?}", config.smtp));
        shown.push(mail::from_config(config).describe());
    }
    for entry in outbox::list(db.pool(), None, 10).await.unwrap() {
        shown.push(format!("{entry:?}"));
    }
    for text in &shown {
        for password in [PASSWORD, WRONG] {
            assert!(!text.contains(password), "{password} in: {text}");
        }
    }
}
