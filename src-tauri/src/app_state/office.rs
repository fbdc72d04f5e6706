//! What an office's device does beyond sync: its people and their devices,
//! and exports. Each goes to the server with the device's token, and the
//! server decides — these never act on local data alone.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::UserId;
use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, Person, UserCreated};
use gridwalk_domain::ipc::{AppError, ExportDone, ExportRequest};

use super::{AppState, sync_error};
use crate::export_file::save_file;
use crate::sync_loop::now_ms;

impl AppState {
    /// The people the office manages, each with their devices.
    pub async fn people(&self) -> Result<Vec<Person>, AppError> {
        self.sync
            .as_device(&self.store, |t| async move {
                let users = t.users().await?;
                let devices = t.devices().await?;
                Ok(Person::join(users, &devices))
            })
            .await
            .map_err(sync_error)
    }

    pub async fn add_person(&self, new: NewUser) -> Result<UserCreated, AppError> {
        self.sync
            .as_device(&self.store, |t| async move { t.add_user(&new).await })
            .await
            .map_err(sync_error)
    }

    pub async fn invite(&self, user: UserId) -> Result<Invitation, AppError> {
        self.sync
            .as_device(&self.store, |t| async move { t.invite(&user).await })
            .await
            .map_err(sync_error)
    }

    pub async fn revoke_device(&self, device: i64) -> Result<DeviceInfo, AppError> {
        self.sync
            .as_device(&self.store, |t| async move { t.revoke(device).await })
            .await
            .map_err(sync_error)
    }

    /// Fetches an export from the server (which logs it) and saves it as
    /// a new file, off the async workers.
    pub async fn export(&self, req: ExportRequest) -> Result<ExportDone, AppError> {
        let exported = self
            .sync
            .as_device(&self.store, |t| async move { t.export(&req).await })
            .await
            .map_err(sync_error)?;
        let path = self
            .save(req.what.saved_as(), req.format.extension(), exported.bytes)
            .await?;
        Ok(ExportDone {
            path: path.display().to_string(),
            rows: exported.rows,
            left_out: exported.left_out,
        })
    }

    /// Saves `bytes` as a new file in the exports folder, never over an
    /// earlier one.
    pub(super) async fn save(
        &self,
        stem: &'static str,
        extension: &'static str,
        bytes: Vec<u8>,
    ) -> Result<std::path::PathBuf, AppError> {
        let dir = self.exports.clone();
        let saved = tauri::async_runtime::spawn_blocking(move || {
            save_file(&dir, stem, extension, now_ms(), &bytes)
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::ExportWrite, e.to_string()))?;
        saved.map_err(|e| {
            AppError::new(
                ErrorCode::ExportWrite,
                format!(
                    "cannot save the file in {}: {e}; free some space or check the folder's permissions",
                    self.exports.display()
                ),
            )
        })
    }
}
