//! Gridwalk's sync server.
//!
//! A device posts its unsent Automerge changes and its cursor to `/v1/sync`;
//! the server decodes and checks every change itself (it never runs a
//! client's bytes through automerge's sync-protocol code), stores each once
//! keyed by its hash, and answers with acks plus the changes after the cursor.
//! Photos are content-addressed files behind `/v1/blobs/{sha256}`.
//!
//! Every device call carries a bearer token got by redeeming a one-time
//! invitation; the token gives the user's role and grids, which decide what
//! each pushed change may touch (`write_check`) and what a pull returns.
//! Storage sits behind `storage::Storage` (embedded SQLite or PostgreSQL)
//! and `blobs::BlobStore` (a folder or an S3 bucket).

pub mod api;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod config;
pub mod demo;
pub mod export;
pub mod metrics;
pub mod provisioning;
pub mod storage;
pub mod validate;
pub mod write_check;

pub use config::ServerConfig;

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "cannot listen on {addr}: {source}. Pick another --listen address or stop what uses it"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    #[error("cannot prepare the blob folder {path}: {source}")]
    Blobs {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Photos(#[from] blobs::BlobError),
    #[error("{0}")]
    Config(String),
}

/// A server running in this process, e.g. in a test or the main binary.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<api::AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's storage, for operators' tools and tests.
    pub fn storage(&self) -> &storage::Storage {
        &self.state.storage
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes requests in flight, and closes the storage.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

pub async fn spawn(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let state = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || open_state(&config))
            .await
            .map_err(|e| ServerError::Config(format!("start-up failed: {e}")))??
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;
    let app = api::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = oneshot::channel::<()>();
    let closing = state.clone();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
            closing.closing.send_replace(true);
        });
        if let Err(e) = serve.await {
            tracing::error!("server stopped with an error: {e}");
        }
    });
    Ok(RunningServer {
        addr,
        state,
        stop: Some(tx),
        task,
    })
}

/// Opens storage and blobs, sets the admin password if one was given, and
/// seeds the demo. Blocking: the PostgreSQL client must not run on an
/// async worker.
fn open_state(config: &ServerConfig) -> Result<Arc<api::AppState>, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::Blobs {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let storage = storage::Storage::open(&config.database())?;
    let blobs = blobs::BlobStore::open_place(&config.photos, &config.data_dir)?;
    if let Some((name, password)) = &config.admin {
        let hash =
            auth::password::hash(password).map_err(|e| ServerError::Config(e.to_string()))?;
        storage.set_admin(name, &hash)?;
    }
    let state = Arc::new(api::AppState::new(storage, blobs, config));
    if config.demo {
        demo::seed(&state, &config.data_dir)?;
    }
    Ok(state)
}
