//! What `/metrics` shows: one Prometheus recorder per server, recorded into through [`Metrics`].
//!
//! The recorder is not installed globally: several servers run in one test process, and each
//! must count only its own requests. Every figure is recorded with `metrics`' macros inside
//! [`metrics::with_local_recorder`], which points them at this server's recorder for the length
//! of one synchronous call (no `.await` happens inside). Labels are bounded sets (route
//! patterns, kinds, configured accounts and regions, outcomes), never an item id or a username.

pub mod access;
pub mod route;

use metrics::{counter, gauge, histogram, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::time::Duration;

/// Latency buckets in seconds: from a cached page (a few ms) to an AWS call retried up to its
/// timeout (60 s).
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];

/// Kept from the registry's point of view as long as the server runs; rendered on a scrape.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Self { recorder, handle };
        metrics.describe();
        metrics
    }

    fn record<T>(&self, figures: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, figures)
    }

    fn describe(&self) {
        use metrics::{describe_counter, describe_gauge, describe_histogram};
        self.record(|| {
            describe_counter!(
                "trustdesk_http_requests_total",
                "HTTP requests answered, by route pattern, method and status"
            );
            describe_histogram!(
                "trustdesk_http_request_duration_seconds",
                Unit::Seconds,
                "Time to answer an HTTP request, by route pattern and method"
            );
            describe_counter!(
                "trustdesk_aws_calls_total",
                "AWS operations called, by service, operation and outcome (ok, throttled, error)"
            );
            describe_histogram!(
                "trustdesk_aws_call_duration_seconds",
                Unit::Seconds,
                "Time of an AWS operation, its retries included"
            );
            describe_counter!(
                "trustdesk_aws_throttles_total",
                "AWS attempts answered with throttling"
            );
            describe_counter!(
                "trustdesk_aws_retries_total",
                "AWS attempts after an operation's first"
            );
            describe_counter!(
                "trustdesk_sync_runs_total",
                "Scopes synced, by kind, account, region and outcome"
            );
            describe_histogram!(
                "trustdesk_sync_duration_seconds",
                Unit::Seconds,
                "Time to sync one scope"
            );
            describe_gauge!(
                "trustdesk_items",
                "Cached items by kind (removed ones not counted)"
            );
            describe_gauge!(
                "trustdesk_items_expiring",
                "Cached items by kind expiring within 7 or 30 days (already expired not counted)"
            );
            describe_gauge!(
                "trustdesk_outbox_mails",
                "Mails waiting in the outbox to be sent"
            );
            describe_counter!(
                "trustdesk_mail_delivery_failures_total",
                "Attempts to send a mail that failed, by whether it will be retried"
            );
            describe_counter!(
                "trustdesk_share_views_total",
                "Share-link requests, by outcome (shown, refused, throttled)"
            );
            describe_counter!(
                "trustdesk_sign_in_failures_total",
                "Refused sign-ins, by reason"
            );
            describe_counter!(
                "trustdesk_sign_in_throttled_total",
                "Sign-in and setup attempts made to wait, by form"
            );
            describe_gauge!("trustdesk_db_pool_connections", "Database connections open");
            describe_gauge!(
                "trustdesk_db_pool_idle_connections",
                "Database connections idle"
            );
        });
    }

    pub fn http_request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let (route, method) = (route.to_string(), method.to_string());
        self.record(|| {
            counter!("trustdesk_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.to_string())
                .increment(1);
            histogram!("trustdesk_http_request_duration_seconds", "route" => route, "method" => method)
                .record(took.as_secs_f64());
        });
    }

    pub fn aws_call(&self, service: &str, operation: &str, outcome: &'static str, took: Duration) {
        let (service, operation) = (service.to_string(), operation.to_string());
        self.record(|| {
            counter!("trustdesk_aws_calls_total", "service" => service.clone(), "operation" => operation.clone(), "outcome" => outcome)
                .increment(1);
            histogram!("trustdesk_aws_call_duration_seconds", "service" => service, "operation" => operation)
                .record(took.as_secs_f64());
        });
    }

    pub fn aws_throttle(&self, service: &str, operation: &str) {
        let (service, operation) = (service.to_string(), operation.to_string());
        self.record(|| {
            counter!("trustdesk_aws_throttles_total", "service" => service, "operation" => operation)
                .increment(1)
        });
    }

    pub fn aws_retry(&self, service: &str, operation: &str) {
        let (service, operation) = (service.to_string(), operation.to_string());
        self.record(|| {
            counter!("trustdesk_aws_retries_total", "service" => service, "operation" => operation)
                .increment(1)
        });
    }

    /// One scope's sync: `kind` a slug, `account` a configured name, `outcome` ok or error.
    pub fn sync_run(
        &self,
        kind: &str,
        account: &str,
        region: &str,
        outcome: &'static str,
        took: Duration,
    ) {
        let labels = [
            ("kind", kind.to_string()),
            ("account", account.to_string()),
            ("region", region.to_string()),
        ];
        self.record(|| {
            let mut with_outcome: Vec<(&'static str, String)> = labels.to_vec();
            with_outcome.push(("outcome", outcome.to_string()));
            counter!("trustdesk_sync_runs_total", &with_outcome).increment(1);
            histogram!("trustdesk_sync_duration_seconds", &labels).record(took.as_secs_f64());
        });
    }

    /// The cache's counts after a sync: items per kind, and those expiring within 7 / 30 days.
    pub fn items(&self, counts: &[crate::store::counts::KindCounts]) {
        self.record(|| {
            for count in counts {
                let kind = count.kind.clone();
                gauge!("trustdesk_items", "kind" => kind.clone()).set(count.items as f64);
                gauge!("trustdesk_items_expiring", "kind" => kind.clone(), "within" => "7d")
                    .set(count.expiring_7d as f64);
                gauge!("trustdesk_items_expiring", "kind" => kind, "within" => "30d")
                    .set(count.expiring_30d as f64);
            }
        });
    }

    /// Failed sends of one delivery run: `retried` to be tried again, `given_up` marked failed.
    pub fn delivery_failures(&self, retried: u32, given_up: u32) {
        self.record(|| {
            counter!("trustdesk_mail_delivery_failures_total", "retried" => "yes")
                .increment(u64::from(retried));
            counter!("trustdesk_mail_delivery_failures_total", "retried" => "no")
                .increment(u64::from(given_up));
        });
    }

    /// `shown`, `refused` (no such link, expired, revoked, outside its scope) or `throttled`.
    pub fn share_view(&self, outcome: &'static str) {
        self.record(|| counter!("trustdesk_share_views_total", "outcome" => outcome).increment(1));
    }

    /// `reason` is one of the refusal's fixed reasons (unknown user, wrong password, …).
    pub fn sign_in_failure(&self, reason: &'static str) {
        self.record(|| {
            counter!("trustdesk_sign_in_failures_total", "reason" => reason).increment(1)
        });
    }

    /// `form` is `sign_in` or `setup`.
    pub fn sign_in_throttled(&self, form: &'static str) {
        self.record(|| counter!("trustdesk_sign_in_throttled_total", "form" => form).increment(1));
    }

    /// The scrape's own figures (read now, not kept up to date in between), then the text.
    pub fn render(&self, scrape: &Scrape) -> String {
        self.record(|| {
            gauge!("trustdesk_db_pool_connections").set(scrape.pool_size as f64);
            gauge!("trustdesk_db_pool_idle_connections").set(scrape.pool_idle as f64);
            if let Some(outbox) = scrape.outbox {
                gauge!("trustdesk_outbox_mails").set(outbox as f64);
            }
        });
        self.handle.render()
    }

    /// Folds recorded latencies into their buckets, so that a server nobody scrapes does not
    /// keep every sample.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Reads the cache's counts per kind into the item gauges (after a sync changed them).
pub async fn refresh_items(
    metrics: &Metrics,
    pool: &sqlx::SqlitePool,
    now: chrono::DateTime<chrono::Utc>,
) {
    let at = |days: i64| crate::time::timestamp(now + chrono::Duration::days(days));
    match crate::store::counts::kinds(pool, &at(0), &at(7), &at(30)).await {
        Ok(counts) => metrics.items(&counts),
        Err(error) => tracing::warn!(%error, "metrics: the cached items could not be counted"),
    }
}

/// A refusal's audit reason as a label: `wrong password` becomes `wrong_password`.
pub fn reason_label(reason: &'static str) -> &'static str {
    match reason {
        "unknown username" => "unknown_username",
        "account disabled" => "account_disabled",
        "wrong password" => "wrong_password",
        _ => "other",
    }
}

/// Figures read at scrape time.
#[derive(Debug, Default)]
pub struct Scrape {
    pub pool_size: u32,
    pub pool_idle: usize,
    /// None when the database could not be read (the scrape still answers).
    pub outbox: Option<i64>,
}

/// How often recorded latencies are folded into buckets between scrapes.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(10);

/// Runs [`Metrics::upkeep`] until the metrics are dropped with the server.
pub async fn keep_up(metrics: std::sync::Weak<Metrics>) {
    let mut every = tokio::time::interval(UPKEEP_INTERVAL);
    every.tick().await;
    loop {
        every.tick().await;
        match metrics.upgrade() {
            Some(metrics) => metrics.upkeep(),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_renders_only_its_own_figures() {
        let one = Metrics::new();
        let other = Metrics::new();
        one.http_request("/users", "GET", 200, Duration::from_millis(3));
        one.http_request("/users", "GET", 200, Duration::from_millis(30));
        let text = one.render(&Scrape::default());
        assert!(
            text.contains(
                r#"trustdesk_http_requests_total{route="/users",method="GET",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"trustdesk_http_request_duration_seconds_bucket{route="/users",method="GET",le="0.005"} 1"#),
            "a histogram with buckets: {text}"
        );
        assert!(
            text.contains("# HELP trustdesk_http_requests_total"),
            "{text}"
        );
        one.delivery_failures(2, 1);
        let text = one.render(&Scrape {
            pool_size: 3,
            pool_idle: 2,
            outbox: Some(5),
        });
        for line in [
            r#"trustdesk_mail_delivery_failures_total{retried="yes"} 2"#,
            r#"trustdesk_mail_delivery_failures_total{retried="no"} 1"#,
            "trustdesk_db_pool_connections 3",
            "trustdesk_db_pool_idle_connections 2",
            "trustdesk_outbox_mails 5",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        let other_text = other.render(&Scrape::default());
        assert!(!other_text.contains("route=\"/users\""), "{other_text}");
    }
}
