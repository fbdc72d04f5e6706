//! Files in and out of the archive: a door-QR sheet per building (PDF), a
//! photo of a door QR read back to its household, and rosters imported
//! from XLSX or CSV. Everything here works offline.

use gridwalk_core::archive::import::Roster;
use gridwalk_domain::DocId;
use gridwalk_domain::DocKind;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::ipc::archive::{QrSheetRequest, household_uri, parse_household_uri};
use gridwalk_domain::ipc::import::{ImportDone, ImportPreview};
use gridwalk_domain::ipc::{AppError, ExportDone};

use super::AppState;
use crate::sync_loop::now_ms;

impl AppState {
    /// The A4 sheet of door QR codes for one building, saved as a PDF.
    pub async fn qr_sheet(&self, req: &QrSheetRequest) -> Result<ExportDone, AppError> {
        let doors = self
            .store()?
            .households_in(req.grid.as_ref(), &req.estate, &req.building)?;
        if doors.is_empty() {
            return Err(AppError::new(
                ErrorCode::SheetEmpty,
                "this building has no households on this device yet",
            ));
        }
        let title = format!("{} {}号楼 · 门牌码", req.estate, req.building);
        let entries: Vec<gridwalk_sheets::Door> = doors
            .iter()
            .map(|(id, door)| gridwalk_sheets::Door {
                label: door.clone(),
                payload: household_uri(id),
            })
            .collect();
        let pdf = tauri::async_runtime::spawn_blocking(move || {
            gridwalk_sheets::door_sheet(&title, &entries)
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::SheetWorker, e.to_string()))?
        .map_err(sheet_error)?;
        let path = self.save("门牌码", "pdf", pdf).await?;
        Ok(ExportDone {
            path: path.display().to_string(),
            rows: doors.len() as u64,
            left_out: 0,
        })
    }

    /// The household a photo of a door QR names, if it shows one this app
    /// made.
    pub fn read_door_qr(&self, photo: &[u8]) -> Result<Option<DocId>, AppError> {
        let text = gridwalk_photo::read_qr(photo).map_err(gridwalk_core::CoreError::from)?;
        Ok(text.as_deref().and_then(parse_household_uri))
    }

    /// What importing `file` would do; nothing is written.
    pub fn import_preview(&self, file: &[u8]) -> Result<ImportPreview, AppError> {
        let roster = Roster::read(file)?;
        Ok(self.store()?.import_preview(&roster, now_ms())?)
    }

    /// Imports `file` in one transaction: every household without an error
    /// row, none that was imported before.
    pub fn import_run(&self, file: &[u8]) -> Result<ImportDone, AppError> {
        let roster = Roster::read(file)?;
        let done = self.store()?.import(&roster, now_ms())?;
        self.changed(&[DocKind::Household]);
        Ok(done)
    }
}

/// The sheet crate knows nothing of the app's codes; this names them.
fn sheet_error(e: gridwalk_sheets::SheetError) -> AppError {
    let code = match e {
        gridwalk_sheets::SheetError::NoFont => ErrorCode::SheetNoFont,
        gridwalk_sheets::SheetError::TooLong(_) => ErrorCode::SheetTooLong,
        gridwalk_sheets::SheetError::Pdf(_) => ErrorCode::SheetPdf,
    };
    AppError::new(code, e.to_string())
}
