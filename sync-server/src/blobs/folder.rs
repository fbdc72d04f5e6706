//! Photos in a folder, two levels deep so no directory grows huge. Writes go
//! to a temporary file that is synced and renamed, so a crash never leaves
//! half a photo under a hash, and an acknowledged photo is on disk.

use bytes::Bytes;
use gridwalk_domain::BlobHash;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{BlobError, key};
use crate::ServerError;

#[derive(Debug, Clone)]
pub(super) struct Folder {
    root: PathBuf,
}

impl Folder {
    pub(super) fn open(root: &Path) -> Result<Self, ServerError> {
        std::fs::create_dir_all(root.join("tmp")).map_err(|source| ServerError::Blobs {
            path: root.display().to_string(),
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    fn failed(&self, e: impl std::fmt::Display) -> BlobError {
        BlobError {
            place: self.root.display().to_string(),
            detail: e.to_string(),
        }
    }

    /// File work runs off the async workers.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(PathBuf) -> std::io::Result<T> + Send + 'static,
    ) -> Result<T, BlobError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || work(root))
            .await
            .map_err(|e| self.failed(e))?
            .map_err(|e| self.failed(e))
    }

    pub(super) async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<bool, BlobError> {
        let key = key(hash);
        self.blocking(move |root| {
            let dest = root.join(key);
            if dest.is_file() {
                return Ok(false);
            }
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let (tmp, mut file) = tempfile_in(&root.join("tmp"))?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &dest)?;
            // The rename is only durable once its directory is synced.
            if let Some(dir) = dest.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(true)
        })
        .await
    }

    pub(super) async fn get(&self, hash: &BlobHash) -> Result<Option<Bytes>, BlobError> {
        let key = key(hash);
        self.blocking(move |root| match std::fs::read(root.join(key)) {
            Ok(b) => Ok(Some(Bytes::from(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    let file = std::fs::File::create(&path)?;
    Ok((path, file))
}
