//! The local folder read directly: its listing, and the temporary files of writes cut short.

use std::path::PathBuf;

use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;

use super::sweep::{Listed, Swept};
use crate::uploads::names;

/// Folder entries the local listing reads ahead of the deletes.
const LISTING_AHEAD: usize = 256;

/// Whether `name` is the temporary file of a write to a name of the server's making:
/// `<name>#<n>` with `n` all digits, as `LocalFileSystem` makes them (it lists and deletes no
/// such name itself, which is why [`remove_leftovers`] removes them directly).
pub fn is_leftover(name: &str) -> bool {
    name.split_once('#').is_some_and(|(stored, n)| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && names::kind_of_name(stored).is_some()
    })
}

/// Removes temporary files of writes cut short from the local folder, on a blocking thread.
pub(super) async fn remove_leftovers(paths: Vec<PathBuf>, swept: &mut Swept) {
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

/// The regular files directly in `dir`, read on a blocking thread a few entries ahead of the
/// consumer. Not `LocalFileSystem::list`: it walks every subfolder (following links) and ends
/// at the first entry it cannot read, so one unreadable folder (a volume's `lost+found`) would
/// stop files from ever expiring. Here such entries are passed over, and links are never
/// followed (an entry's own metadata is read).
pub(super) fn list_folder(dir: PathBuf) -> BoxStream<'static, Result<Listed, String>> {
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
