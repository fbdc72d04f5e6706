//! What the commands work on: the device store and the sync service, with
//! the small amount of glue (clock, settings, raw bodies) a shell owns.
//! Each area of the app has its own file; every method is one call into
//! core (or, for office work, one call to the server), plus telling the UI
//! what changed.

mod archive;
mod files;
mod office;
mod orders;

use gridwalk_core::Store;
use gridwalk_core::photo::process_photo;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::catalog::{builtin_catalog, builtin_vocabulary};
use gridwalk_domain::ipc::commands::CreateReport;
use gridwalk_domain::ipc::{AppError, AppInfo, Listed, ReportListScope, Settings, StagedPhoto};
use gridwalk_domain::report::ReportRow;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{BlobHash, DocId, DocKind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::notify::{Notifier, ShellEvent};
use crate::options::parse_server_url;
use crate::sync_loop::{SyncError, SyncService, now_ms};

const LIST_LIMIT: u32 = 500;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<Mutex<Store>>,
    pub sync: Arc<SyncService>,
    /// Where exports and printed sheets are saved.
    pub exports: PathBuf,
    pub notifier: Notifier,
}

fn poisoned() -> AppError {
    AppError::new(
        ErrorCode::StorePoisoned,
        "the local store is unavailable; restart the app",
    )
}

impl AppState {
    fn store(&self) -> Result<MutexGuard<'_, Store>, AppError> {
        self.store.lock().map_err(|_| poisoned())
    }

    /// After a local write: lists of `kinds` read again, the header counts
    /// the new unsent change, and the next sync starts soon.
    fn changed(&self, kinds: &[DocKind]) {
        self.notifier
            .send(ShellEvent::RecordsChanged(kinds.to_vec()));
        self.sync.announce(&self.store);
        self.sync.nudge();
    }

    pub fn info(&self) -> Result<AppInfo, AppError> {
        let store = self.store()?;
        Ok(AppInfo {
            device: store.device(),
            me: store.me()?,
            default_grid: store.report_grid(None).ok(),
            reporter: store.meta("reporter")?.unwrap_or_default(),
            server_url: self.sync.server_url(),
            categories: builtin_catalog().all().to_vec(),
            vocabulary: builtin_vocabulary().clone(),
        })
    }

    /// Decodes and keeps a photo. Decoding a phone photo takes ~0.2–0.4 s
    /// of CPU: callers run this on a blocking worker; the store is locked
    /// only to keep the result.
    pub fn stage_photo(&self, bytes: &[u8]) -> Result<StagedPhoto, AppError> {
        let processed = process_photo(bytes).map_err(gridwalk_core::CoreError::from)?;
        Ok(self.store()?.keep_photo(&processed, now_ms())?)
    }

    pub fn create_report(&self, new: CreateReport) -> Result<DocId, AppError> {
        let reporter = new.draft.reporter.trim().to_owned();
        let id = {
            let mut store = self.store()?;
            let id = store.create_report_in(new.draft, new.grid.as_ref(), now_ms())?;
            // Remember the name so the next report is one tap shorter.
            store.set_meta("reporter", &reporter)?;
            id
        };
        self.changed(&[DocKind::Report]);
        Ok(id)
    }

    pub fn list_reports(&self, which: ReportListScope) -> Result<Vec<Listed<ReportRow>>, AppError> {
        let status = self.sync.status(&self.store);
        Ok(self.store()?.list_reports(which, &status, LIST_LIMIT)?)
    }

    /// A stored photo's bytes, for the photo URI scheme.
    pub fn photo(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, AppError> {
        Ok(self.store()?.blob(hash)?)
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.sync.status(&self.store)
    }

    pub async fn sync_now(&self) -> SyncStatus {
        // The outcome is recorded in the status, which is what the UI shows.
        let _ = self.sync.run_pass(&self.store).await;
        self.sync.status(&self.store)
    }

    /// Binds the device with an invitation code as typed (or scanned).
    pub async fn redeem(&self, code: &str) -> Result<AppInfo, AppError> {
        let name = self.device_name()?;
        self.sync
            .redeem(&self.store, code, &name)
            .await
            .map_err(sync_error)?;
        self.sync.announce(&self.store);
        self.info()
    }

    /// How the office's device list names this device: the person's name
    /// when they gave one, else a short form of the device id.
    fn device_name(&self) -> Result<String, AppError> {
        let store = self.store()?;
        let reporter = store.meta("reporter")?.unwrap_or_default();
        Ok(if reporter.trim().is_empty() {
            let id = store.device().to_string();
            format!("网格通设备 {}", &id[..8.min(id.len())])
        } else {
            format!("{}的设备", reporter.trim())
        })
    }

    pub fn save_settings(&self, settings: Settings) -> Result<AppInfo, AppError> {
        let url = parse_server_url(&settings.server_url)
            .map_err(|m| AppError::new(ErrorCode::SettingsServerUrl, m))?;
        {
            let store = self.store()?;
            store.set_meta("reporter", settings.reporter.trim())?;
            store.set_meta("server_url", &url)?;
        }
        self.sync.set_server(&url);
        self.info()
    }
}

fn sync_error(e: SyncError) -> AppError {
    AppError::new(e.code(), e.to_string())
}
