//! The network half of sync: HTTP calls to the sync server with hard
//! timeouts, and answers read with a size cap, because a server (or whatever
//! answers at its address) is as untrusted as any other input.
//!
//! Every device call carries the device's bearer token; a 401 becomes its
//! own error so the sync loop can tell "this device is cut off" from "the
//! network is down".

use gridwalk_core::account::DeviceToken;
use gridwalk_core::sync_wire;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::{Me, RedeemRequest, RedeemResponse};
use gridwalk_domain::sync::{
    ApiError, MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES, SYNC_MEDIA_TYPE, SyncRequest, SyncResponse,
};
use gridwalk_domain::{BlobHash, DeviceId};
use std::time::Duration;

mod office;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// A sync answer is a compressed page of changes; it inflates to at most
/// `MAX_INFLATED_BYTES` (checked while inflating).
const MAX_SYNC_ANSWER_BYTES: usize = MAX_SYNC_BODY_BYTES;
/// `Me` (the user's part of the grid tree) and error bodies.
const MAX_SMALL_ANSWER_BYTES: usize = 1024 * 1024;
/// When a 429 names no wait.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot reach the sync server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the sync server did not answer in time")]
    Timeout,
    #[error("the sync server refused the request ({status}, {code}): {message}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// 401: the token is missing, unknown or revoked. Retrying cannot help;
    /// a new invitation code can.
    #[error("the sync server does not accept this device ({code}): {message}")]
    Unauthorized { code: ErrorCode, message: String },
    #[error("the sync server asks to slow down; retrying in {0:?}")]
    RateLimited(Duration),
    #[error("the sync server failed ({0}); it will be retried")]
    Server(u16),
    #[error("the sync server's answer was invalid: {0}")]
    BadAnswer(String),
}

impl TransportError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unreachable { .. } => ErrorCode::SyncUnreachable,
            Self::Timeout => ErrorCode::SyncTimeout,
            Self::Refused { code, .. } | Self::Unauthorized { code, .. } => *code,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::Server(_) => ErrorCode::SyncServerError,
            Self::BadAnswer(_) => ErrorCode::SyncBadServerData,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    base: String,
    token: Option<DeviceToken>,
}

impl HttpTransport {
    pub fn new(base_url: &str) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .build()
            .unwrap_or_else(|e| {
                tracing::error!("HTTP client with timeouts failed to build ({e}); using defaults");
                reqwest::Client::new()
            });
        Self {
            client,
            base: base_url.trim_end_matches('/').to_owned(),
            token: None,
        }
    }

    /// The same client, sending `token` on every device call.
    pub fn with_token(&self, token: DeviceToken) -> Self {
        Self {
            token: Some(token),
            ..self.clone()
        }
    }

    /// The token this transport sends, if any.
    pub fn token(&self) -> Option<&DeviceToken> {
        self.token.as_ref()
    }

    /// Adds `Authorization: Bearer …`. Without a token the request goes out
    /// bare and the server answers 401 `auth.missing_token`.
    fn device_call(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t.expose()),
            None => req,
        }
    }

    /// Redeems a one-time invitation code for this device's token. The only
    /// call that needs no token.
    pub async fn redeem(
        &self,
        code: &str,
        device: DeviceId,
        device_name: &str,
    ) -> Result<RedeemResponse, TransportError> {
        let url = format!("{}/v1/devices/redeem", self.base);
        let body = RedeemRequest {
            code: code.to_owned(),
            device,
            device_name: device_name.to_owned(),
        };
        self.json(self.client.post(&url).json(&body), MAX_SMALL_ANSWER_BYTES)
            .await
    }

    /// The device's user and their part of the grid tree, as of now.
    pub async fn me(&self) -> Result<Me, TransportError> {
        let url = format!("{}/v1/me", self.base);
        self.json(
            self.device_call(self.client.get(&url)),
            MAX_SMALL_ANSWER_BYTES,
        )
        .await
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// One push and pull in the binary body (`sync_wire`), both ways.
    pub async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        self.sync_at(format!("{}/v1/sync", self.base), req).await
    }

    /// A pull the server may hold for up to `wait` (whole seconds, below
    /// `READ_TIMEOUT`) until a change this device may read is stored.
    pub async fn sync_held(
        &self,
        req: &SyncRequest,
        wait: Duration,
    ) -> Result<SyncResponse, TransportError> {
        // The server says nothing while it holds: stay inside the read timeout.
        let secs = wait.min(READ_TIMEOUT - Duration::from_secs(5)).as_secs();
        self.sync_at(format!("{}/v1/sync?wait={secs}", self.base), req)
            .await
    }

    async fn sync_at(
        &self,
        url: String,
        req: &SyncRequest,
    ) -> Result<SyncResponse, TransportError> {
        let call = self
            .device_call(self.client.post(&url))
            .header(reqwest::header::CONTENT_TYPE, SYNC_MEDIA_TYPE)
            .body(sync_wire::encode(req));
        let resp = self.send(call).await?;
        let body = self.read(resp, MAX_SYNC_ANSWER_BYTES).await?;
        sync_wire::decode(&body).map_err(|e| TransportError::BadAnswer(e.to_string()))
    }

    pub async fn put_blob(&self, hash: &BlobHash, bytes: Vec<u8>) -> Result<(), TransportError> {
        let url = format!("{}/v1/blobs/{hash}", self.base);
        let resp = self
            .send(
                self.device_call(self.client.put(&url))
                    .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
                    .body(bytes),
            )
            .await?;
        self.read(resp, 64 * 1024).await.map(drop)
    }

    /// `None` when the server does not have the photo (yet).
    pub async fn get_blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, TransportError> {
        let url = format!("{}/v1/blobs/{hash}", self.base);
        let resp = self.send(self.device_call(self.client.get(&url))).await?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.read(resp, MAX_BLOB_BYTES).await.map(Some)
    }

    /// Sends `req` and reads a JSON answer of at most `cap` bytes.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        cap: usize,
    ) -> Result<T, TransportError> {
        let resp = self.send(req).await?;
        let body = self.read(resp, cap).await?;
        serde_json::from_slice(&body).map_err(|e| TransportError::BadAnswer(e.to_string()))
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, TransportError> {
        req.send().await.map_err(|e| self.net(e))
    }

    fn net(&self, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout
        } else {
            TransportError::Unreachable {
                url: self.base.clone(),
                detail: e.to_string(),
            }
        }
    }

    /// Reads a body of at most `cap` bytes, turning error statuses into errors.
    async fn read(
        &self,
        mut resp: reqwest::Response,
        cap: usize,
    ) -> Result<Vec<u8>, TransportError> {
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.net(e))? {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::BadAnswer(format!(
                    "answer larger than {cap} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(TransportError::RateLimited(retry_after));
        }
        if status.is_server_error() {
            return Err(TransportError::Server(status.as_u16()));
        }
        if !status.is_success() {
            let err: ApiError = serde_json::from_slice(&body).unwrap_or(ApiError {
                code: ErrorCode::Unknown,
                message: String::from_utf8_lossy(&body).chars().take(200).collect(),
            });
            if status == reqwest::StatusCode::UNAUTHORIZED {
                return Err(TransportError::Unauthorized {
                    code: err.code,
                    message: err.message,
                });
            }
            return Err(TransportError::Refused {
                status: status.as_u16(),
                code: err.code,
                message: err.message,
            });
        }
        Ok(body)
    }
}
