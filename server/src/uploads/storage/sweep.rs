//! The sweep: listing the folder or bucket and deleting expired files in batches as it goes.

use std::time::SystemTime;

use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use object_store::path::Path;

use super::folder::{is_leftover, list_folder, remove_leftovers};
use super::Storage;
use crate::uploads::names;

/// Expired files deleted at once (S3 deletes up to 1,000 keys in one request): what a sweep
/// holds in memory, however many files the folder or bucket has.
const DELETE_BATCH: usize = 1_000;

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
pub(super) struct Listed {
    pub(super) name: String,
    pub(super) modified: SystemTime,
}

impl Storage {
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
                    if expired && names::kind_of_name(&file.name).is_some() {
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

/// The name of `location` when it lies directly under `prefix` (one path segment below it).
fn directly_under(prefix: &Path, location: &Path) -> Option<String> {
    let mut parts = location.prefix_match(prefix)?;
    let name = parts.next()?;
    parts.next().is_none().then(|| name.as_ref().to_owned())
}
