//! The header's sync line: what is waiting, what is happening, what failed,
//! and a button to sync now. The shell sends the sync picture whenever it
//! changes (`sync-status`), so this is right after background passes too.

use gridwalk_domain::ipc::commands::SyncNow;
use gridwalk_domain::sync_state::{DeviceAccess, SyncState};
use leptos::prelude::*;

use crate::browser::short_time;
use crate::ipc;
use crate::lang::{error_text, t_string, use_i18n};
use crate::state::use_ctx;

#[component]
pub fn SyncBadge() -> impl IntoView {
    let i18n = use_i18n();
    let status = use_ctx().status;
    let sync_now = move |_| {
        status.update(|s| s.running = true);
        leptos::task::spawn_local(async move {
            if let Ok(s) = ipc::ask::<SyncNow>().await {
                status.set(s);
            }
        });
    };
    let line = move || {
        let s = status.get();
        let waiting = s.pending_changes + s.pending_photos;
        if matches!(s.access, DeviceAccess::Refused { .. }) {
            ("failed", t_string!(i18n, sync.refused).to_owned())
        } else if s.access == DeviceAccess::Unbound {
            ("pending", t_string!(i18n, sync.unbound).to_owned())
        } else if s.running {
            ("running", t_string!(i18n, sync.running).to_owned())
        } else if let Some(code) = &s.last_error {
            (
                "failed",
                format!(
                    "{}：{}",
                    t_string!(i18n, sync.failed),
                    error_text(i18n, *code, "")
                ),
            )
        } else if waiting > 0 {
            (
                "pending",
                t_string!(i18n, sync.pending).replace("{n}", &waiting.to_string()),
            )
        } else if let Some(ms) = s.last_success_ms {
            (
                "ok",
                t_string!(i18n, sync.last).replace("{t}", &short_time(ms)),
            )
        } else {
            ("pending", t_string!(i18n, sync.never).to_owned())
        }
    };
    view! {
        <div class="sync-badge" data-state=move || line().0 id="sync-badge">
            <span class="dot"></span>
            <span class="sync-text">{move || line().1}</span>
            <button class="sync-now" id="sync-now" on:click=sync_now disabled=move || status.get().running>
                {move || t_string!(i18n, sync.now)}
            </button>
        </div>
    }
}

/// A record's badge: 待同步 / 同步中 / 已同步 / 失败 + why.
#[component]
pub fn StateChip(state: SyncState) -> impl IntoView {
    let i18n = use_i18n();
    let label = {
        let state = state.clone();
        move || match &state {
            SyncState::Pending => t_string!(i18n, state.pending).to_owned(),
            SyncState::Syncing => t_string!(i18n, state.syncing).to_owned(),
            SyncState::Synced => t_string!(i18n, state.synced).to_owned(),
            SyncState::Failed { reason } => {
                format!(
                    "{}：{}",
                    t_string!(i18n, state.failed),
                    error_text(i18n, *reason, "")
                )
            }
        }
    };
    let class = match &state {
        SyncState::Pending => "pending",
        SyncState::Syncing => "running",
        SyncState::Synced => "ok",
        SyncState::Failed { .. } => "failed",
    };
    view! { <span class=format!("chip sync-state {class}")>{label}</span> }
}
