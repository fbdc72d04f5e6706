//! Photos in a bucket of an S3-compatible store (AWS S3, MinIO, s3s-fs, …)
//! through `object_store`.

use bytes::Bytes;
use gridwalk_domain::BlobHash;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt as _, PutPayload};
use std::sync::Arc;

use super::{BlobError, key};
use crate::ServerError;

#[derive(Debug, Clone)]
pub(super) struct Bucket {
    name: String,
    store: Arc<AmazonS3>,
}

impl Bucket {
    pub(super) fn open(name: &str, settings: &[(String, String)]) -> Result<Self, ServerError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(name);
        for (k, v) in settings {
            let k: AmazonS3ConfigKey = k.parse().map_err(|e| {
                ServerError::Config(format!("photo bucket setting {k:?} is unknown: {e}"))
            })?;
            builder = builder.with_config(k, v);
        }
        let store = builder.build().map_err(|e| {
            ServerError::Config(format!(
                "cannot use photo bucket {name:?}: {e}. Set AWS_ENDPOINT_URL, \
                 AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION"
            ))
        })?;
        Ok(Self {
            name: name.to_owned(),
            store: Arc::new(store),
        })
    }

    fn failed(&self, e: object_store::Error) -> BlobError {
        BlobError {
            place: format!("bucket {}", self.name),
            detail: e.to_string(),
        }
    }

    pub(super) async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<bool, BlobError> {
        let at = Key::from(key(hash));
        // Content-addressed: two uploads racing past this check write the
        // same bytes, so a plain put after it is safe on any S3 store,
        // including those without conditional writes.
        match self.store.head(&at).await {
            Ok(_) => return Ok(false),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.failed(e)),
        }
        self.store
            .put(&at, PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| self.failed(e))?;
        Ok(true)
    }

    pub(super) async fn get(&self, hash: &BlobHash) -> Result<Option<Bytes>, BlobError> {
        let found = match self.store.get(&Key::from(key(hash))).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.failed(e)),
        };
        found.bytes().await.map(Some).map_err(|e| self.failed(e))
    }
}
