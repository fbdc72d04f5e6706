//! HTTP routes. Each has its own body limit; handlers parse the body
//! themselves so a bad request gets our `{code, message}` error, not a
//! framework default. 500s are logged with detail and answered generically.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use gridwalk_core::photo::{is_jpeg, sha256_hash};
use gridwalk_domain::BlobHash;
use gridwalk_domain::sync::{
    ApiError as ApiErrorBody, MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES, PULL_PAGE_CHANGES, SyncResponse,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

use crate::ServerError;
use crate::blobs::BlobStore;
use crate::storage::{CheckedChange, Storage, StorageError};
use crate::validate::{RejectReason, check_request};

pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct AppState {
    pub storage: Storage,
    pub blobs: BlobStore,
}

type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route(
            "/v1/sync",
            post(sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY_BYTES)),
        )
        .route(
            "/v1/blobs/{hash}",
            put(put_blob)
                .get(get_blob)
                .layer(DefaultBodyLimit::max(MAX_BLOB_BYTES)),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Rejected(#[from] RejectReason),
    #[error("{0}")]
    BadRequest(&'static str, String),
    #[error("not found")]
    NotFound,
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::ScopeMismatch { .. } => {
                ApiError::BadRequest("sync.scope_mismatch", e.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::Rejected(r) => (StatusCode::BAD_REQUEST, r.code(), r.to_string()),
            Self::BadRequest(code, m) => (StatusCode::BAD_REQUEST, *code, m.clone()),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "no such photo".into()),
            Self::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "server error; try again later".into(),
                )
            }
        };
        (
            status,
            axum::Json(ApiErrorBody {
                code: code.into(),
                message,
            }),
        )
            .into_response()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

async fn sync(
    State(state): State<Shared>,
    body: Bytes,
) -> Result<axum::Json<SyncResponse>, ApiError> {
    let (req, checked) = check_request(&body)?;
    let resp =
        blocking(move || respond(&state, &req.device.to_string(), req.cursor, &checked)).await?;
    Ok(axum::Json(resp))
}

/// Stores the pushed changes, then reads the page after the cursor, leaving
/// out what this very request pushed (the device has it).
pub fn respond(
    state: &AppState,
    device: &str,
    cursor: u64,
    checked: &[CheckedChange],
) -> Result<SyncResponse, ApiError> {
    let outcome = state.storage.append(device, checked, now_ms())?;
    let page = state.storage.changes_after(cursor, PULL_PAGE_CHANGES)?;
    let pushed: HashSet<&str> = checked.iter().map(|c| c.hash.as_str()).collect();
    Ok(SyncResponse {
        acked: outcome.acked,
        changes: page
            .changes
            .into_iter()
            .filter(|(_, hash, _)| !pushed.contains(hash.as_str()))
            .map(|(_, _, wire)| wire)
            .collect(),
        cursor: page.cursor,
        more: page.more,
    })
}

fn parse_hash(s: &str) -> Result<BlobHash, ApiError> {
    BlobHash::parse(s).map_err(|e| ApiError::BadRequest("blob.bad_hash", e.to_string()))
}

async fn put_blob(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let hash = parse_hash(&hash)?;
    if sha256_hash(&body) != hash {
        return Err(ApiError::BadRequest(
            "blob.hash_mismatch",
            format!("the body's SHA-256 is not {hash}; upload the exact stored photo"),
        ));
    }
    if !is_jpeg(&body) {
        return Err(ApiError::BadRequest(
            "blob.not_jpeg",
            "only JPEG photos are accepted".into(),
        ));
    }
    let created = blocking(move || {
        state
            .blobs
            .put(&hash, &body)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?;
    Ok(if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

async fn get_blob(
    State(state): State<Shared>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = parse_hash(&hash)?;
    let bytes = blocking(move || {
        state
            .blobs
            .get(&hash)
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response())
}

/// Stores the demo community's changes and photos; safe to run at every start.
pub async fn seed_demo(state: &Shared) -> Result<(), ServerError> {
    let seed = gridwalk_core::demo::demo_seed().map_err(|e| ServerError::Config(e.to_string()))?;
    let mut checked = Vec::new();
    for wire in seed.changes {
        let hash = crate::validate::decode_change_hash(&wire.bytes).map_err(ServerError::Config)?;
        checked.push(CheckedChange { hash, wire });
    }
    let outcome = state.storage.append("demo", &checked, now_ms())?;
    for (hash, bytes) in &seed.blobs {
        state
            .blobs
            .put(hash, bytes)
            .map_err(|source| ServerError::Blobs {
                path: hash.to_string(),
                source,
            })?;
    }
    tracing::info!(new = outcome.inserted, "demo community seeded");
    Ok(())
}
