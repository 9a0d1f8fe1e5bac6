//! The outbox and its delivery against a real SMTP server process (aiosmtpd) and a real,
//! migrated SQLite file: what arrives, when the server is down, after a crash, with two senders.

use crate::outbox_fixtures::*;
use crate::smtp_server::{free_port, parse_file, SmtpServer};
use chrono::TimeDelta;
use server::{
    config::Config,
    jobs::deliver::{deliver_due, Couriers},
    mail::{self, Envelope, Mailer},
    store::{
        audit,
        outbox::{self, OutboxState},
        Db,
    },
    time::timestamp,
};
use std::sync::Arc;

fn smtp_mailer(port: u16) -> Arc<dyn Mailer> {
    let port = port.to_string();
    mail::from_config(&config_with(&[
        ("TRUSTDESK_SMTP_HOST", "127.0.0.1"),
        ("TRUSTDESK_SMTP_PORT", &port),
        ("TRUSTDESK_SMTP_SECURITY", "none"),
        ("TRUSTDESK_SMTP_FROM", FROM),
    ]))
}

/// A sender that claims the next due row at t0 and hands its mail over, then dies before
/// recording that it did.
async fn send_and_crash(db: &Db, mailer: &dyn Mailer, from: &str) -> outbox::OutboxMail {
    let mut conn = db.pool().acquire().await.unwrap();
    let mut claimed = outbox::claim_due(&mut conn, &timestamp(t0()), &timestamp(minutes(-10)), 1)
        .await
        .unwrap();
    let mail = claimed.pop().expect("a due row");
    let envelope = Envelope {
        message_id: mail.entry.message_id.clone(),
        from: from.into(),
        to: mail.entry.recipient.clone(),
        subject: mail.entry.subject.clone(),
        text: mail.text_body.clone(),
        html: mail.html_body.clone(),
        date: t0(),
    };
    mailer.send(&envelope).await.unwrap();
    mail
}

#[tokio::test]
async fn a_committed_notice_arrives_once_with_both_parts_and_a_rolled_back_one_never() {
    let smtp = SmtpServer::start();
    let (_dir, db) = db().await;
    let mut rolled_back = db.begin_write().await.unwrap();
    outbox::enqueue(
        &mut rolled_back,
        &notice("ghost@example.com", "never"),
        HOST,
        &timestamp(t0()),
    )
    .await
    .unwrap();
    rolled_back.rollback().await.unwrap();
    let id = enqueue(&db, "owner@example.com", "2 items expire this week", t0()).await;
    let mailer = smtp_mailer(smtp.port);

    let first = deliver(&db, mailer.as_ref(), t0()).await;
    assert_eq!(first, report(1, 0, 0));
    let second = deliver(&db, mailer.as_ref(), minutes(1)).await;
    assert_eq!(second, report(0, 0, 0), "a sent mail is not sent again");

    let received = smtp.received();
    assert_eq!(received.len(), 1, "{received:#?}");
    let mail = &received[0];
    let stored = row(&db, id).await;
    assert_eq!(mail.rcpt_tos, ["owner@example.com"]);
    assert_eq!(mail.mail_from, "alerts@td.example.com");
    assert_eq!(mail.from.as_deref(), Some(FROM));
    assert_eq!(mail.subject.as_deref(), Some("2 items expire this week"));
    assert_eq!(mail.message_id.as_deref(), Some(stored.message_id.as_str()));
    assert_eq!(
        stored.message_id,
        format!("<outbox-{id}-20261201T090000000Z@{HOST}>")
    );
    assert_eq!(
        mail.date.as_deref(),
        Some("Tue, 01 Dec 2026 09:00:00 +0000")
    );
    assert_eq!(mail.content_type, "multipart/alternative");
    let headers = format!("\n{}", mail.raw);
    assert_eq!(headers.matches("\nMessage-ID:").count(), 1, "{headers}");
    let text = mail.text.as_deref().unwrap();
    assert!(
        text.contains("The SAML provider corp expires on 2026-12-08."),
        "{text}"
    );
    let html = mail.html.as_deref().unwrap();
    assert!(html.contains("<b>corp</b>"), "{html}");
    assert_eq!((stored.state, stored.attempts), (OutboxState::Sent, 1));
    assert_eq!(stored.sent_at, Some(timestamp(t0())));
}

