//! Photos on the server: files named by their SHA-256 under a folder, two
//! levels deep so no directory grows huge. Writes go to a temporary file that
//! is synced and renamed, so a crash never leaves half a photo under a hash.

use gridwalk_domain::BlobHash;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ServerError;

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn open(root: &Path) -> Result<Self, ServerError> {
        std::fs::create_dir_all(root.join("tmp")).map_err(|source| ServerError::Blobs {
            path: root.display().to_string(),
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    fn path(&self, hash: &BlobHash) -> PathBuf {
        // BlobHash is 64 hex digits by construction: no path tricks possible.
        let h = hash.as_str();
        self.root.join(&h[..2]).join(h)
    }

    pub fn contains(&self, hash: &BlobHash) -> bool {
        self.path(hash).is_file()
    }

    /// Stores `bytes` (already verified against `hash`). Storing a blob that
    /// exists is a no-op, which makes uploads idempotent.
    pub fn put(&self, hash: &BlobHash, bytes: &[u8]) -> std::io::Result<bool> {
        let dest = self.path(hash);
        if dest.is_file() {
            return Ok(false);
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = tempfile_in(&self.root.join("tmp"))?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, &dest)?;
        Ok(true)
    }

    pub fn get(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(hash)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
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
