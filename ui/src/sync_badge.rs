//! The header's sync line: what is waiting, what is happening, what failed,
//! and a button to sync now. Polled, so it is right even after a background
//! pass the UI did not start.

use gridwalk_domain::sync_state::{DeviceAccess, SyncState, SyncStatus};
use leptos::prelude::*;
use std::time::Duration;

use crate::browser::short_time;
use crate::i18n::use_i18n;
use crate::ipc;

pub const POLL: Duration = Duration::from_millis(1500);

#[component]
pub fn SyncBadge(status: RwSignal<SyncStatus>) -> impl IntoView {
    let i18n = use_i18n();
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(s) = ipc::sync_status().await {
                status.set(s);
            }
        })
    };
    refresh();
    set_interval(refresh, POLL);
    let sync_now = move |_| {
        status.update(|s| s.running = true);
        leptos::task::spawn_local(async move {
            if let Ok(s) = ipc::sync_now().await {
                status.set(s);
            }
        });
    };
    let line = move || {
        let s = status.get();
        let waiting = s.pending_changes + s.pending_photos;
        if matches!(s.access, DeviceAccess::Refused { .. }) {
            ("failed", i18n.t("sync.refused"))
        } else if s.access == DeviceAccess::Unbound {
            ("pending", i18n.t("sync.unbound"))
        } else if s.running {
            ("running", i18n.t("sync.running"))
        } else if let Some(code) = &s.last_error {
            (
                "failed",
                format!("{}：{}", i18n.t("sync.failed"), i18n.error(code, "")),
            )
        } else if waiting > 0 {
            (
                "pending",
                i18n.t("sync.pending").replace("{n}", &waiting.to_string()),
            )
        } else if let Some(ms) = s.last_success_ms {
            ("ok", i18n.t("sync.last").replace("{t}", &short_time(ms)))
        } else {
            ("pending", i18n.t("sync.never"))
        }
    };
    view! {
        <div class="sync-badge" data-state=move || line().0 id="sync-badge">
            <span class="dot"></span>
            <span class="sync-text">{move || line().1}</span>
            <button class="sync-now" id="sync-now" on:click=sync_now disabled=move || status.get().running>
                {move || i18n.t("sync.now")}
            </button>
        </div>
    }
}

/// A record's badge: 待同步 / 同步中 / 已同步 / 失败 + why.
#[component]
pub fn StateChip(state: SyncState) -> impl IntoView {
    let i18n = use_i18n();
    let (class, label) = match &state {
        SyncState::Pending => ("pending", i18n.t("state.pending")),
        SyncState::Syncing => ("running", i18n.t("state.syncing")),
        SyncState::Synced => ("ok", i18n.t("state.synced")),
        SyncState::Failed { reason } => (
            "failed",
            format!("{}：{}", i18n.t("state.failed"), i18n.error(reason, "")),
        ),
    };
    view! { <span class=format!("chip {class}")>{label}</span> }
}
