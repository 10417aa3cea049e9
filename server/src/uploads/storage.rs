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

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload, RetryConfig,
};

use super::sniff::Kind;

/// How long one storage call may take before the upload is answered "storage unavailable".
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Expired files deleted at once (S3 deletes up to 1,000 keys in one request): what a sweep
/// holds in memory, however many files the folder or bucket has.
const DELETE_BATCH: usize = 1_000;

/// Folder entries the local listing reads ahead of the deletes.
const LISTING_AHEAD: usize = 256;

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
    /// [`Storage::remove_older_than`]); `None` for a bucket.
    folder: Option<PathBuf>,
}

/// A stored file, as a stream of its bytes.
pub struct StoredFile {
    pub size: u64,
    /// When it was stored: the file's modification time, or the object's `Last-Modified`.
    pub modified: SystemTime,
    pub bytes: BoxStream<'static, object_store::Result<Bytes>>,
}

/// What one sweep of expired files did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files deleted. Instances sweeping one bucket at the same moment may each count a file
    /// they both deleted.
    pub removed: u64,
    /// Temporary files of writes cut short, removed from the local folder.
    pub leftovers: u64,
    /// Expired or temporary files that could not be deleted (tried again at the next sweep).
    pub failed: u64,
    /// The first error: a listing that broke off (the sweep stops there) or a failed delete.
    pub error: Option<String>,
}

/// A file a listing found: its name directly under the folder or prefix, and when it was
/// stored.
struct Listed {
    name: String,
    modified: SystemTime,
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

    /// Deletes the files of this server's making stored before `expired_before` (none when
    /// `None`: files are kept forever) and, in the local folder, the temporary files of writes
    /// cut short last touched before `leftovers_before`. Only names of the server's making
    /// directly in the folder or directly under the prefix are touched (other names,
    /// subfolders, keys outside the prefix stay). The listing is read as a stream and what
    /// is to go is deleted in batches of [`DELETE_BATCH`] as it goes, so memory stays bounded
    /// whatever the number of files. A file already gone (another instance's sweep, a write
    /// that finished after all) is no error: the sweep can run anywhere, any number of times.
    pub async fn sweep(
        &self,
        expired_before: Option<SystemTime>,
        leftovers_before: SystemTime,
    ) -> Swept {
        let mut swept = Swept::default();
        let mut listing = self.listing();
        let mut batch = Vec::new();
        let mut leftovers = Vec::new();
        while let Some(found) = listing.next().await {
            match found {
                Ok(file) => {
                    let expired = expired_before.is_some_and(|cutoff| file.modified < cutoff);
                    if expired && super::names::kind_of_name(&file.name).is_some() {
                        batch.push(self.path(&file.name));
                        if batch.len() >= DELETE_BATCH {
                            self.delete_all(std::mem::take(&mut batch), &mut swept)
                                .await;
                        }
                    } else if let Some(dir) = &self.folder {
                        if file.modified < leftovers_before && is_leftover(&file.name) {
                            leftovers.push(dir.join(&file.name));
                            if leftovers.len() >= DELETE_BATCH {
                                remove_leftovers(std::mem::take(&mut leftovers), &mut swept).await;
                            }
                        }
                    }
                }
                Err(e) => {
                    swept.error.get_or_insert(e);
                    break;
                }
            }
        }
        self.delete_all(batch, &mut swept).await;
        remove_leftovers(leftovers, &mut swept).await;
        swept
    }

