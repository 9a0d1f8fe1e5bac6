//! Expiry notices to chat channels and webhooks, against a real HTTP receiver: the demo's
//! notices reach a Slack-compatible channel and a signed JSON receiver once each, a test post is
//! an admin's audited act, a failing receiver is retried with backoff and a refusal is final,
//! and nothing is sent twice across a `kill -9` of the real binary.

use crate::harness::*;
use crate::outbox_fixtures::{minutes, policy, t0, HOST};
use crate::serving::{scalar, wait_until, Serving};
use crate::webhook_receiver::{Answer, WebhookReceiver};
use app::model::alerts::AlertRules;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::Value;
use server::{
    config::{Secret, WebhookConfig, WebhookFormat},
    jobs::deliver::{deliver_due, Couriers, DeliveryReport},
    mail::memory::MemoryMailer,
    store::{outbox, Db},
    time::timestamp,
    webhooks::Webhooks,
};
use sha2::Sha256;
use std::path::Path;
use std::time::{Duration, Instant};

const SIEM_SECRET: &str = "siem-signing-secret-0123456789";
/// The chat URL's path holds its token, as Slack's does: it must never be shown back.
const CHAT_TOKEN_PATH: &str = "/services/T0001/B0001/XXXXtokenXXXX";

/// `trustdesk.toml` with a Slack-compatible webhook (URL from the environment) and a signed
/// JSON one (URL from a file), and the environment it needs.
fn webhook_config(receiver: &WebhookReceiver, dir: &Path) -> Vec<(String, String)> {
    let url_file = dir.join("siem-url");
    std::fs::write(&url_file, format!("{}/siem\n", receiver.url)).unwrap();
    let config = dir.join("trustdesk.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[webhooks]]
name = "team-chat"
format = "slack"
url_env = "TEST_CHAT_URL"

[[webhooks]]
name = "siem"
format = "json"
url_file = "{}"
secret_env = "TEST_SIEM_SECRET"
"#,
            url_file.display()
        ),
    )
    .unwrap();
    vec![
        ("TRUSTDESK_CONFIG".into(), config.display().to_string()),
        (
            "TEST_CHAT_URL".into(),
            format!("{}{CHAT_TOKEN_PATH}", receiver.url),
        ),
        ("TEST_SIEM_SECRET".into(), SIEM_SECRET.into()),
    ]
}

async fn start(receiver: &WebhookReceiver, dir: &Path) -> (TestApp, Browser) {
    let env = webhook_config(receiver, dir);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::builder()
        .demo()
        .jobs()
        .env(&pairs)
        .build_with_admin()
        .await
}

