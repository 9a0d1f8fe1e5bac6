//! The dashboard's expiry overview, read from the cache as of the console's clock.

use app::model::AwsItem;

use crate::console::Console;
use crate::inventory::with_days_left;
use crate::store::{self, resources};

impl Console {
    /// The dashboard's expiry overview, as of the console's clock.
    pub async fn expiry_overview(&self) -> Result<app::model::ExpiryOverview, sqlx::Error> {
        let pool = self.db().pool();
        let now = self.clock.now();
        let counts = store::expiry::counts(pool, now).await?;
        let timeline = store::expiry::timeline(pool, now).await?;
        let soonest: Vec<AwsItem> = resources::soonest(pool, &crate::time::timestamp(now), 10)
            .await?
            .into_iter()
            .map(|item| with_days_left(item, now))
            .collect();
        let mut soonest_silenced = Vec::with_capacity(soonest.len());
        for item in &soonest {
            let silence = match &item.expires_at {
                Some(expires) => {
                    store::alerts::silence_of(
                        pool,
                        &item.item,
                        expires,
                        &crate::time::timestamp(now),
                    )
                    .await?
                }
                None => None,
            };
            soonest_silenced.push(silence.map(|s| s.state));
        }
        Ok(app::model::ExpiryOverview {
            by_kind: counts.by_kind,
            by_kind_and_account: counts.by_kind_and_account,
            by_account: counts.by_account,
            totals: counts.totals,
            timeline,
            soonest,
            soonest_silenced,
        })
    }
}
