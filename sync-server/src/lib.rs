//! Gridwalk's sync server.
//!
//! A device posts its unsent Automerge changes and its cursor to `/v1/sync`;
//! the server decodes and checks every change itself (it never runs a
//! client's bytes through automerge's sync-protocol code), stores each once
//! keyed by its hash, and answers with acks plus the changes after the cursor.
//! Photos are content-addressed files behind `/v1/blobs/{sha256}`.
//!
//! Storage sits behind `storage::Storage` (SQLite today; the PostgreSQL
//! backend comes with accounts and scopes) and `blobs::BlobStore` (a folder).

pub mod api;
pub mod blobs;
pub mod config;
pub mod storage;
pub mod validate;

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
    let storage = storage::Storage::open(&config.data_dir.join("sync.sqlite"))?;
    let blobs = blobs::BlobStore::open(&config.data_dir.join("blobs"))?;
    let state = Arc::new(api::AppState { storage, blobs });
    if config.demo {
        api::seed_demo(&state).await?;
    }
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
    let app = api::router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
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
