//! What an office's device does beyond sync: its people and their devices,
//! and exports. Each goes to the server with the device's token, and the
//! server decides — these never act on local data alone.

use gridwalk_domain::UserId;
use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, Person, UserCreated};
use gridwalk_domain::export::csv_data_rows;
use gridwalk_domain::ipc::{AppError, ExportDone};

use super::{AppState, sync_error};
use crate::export_file::save_csv;
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

    /// Fetches the community's reports as CSV from the server (which logs
    /// the export) and saves them as a new file, off the async workers.
    pub async fn export_reports(&self) -> Result<ExportDone, AppError> {
        let (csv, left_out) = self
            .sync
            .as_device(&self.store, |t| async move { t.export_reports().await })
            .await
            .map_err(sync_error)?;
        let dir = self.exports.clone();
        let rows = csv_data_rows(&csv) as u64;
        let saved = tauri::async_runtime::spawn_blocking(move || {
            save_csv(&dir, "随手拍导出", now_ms(), &csv)
        })
        .await
        .map_err(|e| AppError::new("export.write", e.to_string()))?;
        let path = saved.map_err(|e| {
            AppError::new(
                "export.write",
                format!(
                    "cannot save the export in {}: {e}; free some space or check the folder's permissions",
                    self.exports.display()
                ),
            )
        })?;
        Ok(ExportDone {
            path: path.display().to_string(),
            rows,
            left_out,
        })
    }
}
