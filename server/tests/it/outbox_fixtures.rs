//! The outbox's test fixtures: a migrated database, mail queued the way the alert run queues
//! it, the sender run the way the scheduler runs it, and configurations built the way the server
//! builds them.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use server::{
    config::{Config, Overrides},
    jobs::deliver::{deliver_due, Couriers, DeliveryReport, RetryPolicy},
    mail::Mailer,
    store::{
        outbox::{self, NewMail},
        Db,
    },
    time::timestamp,
};
use std::{collections::HashMap, time::Duration};

pub(crate) const FROM: &str = "trustdesk <alerts@td.example.com>";
pub(crate) const HOST: &str = "td.example.com";

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

pub(crate) fn minutes(n: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(n)
}

pub(crate) fn policy() -> RetryPolicy {
    RetryPolicy::new(Duration::from_secs(3600))
}

pub(crate) async fn db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("trustdesk.db")).await.unwrap();
    (dir, db)
}

pub(crate) fn notice(to: &str, subject: &str) -> NewMail {
    NewMail {
        recipient: to.into(),
        subject: subject.into(),
        text: format!("{subject}\n\nThe SAML provider corp expires on 2026-12-08."),
        html: format!(
            "<h1>{subject}</h1><p>The SAML provider <b>corp</b> expires on 2026-12-08.</p>"
        ),
    }
}

/// Queued in a write transaction, as the alert run does beside its own state.
pub(crate) async fn enqueue(db: &Db, to: &str, subject: &str, at: DateTime<Utc>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = outbox::enqueue(&mut tx, &notice(to, subject), HOST, &timestamp(at))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Through `mail::from_config`, the way the server builds its mailer.
pub(crate) fn config_with(env: &[(&str, &str)]) -> Config {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::load(None, &env, &Overrides::default()).expect("config")
}

pub(crate) async fn row(db: &Db, id: i64) -> outbox::OutboxEntry {
    outbox::get(db.pool(), id)
        .await
        .unwrap()
        .expect("the row")
        .entry
}

/// One run of the sender at `at`, as the scheduler makes it.
pub(crate) async fn deliver(db: &Db, mailer: &dyn Mailer, at: DateTime<Utc>) -> DeliveryReport {
    deliver_due(db, &Couriers::mail(mailer, FROM), at, &policy())
        .await
        .unwrap()
}

pub(crate) fn report(sent: u32, retried: u32, failed: u32) -> DeliveryReport {
    DeliveryReport {
        sent,
        retried,
        failed,
    }
}
