//! The one invoke handler: each command named in
//! `gridwalk_domain::ipc::commands` is matched by its `NAME`, its `Args`
//! read from the request and its `Answer` written back, so the UI and the
//! shell cannot disagree on a name or a shape.
//!
//! Store work runs on a blocking worker (it takes the store's lock and may
//! decode photos); calls to the server run on the async runtime. A refusal
//! crosses as the `{code, message, fields}` of `AppError`.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::ipc::AppError;
use gridwalk_domain::ipc::commands::{self as c, Command};
use serde::Serialize;
use std::future::Future;
use tauri::ipc::{Invoke, InvokeBody, InvokeError, InvokeResolver};
use tauri::{Manager, Runtime};

use crate::app_state::AppState;

/// Handles `invoke`; `false` for a command this app does not have.
pub fn handle<R: Runtime>(invoke: Invoke<R>) -> bool {
    let Some(name) = c::Name::parse(invoke.message.command()) else {
        return false;
    };
    let Some(state) = invoke.message.webview_ref().try_state::<AppState>() else {
        invoke.resolver.reject(AppError::new(
            ErrorCode::AppStarting,
            "the app is still starting: try again in a moment",
        ));
        return true;
    };
    let s = state.inner().clone();
    let body = invoke.message.payload().clone();
    let bytes = raw(&body);
    let r = invoke.resolver;
    use c::Name as N;
    match name {
        N::GetAppInfo => blocking::<c::GetAppInfo, R>(r, body, move |_| s.info()),
        N::StagePhoto => blocking::<c::StagePhoto, R>(r, body, move |_| s.stage_photo(&bytes?)),
        N::NewReport => blocking::<c::NewReport, R>(r, body, move |a| s.create_report(a)),
        N::ListReports => blocking::<c::ListReports, R>(r, body, move |a| s.list_reports(a)),
        N::GetSyncStatus => blocking::<c::GetSyncStatus, R>(r, body, move |_| Ok(s.sync_status())),
        N::SyncNow => {
            asynchronous::<c::SyncNow, R, _>(
                r,
                body,
                move |_| async move { Ok(s.sync_now().await) },
            )
        }
        N::SaveSettings => blocking::<c::SaveSettings, R>(r, body, move |a| s.save_settings(a)),
        N::RedeemInvitation => {
            asynchronous::<c::RedeemInvitation, R, _>(r, body, move |a| async move {
                s.redeem(&a.code).await
            })
        }
        N::Export => {
            asynchronous::<c::Export, R, _>(r, body, move |a| async move { s.export(a).await })
        }
        N::People => {
            asynchronous::<c::People, R, _>(r, body, move |_| async move { s.people().await })
        }
        N::AddPerson => {
            asynchronous::<c::AddPerson, R, _>(
                r,
                body,
                move |a| async move { s.add_person(a).await },
            )
        }
        N::Invite => {
            asynchronous::<c::Invite, R, _>(r, body, move |a| async move { s.invite(a).await })
        }
        N::RevokeDevice => asynchronous::<c::RevokeDevice, R, _>(r, body, move |a| async move {
            s.revoke_device(a).await
        }),
        N::Households => blocking::<c::Households, R>(r, body, move |a| s.households(&a)),
        N::GetHousehold => blocking::<c::GetHousehold, R>(r, body, move |a| s.household(&a)),
        N::CreateHousehold => {
            blocking::<c::CreateHousehold, R>(r, body, move |a| s.create_household(&a))
        }
        N::UpdateHousehold => {
            blocking::<c::UpdateHousehold, R>(r, body, move |a| s.edit_household(&a))
        }
        N::AddMember => blocking::<c::AddMember, R>(r, body, move |a| s.add_member(&a)),
        N::UpdateMember => blocking::<c::UpdateMember, R>(r, body, move |a| s.edit_member(&a)),
        N::RemoveMember => blocking::<c::RemoveMember, R>(r, body, move |a| s.remove_member(&a)),
        N::RestoreMember => blocking::<c::RestoreMember, R>(r, body, move |a| s.restore_member(&a)),
        N::Reveal => blocking::<c::Reveal, R>(r, body, move |a| s.reveal(&a)),
        N::LogVisit => blocking::<c::LogVisit, R>(r, body, move |a| s.log_visit(&a)),
        N::Needs => blocking::<c::Needs, R>(r, body, move |a| s.needs(&a)),
        N::TakeNeedStep => blocking::<c::TakeNeedStep, R>(r, body, move |a| s.need_step(&a)),
        N::ResolveConflict => blocking::<c::ResolveConflict, R>(r, body, move |a| s.resolve(&a)),
        N::Buildings => blocking::<c::Buildings, R>(r, body, move |_| s.buildings()),
        N::PrintQrSheet => {
            asynchronous::<c::PrintQrSheet, R, _>(
                r,
                body,
                move |a| async move { s.qr_sheet(&a).await },
            )
        }
        N::ReadDoorQr => blocking::<c::ReadDoorQr, R>(r, body, move |_| s.read_door_qr(&bytes?)),
        N::PreviewImport => {
            blocking::<c::PreviewImport, R>(r, body, move |_| s.import_preview(&bytes?))
        }
        N::RunImport => blocking::<c::RunImport, R>(r, body, move |_| s.import_run(&bytes?)),
        N::Orders => blocking::<c::Orders, R>(r, body, move |a| s.orders(&a)),
        N::GetOrder => blocking::<c::GetOrder, R>(r, body, move |a| s.order(&a)),
        N::CreateOrder => blocking::<c::CreateOrder, R>(r, body, move |a| s.create_order(&a)),
        N::TakeOrderStep => blocking::<c::TakeOrderStep, R>(r, body, move |a| s.order_step(&a)),
        N::OrderStatistics => blocking::<c::OrderStatistics, R>(r, body, move |_| s.order_stats()),
        N::GetResponsePolicy => {
            blocking::<c::GetResponsePolicy, R>(r, body, move |_| s.response_policy())
        }
        N::SetResponsePolicy => {
            asynchronous::<c::SetResponsePolicy, R, _>(r, body, move |a| async move {
                s.set_response_policy(a).await
            })
        }
        N::RoutePoint => blocking::<c::RoutePoint, R>(r, body, move |a| s.route_point(a)),
        N::NearbyOrders => blocking::<c::NearbyOrders, R>(r, body, move |a| s.nearby_orders(&a)),
        N::MergeOrder => blocking::<c::MergeOrder, R>(r, body, move |a| s.merge_orders(&a)),
    }
    true
}

