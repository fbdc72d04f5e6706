//! Runs sync: one pass pushes photos, then changes (pulling as it goes),
//! then fetches photos it lacks. A background loop repeats it — soon after
//! a success, with exponential backoff after a failure — and a person can
//! start a pass by hand. Passes never overlap.

use gridwalk_core::{CoreError, Store};
use gridwalk_domain::sync_state::SyncStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

use crate::transport::{HttpTransport, TransportError};

pub const IDLE_INTERVAL: Duration = Duration::from_secs(15);
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
pub const MAX_RETRY: Duration = Duration::from_secs(60);
/// Pages pulled in one pass before yielding to the next (keeps a pass bounded).
const MAX_ROUNDS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the local store is unavailable (a previous operation crashed); restart the app")]
    Poisoned,
}

impl SyncError {
    pub fn code(&self) -> String {
        match self {
            Self::Transport(e) => e.code(),
            Self::Core(e) => e.code().to_owned(),
            Self::Poisoned => "store.poisoned".into(),
        }
    }
}

/// The doubling retry delay after `failures` failures in a row.
pub fn backoff(failures: u32) -> Duration {
    let secs = FIRST_RETRY.as_secs().saturating_mul(1 << failures.min(6));
    Duration::from_secs(secs).min(MAX_RETRY)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug)]
pub struct SyncService {
    status: Mutex<SyncStatus>,
    transport: Mutex<HttpTransport>,
    pass: tokio::sync::Mutex<()>,
    wake: Notify,
}

/// What one pass moved, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub pushed: usize,
    pub pulled: usize,
    pub photos_up: usize,
    pub photos_down: usize,
}

impl SyncService {
    pub fn new(server_url: &str) -> Self {
        Self {
            status: Mutex::new(SyncStatus {
                server_url: server_url.to_owned(),
                ..Default::default()
            }),
            transport: Mutex::new(HttpTransport::new(server_url)),
            pass: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
        }
    }

    pub fn status(&self, store: &Mutex<Store>) -> SyncStatus {
        let mut s = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        if let Ok((changes, photos)) = store
            .lock()
            .map_err(drop)
            .and_then(|st| st.pending_counts().map_err(drop))
        {
            s.pending_changes = changes;
            s.pending_photos = photos;
        }
        s
    }

    pub fn server_url(&self) -> String {
        self.status
            .lock()
            .map(|s| s.server_url.clone())
            .unwrap_or_default()
    }

    pub fn set_server(&self, url: &str) {
        if let Ok(mut t) = self.transport.lock() {
            *t = HttpTransport::new(url);
        }
        self.edit(|s| s.server_url = url.to_owned());
        self.wake.notify_one();
    }

    /// Asks the background loop for a pass now (e.g. after a new report).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    fn edit(&self, f: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }

    fn transport(&self) -> Option<HttpTransport> {
        self.transport.lock().ok().map(|t| t.clone())
    }

    /// One full pass; records the outcome in the status either way.
    pub async fn run_pass(&self, store: &Mutex<Store>) -> Result<PassReport, SyncError> {
        let _only_one = self.pass.lock().await;
        self.edit(|s| s.running = true);
        let result = match self.transport() {
            Some(t) => pass(store, &t).await,
            None => Err(SyncError::Poisoned),
        };
        self.edit(|s| {
            s.running = false;
            match &result {
                Ok(_) => {
                    s.last_success_ms = Some(now_ms());
                    s.last_error = None;
                }
                Err(e) => s.last_error = Some(e.code()),
            }
        });
        if let Err(e) = &result {
            tracing::warn!("sync failed: {e}");
        }
        result
    }

    /// The background loop; runs until the app exits.
    pub async fn run_forever(self: Arc<Self>, store: Arc<Mutex<Store>>) {
        let mut failures = 0;
        loop {
            let delay = match self.run_pass(&store).await {
                Ok(_) => {
                    failures = 0;
                    IDLE_INTERVAL
                }
                Err(_) => {
                    failures += 1;
                    backoff(failures - 1)
                }
            };
            self.edit(|s| s.next_attempt_in_s = Some(delay.as_secs()));
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

fn lock(store: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, SyncError> {
    store.lock().map_err(|_| SyncError::Poisoned)
}

/// Photos first, so no device learns of a report whose photo the server
/// lacks; then changes, page by page; then the photos this device lacks.
pub async fn pass(store: &Mutex<Store>, t: &HttpTransport) -> Result<PassReport, SyncError> {
    let mut report = PassReport::default();
    let uploads = lock(store)?.blobs_to_upload()?;
    for hash in uploads {
        let Some(bytes) = lock(store)?.blob_bytes(&hash)? else {
            continue;
        };
        t.put_blob(&hash, bytes).await?;
        lock(store)?.mark_blob_uploaded(&hash)?;
        report.photos_up += 1;
    }
    for _ in 0..MAX_ROUNDS {
        let req = lock(store)?.sync_request()?;
        let resp = t.sync(&req).await?;
        let outcome = lock(store)?.apply_sync_response(&req, &resp)?;
        report.pushed += outcome.acked;
        report.pulled += resp.changes.len();
        // Go round again while the server has more to send, or while a full
        // batch went through and the outbox still holds more.
        let pushed_all = !req.changes.is_empty() && outcome.acked == req.changes.len();
        let outbox_left = pushed_all && lock(store)?.pending_counts()?.0 > 0;
        if !resp.more && !outbox_left {
            break;
        }
    }
    let downloads = lock(store)?.blobs_to_download()?;
    for hash in downloads {
        if let Some(bytes) = t.get_blob(&hash).await? {
            lock(store)?.store_downloaded_blob(&hash, &bytes, now_ms())?;
            report.photos_down += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_a_minute() {
        let secs: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
