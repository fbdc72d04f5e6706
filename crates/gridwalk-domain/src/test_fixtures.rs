//! Values the domain's tests share.

use crate::ids::BlobHash;
use crate::report::PhotoRef;

/// A processed photo as a report references it.
pub fn photo_ref() -> PhotoRef {
    PhotoRef {
        hash: BlobHash::from_digest(&[1; 32]),
        thumb: BlobHash::from_digest(&[2; 32]),
        bytes: 1000,
        mime: "image/jpeg".into(),
        width: 1600,
        height: 1200,
    }
}