#[tokio::test]
async fn while_smtp_is_down_mail_waits_and_is_delivered_once_when_it_is_back() {
    let port = free_port();
    let (_dir, db) = db().await;
    let id = enqueue(&db, "owner@example.com", "expiring", t0()).await;
    let mailer = smtp_mailer(port);

    let down = deliver(&db, mailer.as_ref(), t0()).await;
    assert_eq!(down, report(0, 1, 0));
    let waiting = row(&db, id).await;
    assert_eq!((waiting.state, waiting.attempts), (OutboxState::Pending, 1));
    assert_eq!(
        waiting.last_error.as_deref(),
        Some(format!("SMTP server 127.0.0.1:{port} refused the connection.").as_str())
    );
    assert_eq!(waiting.next_attempt_at, timestamp(minutes(1)));

    let early = deliver(&db, mailer.as_ref(), t0() + TimeDelta::seconds(59)).await;
    assert_eq!(early, report(0, 0, 0), "not due before its backed-off time");
    let again = deliver(&db, mailer.as_ref(), minutes(1)).await;
    assert_eq!(again, report(0, 1, 0));
    let waiting = row(&db, id).await;
    assert_eq!(waiting.attempts, 2);
    assert_eq!(
        waiting.next_attempt_at,
        timestamp(minutes(3)),
        "the wait doubled"
    );

    let smtp = SmtpServer::start_on(port, &[]);
    let back = deliver(&db, mailer.as_ref(), minutes(3)).await;
    assert_eq!(back, report(1, 0, 0));
    let later = deliver(&db, mailer.as_ref(), minutes(30)).await;
    assert_eq!(later, report(0, 0, 0));
    let received = smtp.received();
    assert_eq!(received.len(), 1, "delivered exactly once: {received:#?}");
    let sent = row(&db, id).await;
    assert_eq!(
        received[0].message_id.as_deref(),
        Some(sent.message_id.as_str())
    );
    assert_eq!((sent.state, sent.attempts), (OutboxState::Sent, 3));
}

#[tokio::test]
async fn a_mail_left_sending_by_a_crashed_sender_is_resent_with_the_same_message_id() {
    let smtp = SmtpServer::start();
    let (_dir, db) = db().await;
    let id = enqueue(&db, "owner@example.com", "expiring", t0()).await;
    let mailer = smtp_mailer(smtp.port);
    let mail = send_and_crash(&db, mailer.as_ref(), FROM).await;
    assert_eq!(mail.entry.id, id);

    let fresh = deliver(&db, mailer.as_ref(), minutes(9)).await;
    assert_eq!(
        fresh,
        report(0, 0, 0),
        "a claim younger than the claim timeout is left alone"
    );
    assert_eq!(row(&db, id).await.state, OutboxState::Sending);
    let taken_over = deliver(&db, mailer.as_ref(), minutes(11)).await;
    assert_eq!(taken_over, report(1, 0, 0));

    let received = smtp.received();
    assert_eq!(
        received.len(),
        2,
        "once by the crashed sender, once after the take-over"
    );
    assert_eq!(
        received[0].message_id, received[1].message_id,
        "recognisable as a resend"
    );
    assert_eq!(
        received[1].message_id.as_deref(),
        Some(mail.entry.message_id.as_str())
    );
    let sent = row(&db, id).await;
    assert_eq!((sent.state, sent.attempts), (OutboxState::Sent, 2));
}

#[tokio::test]
async fn two_senders_on_one_database_deliver_each_mail_once() {
    let smtp = SmtpServer::start();
    let (dir, first_db) = db().await;
    for n in 0..16 {
        enqueue(
            &first_db,
            &format!("owner{n}@example.com"),
            &format!("notice {n}"),
            t0(),
        )
        .await;
    }
    // A second pool on the same file, as a second trustdesk process has.
    let second_db = Db::open(&dir.path().join("trustdesk.db")).await.unwrap();
    let (a, b) = (smtp_mailer(smtp.port), smtp_mailer(smtp.port));
    let policy = policy();
    let (first, second) = (
        Couriers::mail(a.as_ref(), FROM),
        Couriers::mail(b.as_ref(), FROM),
    );
    let (ra, rb) = tokio::join!(
        deliver_due(&first_db, &first, t0(), &policy),
        deliver_due(&second_db, &second, t0(), &policy),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 16, "{ra:?} {rb:?}");
    let mut ids: Vec<String> = smtp
        .received()
        .into_iter()
        .map(|m| m.message_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 16);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 16, "no mail arrived twice");
    assert_eq!(outbox::counts(first_db.pool()).await.unwrap().sent, 16);
}