fn signature(secret: &str, timestamp: &str, delivery: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{delivery}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Waits until every webhook row of the outbox was delivered, and there is at least one.
async fn webhooks_sent(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let total = app
            .count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook'")
            .await;
        let sent = app
            .count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND state = 'sent'")
            .await;
        if total > 0 && sent == total {
            return;
        }
        assert!(Instant::now() < deadline, "{sent} of {total} posts sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn choose_webhooks(admin: &Browser, names: &[&str]) {
    let mut fields = vec![
        ("rules[thresholds]", "30, 14, 7, 3, 1"),
        ("rules[notify_on_expiry]", "on"),
        ("rules[recipient_tag]", "Owner"),
    ];
    let keys: Vec<String> = names
        .iter()
        .map(|name| format!("rules[webhooks][{name}]"))
        .collect();
    fields.extend(keys.iter().map(|key| (key.as_str(), "on")));
    let saved = admin.call("/api/alerts/rules", &fields).await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
}

#[tokio::test]
async fn notices_reach_a_chat_channel_and_a_signed_json_receiver_once_each() {
    let receiver = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let (app, admin) = start(&receiver, dir.path()).await;
    choose_webhooks(&admin, &["team-chat", "siem"]).await;
    sync_now(&admin, &app).await;
    webhooks_sent(&app).await;

    let chat = receiver.posts_to(CHAT_TOKEN_PATH);
    assert_eq!(chat.len(), 1, "one message to the channel: {chat:?}");
    let message = &chat[0];
    assert_eq!(message.content_type.as_deref(), Some("application/json"));
    assert!(message.signature.is_none(), "a Slack webhook is not signed");
    let text = message.json()["text"].as_str().unwrap().to_string();
    assert!(text.starts_with("*[trustdesk] "), "{text}");
    assert!(
        text.contains(&format!("<{}/resources/", app.url)),
        "items link to their pages: {text}"
    );
    assert!(
        !text.contains("/alerts/link"),
        "no acknowledge or snooze link reaches a channel: {text}"
    );

    let siem = receiver.posts_to("/siem");
    assert_eq!(siem.len(), 1, "{siem:?}");
    let post = &siem[0];
    let stamp = post.timestamp.clone().expect("a timestamp header");
    let age = chrono::Utc::now().timestamp() - stamp.parse::<i64>().unwrap();
    assert!((0..120).contains(&age), "signed just now: {age} s ago");
    assert_eq!(
        post.signature.as_deref(),
        Some(
            signature(
                SIEM_SECRET,
                &stamp,
                post.delivery.as_deref().unwrap(),
                &post.body
            )
            .as_str()
        ),
        "the signature is the HMAC of the timestamp, the delivery id and the body"
    );
    let document = post.json();
    assert_eq!(document["event"], "expiry_notice");
    let items = document["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert!(
            item["link"].as_str().unwrap().starts_with(&app.url),
            "{item}"
        );
        assert!(
            item["expires_at"].as_str().unwrap().ends_with('Z'),
            "{item}"
        );
    }
    // The delivery header is the outbox row's, so a receiver can drop a resend.
    let pool = app.db().await;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT message_id FROM outbox WHERE channel = 'webhook' ORDER BY recipient",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut delivered: Vec<String> = receiver
        .posts()
        .into_iter()
        .filter_map(|post| post.delivery.map(|id| format!("<{id}>")))
        .collect();
    delivered.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(delivered, expected);
    // The notices are spent: another run sends nothing new.
    let before = receiver.posts().len();
    sync_now(&admin, &app).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.posts().len(), before, "each notice once");
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT kind || account || region || id) FROM alert_notices WHERE recipient = 'webhook:siem'")
            .await as usize,
        items.len()
    );
}

#[tokio::test]
async fn a_test_post_is_an_admins_audited_act_and_the_url_is_never_shown() {
    let receiver = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let (app, admin) = start(&receiver, dir.path()).await;
    let viewer = signed_in_viewer(&app, &admin).await;

    let settings: Value = admin.get_json("/api/alerts").await.json().await.unwrap();
    let hooks = settings["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0]["name"], "team-chat");
    assert_eq!(
        hooks[0]["destination"],
        format!("{}/…", receiver.url).as_str()
    );
    let page = admin.get("/alerts").await.text().await.unwrap();
    for shown in [settings.to_string(), page] {
        assert!(!shown.contains("XXXXtokenXXXX"), "the URL's token is shown");
        assert!(!shown.contains(SIEM_SECRET));
    }

    let refused = viewer
        .call("/api/alerts/test-webhook", &[("name", "team-chat")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let unknown = admin
        .call("/api/alerts/test-webhook", &[("name", "other\r\nchat")])
        .await;
    let error = expect_error(unknown, StatusCode::BAD_REQUEST, "needs attention").await;
    assert_eq!(field_names(&error), ["name"]);
    assert!(
        error
            .to_string()
            .contains("No webhook named otherchat is configured"),
        "named without its control characters: {error}"
    );
    let rules = admin
        .call(
            "/api/alerts/rules",
            &[
                ("rules[thresholds]", "7"),
                ("rules[recipient_tag]", "Owner"),
                ("rules[webhooks][nowhere]", "on"),
            ],
        )
        .await;
    let error = expect_error(rules, StatusCode::BAD_REQUEST, "needs attention").await;
    assert_eq!(field_names(&error), ["webhooks"]);
    assert!(
        error.to_string().contains("No webhook named nowhere"),
        "{error}"
    );

    let sent = admin
        .call("/api/alerts/test-webhook", &[("name", "siem")])
        .await;
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap()
    );
    webhooks_sent(&app).await;
    let posts = receiver.posts_to("/siem");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].json()["event"], "test");
    assert!(posts[0].signature.is_some());
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'alerts.test_webhook' AND outcome = 'ok' AND target_id = 'siem'"
        )
        .await,
        1
    );
    // The Outbox lists the post as a webhook's (the demo's first alert run may queue mail beside
    // it, in either order).
    let outbox: Value = admin.get_json("/api/outbox").await.json().await.unwrap();
    let posts: Vec<&Value> = outbox["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["recipient"] == "siem")
        .collect();
    assert_eq!(posts.len(), 1, "{outbox}");
    assert_eq!(
        (posts[0]["channel"].as_str(), posts[0]["state"].as_str()),
        (Some("webhook"), Some("sent"))
    );
}

