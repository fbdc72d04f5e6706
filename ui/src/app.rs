//! The shell of the UI: the header (sync state, language), the tab bar
//! (bottom on phones, top on desktops) with the tabs the person's role
//! uses, and the screens behind routes — so the back button works and a
//! door QR opens `/households/<id>` directly.

use gridwalk_domain::DocKind;
use gridwalk_domain::ipc::ReportListScope;
use gridwalk_domain::ipc::commands::{GetAppInfo, GetSyncStatus, events};
use gridwalk_domain::sync_state::{DeviceAccess, SyncStatus};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::bind::{BindPanel, RefusedBanner};
use crate::households::{HouseholdForm, HouseholdList, HouseholdPage, MemberForm, VisitForm};
use crate::import::ImportView;
use crate::ipc;
use crate::lang::{I18nContextProvider, restore, t_string, toggle, use_i18n};
use crate::nav::{TabBar, home_path};
use crate::needs::NeedsView;
use crate::orders::{OrderForm, OrderPageView, OrderStatsView, OrdersView};
use crate::people::PeopleView;
use crate::report_form::ReportForm;
use crate::report_list::ReportList;
use crate::settings::SettingsView;
use crate::sheets::SheetsView;
use crate::state::{Ctx, use_ctx};
use crate::sync_badge::SyncBadge;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Router>
                <Shell />
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    restore(i18n);
    let ctx = Ctx::new();
    provide_context(ctx);
    let load_error = RwSignal::new(None::<String>);
    let reload_info = move || {
        leptos::task::spawn_local(async move {
            match ipc::ask::<GetAppInfo>().await {
                Ok(info) => ctx.info.set(Some(info)),
                Err(e) => load_error.set(Some(e.message)),
            }
        })
    };
    reload_info();
    leptos::task::spawn_local(async move {
        if let Ok(s) = ipc::ask::<GetSyncStatus>().await {
            ctx.status.set(s);
        }
    });
    ipc::on_event::<SyncStatus>(events::SYNC_STATUS, move |s| ctx.status.set(s));
    ipc::on_event::<Vec<DocKind>>(events::RECORDS_CHANGED, move |kinds| ctx.changed(&kinds));
    // The shell can bind the device on its own (`--invitation` at start,
    // racing this page's first load), and a sync refreshes the account:
    // when the status turns bound while the page still thinks it is not,
    // read the account again.
    Effect::new(move |_| {
        let bound = ctx.status.get().access == DeviceAccess::Bound;
        let stale = ctx.info.get_untracked().is_some_and(|i| i.me.is_none());
        if bound && stale {
            reload_info();
        }
    });
    view! {
        <div class="app">
            <header class="topbar">
                <h1>{move || t_string!(i18n, app.title)}</h1>
                <SyncBadge />
                <button id="lang-switch" class="lang" on:click=move |_| toggle(i18n)>
                    {move || t_string!(i18n, lang.switch)}
                </button>
            </header>
            <TabBar />
            <main class="content">
                {move || load_error.get().map(|m| view! { <p class="error">{m}</p> })}
                {move || ctx.toast.get().map(|m| view! {
                    <p class="notice" id="toast" on:click=move |_| ctx.toast.set(None)>{m}</p>
                })}
                <RefusedBanner />
                <Routes fallback=|| view! { <Home /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/report") view=ReportScreen />
                    <Route path=path!("/mine") view=|| view! { <ReportList which=ReportListScope::Mine /> } />
                    <Route path=path!("/inbox") view=|| view! { <ReportList which=ReportListScope::All /> } />
                    <Route path=path!("/households") view=HouseholdList />
                    <Route path=path!("/households/new") view=HouseholdForm />
                    <Route path=path!("/households/:id") view=HouseholdPage />
                    <Route path=path!("/households/:id/edit") view=HouseholdForm />
                    <Route path=path!("/households/:id/members/new") view=MemberForm />
                    <Route path=path!("/households/:id/members/:member") view=MemberForm />
                    <Route path=path!("/households/:id/visit") view=VisitForm />
                    <Route path=path!("/needs") view=NeedsView />
                    <Route path=path!("/orders") view=OrdersView />
                    <Route path=path!("/orders/new") view=OrderForm />
                    <Route path=path!("/orders/stats") view=OrderStatsView />
                    <Route path=path!("/orders/:id") view=OrderPageView />
                    <Route path=path!("/import") view=ImportView />
                    <Route path=path!("/sheets") view=SheetsView />
                    <Route path=path!("/people") view=PeopleView />
                    <Route path=path!("/settings") view=SettingsView />
                </Routes>
            </main>
        </div>
    }
}

/// The start screen goes where the person's role starts.
#[component]
fn Home() -> impl IntoView {
    let ctx = use_ctx();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(info) = ctx.info.get() {
            navigate(home_path(info.me.as_ref()), Default::default());
        }
    });
    view! { <p class="progress"><span class="spinner"></span></p> }
}

/// 随手拍, with 绑定设备 first when the device was never bound: what the
/// person already typed stays while they bind.
#[component]
fn ReportScreen() -> impl IntoView {
    let ctx = use_ctx();
    let never_bound = ctx.info.get_untracked().is_some_and(|i| i.me.is_none());
    let bind_first = RwSignal::new(never_bound);
    Effect::new(move |_| {
        if ctx.info.get().is_some_and(|i| i.me.is_none()) {
            bind_first.set(true);
        }
    });
    view! {
        <Show when=move || bind_first.get()><BindPanel /></Show>
        <ReportForm />
    }
}
