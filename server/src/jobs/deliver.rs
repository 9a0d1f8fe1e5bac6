//! Delivering the outbox: claim a due row, hand it to the mailer or post it to its webhook,
//! record what happened. A row whose send fails waits twice as long each time (1 minute, 2, 4 … at most an hour) until its
//! retry period is over, and is then marked failed for an admin to look at.
//!
//! Rows are claimed one at a time, so each claim is fresh when its send starts and a second
//! process takes the next row instead of waiting. A sender that dies mid-send leaves its row
//! `sending`; after [`RetryPolicy::claim_timeout`] another sender takes it over and sends it
//! again with the same Message-ID, so the recipient's mail system can tell it is a resend.

use crate::{
    config::Config,
    delivery::DeliveryError,
    mail::{Envelope, Mailer},
    store::{
        outbox::{self, Channel, Claim, OutboxMail},
        Db,
    },
    time::timestamp,
    webhooks::Webhooks,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// How long after it was queued (or retried by an admin) a mail is given up.
    pub period: Duration,
    /// A row `sending` for longer than this is taken to belong to a sender that died. Well
    /// above one send's longest time ([`crate::mail::smtp::SEND_TIMEOUT`]).
    pub claim_timeout: Duration,
    /// Mails sent by one call at most, so one call ends even when mail keeps arriving.
    pub batch: u32,
}

impl RetryPolicy {
    pub fn new(period: Duration) -> Self {
        Self {
            first_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(3600),
            period,
            claim_timeout: Duration::from_secs(10 * 60),
            batch: 100,
        }
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(config.mail_retry_period)
    }

    /// The wait after the `attempts`-th failed attempt in a row.
    pub fn delay_after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 31)).unwrap_or(31);
        self.first_delay
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max_delay)
    }

    /// When to try again after a failure at `now`, or `None` once the period is over. The last
    /// attempt is made at the period's end rather than skipped.
    pub fn next_attempt(
        &self,
        retrying_since: DateTime<Utc>,
        attempts: i64,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let deadline = retrying_since + delta(self.period);
        (now < deadline).then(|| (now + delta(self.delay_after(attempts))).min(deadline))
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

fn parse(at: &str, fallback: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at).map_or(fallback, |t| t.with_timezone(&Utc))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    /// Failed this time, to be tried again later.
    pub retried: u32,
    /// Given up: the retry period is over or the server refused the mail for good.
    pub failed: u32,
}

/// What hands each channel's rows over: the mailer (as `from`) and the webhooks.
#[derive(Clone, Copy)]
pub struct Couriers<'a> {
    pub mailer: &'a dyn Mailer,
    pub from: &'a str,
    pub webhooks: &'a Webhooks,
}

impl<'a> Couriers<'a> {
    /// Mail alone: no webhook is configured.
    pub fn mail(mailer: &'a dyn Mailer, from: &'a str) -> Self {
        static NONE: std::sync::LazyLock<Webhooks> = std::sync::LazyLock::new(Webhooks::none);
        Self {
            mailer,
            from,
            webhooks: &NONE,
        }
    }

    async fn send(&self, row: &OutboxMail, now: DateTime<Utc>) -> Result<(), DeliveryError> {
        let entry = &row.entry;
        match entry.channel {
            Channel::Email => {
                let envelope = Envelope {
                    message_id: entry.message_id.clone(),
                    from: self.from.to_string(),
                    to: entry.recipient.clone(),
                    subject: entry.subject.clone(),
                    text: row.text_body.clone(),
                    html: row.html_body.clone(),
                    date: parse(&entry.created_at, now),
                };
                self.mailer.send(&envelope).await
            }
            Channel::Webhook => {
                let delivery = entry.message_id.trim_matches(['<', '>']);
                self.webhooks
                    .post(&entry.recipient, delivery, &row.text_body, now.timestamp())
                    .await
            }
        }
    }
}

/// Sends what is due at `now`, at most `policy.batch` rows. The caller chooses `now`, so the
/// scheduler passes the clock and tests pass the moment they need.
pub async fn deliver_due(
    db: &Db,
    couriers: &Couriers<'_>,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
) -> Result<DeliveryReport, sqlx::Error> {
    let at = timestamp(now);
    let stale_before = timestamp(now - delta(policy.claim_timeout));
    let mut report = DeliveryReport::default();
    for _ in 0..policy.batch {
        let claimed = {
            let mut conn = db.pool().acquire().await?;
            outbox::claim_due(&mut conn, &at, &stale_before, 1).await?
        };
        let Some(mail) = claimed.into_iter().next() else {
            break;
        };
        let outcome = couriers.send(&mail, now).await;
        record(db, &mail, outcome, now, policy, &mut report).await?;
    }
    Ok(report)
}