fn hook(receiver: &WebhookReceiver, name: &str) -> WebhookConfig {
    WebhookConfig {
        name: name.into(),
        format: WebhookFormat::Slack,
        url: Secret::new(format!("{}/{name}", receiver.url)),
        signing_secret: None,
    }
}

async fn queue_post(db: &Db, name: &str, at: chrono::DateTime<chrono::Utc>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = outbox::enqueue_post(
        &mut tx,
        name,
        "[trustdesk] 1 item expires within 7 days: prod",
        r#"{"text":"expiring"}"#,
        HOST,
        &timestamp(at),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn entry(db: &Db, id: i64) -> outbox::OutboxEntry {
    outbox::get(db.pool(), id).await.unwrap().unwrap().entry
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_and_a_refusal_is_final() {
    let receiver = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("trustdesk.db")).await.unwrap();
    let webhooks = Webhooks::new(vec![hook(&receiver, "chat")]);
    let mailer = MemoryMailer::new();
    let couriers = Couriers {
        mailer: &mailer,
        from: "td@example.com",
        webhooks: &webhooks,
    };
    let report = |sent, retried, failed| DeliveryReport {
        sent,
        retried,
        failed,
    };

    // A 503: tried again a minute later, with the same delivery id.
    let busy = queue_post(&db, "chat", t0()).await;
    receiver.answer_next(&[Answer::Status(503, "busy")]);
    let done = deliver_due(&db, &couriers, t0(), &policy()).await.unwrap();
    assert_eq!(done, report(0, 1, 0));
    let row = entry(&db, busy).await;
    assert_eq!(row.next_attempt_at, timestamp(minutes(1)));
    assert_eq!(
        row.last_error.as_deref(),
        Some("The webhook chat answered 503 Service Unavailable; trying again later.")
    );
    let half_a_minute = t0() + chrono::TimeDelta::seconds(30);
    let early = deliver_due(&db, &couriers, half_a_minute, &policy())
        .await
        .unwrap();
    assert_eq!(early, report(0, 0, 0), "not due yet");
    let done = deliver_due(&db, &couriers, minutes(1), &policy())
        .await
        .unwrap();
    assert_eq!(done, report(1, 0, 0));
    let posts = receiver.posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].delivery, posts[1].delivery);
    assert!(posts[1].accepted());

    // No answer within the timeout: tried again later.
    let hung = queue_post(&db, "chat", minutes(2)).await;
    receiver.answer_next(&[Answer::Hang(Duration::from_secs(13))]);
    let done = deliver_due(&db, &couriers, minutes(2), &policy())
        .await
        .unwrap();
    assert_eq!(done, report(0, 1, 0));
    assert_eq!(
        entry(&db, hung).await.last_error.as_deref(),
        Some("The webhook chat did not answer within 10 seconds; trying again later.")
    );

    // Refused for good (Slack's answer for a removed webhook), and a webhook no longer
    // configured: failed at once, each with what to do.
    let at = minutes(2) + chrono::TimeDelta::seconds(30);
    let refused = queue_post(&db, "chat", at).await;
    let orphan = queue_post(&db, "removed-chat", at).await;
    receiver.answer_next(&[Answer::Status(404, "no_service")]);
    let done = deliver_due(&db, &couriers, at, &policy()).await.unwrap();
    assert_eq!(done, report(0, 0, 2));
    let row = entry(&db, refused).await;
    assert_eq!(row.state, outbox::OutboxState::Failed);
    assert_eq!(
        row.last_error.as_deref(),
        Some("The webhook chat refused the notice (404 Not Found: no_service); check that its URL is still valid and send a test from the Alerts page.")
    );
    let row = entry(&db, orphan).await;
    assert_eq!(row.state, outbox::OutboxState::Failed);
    assert!(row
        .last_error
        .unwrap()
        .starts_with("No webhook named removed-chat is configured any more"));
    assert!(mailer.sent().is_empty(), "posts never go to the mailer");
}

