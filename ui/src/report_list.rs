//! 我的上报 (made here) and 社区收件箱 (everything received), newest first,
//! each with its photo, place, category, time and sync state. Clicking a
//! card opens its full photos.

use gridwalk_domain::ipc::{ReportListScope, ReportSummary};
use leptos::prelude::*;

use crate::app::Ctx;
use crate::browser::short_time;
use crate::export_bar::ExportBar;
use crate::i18n::{Lang, use_i18n};
use crate::ipc;
use crate::sync_badge::{POLL, StateChip};

#[component]
pub fn ReportList(which: ReportListScope) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let reports = RwSignal::new(None::<Vec<ReportSummary>>);
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(None::<ReportSummary>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match ipc::list_reports(which).await {
                Ok(list) => {
                    // Skip identical answers so open images do not flicker.
                    if reports.get_untracked().as_ref() != Some(&list) {
                        reports.set(Some(list));
                    }
                    error.set(None);
                }
                Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
            }
        })
    };
    load();
    let handle = set_interval_with_handle(load, POLL).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });

    let category_label = move |code: &str| {
        let en = i18n.lang.get() == Lang::En;
        ctx.info
            .get()
            .and_then(|i| i.categories.into_iter().find(|c| c.code.as_str() == code))
            .map(|c| format!("{} {}", c.icon, c.label(en)))
            .unwrap_or_else(|| code.to_owned())
    };
    let reporter_name = move |name: &str| {
        if name.is_empty() {
            i18n.t("list.anonymous")
        } else {
            name.to_owned()
        }
    };
    let office = which == ReportListScope::All;
    let empty_key = if office {
        "list.office_empty"
    } else {
        "list.empty"
    };

    view! {
        <section class="reports" id=if office { "office-list" } else { "my-list" }>
            {office.then(|| view! { <ExportBar /> })}
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || match reports.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">{i18n.t(empty_key)}</p> }.into_any(),
                Some(list) => list.into_iter().map(|r| {
                    let r2 = r.clone();
                    view! {
                        <article class="report-card" data-id=r.id.to_string() on:click=move |_| open.set(Some(r2.clone()))>
                            {match r.thumb_data_url.clone() {
                                Some(src) => view! { <img class="thumb" src=src alt="" /> }.into_any(),
                                None => view! { <div class="thumb missing">{i18n.t("list.photo_missing")}</div> }.into_any(),
                            }}
                            <div class="meta">
                                <p class="cat-label">{category_label(&r.category)}</p>
                                <p class="when">{short_time(r.created_at_ms)}</p>
                                <p class="where">{r.location.clone()}</p>
                                {(!r.description.is_empty()).then(|| view! { <p class="desc">{r.description.clone()}</p> })}
                                {office.then(|| view! {
                                    <p class="who">{i18n.t("list.reporter")}": "{reporter_name(&r.reporter)}</p>
                                })}
                                <StateChip state=r.sync.clone() />
                            </div>
                        </article>
                    }
                }).collect_view().into_any(),
            }}
            {move || open.get().map(|r| view! {
                <ReportDetail label=category_label(&r.category) report=r on_close=move || open.set(None) />
            })}
        </section>
    }
}

#[component]
fn ReportDetail(
    report: ReportSummary,
    label: String,
    on_close: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let photos = RwSignal::new(Vec::<Option<String>>::new());
    let hashes = report.photos.clone();
    leptos::task::spawn_local(async move {
        let mut out = Vec::new();
        for h in hashes {
            out.push(ipc::photo(h.as_str()).await.ok().flatten());
        }
        photos.set(out);
    });
    view! {
        <div class="overlay" id="report-detail">
            <div class="sheet">
                <button class="close" on:click=move |_| on_close()>{move || i18n.t("detail.close")}</button>
                <p class="cat-label">{label}</p>
                <p class="when">{short_time(report.created_at_ms)}</p>
                <p class="where">{report.location.clone()}</p>
                {report.coords.map(|c| c.display()).filter(|c| *c != report.location).map(|c| view! { <p class="gps">{c}</p> })}
                <p class="desc">{report.description.clone()}</p>
                <p class="who">{move || i18n.t("list.reporter")}": "{report.reporter.clone()}</p>
                {move || photos.get().into_iter().map(|p| match p {
                    Some(src) => view! { <img class="full" src=src alt="" /> }.into_any(),
                    None => view! { <div class="thumb missing">{i18n.t("list.photo_missing")}</div> }.into_any(),
                }).collect_view()}
            </div>
        </div>
    }
}