async fn record(
    db: &Db,
    mail: &OutboxMail,
    outcome: Result<(), DeliveryError>,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
    report: &mut DeliveryReport,
) -> Result<(), sqlx::Error> {
    let entry = &mail.entry;
    let claim = Claim::from(entry);
    let still_ours = match outcome {
        Ok(()) => {
            tracing::info!(outbox_id = entry.id, channel = entry.channel.as_str(), message_id = %entry.message_id, attempt = entry.attempts, "notice sent");
            report.sent += 1;
            outbox::mark_sent(db.pool(), claim, &timestamp(now)).await?
        }
        Err(error) => {
            let since = parse(&entry.retrying_since, now);
            let next = policy.next_attempt(since, entry.attempts, now);
            match next.filter(|_| !error.is_permanent()) {
                Some(next) => {
                    tracing::warn!(outbox_id = entry.id, attempt = entry.attempts, error = %error, next_attempt_at = %timestamp(next), "notice not sent; will retry");
                    report.retried += 1;
                    outbox::mark_retry(db.pool(), claim, error.sentence(), &timestamp(next)).await?
                }
                None => {
                    tracing::error!(outbox_id = entry.id, attempt = entry.attempts, error = %error, "notice undeliverable; giving up");
                    report.failed += 1;
                    outbox::mark_failed(db.pool(), claim, error.sentence()).await?
                }
            }
        }
    };
    if !still_ours {
        // Another sender took the row over as stale while this one was sending; what it
        // records stands.
        tracing::warn!(
            outbox_id = entry.id,
            "the outbox row was taken over by another sender"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        mail::memory::MemoryMailer,
        store::outbox::{enqueue, get, NewMail, OutboxState},
    };
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, hour, minute, 0).unwrap()
    }

    #[test]
    fn backoff_doubles_from_a_minute_to_at_most_an_hour() {
        let policy = RetryPolicy::new(Duration::from_secs(86_400));
        let minutes: Vec<u64> = (1..=9)
            .map(|n| policy.delay_after(n).as_secs() / 60)
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.delay_after(1_000_000), Duration::from_secs(3600));
    }

    #[test]
    fn the_last_attempt_is_at_the_end_of_the_period_and_then_none() {
        let policy = RetryPolicy::new(Duration::from_secs(3600));
        assert_eq!(
            policy.next_attempt(at(10, 0), 1, at(10, 1)),
            Some(at(10, 2))
        );
        assert_eq!(
            policy.next_attempt(at(10, 0), 7, at(10, 30)),
            Some(at(11, 0)),
            "an hour's wait is cut to the period's end"
        );
        assert_eq!(policy.next_attempt(at(10, 0), 8, at(11, 0)), None);
    }

    #[tokio::test]
    async fn sent_retried_then_failed_for_good() {
        let (_dir, db) = crate::store::temp_db().await;
        let policy = RetryPolicy::new(Duration::from_secs(3600));
        let mut tx = db.begin_write().await.unwrap();
        let mail = NewMail {
            recipient: "owner@example.com".into(),
            subject: "expiring".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        };
        let first = enqueue(&mut tx, &mail, "td.example.com", &timestamp(at(10, 0)))
            .await
            .unwrap();
        let second = enqueue(&mut tx, &mail, "td.example.com", &timestamp(at(10, 0)))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mailer = MemoryMailer::new();
        mailer.fail_with(Some(DeliveryError::temporary("down")));
        let report = deliver_due(
            &db,
            &Couriers::mail(&mailer, "td@example.com"),
            at(10, 0),
            &policy,
        )
        .await;
        assert_eq!(
            report.unwrap(),
            DeliveryReport {
                sent: 0,
                retried: 2,
                failed: 0
            }
        );
        let row = get(db.pool(), first).await.unwrap().unwrap().entry;
        assert_eq!(row.state, OutboxState::Pending);
        assert_eq!(row.next_attempt_at, timestamp(at(10, 1)));
        assert_eq!(row.last_error.as_deref(), Some("down"));

        mailer.fail_with(Some(DeliveryError::permanent("no such mailbox")));
        let report = deliver_due(
            &db,
            &Couriers::mail(&mailer, "td@example.com"),
            at(10, 1),
            &policy,
        )
        .await;
        assert_eq!(
            report.unwrap(),
            DeliveryReport {
                sent: 0,
                retried: 0,
                failed: 2
            }
        );

        let mut conn = db.pool().acquire().await.unwrap();
        assert!(outbox::retry(&mut conn, second, &timestamp(at(12, 0)))
            .await
            .unwrap());
        mailer.fail_with(None);
        let report = deliver_due(
            &db,
            &Couriers::mail(&mailer, "td@example.com"),
            at(12, 0),
            &policy,
        )
        .await;
        assert_eq!(
            report.unwrap(),
            DeliveryReport {
                sent: 1,
                retried: 0,
                failed: 0
            }
        );
        let sent = mailer.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].message_id,
            "<outbox-2-20261201T100000000Z@td.example.com>"
        );
        assert_eq!(sent[0].date, at(10, 0), "dated when it was queued");
        let row = get(db.pool(), second).await.unwrap().unwrap().entry;
        assert_eq!((row.state, row.attempts), (OutboxState::Sent, 1));
        assert_eq!(row.sent_at, Some(timestamp(at(12, 0))));
    }
}
