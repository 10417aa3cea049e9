//! Uploads expire: files older than `--upload-retention-days` are deleted, so visitors'
//! screenshots and files (personal data) are not kept forever.
//!
//! A background task sweeps the storage at start and then every [`SWEEP_EVERY`]: it lists the
//! folder (by modification time) or the bucket under its prefix (by `Last-Modified`) and
//! deletes what is older than the retention ([`Storage::sweep`]). Only names of
//! this server's making, directly in the folder or under the prefix, are ever deleted. Sweeps
//! are idempotent, so several instances sharing a bucket may all run them: a file another
//! instance deleted first is simply gone. Between two sweeps a file past its retention is
//! already answered 404 (see `serve`), so expiry is exact for visitors and at most a sweep
//! late for the storage.
//!
//! In the local folder the sweep also removes the temporary files of writes cut short (a
//! crash between writing `<name>#<n>` and renaming it to `<name>`) once they are
//! [`LEFTOVER_AGE`] old, whatever the retention, since they are never served and nothing else
//! would ever remove them.
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

/// How long a temporary file of the local folder must have sat untouched before a sweep
/// takes it for the leftover of a write cut short. A write puts a whole file (at most
/// `--upload-max-bytes`) in one go, so one still under way has been touched within seconds;
/// an hour leaves a wide margin for a slow disk.
pub const LEFTOVER_AGE: Duration = Duration::from_secs(60 * 60);

/// Starts the sweeps for `uploads`, until `shutdown` turns true. Without a retention they
/// remove only temporary files that writes cut short left in the local folder.
pub fn spawn(uploads: Arc<Uploads>, mut shutdown: watch::Receiver<bool>) {
    let retention = uploads.settings.retention;
    match retention {
        None => {
            tracing::info!("uploads: stored files are kept forever (--upload-retention-days 0)")
        }
        Some(retention) => tracing::info!(
            retention_days = retention.as_secs() / DAY.as_secs(),
            "uploads: stored files are deleted after the retention, checked at start and hourly"
        ),
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown_signalled(&mut shutdown) => return,
            }
            sweep_as_of(&uploads.storage, retention, SystemTime::now()).await;
        }
    });
}

/// Resolves once `shutdown` turns true; never when its sender is gone without a signal.
async fn shutdown_signalled(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|&down| down).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One sweep as of `now`: deletes the files stored more than `retention` before it (and
/// temporary files left by writes cut short, [`LEFTOVER_AGE`] old), and logs how many. Tests
/// pass a `now` in the future to expire files an S3 server has just dated.
pub async fn sweep(storage: &Storage, retention: Duration, now: SystemTime) -> Swept {
    sweep_as_of(storage, Some(retention), now).await
}

/// [`sweep`], or with `None` only the temporary files (files are kept forever).
async fn sweep_as_of(storage: &Storage, retention: Option<Duration>, now: SystemTime) -> Swept {
    // A retention reaching before the epoch expires nothing yet.
    let expired_before = retention.and_then(|r| now.checked_sub(r));
    if retention.is_some() && expired_before.is_none() {
        return Swept::default();
    }
    let leftovers_before = now
        .checked_sub(LEFTOVER_AGE)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let swept = storage.sweep(expired_before, leftovers_before).await;
    match &swept.error {
        Some(error) => tracing::warn!(
            removed = swept.removed,
            leftovers = swept.leftovers,
            failed = swept.failed,
            %error,
            "uploads: the sweep of expired files did not finish; the next one tries again"
        ),
        None if swept.removed > 0 || swept.leftovers > 0 => tracing::info!(
            removed = swept.removed,
            leftovers = swept.leftovers,
            "uploads: expired files deleted"
        ),
        None => tracing::debug!("uploads: no expired files"),
    }
    swept
}
