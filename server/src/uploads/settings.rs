//! The settings of uploads: where visitors' files are stored, how large, how many and how
//! fast they may come, how long they are kept and the URL they are reached at, as the command
//! line gives them.

use std::time::Duration;

use super::quota::QuotaLimits;
use super::storage::StorageSettings;
use crate::config::{GuardArgs, UploadArgs, UploadStorage};

/// A day, the unit of `--upload-retention-days`.
pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The quota's window: a day.
pub const QUOTA_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// What the server does with uploads.
#[derive(Clone, Debug)]
pub struct UploadSettings {
    pub storage: StorageSettings,
    pub max_bytes: u64,
    pub quota: QuotaLimits,
    /// Uploads per minute per conversation; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// Uploads read at once; more wait for none and get 503.
    pub concurrent: usize,
    /// Uploads one client address may have in flight at once; 0 means no cap.
    pub concurrent_per_client: usize,
    /// The average rate an upload must keep up after
    /// [`SLOW_START`](super::body::SLOW_START); 0 turns it off.
    pub min_bytes_per_sec: u64,
    /// What one client address may store in a day, whatever the conversations it makes.
    pub client_quota: QuotaLimits,
    /// How long a stored file is kept; `None` keeps files forever.
    pub retention: Option<Duration>,
    /// Base URL the stored files are reachable at (a CDN, the bucket); `None` serves them
    /// from this server's `/uploads/`.
    pub public_url: Option<String>,
    /// This server's own public origin and whether to trust `X-Forwarded-Proto`, as for the
    /// history links (see [`crate::guard::client::public_base`]).
    pub server_public_url: Option<String>,
    pub trust_proxy: bool,
}

impl UploadSettings {
    /// From the command line.
    pub fn from_args(args: &UploadArgs, guard: &GuardArgs) -> UploadSettings {
        let storage = match args.upload_storage {
            UploadStorage::Local => StorageSettings::Local {
                dir: args.upload_dir.clone(),
            },
            UploadStorage::S3 => StorageSettings::S3 {
                bucket: args.upload_s3_bucket.clone().unwrap_or_default(),
                prefix: args.upload_s3_prefix.clone(),
                endpoint: args.upload_s3_endpoint.clone(),
                region: args.upload_s3_region.clone(),
            },
        };
        UploadSettings {
            storage,
            max_bytes: args.upload_max_bytes,
            quota: QuotaLimits {
                bytes: args.upload_quota_bytes,
                files: args.upload_quota_files,
                window: QUOTA_WINDOW,
            },
            rate_per_minute: args.upload_rate_limit,
            concurrent: args.upload_concurrent,
            concurrent_per_client: args.upload_concurrent_per_client,
            min_bytes_per_sec: args.upload_min_bytes_per_sec,
            client_quota: QuotaLimits {
                bytes: args.upload_client_quota_bytes,
                files: args.upload_client_quota_files,
                window: QUOTA_WINDOW,
            },
            retention: (args.upload_retention_days > 0).then(|| DAY * args.upload_retention_days),
            public_url: args
                .upload_public_url
                .clone()
                .filter(|u| !u.trim().is_empty()),
            server_public_url: guard.public_url.clone().filter(|u| !u.trim().is_empty()),
            trust_proxy: guard.trust_proxy,
        }
    }
}