    /// Every file directly in the folder or under the prefix, with when it was stored.
    fn listing(&self) -> BoxStream<'static, Result<Listed, String>> {
        match &self.folder {
            Some(dir) => list_folder(dir.clone()),
            None => {
                let prefix = self.prefix.clone();
                let under = (!prefix.as_ref().is_empty()).then_some(&prefix);
                self.store
                    .list(under)
                    .filter_map(move |found| {
                        let listed = match found {
                            Ok(meta) => directly_under(&prefix, &meta.location).map(|name| {
                                Ok(Listed {
                                    name,
                                    modified: meta.last_modified.into(),
                                })
                            }),
                            Err(e) => Some(Err(format!("listing the bucket failed: {e}"))),
                        };
                        std::future::ready(listed)
                    })
                    .boxed()
            }
        }
    }

    async fn delete_all(&self, batch: Vec<Path>, swept: &mut Swept) {
        if batch.is_empty() {
            return;
        }
        let mut deleted = self
            .store
            .delete_stream(stream::iter(batch.into_iter().map(Ok)).boxed());
        while let Some(result) = deleted.next().await {
            match result {
                Ok(_) => swept.removed += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    swept.failed += 1;
                    swept
                        .error
                        .get_or_insert_with(|| format!("deleting a file failed: {e}"));
                }
            }
        }
    }
}

/// Whether `name` is the temporary file of a write to a name of the server's making:
/// `<name>#<n>` with `n` all digits, as `LocalFileSystem` makes them (it lists and deletes no
/// such name itself, which is why [`remove_leftovers`] removes them directly).
pub fn is_leftover(name: &str) -> bool {
    name.split_once('#').is_some_and(|(stored, n)| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && super::names::kind_of_name(stored).is_some()
    })
}

/// Removes temporary files of writes cut short from the local folder, on a blocking thread.
async fn remove_leftovers(paths: Vec<PathBuf>, swept: &mut Swept) {
    if paths.is_empty() {
        return;
    }
    let removed = tokio::task::spawn_blocking(move || {
        paths
            .into_iter()
            .map(|path| match std::fs::remove_file(&path) {
                // Renamed meanwhile: the write finished after all.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(format!(
                    "deleting the temporary file {} failed: {e}",
                    path.display()
                )),
                Ok(()) => Ok(true),
            })
            .collect::<Vec<_>>()
    })
    .await;
    match removed {
        Ok(results) => {
            for result in results {
                match result {
                    Ok(true) => swept.leftovers += 1,
                    Ok(false) => {}
                    Err(e) => {
                        swept.failed += 1;
                        swept.error.get_or_insert(e);
                    }
                }
            }
        }
        Err(e) => {
            swept
                .error
                .get_or_insert_with(|| format!("deleting temporary files failed: {e}"));
        }
    }
}

/// The name of `location` when it lies directly under `prefix` (one path segment below it).
fn directly_under(prefix: &Path, location: &Path) -> Option<String> {
    let mut parts = location.prefix_match(prefix)?;
    let name = parts.next()?;
    parts.next().is_none().then(|| name.as_ref().to_owned())
}

/// The regular files directly in `dir`, read on a blocking thread a few entries ahead of the
/// consumer. Not `LocalFileSystem::list`: it walks every subfolder (following links) and ends
/// at the first entry it cannot read, so one unreadable folder (a volume's `lost+found`) would
/// stop files from ever expiring. Here such entries are passed over, and links are never
/// followed (an entry's own metadata is read).
fn list_folder(dir: PathBuf) -> BoxStream<'static, Result<Listed, String>> {
    let (tx, rx) = tokio::sync::mpsc::channel(LISTING_AHEAD);
    tokio::task::spawn_blocking(move || {
        let failed = |e: std::io::Error| {
            let _ = tx.blocking_send(Err(format!(
                "reading the upload folder {} failed: {e}",
                dir.display()
            )));
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => return failed(e),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return failed(e),
            };
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let (true, Ok(modified)) = (meta.is_file(), meta.modified()) else {
                continue;
            };
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if tx.blocking_send(Ok(Listed { name, modified })).is_err() {
                return; // the sweep stopped listening
            }
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temporary_files_of_our_names_are_leftovers() {
        let ours = format!("{}.png", "0a".repeat(16));
        assert!(is_leftover(&format!("{ours}#1")));
        assert!(is_leftover(&format!("{ours}#42")));
        for not in [
            ours.clone(),
            format!("{ours}#"),
            format!("{ours}#1a"),
            format!("{ours}#-1"),
            format!("{ours}#1#2"),
            "notes.txt#1".to_string(),
            format!("{}.html#1", "0a".repeat(16)),
        ] {
            assert!(!is_leftover(&not), "{not}");
        }
    }
}
