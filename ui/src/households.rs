//! 住户: the household archive of the person's grids. The list searches by
//! name, address, 户号 and the last digits of a phone or ID number — one
//! character is enough — offline; a door QR (scanned, or a photo of it on a
//! desktop) opens its household straight away. Offices also import
//! rosters, print door-QR sheets and export.

mod chips;
mod conflicts;
mod forms;
mod page;
mod visit;

pub use forms::{HouseholdForm, MemberForm};
pub use page::{HouseholdPage, status_label};
pub use visit::VisitForm;

use gridwalk_domain::DocKind;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::household::HouseholdRow;
use gridwalk_domain::ipc::archive::{HOUSEHOLD_LIST_LIMIT, HouseholdQuery};
use gridwalk_domain::ipc::commands::{Households, ReadDoorQr};
use gridwalk_domain::ipc::{ExportWhat, Listed};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::browser::file_bytes;
use crate::export_bar::ExportBar;
use crate::ipc;
use crate::lang::{I18n, error_text, t_string, use_i18n};
use crate::state::{Ctx, use_ctx};
use crate::sync_badge::StateChip;

/// The Chinese (or English) name of a vocabulary term, or its code.
pub fn term(list: &gridwalk_domain::CategoryCatalog, code: &str, english: bool) -> String {
    list.get(code)
        .map_or_else(|_| code.to_owned(), |c| c.label(english).to_owned())
}

/// The names of `codes` in the vocabulary list `pick` chooses, in the
/// language now shown; the bare codes until the vocabulary has arrived.
pub fn terms(
    ctx: Ctx,
    i18n: I18n,
    codes: Vec<gridwalk_domain::CategoryCode>,
    pick: fn(&gridwalk_domain::Vocabulary) -> &gridwalk_domain::CategoryCatalog,
) -> impl Fn() -> Vec<String> + Clone + Send + Sync + 'static {
    move || {
        let info = ctx.info.get();
        codes
            .iter()
            .map(|c| {
                info.as_ref().map_or_else(
                    || c.to_string(),
                    |i| term(pick(&i.vocabulary), c.as_str(), crate::lang::english(i18n)),
                )
            })
            .collect()
    }
}

/// The first file picked in a file input.
pub fn picked_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// A file input's handler that stages each picked photo into `photos`,
/// with `processing` on while the shell shrinks it.
pub fn photo_picker(
    i18n: crate::lang::I18n,
    photos: RwSignal<Vec<gridwalk_domain::ipc::StagedPhoto>>,
    processing: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    move |ev| {
        let Some(file) = picked_file(&ev) else { return };
        processing.set(true);
        leptos::task::spawn_local(async move {
            match ipc::stage_file(&file).await {
                Ok(p) => photos.update(|v| v.push(p)),
                Err(e) => error.set(Some(crate::lang::error_text(i18n, e.code, &e.message))),
            }
            processing.set(false);
        });
    }
}

#[component]
pub fn HouseholdList() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<Listed<HouseholdRow>>>);
    let error = RwSignal::new(None::<String>);
    let scanning = RwSignal::new(false);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::Household]);
        let q = HouseholdQuery {
            search: search.get(),
            ..Default::default()
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<Households>(&q).await {
                // An answer for an older query must not replace a newer one.
                Ok(list) if q.search == search.get_untracked() => {
                    rows.set(Some(list));
                    error.set(None);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    let go = navigate.clone();
    let on_scan = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else { return };
        scanning.set(true);
        error.set(None);
        let go = go.clone();
        leptos::task::spawn_local(async move {
            let found = match file_bytes(&file).await {
                Ok(bytes) => ipc::call_raw::<ReadDoorQr>(bytes).await,
                Err(m) => Err(gridwalk_domain::ipc::AppError::new(ErrorCode::PhotoRead, m)),
            };
            match found {
                Ok(Some(id)) => go(&format!("/households/{id}"), Default::default()),
                Ok(None) => error.set(Some(error_text(i18n, ErrorCode::QrNone, ""))),
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
            scanning.set(false);
        });
    };
    let manages = move || ctx.me().is_some_and(|m| m.role.manages());
    view! {
        <section class="households" id="households">
            <div class="list-tools">
                <input id="household-search" type="search" placeholder=move || t_string!(i18n, households.search_ph)
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
                <label class="secondary scan" id="scan-door-label">
                    <input id="scan-door" type="file" accept="image/*" capture="environment" on:change=on_scan />
                    {move || if scanning.get() { t_string!(i18n, households.scanning) } else { t_string!(i18n, households.scan) }}
                </label>
                <a class="secondary" id="household-new" href="/households/new">{move || t_string!(i18n, households.new)}</a>
            </div>
            <Show when=manages>
                <div class="office-tools">
                    <a class="secondary" id="open-import" href="/import">{move || t_string!(i18n, households.import)}</a>
                    <a class="secondary" id="open-sheets" href="/sheets">{move || t_string!(i18n, households.sheets)}</a>
                </div>
                <ExportBar what=ExportWhat::Households offer_full=true />
                <ExportBar what=ExportWhat::Visits />
            </Show>
            {move || error.get().map(|m| view! { <p class="error" id="households-error">{m}</p> })}
            {move || match rows.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(list) if list.is_empty() => view! {
                    <p class="empty" id="households-empty">{move || if search.get().trim().is_empty() {
                        t_string!(i18n, households.empty)
                    } else {
                        t_string!(i18n, households.no_match)
                    }}</p>
                }.into_any(),
                Some(list) => view! {
                    <p class="count" id="households-count">{
                        let n = list.len().to_string();
                        if list.len() as u32 >= HOUSEHOLD_LIST_LIMIT {
                            t_string!(i18n, households.count_more).replace("{n}", &n)
                        } else {
                            t_string!(i18n, households.count).replace("{n}", &n)
                        }
                    }</p>
                    <div class="household-rows" id="household-rows">
                        {list.into_iter().map(|h| view! { <HouseholdRowView h=h i18n=i18n /> }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn HouseholdRowView(h: Listed<HouseholdRow>, i18n: I18n) -> impl IntoView {
    let ctx = use_ctx();
    let tags = terms(ctx, i18n, h.summary.tags.clone(), |v| &v.care_tags);
    let row = h.summary.clone();
    view! {
        <a class="household-row" href=format!("/households/{}", h.id) data-id=h.id.to_string()>
            <div class="row-main">
                <p class="row-title">{row.line.clone()}</p>
                <p class="row-sub">
                    {row.head.clone().unwrap_or_else(|| t_string!(i18n, households.no_head).to_owned())}
                    {format!(" · {}", t_string!(i18n, households.members).replace("{n}", &row.members.to_string()))}
                    {(!row.phones.is_empty()).then(|| format!(" · {}", row.phones.join(" ")))}
                </p>
                <p class="tags">{move || tags().into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}</p>
            </div>
            <div class="row-side">
                {h.conflicts.then(|| view! { <span class="chip failed conflict-mark">{t_string!(i18n, conflict.badge)}</span> })}
                <StateChip state=h.sync.clone() />
            </div>
        </a>
    }
}
