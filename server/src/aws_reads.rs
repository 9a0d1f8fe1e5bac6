//! Reads of AWS that a user's request starts (Refresh, a form's choices, a permission check):
//! each user may start a limited number a minute, and a viewer cannot make trustdesk re-read a
//! kind that was read moments ago. Admins may always refresh, within their own rate.

use crate::auth::describe_wait;
use app::model::{AppError, ErrorKind, ResourceKind};
use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

const MINUTE: Duration = Duration::from_secs(60);
/// Users whose recent reads are remembered; far more than any installation has.
const MAX_USERS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsReadSettings {
    /// Reads one user may start in any minute.
    pub per_minute: u32,
    /// A kind read from AWS more recently than this is not read again for a viewer.
    pub viewer_refresh_interval: Duration,
}

impl Default for AwsReadSettings {
    fn default() -> Self {
        Self {
            per_minute: 30,
            viewer_refresh_interval: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Default)]
pub struct AwsReadLimits {
    settings: AwsReadSettings,
    /// Per user, when their reads of the last minute started (at most `per_minute` each).
    reads: Mutex<HashMap<i64, VecDeque<Instant>>>,
    /// When each kind was last refreshed on a user's request.
    refreshed: Mutex<HashMap<ResourceKind, Instant>>,
}

impl AwsReadLimits {
    pub fn new(settings: AwsReadSettings) -> Self {
        Self {
            settings,
            ..Default::default()
        }
    }

    /// Counts one read for `user`, or refuses it with when to try again.
    pub fn read(&self, user: i64, now: Instant) -> Result<(), AppError> {
        let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
        if !reads.contains_key(&user) && reads.len() >= MAX_USERS {
            reads.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < MINUTE)
            });
            if reads.len() >= MAX_USERS {
                return Err(busy(MINUTE));
            }
        }
        let times = reads.entry(user).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE)
        {
            times.pop_front();
        }
        let limit = self.settings.per_minute.max(1) as usize;
        if times.len() >= limit {
            let oldest = *times.front().expect("at the limit, so not empty");
            return Err(AppError::new(
                ErrorKind::Throttled,
                format!(
                    "You asked trustdesk to read AWS {limit} times within a minute, the most it allows; try again in {}.",
                    describe_wait(MINUTE.saturating_sub(now.saturating_duration_since(oldest)))
                ),
            ));
        }
        times.push_back(now);
        Ok(())
    }

    /// A refresh of `kind`: a viewer's is refused while the kind's last refresh is recent;
    /// either way it counts as a read of the user's.
    pub fn refresh(
        &self,
        kind: ResourceKind,
        user: i64,
        is_admin: bool,
        now: Instant,
    ) -> Result<(), AppError> {
        // Held while the user's read is counted, so two viewers cannot both pass the check.
        let mut refreshed = self.refreshed.lock().unwrap_or_else(|e| e.into_inner());
        let interval = self.settings.viewer_refresh_interval;
        if let Some(at) = refreshed.get(&kind) {
            let ago = now.saturating_duration_since(*at);
            if !is_admin && ago < interval {
                return Err(AppError::new(
                    ErrorKind::Throttled,
                    format!(
                        "{} were read from AWS {} ago; a viewer may refresh them once every {}: try again in {}.",
                        kind.title(),
                        describe_wait(ago),
                        describe_wait(interval),
                        describe_wait(interval - ago)
                    ),
                ));
            }
        }
        self.read(user, now)?;
        refreshed.insert(kind, now);
        Ok(())
    }
}

fn busy(wait: Duration) -> AppError {
    AppError::new(
        ErrorKind::Throttled,
        format!(
            "trustdesk is reading AWS for many users at the moment; try again in {}.",
            describe_wait(wait)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: ResourceKind = ResourceKind::ALL[0];

    fn limits(per_minute: u32) -> AwsReadLimits {
        AwsReadLimits::new(AwsReadSettings {
            per_minute,
            viewer_refresh_interval: Duration::from_secs(300),
        })
    }

    #[test]
    fn each_user_reads_a_limited_number_of_times_a_minute() {
        let limits = limits(3);
        let t0 = Instant::now();
        for i in 0..3 {
            limits.read(1, t0 + Duration::from_secs(i)).unwrap();
        }
        let refused = limits.read(1, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(refused.kind, ErrorKind::Throttled);
        assert!(
            refused.message.contains("try again in 50 seconds"),
            "{refused}"
        );
        assert!(limits.read(2, t0).is_ok(), "another user's own budget");
        assert!(limits.read(1, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn a_viewer_waits_for_the_interval_an_admin_does_not() {
        let limits = limits(100);
        let t0 = Instant::now();
        limits.refresh(KIND, 1, false, t0).unwrap();
        let refused = limits
            .refresh(KIND, 2, false, t0 + Duration::from_secs(60))
            .unwrap_err();
        assert!(
            refused.message.contains("try again in 4 minutes"),
            "{refused}"
        );
        limits
            .refresh(KIND, 3, true, t0 + Duration::from_secs(61))
            .unwrap();
        assert!(
            limits
                .refresh(KIND, 2, false, t0 + Duration::from_secs(300))
                .is_err(),
            "an admin's refresh counts as the kind's last read"
        );
        assert!(limits
            .refresh(KIND, 2, false, t0 + Duration::from_secs(361))
            .is_ok());
        assert!(limits.refresh(ResourceKind::ALL[1], 2, false, t0).is_ok());
    }

    #[test]
    fn a_refused_read_does_not_mark_the_kind_refreshed() {
        let limits = limits(1);
        let t0 = Instant::now();
        limits.read(1, t0).unwrap();
        assert!(limits.refresh(KIND, 1, false, t0).is_err());
        assert!(limits.refresh(KIND, 2, false, t0).is_ok());
    }

    #[test]
    fn memory_per_user_stays_within_the_limit() {
        let limits = limits(5);
        let t0 = Instant::now();
        for i in 0..100 {
            let _ = limits.read(1, t0 + Duration::from_millis(i));
        }
        assert_eq!(limits.reads.lock().unwrap()[&1].len(), 5);
    }
}