/// The bytes of a raw-body command.
fn raw(body: &InvokeBody) -> Result<Vec<u8>, AppError> {
    match body {
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        InvokeBody::Json(_) => Err(AppError::new(
            ErrorCode::IpcNotRaw,
            "send the file's bytes as the raw body",
        )),
    }
}

/// The command's arguments: the UI sends them as `{"args": …}` (the
/// invoke bridge wants an object, and some arguments are a bare string).
fn args<C: Command>(body: &InvokeBody) -> Result<C::Args, AppError> {
    let value = match body {
        InvokeBody::Json(v) => v
            .get("args")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({})),
        // A raw-body command takes no JSON arguments.
        InvokeBody::Raw(_) => serde_json::json!({}),
    };
    serde_json::from_value(value).map_err(|e| {
        AppError::new(
            ErrorCode::IpcBadArgs,
            format!(
                "{}: the arguments do not fit ({e}); update the app",
                C::NAME
            ),
        )
    })
}

fn refusal(e: AppError) -> InvokeError {
    InvokeError(serde_json::to_value(&e).unwrap_or_else(|_| serde_json::json!({"code": e.code})))
}

fn blocking<C: Command, R: Runtime>(
    r: InvokeResolver<R>,
    body: InvokeBody,
    f: impl FnOnce(C::Args) -> Result<C::Answer, AppError> + Send + 'static,
) where
    C::Answer: Serialize + Send + 'static,
    C::Args: Send + 'static,
{
    r.respond_async(async move {
        let a = args::<C>(&body).map_err(refusal)?;
        tauri::async_runtime::spawn_blocking(move || f(a))
            .await
            .map_err(|e| refusal(AppError::new(ErrorCode::AppWorker, e.to_string())))?
            .map_err(refusal)
    });
}

fn asynchronous<C: Command, R: Runtime, Fut>(
    r: InvokeResolver<R>,
    body: InvokeBody,
    f: impl FnOnce(C::Args) -> Fut + Send + 'static,
) where
    Fut: Future<Output = Result<C::Answer, AppError>> + Send + 'static,
    C::Answer: Serialize + Send + 'static,
    C::Args: Send + 'static,
{
    r.respond_async(async move {
        let a = args::<C>(&body).map_err(refusal)?;
        f(a).await.map_err(refusal)
    });
}
