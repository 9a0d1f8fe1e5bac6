//! The one way trustdesk writes a moment: RFC 3339 in UTC with milliseconds, fixed width, so
//! that text order is time order in the database and every layer agrees on the form.

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn now() -> String {
    timestamp(chrono::Utc::now())
}

/// What "now" is for expiries, alerts and the sync's schedule: the system's time, or in demo
/// mode the emulated AWS's, so that moving the emulator's clock moves items across thresholds
/// for trustdesk too. Audit rows and sessions always use the real time.
#[derive(Clone, Default)]
pub struct Clock {
    offset: Option<std::sync::Arc<dyn Fn() -> chrono::Duration + Send + Sync>>,
}

impl Clock {
    /// The system's time moved by what `offset` answers at each reading.
    pub fn offset_by(offset: impl Fn() -> chrono::Duration + Send + Sync + 'static) -> Self {
        Self {
            offset: Some(std::sync::Arc::new(offset)),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Utc::now();
        match &self.offset {
            Some(offset) => now + offset(),
            None => now,
        }
    }

    pub fn timestamp(&self) -> String {
        timestamp(self.now())
    }
}

/// Fills in the whole days left before expiry, as of `now`.
pub fn with_days_left(
    mut resource: app::model::AwsItem,
    now: chrono::DateTime<chrono::Utc>,
) -> app::model::AwsItem {
    resource.expires_in_days = resource
        .expires_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| days_left((at.with_timezone(&chrono::Utc) - now).num_seconds()));
    resource
}

/// Days as people count them: 2 days 23 hours ahead is "in 3 days"; anything past is at least
/// "1 day ago", so an expired item never reads as expiring today.
fn days_left(seconds: i64) -> i64 {
    const DAY: i64 = 86_400;
    if seconds >= 0 {
        (seconds + DAY - 1) / DAY
    } else {
        -((-seconds / DAY).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_follows_its_source() {
        let moved = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        let source = moved.clone();
        let clock = Clock::offset_by(move || {
            chrono::Duration::seconds(source.load(std::sync::atomic::Ordering::Relaxed))
        });
        let before = clock.now();
        moved.store(86_400, std::sync::atomic::Ordering::Relaxed);
        let after = clock.now();
        assert!(after - before >= chrono::Duration::seconds(86_400));
        assert!(Clock::default().now() - chrono::Utc::now() < chrono::Duration::seconds(1));
    }

    #[test]
    fn days_are_rounded_as_people_count_them() {
        assert_eq!(days_left(3 * 86_400 - 5), 3);
        assert_eq!(days_left(86_400), 1);
        assert_eq!(days_left(0), 0);
        assert_eq!(days_left(-7_200), -1);
        assert_eq!(days_left(-5 * 86_400 - 30), -5);
    }
}
