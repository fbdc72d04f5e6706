//! 我的上报 (made here) and 社区收件箱 (everything received), newest first,
//! each with its photo, place, category, time and sync state. Clicking a
//! card opens its full photos. The list reads again when the shell says
//! reports changed; photos load by hash from the photo scheme.

use gridwalk_domain::ipc::commands::ListReports;
use gridwalk_domain::ipc::{ExportWhat, Listed, ReportListScope};
use gridwalk_domain::report::{ReportRow, RiderStage};
use gridwalk_domain::{DocKind, GridId};
use leptos::prelude::*;

use gridwalk_domain::ipc::orders::NewOrder;
use gridwalk_domain::work_order::OrderClass;

use crate::bind::grid_name;
use crate::browser::short_time;
use crate::export_bar::ExportBar;
use crate::ipc;
use crate::lang::{I18n, english, error_text, t_string, use_i18n};
use crate::orders::make_order;
use crate::state::{Ctx, use_ctx};
use crate::sync_badge::StateChip;

fn category_label(ctx: Ctx, i18n: I18n, code: &str) -> String {
    ctx.info
        .get()
        .and_then(|i| i.categories.into_iter().find(|c| c.code.as_str() == code))
        .map(|c| format!("{} {}", c.icon, c.label(english(i18n))))
        .unwrap_or_else(|| code.to_owned())
}

/// What became of the report, as its maker sees it.
fn rider_stage(i18n: I18n, s: RiderStage) -> &'static str {
    match s {
        RiderStage::Reported => t_string!(i18n, list.stage_reported),
        RiderStage::Dispatched => t_string!(i18n, list.stage_dispatched),
        RiderStage::Working => t_string!(i18n, list.stage_working),
        RiderStage::Resolved => t_string!(i18n, list.stage_resolved),
    }
}

fn stage_class(s: RiderStage) -> &'static str {
    match s {
        RiderStage::Reported => "reported",
        RiderStage::Dispatched => "dispatched",
        RiderStage::Working => "working",
        RiderStage::Resolved => "resolved",
    }
}

