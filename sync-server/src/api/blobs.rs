//! Photos by SHA-256. Only provisioned devices may upload or fetch; a hash
//! is only learnt from a record the device may read, and 256 bits cannot be
//! guessed.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridwalk_domain::BlobHash;
use gridwalk_domain::ErrorCode;
use gridwalk_photo::{is_jpeg, sha256_hash};

use super::sync::device_auth;
use super::{ApiError, Shared};

fn parse_hash(s: &str) -> Result<BlobHash, ApiError> {
    BlobHash::parse(s).map_err(|e| ApiError::BadRequest(ErrorCode::BlobBadHash, e.to_string()))
}

pub async fn put_blob(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    device_auth(&state, &headers).await?;
    let hash = parse_hash(&hash)?;
    if sha256_hash(&body) != hash {
        return Err(ApiError::BadRequest(
            ErrorCode::BlobHashMismatch,
            format!("the body's SHA-256 is not {hash}; upload the exact stored photo"),
        ));
    }
    if !is_jpeg(&body) {
        return Err(ApiError::BadRequest(
            ErrorCode::BlobNotJpeg,
            "only JPEG photos are accepted".into(),
        ));
    }
    let size = body.len();
    let created = state
        .blobs
        .put(&hash, body)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.metrics.blob_in(size);
    Ok(if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

pub async fn get_blob(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    device_auth(&state, &headers).await?;
    let hash = parse_hash(&hash)?;
    let bytes = state
        .blobs
        .get(&hash)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or_else(|| ApiError::NotFound(ErrorCode::BlobNotFound, "no such photo".into()))?;
    state.metrics.blob_out(bytes.len());
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response())
}
