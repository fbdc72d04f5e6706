//! 门牌码: one A4 sheet of door QR codes per building, for the office to
//! print, cut and stick on the doors. Scanning one opens its household.

use gridwalk_domain::ipc::archive::{Building, QrSheetRequest};
use gridwalk_domain::ipc::commands::{Buildings, PrintQrSheet};
use leptos::prelude::*;

use crate::ipc;
use crate::lang::{error_text, t_string, use_i18n};

#[component]
pub fn SheetsView() -> impl IntoView {
    let i18n = use_i18n();
    let buildings = RwSignal::new(None::<Vec<Building>>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match ipc::ask::<Buildings>().await {
            Ok(b) => buildings.set(Some(b)),
            Err(e) => message.set(Some(Err(error_text(i18n, e.code, &e.message)))),
        }
    });
    let print = move |b: Building| {
        busy.set(true);
        message.set(None);
        let req = QrSheetRequest {
            grid: Some(b.grid.clone()),
            estate: b.estate.clone(),
            building: b.building.clone(),
        };
        leptos::task::spawn_local(async move {
            let outcome = match ipc::call::<PrintQrSheet>(&req).await {
                Ok(done) => Ok(t_string!(i18n, sheets.done)
                    .replace("{n}", &done.rows.to_string())
                    .replace("{path}", &done.path)),
                Err(e) => Err(error_text(i18n, e.code, &e.message)),
            };
            message.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <section class="sheets" id="sheets">
            <h2>{move || t_string!(i18n, sheets.title)}</h2>
            <p class="hint">{move || t_string!(i18n, sheets.hint)}</p>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="notice" id="sheet-message">{t}</p> }.into_any(),
                Err(t) => view! { <p class="error" id="sheet-message">{t}</p> }.into_any(),
            })}
            {move || busy.get().then(|| view! { <p class="progress"><span class="spinner"></span>{t_string!(i18n, sheets.printing)}</p> })}
            <ul class="buildings" id="buildings">
                {move || buildings.get().unwrap_or_default().into_iter().enumerate().map(|(i, b)| {
                    let label = format!("{} {}号楼", b.estate, b.building);
                    let count = t_string!(i18n, households.count).replace("{n}", &b.households.to_string());
                    let b2 = b.clone();
                    view! {
                        <li class="building">
                            <span>{label}</span><span class="muted">{count}</span>
                            <button class="secondary" id=format!("print-sheet-{i}") disabled=move || busy.get()
                                on:click=move |_| print(b2.clone())>{move || t_string!(i18n, sheets.print)}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