#[component]
pub fn ReportList(which: ReportListScope) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let reports = RwSignal::new(None::<Vec<Listed<ReportRow>>>);
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(None::<Listed<ReportRow>>);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::Report]);
        leptos::task::spawn_local(async move {
            match ipc::call::<ListReports>(&which).await {
                Ok(list) => {
                    // Skip identical answers so open images do not flicker.
                    if reports.get_untracked().as_ref() != Some(&list) {
                        reports.set(Some(list));
                    }
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    let reporter_name = move |name: &str| {
        if name.is_empty() {
            t_string!(i18n, list.anonymous).to_owned()
        } else {
            name.to_owned()
        }
    };
    let office = which == ReportListScope::All;
    let manager = move || ctx.me().is_some_and(|m| m.role.manages());
    let navigate = leptos_router::hooks::use_navigate();
    let empty = move || {
        if office {
            t_string!(i18n, list.office_empty)
        } else {
            t_string!(i18n, list.empty)
        }
    };

    view! {
        <section class="reports" id=if office { "office-list" } else { "my-list" }>
            {office.then(|| view! {
                <ExportBar what=ExportWhat::Reports />
                <a class="secondary new-report" id="office-new-report" href="/report">{move || t_string!(i18n, list.new_report)}</a>
            })}
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || match reports.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
                Some(list) => list.into_iter().map(|r| {
                    let r2 = r.clone();
                    let row = r.summary.clone();
                    let thumb = row.thumb.clone().filter(|_| !r.photos_pending);
                    view! {
                        <article class="report-card" data-id=r.id.to_string() on:click=move |_| open.set(Some(r2.clone()))>
                            {match &thumb {
                                Some(h) => view! { <img class="thumb" src=ipc::photo_url(h) alt="" /> }.into_any(),
                                None => view! { <div class="thumb missing">{t_string!(i18n, list.photo_missing)}</div> }.into_any(),
                            }}
                            <div class="meta">
                                <p class="cat-label">{category_label(ctx, i18n, row.category.as_str())}</p>
                                <p class="when">{short_time(row.created_at_ms)}</p>
                                <p class="where">{row.location.clone()}</p>
                                {(!row.description.is_empty()).then(|| view! { <p class="desc">{row.description.clone()}</p> })}
                                {office.then(|| view! {
                                    <p class="who">{t_string!(i18n, list.reporter)}": "{reporter_name(&row.reporter)}</p>
                                })}
                                // A +1 joins its order, and a report made an order
                                // links to it: nothing to dispatch again.
                                {row.seconds.map(|order| view! {
                                    <a class="chip seconds" href=format!("/orders/{order}") on:click=|ev| ev.stop_propagation()>
                                        {t_string!(i18n, list.seconds)}
                                    </a>
                                })}
                                {row.order.filter(|_| office).map(|order| view! {
                                    <a class="chip seconds" id=format!("order-of-{}", r.id) href=format!("/orders/{order}") on:click=|ev| ev.stop_propagation()>
                                        {t_string!(i18n, list.has_order)}
                                    </a>
                                })}
                                {(office && manager() && row.seconds.is_none() && row.order.is_none()).then(|| {
                                    let id = r.id;
                                    let navigate = navigate.clone();
                                    // Filed by its location; the office may send it to
                                    // another grid before dispatching (改派网格).
                                    let grid = RwSignal::new(r.scope.clone());
                                    let grids = ctx.me().map(|me| {
                                        me.grids.iter().map(|g| (g.clone(), grid_name(&me, g))).collect::<Vec<_>>()
                                    }).unwrap_or_default();
                                    view! {
                                        <label class="field redirect" on:click=|ev| ev.stop_propagation()>
                                            <span>{t_string!(i18n, orders.grid)}</span>
                                            <select id=format!("redirect-{id}") class="grid-select"
                                                on:change=move |ev| if let Ok(g) = GridId::parse(&event_target_value(&ev)) { grid.set(g) }>
                                                {grids.into_iter().map(|(g, name)| {
                                                    let selected = g == grid.get_untracked();
                                                    view! { <option value=g.to_string() selected=selected>{name}</option> }
                                                }).collect_view()}
                                            </select>
                                        </label>
                                        <button class="secondary" id=format!("dispatch-{id}") on:click=move |ev| {
                                            ev.stop_propagation();
                                            let new = NewOrder::Report {
                                                report: id,
                                                class: OrderClass::Ordinary,
                                                grid: Some(grid.get_untracked()),
                                            };
                                            make_order(i18n, new, error, navigate.clone());
                                        }>{move || t_string!(i18n, orders.from_report)}</button>
                                    }
                                })}
                                {(!office).then(|| {
                                    let stage = row.stage;
                                    view! { <span class=format!("chip rider-{}", stage_class(stage))>{move || rider_stage(i18n, stage)}</span> }
                                })}
                                {row.resolve_thumb.clone().filter(|_| !office && !r.photos_pending).map(|h| view! {
                                    <img class="thumb result" src=ipc::photo_url(&h) alt=move || t_string!(i18n, list.result_photo) />
                                })}
                                <StateChip state=r.sync.clone() />
                            </div>
                        </article>
                    }
                }).collect_view().into_any(),
            }}
            {move || open.get().map(|r| view! {
                <ReportDetail label=category_label(ctx, i18n, r.summary.category.as_str()) report=r.summary on_close=move || open.set(None) />
            })}
        </section>
    }
}

#[component]
fn ReportDetail(
    report: ReportRow,
    label: String,
    on_close: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="overlay" id="report-detail">
            <div class="sheet">
                <button class="close" on:click=move |_| on_close()>{move || t_string!(i18n, detail.close)}</button>
                <p class="cat-label">{label}</p>
                <p class="when">{short_time(report.created_at_ms)}</p>
                <p class="where">{report.location.clone()}</p>
                {report.coords.map(|c| c.display()).filter(|c| *c != report.location).map(|c| view! { <p class="gps">{c}</p> })}
                <p class="desc">{report.description.clone()}</p>
                <p class="who">{move || t_string!(i18n, list.reporter)}": "{report.reporter.clone()}</p>
                {report.photos.iter().map(|h| view! {
                    <img class="full" src=ipc::photo_url(h) alt=move || t_string!(i18n, list.photo_missing) />
                }).collect_view()}
            </div>
        </div>
    }
}
