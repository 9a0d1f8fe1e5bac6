//! The search across every kind, for anyone signed in: the words checked, then one query of
//! the cache's full-text index.

use app::model::search::{SearchResults, SearchWords};
use app::model::AppError;
use app::ports::SearchPorts;

use crate::console::RequestConsole;
use crate::store;
use crate::store::db_error;
use crate::time::with_days_left;

#[async_trait::async_trait]
impl SearchPorts for RequestConsole {
    async fn search(&self, q: String) -> Result<SearchResults, AppError> {
        self.require_user().await?;
        let words = SearchWords::parse(&q)?;
        let (mut groups, limited) = store::search::search(self.console.db().pool(), &words)
            .await
            .map_err(db_error)?;
        let now = self.console.clock.now();
        for group in &mut groups {
            group.items = std::mem::take(&mut group.items)
                .into_iter()
                .map(|item| with_days_left(item, now))
                .collect();
        }
        Ok(SearchResults {
            q: q.trim().to_string(),
            groups,
            too_short: words.too_short(),
            limited,
        })
    }
}
