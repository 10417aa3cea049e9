//! Uploads expire: files older than `--upload-retention-days` are deleted, so visitors'
//! screenshots and files (personal data) are not kept forever.
//!
//! A background task sweeps the storage at start and then every [`SWEEP_EVERY`]: it lists the
//! folder (by modification time) or the bucket under its prefix (by `Last-Modified`) and
//! deletes what is older than the retention ([`Storage::remove_older_than`]). Only names of
//! this server's making, directly in the folder or under the prefix, are ever deleted. Sweeps
//! are idempotent, so several instances sharing a bucket may all run them: a file another
//! instance deleted first is simply gone. Between two sweeps a file past its retention is
//! already answered 404 (see `serve`), so expiry is exact for visitors and at most a sweep
//! late for the storage.
//!
//! The quotas are untouched: they count what was uploaded in the last day, not what is stored,
//! and a file expires a day or more after it was counted.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::storage::{Storage, Swept};
use super::{Uploads, DAY};

/// Time between two sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts the sweeps for `uploads` when they have a retention, until `shutdown` turns true.
pub fn spawn(uploads: Arc<Uploads>, mut shutdown: watch::Receiver<bool>) {
    let Some(retention) = uploads.settings.retention else {
        tracing::info!("uploads: stored files are kept forever (--upload-retention-days 0)");
        return;
    };
    tracing::info!(
        retention_days = retention.as_secs() / DAY.as_secs(),
        "uploads: stored files are deleted after the retention, checked at start and hourly"
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown_signalled(&mut shutdown) => return,
            }
            sweep(&uploads.storage, retention, SystemTime::now()).await;
        }
    });
}

/// Resolves once `shutdown` turns true; never when its sender is gone without a signal.
async fn shutdown_signalled(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|&down| down).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One sweep as of `now`: deletes the files stored more than `retention` before it, and logs
/// how many. Tests pass a `now` in the future to expire files an S3 server has just dated.
pub async fn sweep(storage: &Storage, retention: Duration, now: SystemTime) -> Swept {
    let Some(cutoff) = now.checked_sub(retention) else {
        return Swept::default();
    };
    let swept = storage.remove_older_than(cutoff).await;
    match &swept.error {
        Some(error) => tracing::warn!(
            removed = swept.removed,
            failed = swept.failed,
            %error,
            "uploads: the sweep of expired files did not finish; the next one tries again"
        ),
        None if swept.removed > 0 => {
            tracing::info!(removed = swept.removed, "uploads: expired files deleted")
        }
        None => tracing::debug!("uploads: no expired files"),
    }
    swept
}
