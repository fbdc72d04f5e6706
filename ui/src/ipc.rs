//! The only place that talks to the Tauri shell: one typed function per
//! command. Everything else in the UI calls these, never `invoke` itself.

use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, Person, UserCreated};
use gridwalk_domain::ipc::{
    AppError, AppInfo, BindRequest, ExportDone, ReportListScope, ReportSummary, Settings,
    StagedPhoto,
};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{DocId, GridId, ReportDraft, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `tauri-sys` is not on crates.io; the global API (withGlobalTauri) is.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, AppError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| AppError::new("ui.encode", e.to_string()))
}

async fn call<T: DeserializeOwned>(cmd: &str, args: JsValue) -> Result<T, AppError> {
    match invoke(cmd, args).await {
        Ok(v) => {
            serde_wasm_bindgen::from_value(v).map_err(|e| AppError::new("ui.decode", e.to_string()))
        }
        Err(e) => Err(
            serde_wasm_bindgen::from_value::<AppError>(e.clone()).unwrap_or_else(|_| {
                AppError::new("ipc", e.as_string().unwrap_or_else(|| format!("{e:?}")))
            }),
        ),
    }
}

#[derive(Serialize)]
struct Draft<'a> {
    draft: &'a ReportDraft,
    grid: Option<&'a GridId>,
}

#[derive(Serialize)]
struct Bind<'a> {
    bind: &'a BindRequest,
}

#[derive(Serialize)]
struct Which {
    which: ReportListScope,
}

#[derive(Serialize)]
struct Hash<'a> {
    hash: &'a str,
}

#[derive(Serialize)]
struct SettingsArg<'a> {
    settings: &'a Settings,
}

pub async fn app_info() -> Result<AppInfo, AppError> {
    call("app_info", JsValue::UNDEFINED).await
}

/// Sends the photo's bytes as the raw body: no JSON number arrays.
pub async fn stage_photo(bytes: js_sys::Uint8Array) -> Result<StagedPhoto, AppError> {
    call("stage_photo", bytes.into()).await
}

/// `grid`: the one picked in the form; `None` lets the shell use the default.
pub async fn create_report(draft: &ReportDraft, grid: Option<&GridId>) -> Result<DocId, AppError> {
    call("create_report", to_js(&Draft { draft, grid })?).await
}

/// Binds the device; answers the refreshed app info (with the account).
pub async fn redeem_invitation(bind: &BindRequest) -> Result<AppInfo, AppError> {
    call("redeem_invitation", to_js(&Bind { bind })?).await
}

pub async fn list_reports(which: ReportListScope) -> Result<Vec<ReportSummary>, AppError> {
    call("list_reports", to_js(&Which { which })?).await
}

pub async fn photo(hash: &str) -> Result<Option<String>, AppError> {
    call("photo", to_js(&Hash { hash })?).await
}

pub async fn sync_status() -> Result<SyncStatus, AppError> {
    call("sync_status", JsValue::UNDEFINED).await
}

pub async fn sync_now() -> Result<SyncStatus, AppError> {
    call("sync_now", JsValue::UNDEFINED).await
}

pub async fn save_settings(settings: &Settings) -> Result<AppInfo, AppError> {
    call("save_settings", to_js(&SettingsArg { settings })?).await
}

/// Saves the community's reports as a CSV file; answers where and how many.
pub async fn export_reports() -> Result<ExportDone, AppError> {
    call("export_reports", JsValue::UNDEFINED).await
}

#[derive(Serialize)]
struct PersonArg<'a> {
    person: &'a NewUser,
}

#[derive(Serialize)]
struct UserArg<'a> {
    user: &'a UserId,
}

#[derive(Serialize)]
struct DeviceArg {
    device: i64,
}

/// The people this office manages, with their phones (from the server).
pub async fn people() -> Result<Vec<Person>, AppError> {
    call("people", JsValue::UNDEFINED).await
}

pub async fn add_person(person: &NewUser) -> Result<UserCreated, AppError> {
    call("add_person", to_js(&PersonArg { person })?).await
}

/// A new one-time code for someone's new phone.
pub async fn invite(user: &UserId) -> Result<Invitation, AppError> {
    call("invite", to_js(&UserArg { user })?).await
}

pub async fn revoke_device(device: i64) -> Result<DeviceInfo, AppError> {
    call("revoke_device", to_js(&DeviceArg { device })?).await
}
