//! The shell of the UI: header with sync state and language switch, a tab
//! bar (bottom on phones, top on desktops), and the views — 人员 only for
//! the office.

use gridwalk_domain::ipc::{AppInfo, ReportListScope};
use gridwalk_domain::sync_state::{DeviceAccess, SyncStatus};
use leptos::prelude::*;

use crate::bind::{BindPanel, RefusedBanner};
use crate::i18n::{I18n, use_i18n};
use crate::ipc;
use crate::people::{PeopleView, manages_people};
use crate::report_form::ReportForm;
use crate::report_list::ReportList;
use crate::settings::SettingsView;
use crate::sync_badge::SyncBadge;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Snap,
    Mine,
    Office,
    People,
    Settings,
}

/// Shared across views: what the shell told us about this device.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub info: RwSignal<Option<AppInfo>>,
    pub tab: RwSignal<Tab>,
    /// A one-line notice that outlives the view that raised it.
    pub toast: RwSignal<Option<String>>,
    /// The device-wide sync picture, polled by the header's badge.
    pub status: RwSignal<SyncStatus>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(I18n::new());
    let ctx = Ctx {
        info: RwSignal::new(None),
        tab: RwSignal::new(Tab::Snap),
        toast: RwSignal::new(None),
        status: RwSignal::new(SyncStatus::default()),
    };
    provide_context(ctx);
    let status = ctx.status;
    // Never bound at start: binding comes first on the report tab too,
    // above the form, so what the person already typed stays while they
    // bind. The card stays (showing the account) until they move on.
    let bind_first = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        match ipc::app_info().await {
            Ok(info) => {
                bind_first.set(info.me.is_none());
                ctx.info.set(Some(info));
            }
            Err(e) => load_error.set(Some(e.message)),
        }
    });
    // The shell can bind the device on its own (`--invitation` at start,
    // racing this page's first load): when the status turns bound while the
    // page still thinks it is not, read the account again.
    Effect::new(move |_| {
        let bound = ctx.status.get().access == DeviceAccess::Bound;
        let stale = ctx.info.get_untracked().is_some_and(|i| i.me.is_none());
        if bound && stale {
            leptos::task::spawn_local(async move {
                if let Ok(info) = ipc::app_info().await {
                    ctx.info.set(Some(info));
                }
            });
        }
    });
    let i18n = use_i18n();
    let tab_button = move |tab: Tab, id: &'static str, key: &'static str| {
        view! {
            <button id=id class="tab" class:active=move || ctx.tab.get() == tab
                on:click=move |_| {
                    ctx.toast.set(None);
                    ctx.tab.set(tab);
                    if ctx.info.get_untracked().is_some_and(|i| i.me.is_some()) {
                        bind_first.set(false);
                    }
                }>
                {move || i18n.t(key)}
            </button>
        }
    };
    view! {
        <div class="app">
            <header class="topbar">
                <h1>{move || i18n.t("app.title")}</h1>
                <SyncBadge status=status />
                <button id="lang-switch" class="lang" on:click=move |_| i18n.toggle()>
                    {move || i18n.t("lang.switch")}
                </button>
            </header>
            <nav class="tabs">
                {tab_button(Tab::Snap, "tab-snap", "tab.snap")}
                {tab_button(Tab::Mine, "tab-mine", "tab.mine")}
                {tab_button(Tab::Office, "tab-office", "tab.office")}
                {move || manages_people(ctx.info.get().and_then(|i| i.me).as_ref())
                    .then(|| tab_button(Tab::People, "tab-people", "tab.people"))}
                {tab_button(Tab::Settings, "tab-settings", "tab.settings")}
            </nav>
            <main class="content">
                {move || load_error.get().map(|m| view! { <p class="error">{m}</p> })}
                {move || ctx.toast.get().map(|m| view! {
                    <p class="notice" id="toast" on:click=move |_| ctx.toast.set(None)>{m}</p>
                })}
                <RefusedBanner />
                {move || match ctx.tab.get() {
                    Tab::Snap => view! {
                        <Show when=move || bind_first.get()><BindPanel /></Show>
                        <ReportForm />
                    }.into_any(),
                    Tab::Mine => view! { <ReportList which=ReportListScope::Mine /> }.into_any(),
                    Tab::Office => view! { <ReportList which=ReportListScope::All /> }.into_any(),
                    Tab::People => view! { <PeopleView /> }.into_any(),
                    Tab::Settings => view! { <SettingsView /> }.into_any(),
                }}
            </main>
        </div>
    }
}
