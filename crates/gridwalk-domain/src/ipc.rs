//! The contract between the UI and the app shell: one struct per command
//! argument or answer, so both sides compile against the same shapes.

use crate::category::Category;
use crate::directory::Me;
use crate::geo::Coordinates;
use crate::ids::{BlobHash, DeviceId, DocId, GridId};
use crate::report::PhotoRef;
use crate::sync_state::SyncState;
use serde::{Deserialize, Serialize};

/// The one error shape at the app boundary. The UI matches on `code` to pick
/// its own wording and falls back to `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({code})")]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppInfo {
    pub device: DeviceId,
    /// The account this device was last bound to (kept after a revocation,
    /// so the person sees whose device it was). `None`: never bound.
    pub me: Option<Me>,
    /// The grid the report form offers first: the last one used, if it is
    /// still the user's, else their first.
    pub default_grid: Option<GridId>,
    pub reporter: String,
    pub server_url: String,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub reporter: String,
    pub server_url: String,
}

/// What the person typed on the 绑定设备 screen. The code is parsed in the
/// shell (`InvitationCode::parse` forgives case, spaces, dashes and the QR
/// payload), so the UI sends it as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindRequest {
    pub code: String,
}

/// A finished export: the file it wrote, the rows in it, and the records
/// the server could not read and left out (the office must be told).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDone {
    pub path: String,
    pub rows: u64,
    pub left_out: u64,
}

/// A photo that went through the pipeline and is stored on the device,
/// ready to be attached to a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagedPhoto {
    pub photo: PhotoRef,
    /// `data:image/jpeg;base64,…` of the thumbnail, for the form preview.
    pub thumb_data_url: String,
    /// GPS read from the original's EXIF before it was stripped.
    pub gps: Option<Coordinates>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportListScope {
    /// 我的上报: made on this device.
    Mine,
    /// 社区收件箱: everything this device has received.
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub id: DocId,
    pub scope: GridId,
    pub category: String,
    pub description: String,
    pub location: String,
    pub coords: Option<Coordinates>,
    pub reporter: String,
    pub created_at_ms: i64,
    pub mine: bool,
    pub photos: Vec<BlobHash>,
    /// Thumbnail of the first photo, when it is on this device.
    pub thumb_data_url: Option<String>,
    pub sync: SyncState,
}
