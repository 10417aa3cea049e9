//! The uploads' shared state: the settings, the storage, the keys that make stored names,
//! and the limits every upload is counted against (rate, quotas, places in flight); also
//! the public URL a stored file is reached at and how long it has left to live.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderMap;
use tokio::sync::Semaphore;

use super::names::NameKeys;
use super::per_client;
use super::quota::Quota;
use super::refusals::OverQuota;
use super::serving::MAX_CACHE;
use super::settings::UploadSettings;
use super::storage::Storage;
use crate::guard::client::public_base;
use crate::guard::rate::RateLimiter;
use crate::visitor::VisitorKeys;

/// The uploads' shared state.
pub struct Uploads {
    pub(super) settings: UploadSettings,
    pub(super) storage: Storage,
    pub(super) visitors: Option<VisitorKeys>,
    /// Makes stored names, each bound to its conversation (see [`names`](super::names)).
    pub(super) names: NameKeys,
    pub(super) rate: Option<RateLimiter<String>>,
    pub(super) quota: Mutex<Quota>,
    /// The same, per client address (a conversation costs one request to make).
    pub(super) client_quota: Mutex<Quota>,
    pub(super) slots: Semaphore,
    pub(super) in_flight: per_client::InFlight,
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploads")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Uploads {
    /// Fails on storage settings that cannot work (see [`Storage::open`]).
    pub fn new(
        settings: UploadSettings,
        visitors: Option<VisitorKeys>,
    ) -> Result<Arc<Uploads>, String> {
        if let Some(url) = &settings.public_url {
            let parsed = reqwest::Url::parse(url.trim())
                .map_err(|e| format!("the upload public URL is not a URL ({e})"))?;
            if !matches!(parsed.scheme(), "http" | "https")
                || parsed.host_str().is_none()
                || !parsed.username().is_empty()
                || parsed.password().is_some()
                || parsed.query().is_some()
            {
                return Err(
                    "the upload public URL must be http(s)://host[/prefix]/, without \
                     credentials or a query"
                        .into(),
                );
            }
        }
        let storage = Storage::open(&settings.storage)?;
        let rate = (settings.rate_per_minute > 0)
            .then(|| RateLimiter::new(settings.rate_per_minute, settings.rate_per_minute));
        Ok(Arc::new(Uploads {
            quota: Mutex::new(Quota::new(settings.quota)),
            client_quota: Mutex::new(Quota::new(settings.client_quota)),
            slots: Semaphore::new(settings.concurrent.max(1)),
            in_flight: per_client::InFlight::new(settings.concurrent_per_client),
            storage,
            names: NameKeys::new(visitors.as_ref()),
            visitors,
            rate,
            settings,
        }))
    }

    /// How much longer a file stored at `modified` may be kept and cached as of `now`: the
    /// rest of its retention (zero once past it), or [`MAX_CACHE`] when files are kept forever.
    pub(super) fn left_to_live(&self, modified: SystemTime, now: SystemTime) -> Duration {
        match self.settings.retention {
            None => MAX_CACHE,
            Some(retention) => {
                let age = now.duration_since(modified).unwrap_or_default();
                retention.saturating_sub(age)
            }
        }
    }

    pub(super) fn file_url(&self, headers: &HeaderMap, name: &str) -> String {
        match &self.settings.public_url {
            Some(base) => format!("{}/{name}", base.trim_end_matches('/')),
            None => format!(
                "{}/uploads/{name}",
                public_base(
                    headers,
                    self.settings.trust_proxy,
                    self.settings.server_public_url.as_deref()
                )
            ),
        }
    }

    /// Refuses, before the body is read, a conversation or client address already at one of
    /// its quotas (no file of even one byte would pass). Counts nothing: the file's size is
    /// known, and counted by [`Uploads::take_quota`], once it has been cleaned.
    pub(super) fn check_quota(&self, conversation: &str, client: &str) -> Result<(), OverQuota> {
        let now = Instant::now();
        lock(&self.quota)
            .check(conversation, 1, now)
            .map_err(|over| OverQuota {
                over,
                limits: self.settings.quota,
                per: "per conversation",
            })?;
        lock(&self.client_quota)
            .check(client, 1, now)
            .map_err(|over| OverQuota {
                over,
                limits: self.settings.client_quota,
                per: "from one network",
            })
    }

    /// Counts a stored file of `size` for its conversation and its client address, or says
    /// which limit it would pass; nothing is counted then.
    pub(super) fn take_quota(
        &self,
        conversation: &str,
        client: &str,
        size: u64,
    ) -> Result<(), OverQuota> {
        let now = Instant::now();
        let mut per_conversation = lock(&self.quota);
        per_conversation
            .take(conversation, size, now)
            .map_err(|over| OverQuota {
                over,
                limits: self.settings.quota,
                per: "per conversation",
            })?;
        if let Err(over) = lock(&self.client_quota).take(client, size, now) {
            per_conversation.give_back(conversation, size);
            return Err(OverQuota {
                over,
                limits: self.settings.client_quota,
                per: "from one network",
            });
        }
        Ok(())
    }
}

pub(super) fn lock(quota: &Mutex<Quota>) -> std::sync::MutexGuard<'_, Quota> {
    quota.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::quota::QuotaLimits;
    use crate::uploads::storage::StorageSettings;
    use crate::uploads::QUOTA_WINDOW;

    #[test]
    fn bad_public_urls_are_refused_at_start() {
        let settings = |url: &str| UploadSettings {
            storage: StorageSettings::Local {
                dir: std::env::temp_dir().join("chat-bubble-uploads-url-test"),
            },
            max_bytes: 1,
            quota: QuotaLimits {
                bytes: 1,
                files: 1,
                window: QUOTA_WINDOW,
            },
            rate_per_minute: 0,
            concurrent: 1,
            concurrent_per_client: 0,
            min_bytes_per_sec: 0,
            client_quota: QuotaLimits {
                bytes: 1,
                files: 1,
                window: QUOTA_WINDOW,
            },
            retention: None,
            public_url: Some(url.into()),
            server_public_url: None,
            trust_proxy: false,
        };
        for bad in [
            "cdn.example.com",
            "ftp://x/",
            "https://u:p@x/",
            "https://x/?a=1",
        ] {
            assert!(Uploads::new(settings(bad), None).is_err(), "{bad}");
        }
        assert!(Uploads::new(settings("https://cdn.example.com/files/"), None).is_ok());
    }
}