#[tokio::test]
async fn posts_written_before_a_kill_are_delivered_once_after_the_restart() {
    let receiver = WebhookReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let env = webhook_config(&receiver, dir.path());
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    {
        // The rules send to the signed webhook from the first sync on.
        let db = Db::open(&data.join("trustdesk.db")).await.unwrap();
        let rules = AlertRules {
            webhooks: vec!["siem".into()],
            ..AlertRules::default()
        };
        sqlx::query("INSERT INTO alert_rules (id, rules) VALUES (1, ?)")
            .bind(serde_json::to_string(&rules).unwrap())
            .execute(db.pool())
            .await
            .unwrap();
        db.pool().close().await;
    }
    // The receiver is down (503) until after the kill: each post fails once and waits a
    // minute for its retry, none in flight when the process dies.
    receiver.answer_otherwise(Answer::Status(503, "down"));
    let first = Serving::start(&data, &pairs);
    wait_until(
        &data,
        "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND state = 'pending' AND attempts > 0
           AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel = 'webhook' AND (state = 'sending' OR attempts = 0))",
        "every post to have failed once",
    )
    .await;
    let pool = open_db(&data).await;
    let queued: Vec<String> = sqlx::query_scalar(
        "SELECT substr(message_id, 2, length(message_id) - 2) FROM outbox WHERE channel = 'webhook' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(!queued.is_empty());
    first.kill_9();

    receiver.answer_otherwise(Answer::Status(200, "ok"));
    let _second = Serving::start(&data, &pairs);
    let accepted = |id: &str| {
        receiver
            .posts()
            .iter()
            .filter(|post| post.accepted() && post.delivery.as_deref() == Some(id))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(150);
    while !queued.iter().all(|id| accepted(id) > 0) {
        assert!(
            Instant::now() < deadline,
            "not every post queued before the kill arrived"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in &queued {
        assert_eq!(accepted(id), 1, "{id} accepted exactly once");
    }
    let mut ids: Vec<String> = receiver
        .posts()
        .into_iter()
        .filter(|post| post.accepted())
        .filter_map(|post| post.delivery)
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no delivery accepted twice");
    assert_eq!(
        scalar(
            &data,
            "SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND state = 'failed'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_demo_posts_its_notices_to_the_emulators_chat_channel() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let settings: Value = admin.get_json("/api/alerts").await.json().await.unwrap();
    assert_eq!(
        settings["rules"]["webhooks"],
        serde_json::json!(["demo-chat"])
    );
    let page = settings["demo_chat_page"].as_str().unwrap().to_string();
    assert_eq!(
        page,
        format!("{}/_emulator/chat", app.emulator_endpoint.clone().unwrap())
    );
    webhooks_sent(&app).await;
    let messages: Value = reqwest::get(format!("{page}.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = messages.as_array().unwrap();
    assert_eq!(
        messages.len(),
        1,
        "one message for the first run: {messages:?}"
    );
    assert_eq!(messages[0]["channel"], "demo-chat");
    let text = messages[0]["text"].as_str().unwrap();
    assert!(text.starts_with("*[trustdesk] "), "{text}");
    let html = reqwest::get(&page).await.unwrap().text().await.unwrap();
    assert!(
        !html.contains("/alerts/link"),
        "no acknowledge links in a channel"
    );
    assert!(html.contains("<strong>[trustdesk] "), "{html}");
    assert!(
        html.contains(&format!("<a href=\"{}/resources/", app.url)),
        "{html}"
    );
    // The rules were set once, by the system (audited).
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'alerts.rules' AND actor = 'system'"
        )
        .await,
        1
    );
}