#[tokio::test]
async fn past_the_retry_period_mail_fails_and_an_admin_can_retry_or_discard_it() {
    let port = free_port();
    let (_dir, db) = db().await;
    let retried = enqueue(&db, "owner@example.com", "retry me", t0()).await;
    let discarded = enqueue(&db, "other@example.com", "discard me", t0()).await;
    let mailer = smtp_mailer(port);

    assert_eq!(deliver(&db, mailer.as_ref(), t0()).await, report(0, 2, 0));
    assert_eq!(
        deliver(&db, mailer.as_ref(), minutes(60)).await,
        report(0, 0, 2),
        "the attempt at the period's end was the last"
    );
    let failed = row(&db, retried).await;
    assert_eq!(failed.state, OutboxState::Failed);
    assert!(failed
        .last_error
        .unwrap()
        .contains("refused the connection"));
    let counts = outbox::counts(db.pool()).await.unwrap();
    assert_eq!((counts.failed, counts.pending), (2, 0));
    assert_eq!(
        deliver(&db, mailer.as_ref(), minutes(600)).await,
        report(0, 0, 0),
        "failed mail is not retried by itself"
    );

    // The admin's actions, each audited in the transaction that makes it.
    let mut tx = db.begin_write().await.unwrap();
    assert!(outbox::retry(&mut tx, retried, &timestamp(minutes(120)))
        .await
        .unwrap());
    assert!(
        outbox::discard(&mut tx, discarded, &timestamp(minutes(120)))
            .await
            .unwrap()
    );
    for (action, id) in [("outbox.retry", retried), ("outbox.discard", discarded)] {
        let row = audit::NewAuditRow {
            actor: "admin".into(),
            action: action.into(),
            target_kind: "outbox".into(),
            target_id: id.to_string(),
            ..Default::default()
        };
        audit::append(&mut tx, db.seal(), row, &timestamp(minutes(120)))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let smtp = SmtpServer::start_on(port, &[]);
    assert_eq!(
        deliver(&db, mailer.as_ref(), minutes(120)).await,
        report(1, 0, 0)
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject.as_deref(), Some("retry me"));
    assert_eq!(row(&db, retried).await.state, OutboxState::Sent);
    let gone = row(&db, discarded).await;
    assert_eq!(gone.state, OutboxState::Discarded);
    assert_eq!(gone.discarded_at, Some(timestamp(minutes(120))));
    assert_eq!(
        outbox::list(db.pool(), None, 10).await.unwrap()[0].id,
        discarded,
        "newest first"
    );
    assert!(audit::verify(db.pool(), db.seal())
        .await
        .unwrap()
        .first_broken
        .is_none());
}

#[tokio::test]
async fn a_refused_recipient_fails_at_once_with_the_server_s_reason() {
    let smtp = SmtpServer::start_on(free_port(), &["--refuse-recipient", "nobody"]);
    let (_dir, db) = db().await;
    let id = enqueue(&db, "nobody@example.com", "expiring", t0()).await;
    let mailer = smtp_mailer(smtp.port);
    assert_eq!(deliver(&db, mailer.as_ref(), t0()).await, report(0, 0, 1));
    let failed = row(&db, id).await;
    assert_eq!(failed.state, OutboxState::Failed);
    let error = failed.last_error.unwrap();
    assert!(
        error.contains("refused the mail") && error.contains("550"),
        "{error}"
    );
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn the_demo_writes_one_eml_file_per_message_id() {
    let (dir, db) = db().await;
    let config = Config {
        demo: true,
        data_dir: dir.path().to_path_buf(),
        ..config_with(&[])
    };
    let mailer = mail::from_config(&config);
    let from = mail::sender(&config);
    let first = enqueue(&db, "owner@example.com", "first", t0()).await;
    enqueue(&db, "owner@example.com", "second", t0()).await;
    let crashed = send_and_crash(&db, mailer.as_ref(), &from).await;
    assert_eq!(crashed.entry.id, first);
    let sent = deliver_due(
        &db,
        &Couriers::mail(mailer.as_ref(), &from),
        minutes(11),
        &policy(),
    )
    .await
    .unwrap();
    assert_eq!(
        sent,
        report(2, 0, 0),
        "the second, and the first again after the take-over"
    );

    let outbox_dir = dir.path().join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&outbox_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let message_id = row(&db, first).await.message_id;
    let expected = outbox_dir.join(format!("{}.eml", message_id.trim_matches(['<', '>'])));
    assert_eq!(files[0], expected);
    let parsed = parse_file(&files[0]);
    assert_eq!(parsed.message_id.as_deref(), Some(message_id.as_str()));
    assert_eq!(parsed.subject.as_deref(), Some("first"));
    assert_eq!(parsed.to.as_deref(), Some("owner@example.com"));
    assert!(parsed.text.unwrap().contains("expires on 2026-12-08"));
    assert!(parsed.html.unwrap().contains("<b>corp</b>"));
}
