//! Photos on the server, by SHA-256, behind one interface with two places:
//! a folder under the data directory (the embedded default) or a bucket of
//! an S3-compatible store, so several server instances can share photos.
//!
//! Keys are `ab/abcdef…` (the hash's first two digits, then the hash) in
//! both, so a folder can be copied into a bucket as it is. Storing a photo
//! that is there is a no-op, which makes uploads idempotent.

mod bucket;
mod folder;

use bytes::Bytes;
use gridwalk_domain::BlobHash;
use std::path::Path;

use crate::ServerError;

/// Where photos go, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PhotoPlace {
    /// `DATA_DIR/blobs`.
    #[default]
    Folder,
    /// A bucket of an S3-compatible store. The endpoint and credentials
    /// come from the standard `AWS_*` environment variables, then from
    /// `settings` (object_store's `aws_…` keys), which win.
    Bucket {
        name: String,
        settings: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    Folder(folder::Folder),
    Bucket(bucket::Bucket),
}

/// A store that failed: the message says which and why.
#[derive(Debug, thiserror::Error)]
#[error("photo store {place}: {detail}")]
pub struct BlobError {
    place: String,
    detail: String,
}

impl BlobStore {
    /// Photos in the folder `root`.
    pub fn open(root: &Path) -> Result<Self, ServerError> {
        Ok(Self {
            place: Place::Folder(folder::Folder::open(root)?),
        })
    }

    /// Photos where `place` says; `data_dir` holds the folder.
    pub fn open_place(place: &PhotoPlace, data_dir: &Path) -> Result<Self, ServerError> {
        match place {
            PhotoPlace::Folder => Self::open(&data_dir.join("blobs")),
            PhotoPlace::Bucket { name, settings } => Ok(Self {
                place: Place::Bucket(bucket::Bucket::open(name, settings)?),
            }),
        }
    }

    /// Stores `bytes` (already verified against `hash`); `true` when it was
    /// not there before.
    pub async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<bool, BlobError> {
        match &self.place {
            Place::Folder(f) => f.put(hash, bytes).await,
            Place::Bucket(b) => b.put(hash, bytes).await,
        }
    }

    pub async fn get(&self, hash: &BlobHash) -> Result<Option<Bytes>, BlobError> {
        match &self.place {
            Place::Folder(f) => f.get(hash).await,
            Place::Bucket(b) => b.get(hash).await,
        }
    }
}

/// `ab/abcdef…`. BlobHash is 64 hex digits by construction: no path tricks.
fn key(hash: &BlobHash) -> String {
    let h = hash.as_str();
    format!("{}/{h}", &h[..2])
}
