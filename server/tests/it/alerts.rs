//! Expiry alerts end to end inside one server: the demo syncs, the alert run queues one digest
//! per owner, a real SMTP server (aiosmtpd) receives them, a second run sends nothing new, the
//! clock crossing a threshold sends the next notice except to acknowledged items, and the
//! emailed links act once.

use crate::harness::*;
use crate::smtp_server::{Received, SmtpServer};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

fn smtp_env(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("TRUSTDESK_SMTP_HOST", "127.0.0.1".into()),
        ("TRUSTDESK_SMTP_PORT", smtp.port.to_string()),
        ("TRUSTDESK_SMTP_SECURITY", "none".into()),
        ("TRUSTDESK_SMTP_FROM", "trustdesk@example.com".into()),
    ]
}

async fn start(smtp: &SmtpServer) -> (TestApp, Browser) {
    let env = smtp_env(smtp);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::builder()
        .demo()
        .jobs()
        .env(&pairs)
        .build_with_admin()
        .await
}

/// Waits until the outbox holds `at_least` mails and every one of them was sent (the demo's
/// chat posts aside).
async fn all_sent(app: &TestApp, at_least: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let total = app
            .count("SELECT COUNT(*) FROM outbox WHERE channel = 'email'")
            .await;
        let sent = app
            .count("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'sent'")
            .await;
        if total >= at_least && sent == total {
            return total;
        }
        assert!(Instant::now() < deadline, "{sent} of {total} mails sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn link(mail: &Received, label: &str) -> String {
    let text = mail.text.as_deref().expect("a text part");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} link in {text}"));
    line.trim_start()[label.len() + 2..].trim().to_string()
}

