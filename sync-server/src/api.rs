//! HTTP routes. Each has its own body limit; handlers parse the body
//! themselves so a bad request gets our `{code, message}` error, not a
//! framework default. 500s are logged with detail and answered generically.
//!
//! - `sync.rs`: `/v1/sync` (push + filtered pull) and `/v1/me`
//! - `blobs.rs`: photos by hash
//! - `provision.rs`: redeeming an invitation for a device token
//! - `admin.rs`: login, the tree, users, invitations, devices, audit log
//! - `export.rs`: reports, households and visits as CSV or XLSX, audited

mod admin;
mod blobs;
mod export;
mod provision;
mod sync;

pub use sync::respond;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::sync::{ApiError as ApiErrorBody, MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES};
use std::sync::Arc;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

use crate::auth::rate_limit::RateLimiter;
use crate::blobs::BlobStore;
use crate::storage::{Storage, StorageError};
use crate::validate::RejectReason;
use crate::write_check::Rejection;

pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Admin and provisioning bodies are small JSON.
const SMALL_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub struct AppState {
    pub storage: Storage,
    pub blobs: BlobStore,
    /// Per token: devices and admin sessions.
    pub per_token: RateLimiter,
    /// Per client address: login and invitation redemption, where guessing
    /// would happen.
    pub per_address: RateLimiter,
    pub invitation_ttl: Duration,
    /// One export at a time: each rebuilds every report it covers.
    pub export_gate: Arc<tokio::sync::Semaphore>,
    pub metrics: crate::metrics::Metrics,
    /// Set when the server begins to stop: held pulls answer at once, so
    /// stopping does not wait out their holds.
    pub closing: tokio::sync::watch::Sender<bool>,
}

pub type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    let small = DefaultBodyLimit::max(SMALL_BODY_BYTES);
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/metrics", get(crate::metrics::serve))
        .route(
            "/v1/sync",
            post(sync::sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY_BYTES)),
        )
        .route("/v1/me", get(sync::me))
        .route(
            "/v1/blobs/{hash}",
            put(blobs::put_blob)
                .get(blobs::get_blob)
                .layer(DefaultBodyLimit::max(MAX_BLOB_BYTES)),
        )
        .route("/v1/devices/redeem", post(provision::redeem).layer(small))
        .merge(admin::routes().layer(small))
        .merge(export::routes().layer(small))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Rejected(#[from] RejectReason),
    #[error("{1}")]
    BadRequest(ErrorCode, String),
    #[error("{1}")]
    Unauthorized(ErrorCode, String),
    #[error("{1}")]
    Forbidden(ErrorCode, String),
    #[error("{1}")]
    NotFound(ErrorCode, String),
    #[error("too many requests")]
    TooMany(Duration),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::ScopeMismatch { .. } => {
                ApiError::BadRequest(ErrorCode::SyncScopeMismatch, e.to_string())
            }
            StorageError::CreatedConcurrently(_) => {
                ApiError::BadRequest(ErrorCode::SyncCreatedConcurrently, e.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        match &r {
            Rejection::Denied { denied, .. } => ApiError::Forbidden(denied.code(), r.to_string()),
            Rejection::Invalid { code, .. } => ApiError::BadRequest(*code, r.to_string()),
            Rejection::Storage(_) => ApiError::Internal(r.to_string()),
        }
    }
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Rejected(r) => r.code(),
            Self::BadRequest(c, _)
            | Self::Unauthorized(c, _)
            | Self::Forbidden(c, _)
            | Self::NotFound(c, _) => *c,
            Self::TooMany(_) => ErrorCode::RateLimited,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let (status, message) = match &self {
            Self::Rejected(r @ RejectReason::BodyTooLarge(_)) => {
                (StatusCode::PAYLOAD_TOO_LARGE, r.to_string())
            }
            Self::Rejected(r) => (StatusCode::BAD_REQUEST, r.to_string()),
            Self::BadRequest(_, m) => (StatusCode::BAD_REQUEST, m.clone()),
            Self::Unauthorized(_, m) => (StatusCode::UNAUTHORIZED, m.clone()),
            Self::Forbidden(_, m) => (StatusCode::FORBIDDEN, m.clone()),
            Self::NotFound(_, m) => (StatusCode::NOT_FOUND, m.clone()),
            Self::TooMany(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests; try again in {} s", wait.as_secs() + 1),
            ),
            Self::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server error; try again later".into(),
                )
            }
        };
        let mut resp = (status, axum::Json(ApiErrorBody { code, message })).into_response();
        // For the metrics layer: refusals counted by code.
        resp.extensions_mut().insert(code);
        if let Self::TooMany(wait) = self
            && let Ok(v) = HeaderValue::from_str(&(wait.as_secs() + 1).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs storage work off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

impl AppState {
    /// The state for `config`'s limits over opened storage and blobs.
    pub fn new(storage: Storage, blobs: BlobStore, config: &crate::ServerConfig) -> Self {
        Self {
            storage,
            blobs,
            per_token: RateLimiter::new(config.rate_limit),
            per_address: RateLimiter::new(config.address_rate_limit),
            invitation_ttl: config.invitation_ttl,
            export_gate: Arc::new(tokio::sync::Semaphore::new(1)),
            metrics: crate::metrics::Metrics::default(),
            closing: tokio::sync::watch::Sender::new(false),
        }
    }

    /// One request's worth of the caller's rate budget.
    pub fn spend(&self, limiter: &RateLimiter, key: &str) -> Result<(), ApiError> {
        limiter.check(key).map_err(ApiError::TooMany)
    }

    /// Records an audit entry; a failure to record is logged, not fatal to
    /// the request that caused it.
    pub fn audit(&self, actor: &str, action: &str, target: &str, detail: &str) {
        if let Err(e) = self.storage.audit(actor, action, target, detail, now_ms()) {
            tracing::error!("cannot write audit entry {action} by {actor}: {e}");
        }
    }
}
