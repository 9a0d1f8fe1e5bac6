//! CPU-heavy work (a password hash, a large document) on tokio's blocking pool, a bounded number
//! at a time, so that the async workers, and the requests they serve, never wait behind it.

use std::sync::Arc;

use app::model::AppError;
use tokio::sync::Semaphore;

/// Runs `work` on a blocking thread once one of `permits` is free. The permit travels with the
/// work: a request abandoned while the work runs does not free its slot early.
pub(crate) async fn limited<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permit = permits.clone().acquire_owned().await;
    let permit = permit.map_err(|_| AppError::internal())?;
    let running = tokio::task::spawn_blocking(move || {
        let done = work();
        drop(permit);
        done
    });
    running.await.map_err(|_| AppError::internal())
}
