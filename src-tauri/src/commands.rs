//! Tauri commands: each is one call into `AppState`, which calls core.
//! Errors cross the boundary as `{code, message}` (`AppError`).

use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, Person, UserCreated};
use gridwalk_domain::ipc::{
    AppError, AppInfo, BindRequest, ExportDone, ReportListScope, ReportSummary, Settings,
    StagedPhoto,
};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{DocId, GridId, ReportDraft, UserId};
use tauri::State;
use tauri::ipc::Request;

use crate::app_state::AppState;

type Res<T> = Result<T, AppError>;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    state.info()
}

/// The photo arrives as the raw request body (a `Uint8Array`), not JSON.
#[tauri::command]
pub async fn stage_photo(request: Request<'_>, state: State<'_, AppState>) -> Res<StagedPhoto> {
    state.stage_photo(request.body()).await
}

#[tauri::command]
pub fn create_report(
    draft: ReportDraft,
    grid: Option<GridId>,
    state: State<'_, AppState>,
) -> Res<DocId> {
    state.create_report(draft, grid)
}

#[tauri::command]
pub async fn redeem_invitation(bind: BindRequest, state: State<'_, AppState>) -> Res<AppInfo> {
    state.redeem(&bind.code).await
}

#[tauri::command]
pub fn list_reports(which: ReportListScope, state: State<'_, AppState>) -> Res<Vec<ReportSummary>> {
    state.list_reports(which)
}

#[tauri::command]
pub fn photo(hash: String, state: State<'_, AppState>) -> Res<Option<String>> {
    state.photo(&hash)
}

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> Res<SyncStatus> {
    Ok(state.sync_status())
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Res<SyncStatus> {
    Ok(state.sync_now().await)
}

#[tauri::command]
pub fn save_settings(settings: Settings, state: State<'_, AppState>) -> Res<AppInfo> {
    state.save_settings(settings)
}

#[tauri::command]
pub async fn export_reports(state: State<'_, AppState>) -> Res<ExportDone> {
    state.export_reports().await
}

#[tauri::command]
pub async fn people(state: State<'_, AppState>) -> Res<Vec<Person>> {
    state.people().await
}

#[tauri::command]
pub async fn add_person(person: NewUser, state: State<'_, AppState>) -> Res<UserCreated> {
    state.add_person(person).await
}

#[tauri::command]
pub async fn invite(user: UserId, state: State<'_, AppState>) -> Res<Invitation> {
    state.invite(user).await
}

#[tauri::command]
pub async fn revoke_device(device: i64, state: State<'_, AppState>) -> Res<DeviceInfo> {
    state.revoke_device(device).await
}