#[tokio::test]
async fn owners_get_one_digest_each_once_and_the_next_threshold_skips_acknowledged_items() {
    let smtp = SmtpServer::start();
    let (app, admin) = start(&smtp).await;
    let first = all_sent(&app, 1).await;
    let received = smtp.received();
    assert_eq!(
        received.len() as i64,
        first,
        "every outbox mail arrived once"
    );
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    let count = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        count,
        "one digest per recipient: {recipients:?}"
    );
    assert!(
        recipients.contains(&"priya.raman@example.com".to_string()),
        "{recipients:?}"
    );
    for mail in &received {
        let subject = mail.subject.as_deref().unwrap();
        assert!(subject.starts_with("[trustdesk] "), "{subject}");
        assert!(
            mail.text.is_some() && mail.html.is_some(),
            "multipart text and HTML"
        );
        let recipient = &mail.rcpt_tos[0];
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT r.name FROM alert_notices n JOIN resources r USING (kind, account, region, id)
             WHERE n.recipient = ?",
        )
        .bind(recipient)
        .fetch_all(&app.db().await)
        .await
        .unwrap();
        assert!(!names.is_empty());
        for name in names {
            assert!(
                mail.text.as_deref().unwrap().contains(&name),
                "{recipient}'s digest lists {name}"
            );
        }
    }

    // A second sync and alert run: nothing new is due, nothing is sent.
    sync_now(&admin, &app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'email'")
            .await,
        first,
        "no second notice"
    );
    assert_eq!(smtp.received().len() as i64, first);

    // Acknowledge one item, then let 8 days pass: everything else that crosses its next
    // threshold is notified again, the acknowledged item is not.
    // An item whose most urgent notice so far is the 14-day one: 8 days on it crosses 7.
    let (kind, account, region, id): (String, String, String, String) = sqlx::query_as(
        "SELECT kind, account, region, id FROM alert_notices GROUP BY kind, account, region, id
         HAVING MIN(threshold) = 14 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    let acknowledged = admin
        .call(
            "/api/alerts/silence/set",
            &[
                ("item[kind]", &kind),
                ("item[account]", &account),
                ("item[region]", &region),
                ("item[id]", &id),
                ("action", "ack"),
            ],
        )
        .await;
    assert_eq!(
        acknowledged.status(),
        StatusCode::OK,
        "{}",
        acknowledged.text().await.unwrap()
    );
    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/clock",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header("content-type", "application/json")
        .body(r#"{"advance_seconds": 691200}"#)
        .send()
        .await
        .unwrap();
    sync_now(&admin, &app).await;
    let second = all_sent(&app, first + 1).await;
    assert!(second > first, "the next thresholds sent new digests");
    let renotified: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert_notices WHERE kind = ? AND account = ? AND region = ? AND id = ? AND threshold < 14",
    )
    .bind(&kind)
    .bind(&account)
    .bind(&region)
    .bind(&id)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(renotified, 0, "the acknowledged item got no further notice");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'alerts.acknowledge' AND outcome = 'ok'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_emailed_link_confirms_before_acting_acts_once_and_refuses_tampering() {
    let smtp = SmtpServer::start();
    let (app, _admin) = start(&smtp).await;
    all_sent(&app, 1).await;
    let mail = smtp
        .received()
        .into_iter()
        .find(|m| m.rcpt_tos.contains(&"priya.raman@example.com".to_string()))
        .expect("Priya's digest");
    let snooze = link(&mail, "Snooze");
    let path = snooze
        .split_once("/alerts/link")
        .map(|(_, rest)| format!("/alerts/link{rest}"))
        .unwrap();
    let token = snooze.split("token=").nth(1).unwrap().to_string();

    // The recipient is not signed in; opening the link shows what it does and changes nothing.
    let recipient = app.browser();
    let page = recipient.get(&path).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Snooze the notices about"), "{html}");
    assert!(html.contains("priya.raman@example.com"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM alert_silences").await,
        0,
        "a GET never acts"
    );

    let used = recipient
        .call("/api/alerts/link/use", &[("token", &token), ("days", "7")])
        .await;
    assert_eq!(
        used.status(),
        StatusCode::OK,
        "{}",
        used.text().await.unwrap()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM alert_silences WHERE state = 'snooze'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'priya.raman@example.com (email link)' AND action = 'alerts.snooze'").await,
        1
    );

    let again = recipient
        .call("/api/alerts/link/use", &[("token", &token), ("days", "7")])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let body: Value = again.json().await.unwrap();
    assert!(body.to_string().contains("used already"), "{body}");

    let mut tampered = token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let refused = recipient
        .get_json(&format!("/api/alerts/link?token={tampered}"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("not valid"), "{body}");
    let page = recipient
        .get(&format!("/alerts/link?token={tampered}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("not valid"), "the page says so");

    let bad_days = recipient
        .call(
            "/api/alerts/link/use",
            &[
                (
                    "token",
                    link(&mail, "Snooze").split("token=").nth(1).unwrap(),
                ),
                ("days", "365"),
            ],
        )
        .await;
    assert_ne!(bad_days.status(), StatusCode::OK);
}

#[tokio::test]
async fn rules_and_test_emails_are_admin_only_validated_and_audited() {
    let smtp = SmtpServer::start();
    let (app, admin) = start(&smtp).await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let refused = viewer
        .call("/api/alerts/rules", &[("rules[thresholds]", "7")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bad = admin
        .call(
            "/api/alerts/rules",
            &[
                ("rules[thresholds]", "7, soon"),
                ("rules[recipient_tag]", "Owner"),
                ("rules[global_recipients]", "not-an-address"),
                ("rules[time_zone]", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body.to_string().contains("thresholds") && body.to_string().contains("global_recipients"),
        "{body}"
    );
    let saved = admin
        .call(
            "/api/alerts/rules",
            &[
                ("rules[thresholds]", "21, 5"),
                ("rules[notify_on_expiry]", "on"),
                ("rules[recipient_tag]", "Owner"),
                ("rules[global_recipients]", "security@example.com"),
                ("rules[time_zone]", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
    let settings: Value = admin.get_json("/api/alerts").await.json().await.unwrap();
    assert_eq!(settings["rules"]["thresholds"], serde_json::json!([21, 5]));
    assert_eq!(settings["rules"]["time_zone"], "Europe/Berlin");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'alerts.rules' AND outcome = 'ok' AND actor <> 'system'"
        )
        .await,
        1
    );

    let before = app
        .count("SELECT COUNT(*) FROM outbox WHERE channel = 'email'")
        .await;
    let test = admin
        .call("/api/alerts/test", &[("to", "tester@example.com")])
        .await;
    assert_eq!(test.status(), StatusCode::OK);
    all_sent(&app, before + 1).await;
    assert!(smtp
        .received()
        .iter()
        .any(|m| m.rcpt_tos == ["tester@example.com"]
            && m.subject.as_deref() == Some("[trustdesk] Test email")));
    let header_injection = admin
        .call(
            "/api/alerts/test",
            &[("to", "a@example.com\r\nBcc: victim@example.com")],
        )
        .await;
    assert_eq!(header_injection.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn renewing_an_item_in_aws_arms_its_notices_again() {
    let smtp = SmtpServer::start();
    let (app, admin) = start(&smtp).await;
    let first = all_sent(&app, 1).await;
    let iam = emulator_iam(&app);
    let providers = iam.list_saml_providers().send().await.unwrap();
    let arn = providers.saml_provider_list()[0].arn().unwrap().to_string();
    let name = arn.rsplit('/').next().unwrap().to_string();
    let noticed_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert_notices WHERE kind = 'saml-provider' AND account = 'prod' AND id = ?",
    )
    .bind(&name)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    // Renewed (new metadata), now due in 10 days: within the 14-day threshold again.
    let valid_until = (chrono::Utc::now() + chrono::Duration::days(10))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    iam.update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(crate::saml_providers::metadata(
            "https://idp.renewed.example.com",
            &valid_until,
            1200,
        ))
        .send()
        .await
        .unwrap();
    sync_now(&admin, &app).await;
    let total = all_sent(&app, first + 1).await;
    assert!(total > first, "a new digest went out");
    let rearmed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert_notices n JOIN resources r USING (kind, account, region, id)
         WHERE n.kind = 'saml-provider' AND n.account = 'prod' AND n.id = ? AND n.expires_at = r.expires_at AND n.threshold = 14
           AND n.recipient NOT LIKE 'webhook:%'",
    )
    .bind(&name)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(
        rearmed, 1,
        "the renewed expiry got its own 14-day notice ({noticed_before} before)"
    );
    let latest = smtp.received();
    assert!(
        latest
            .iter()
            .skip(first as usize)
            .any(|m| m.text.as_deref().unwrap_or("").contains(&name)),
        "the new digest lists {name}"
    );
}

#[tokio::test]
async fn the_demo_without_smtp_leaves_its_digests_as_eml_files_in_the_outbox_folder() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let sent = all_sent(&app, 1).await;
    let folder = app.data_dir.join("outbox");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len() as i64, sent, "one file per mail");
    let mail = crate::smtp_server::parse_file(&files[0]);
    assert!(mail.subject.unwrap().starts_with("[trustdesk] "));
    assert!(mail
        .text
        .unwrap()
        .contains("Acknowledge: http://127.0.0.1:"));
    let page: Value = admin.get_json("/api/outbox").await.json().await.unwrap();
    assert!(
        page["folder"].as_str().unwrap().ends_with("outbox"),
        "{page}"
    );
    let mails = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["channel"] == "email")
        .count();
    assert_eq!(mails as i64, sent);
}

#[tokio::test]
async fn a_link_snooze_stops_notices_until_it_ends_and_an_expired_link_is_refused() {
    let smtp = SmtpServer::start();
    let (app, admin) = start(&smtp).await;
    let first = all_sent(&app, 1).await;
    // An item whose most urgent notice so far is the 14-day one, and its owner's snooze link.
    let (kind, account, region, id, name, recipient): (String, String, String, String, String, String) = sqlx::query_as(
        "SELECT n.kind, n.account, n.region, n.id, r.name, MIN(n.recipient) FROM alert_notices n
         JOIN resources r USING (kind, account, region, id) WHERE n.recipient NOT LIKE 'webhook:%'
         GROUP BY n.kind, n.account, n.region, n.id HAVING MIN(n.threshold) = 14 ORDER BY n.id LIMIT 1",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    let mail = smtp
        .received()
        .into_iter()
        .find(|m| m.rcpt_tos.contains(&recipient))
        .expect("the owner's digest");
    let text = mail.text.clone().unwrap();
    // The item's own snooze link: the line after its entry's "Acknowledge:" line.
    let lines: Vec<&str> = text.lines().collect();
    let entry = lines
        .iter()
        .position(|l| l.contains(&format!("{name} in {account}/{region}:")))
        .unwrap_or_else(|| panic!("{name} in {text}"));
    let snooze = lines[entry..]
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("Snooze: "))
        .unwrap();
    let token = snooze.split("token=").nth(1).unwrap();
    let owner = app.browser();
    let used = owner
        .call("/api/alerts/link/use", &[("token", token), ("days", "14")])
        .await;
    assert_eq!(
        used.status(),
        StatusCode::OK,
        "{}",
        used.text().await.unwrap()
    );

    // 8 days on, the item crosses its 7-day threshold inside the snooze: no notice.
    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/clock",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header("content-type", "application/json")
        .body(r#"{"advance_seconds": 691200}"#)
        .send()
        .await
        .unwrap();
    sync_now(&admin, &app).await;
    all_sent(&app, first + 1).await;
    let during: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert_notices WHERE kind = ? AND account = ? AND region = ? AND id = ? AND threshold < 14",
    )
    .bind(&kind)
    .bind(&account)
    .bind(&region)
    .bind(&id)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(during, 0, "snoozed: no notice while the snooze lasts");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'alerts.snooze' AND actor LIKE '% (email link)'").await,
        1
    );

    // A link past its lifetime, signed with this trustdesk's own key: refused, and said so.
    let key = server::alerts::link::LinkKey::load_or_create(&app.data_dir).unwrap();
    let expired = key.sign(&server::alerts::link::LinkClaims {
        action: "ack".into(),
        kind: kind.clone(),
        account: account.clone(),
        region: region.clone(),
        id: id.clone(),
        expires_at: "2026-01-01T00:00:00.000Z".into(),
        recipient: recipient.clone(),
        valid_until: chrono::Utc::now().timestamp() - 60,
        nonce: "expired-link".into(),
    });
    let refused = owner
        .get_json(&format!("/api/alerts/link?token={expired}"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let page = owner
        .get(&format!("/alerts/link?token={expired}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("This link has expired"),
        "a clear page: {page}"
    );
}
