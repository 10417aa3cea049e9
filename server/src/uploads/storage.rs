//! Where uploaded files live, behind `object_store`'s `ObjectStore` trait: a local folder by
//! default, or an S3-compatible bucket (AWS, MinIO, Ceph, R2, …) so that several server
//! instances and a CDN share the files.
//!
//! Files are written once under a name that never changes and read back whole, and deleted once
//! they are older than the retention ([`Storage::sweep`], run by `super::expiry`).
//!
//! The local folder is written the way `object_store`'s `LocalFileSystem` writes: the bytes go
//! to a temporary file `<name>#<n>` beside the final one (`n` counting from 1), which is then
//! renamed to `<name>`. A crash, a kill or a full disk between the two leaves the temporary
//! file; it is no stored file, so nothing expires it, and the sweep removes it instead once it
//! has sat untouched long enough that no write can still be under way ([`is_leftover`]).

mod folder;
mod sweep;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload, RetryConfig,
};

use super::sniff::Kind;

pub use folder::is_leftover;
pub use sweep::Swept;

/// How long one storage call may take before the upload is answered "storage unavailable".
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The backend and where in it files go.
#[derive(Clone, Debug)]
pub enum StorageSettings {
    /// A folder on this machine, created if missing.
    Local { dir: PathBuf },
    /// An S3-compatible bucket. Credentials come from the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, optionally `AWS_SESSION_TOKEN`), never from a flag.
    S3 {
        bucket: String,
        /// Key prefix inside the bucket, e.g. `chat-uploads/`.
        prefix: String,
        /// For S3-compatible services other than AWS, e.g. `http://127.0.0.1:9000`.
        endpoint: Option<String>,
        region: String,
    },
}

/// The files, stored and read back.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// S3 keeps a file's headers with it and serves them to whoever reads the bucket
    /// directly (a CDN); a local folder has no place for them.
    with_attributes: bool,
    /// The folder of a local store, read directly to find expired files (see
    /// [`Storage::sweep`]); `None` for a bucket.
    folder: Option<PathBuf>,
}

/// A stored file, as a stream of its bytes.
pub struct StoredFile {
    pub size: u64,
    /// When it was stored: the file's modification time, or the object's `Last-Modified`.
    pub modified: SystemTime,
    pub bytes: BoxStream<'static, object_store::Result<Bytes>>,
}

impl Storage {
    /// Opens the backend. Fails on a folder that cannot be created or a bucket setting that
    /// cannot work; a bucket that is down is only found out by the first upload.
    pub fn open(settings: &StorageSettings) -> Result<Storage, String> {
        match settings {
            StorageSettings::Local { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!("cannot create the upload folder {}: {e}", dir.display())
                })?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("cannot use the upload folder {}: {e}", dir.display()))?;
                Ok(Storage {
                    store: Arc::new(store),
                    prefix: Path::default(),
                    with_attributes: false,
                    folder: Some(dir.clone()),
                })
            }
            StorageSettings::S3 {
                bucket,
                prefix,
                endpoint,
                region,
            } => {
                if bucket.trim().is_empty() {
                    return Err("--upload-storage s3 needs --upload-s3-bucket".into());
                }
                let options = ClientOptions::new()
                    .with_timeout(CALL_TIMEOUT)
                    .with_connect_timeout(Duration::from_secs(5))
                    // Plain HTTP only where the operator named such an endpoint (a bucket on
                    // the same host or network).
                    .with_allow_http(endpoint.as_deref().is_some_and(|e| e.starts_with("http:")));
                let retry = RetryConfig {
                    max_retries: 2,
                    retry_timeout: CALL_TIMEOUT,
                    ..RetryConfig::default()
                };
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket.trim())
                    .with_region(region.trim())
                    .with_client_options(options)
                    .with_retry(retry);
                if let Some(endpoint) = endpoint.as_deref().filter(|e| !e.trim().is_empty()) {
                    builder = builder
                        .with_endpoint(endpoint.trim())
                        // S3-compatible servers on an address rarely have per-bucket hosts.
                        .with_virtual_hosted_style_request(false);
                }
                let store = builder
                    .build()
                    .map_err(|e| format!("cannot use the upload bucket: {e}"))?;
                Ok(Storage {
                    store: Arc::new(store),
                    prefix: Path::from(prefix.trim_matches('/')),
                    with_attributes: true,
                    folder: None,
                })
            }
        }
    }

    fn path(&self, name: &str) -> Path {
        self.prefix.child(name)
    }

    /// Writes a file under `name` (a name of this server's making, see `super::names`), to
    /// be cached by whoever reads the bucket directly for at most `cache_for`.
    pub async fn put(
        &self,
        name: &str,
        bytes: Bytes,
        kind: Kind,
        cache_for: Duration,
    ) -> object_store::Result<()> {
        let mut options = PutOptions::default();
        if self.with_attributes {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, kind.mime().into());
            attributes.insert(
                Attribute::CacheControl,
                super::serving::cache_control(cache_for).into(),
            );
            if !kind.is_image() {
                attributes.insert(Attribute::ContentDisposition, "attachment".into());
            }
            options.attributes = attributes;
        }
        self.store
            .put_opts(&self.path(name), PutPayload::from_bytes(bytes), options)
            .await
            .map(|_| ())
    }

    /// The file stored under `name`; `Ok(None)` when there is none.
    pub async fn get(&self, name: &str) -> object_store::Result<Option<StoredFile>> {
        match self.store.get(&self.path(name)).await {
            Ok(found) => Ok(Some(StoredFile {
                size: found.meta.size,
                modified: found.meta.last_modified.into(),
                bytes: found.into_stream(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// When the file under `name` was stored, from its metadata alone (a `HEAD` in S3, a
    /// `stat` in the folder); `Ok(None)` when there is none.
    pub async fn modified(&self, name: &str) -> object_store::Result<Option<SystemTime>> {
        match self.store.head(&self.path(name)).await {
            Ok(meta) => Ok(Some(meta.last_modified.into())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
