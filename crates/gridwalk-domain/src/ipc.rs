//! The contract between the UI and the app shell: one struct per command
//! argument or answer, so both sides compile against the same shapes.

pub mod archive;
pub mod commands;
pub mod import;
pub mod orders;

use crate::ErrorCode;
use crate::category::Category;
use crate::directory::Me;
use crate::field::FieldError;
use crate::geo::Coordinates;
use crate::ids::{DeviceId, DocId, GridId};
use crate::report::PhotoRef;
use crate::sync_state::SyncState;
use serde::{Deserialize, Serialize};

/// The one error shape at the app boundary. The UI matches on `code` to pick
/// its own wording and falls back to `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({code})")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// For a refused form: each field's problem, so the form marks them
    /// and keeps what was typed.
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
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
    pub vocabulary: crate::vocabulary::Vocabulary,
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

/// What an office exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportWhat {
    Reports,
    Households,
    Visits,
}

impl ExportWhat {
    /// The file name the server serves it under, without extension.
    pub fn file_stem(self) -> &'static str {
        match self {
            Self::Reports => "reports",
            Self::Households => "households",
            Self::Visits => "visits",
        }
    }

    /// The Chinese name the saved file starts with.
    pub fn saved_as(self) -> &'static str {
        match self {
            Self::Reports => "随手拍导出",
            Self::Households => "家庭档案导出",
            Self::Visits => "走访记录导出",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub what: ExportWhat,
    pub format: ExportFormat,
    /// Unmasked phones and ID numbers (households; offices only, logged).
    #[serde(default)]
    pub full: bool,
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

/// A record in a list: what every kind shares, and the kind's own row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listed<S> {
    pub id: DocId,
    pub scope: GridId,
    /// Made on this device.
    pub mine: bool,
    /// Two versions of a field (or an edit of a removed entry) wait for a
    /// person to pick.
    pub conflicts: bool,
    /// Some of its photos are not on this device yet (they come with the
    /// next sync).
    pub photos_pending: bool,
    pub sync: SyncState,
    /// Where it is, when it has a point (for the map).
    #[serde(default)]
    pub place: Option<crate::Coordinates>,
    pub summary: S,
}
