//! The tab bar: the tabs a role uses, in the order it uses them. A rider
//! photographs and sees what became of it; a grid worker keeps households
//! and needs and works their orders; an office starts at its dispatch
//! board and adds its inbox and its people (随手拍 stays a link in the
//! inbox); a department works its orders. Six tabs at most,
//! so they fit one line on a 360 px phone.

use gridwalk_domain::Role;
use gridwalk_domain::directory::Me;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::lang::{I18n, t_string, use_i18n};
use crate::state::use_ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Orders,
    Households,
    Needs,
    Inbox,
    Snap,
    Mine,
    People,
    Settings,
}

impl Tab {
    fn path(self) -> &'static str {
        match self {
            Tab::Orders => "/orders",
            Tab::Households => "/households",
            Tab::Needs => "/needs",
            Tab::Inbox => "/inbox",
            Tab::Snap => "/report",
            Tab::Mine => "/mine",
            Tab::People => "/people",
            Tab::Settings => "/settings",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Orders => "tab-orders",
            Tab::Households => "tab-households",
            Tab::Needs => "tab-needs",
            Tab::Inbox => "tab-office",
            Tab::Snap => "tab-snap",
            Tab::Mine => "tab-mine",
            Tab::People => "tab-people",
            Tab::Settings => "tab-settings",
        }
    }

    fn label(self, i18n: I18n) -> &'static str {
        match self {
            Tab::Orders => t_string!(i18n, tab.orders),
            Tab::Households => t_string!(i18n, tab.households),
            Tab::Needs => t_string!(i18n, tab.needs),
            Tab::Inbox => t_string!(i18n, tab.office),
            Tab::Snap => t_string!(i18n, tab.snap),
            Tab::Mine => t_string!(i18n, tab.mine),
            Tab::People => t_string!(i18n, tab.people),
            Tab::Settings => t_string!(i18n, tab.settings),
        }
    }
}

pub fn tabs_for(me: Option<&Me>) -> &'static [Tab] {
    use Tab::*;
    match me.map(|m| m.role) {
        Some(Role::Office | Role::Admin) => &[Orders, Inbox, Households, Needs, People, Settings],
        Some(Role::GridWorker) => &[Households, Orders, Needs, Snap, Mine, Settings],
        Some(Role::Department | Role::Volunteer) => &[Orders, Snap, Mine, Settings],
        Some(Role::Reporter) | None => &[Snap, Mine, Settings],
    }
}

/// Where a person lands when the app opens.
pub fn home_path(me: Option<&Me>) -> &'static str {
    tabs_for(me).first().map_or("/report", |t| t.path())
}

#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let location = use_location();
    let here = move || location.pathname.get();
    view! {
        <nav class="tabs">
            {move || tabs_for(ctx.me().as_ref()).iter().map(|tab| {
                let tab = *tab;
                let active = move || {
                    let p = here();
                    p == tab.path() || p.starts_with(&format!("{}/", tab.path()))
                };
                view! {
                    <a id=tab.id() class="tab" class:active=active href=tab.path()
                        on:click=move |_| ctx.toast.set(None)>
                        {move || tab.label(i18n)}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}
