//! Bringing an existing roster in: what the preview tells the office
//! before anything is written, and what the import did.

use serde::{Deserialize, Serialize};

/// One row the import cannot take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// As the spreadsheet numbers it (the header is row 1).
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// A household the roster describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewHousehold {
    pub line: String,
    pub members: Vec<String>,
    /// Already in the archive from an earlier import: left as it is.
    pub exists: bool,
    /// It has a row with an error: not imported until the file is fixed.
    pub blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// Households that would be created.
    pub new_households: u32,
    pub new_members: u32,
    /// Already imported before: nothing happens to them.
    pub existing: u32,
    /// Skipped because of a row error.
    pub blocked: u32,
    pub errors: Vec<RowError>,
    /// The first households, for the office to look at.
    pub sample: Vec<PreviewHousehold>,
    /// The sheet and header row the roster was read from.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDone {
    pub households: u32,
    pub members: u32,
    pub skipped_existing: u32,
    pub skipped_blocked: u32,
}
