//! 民情清单: every need of the person's grids, with what was raised today
//! (日汇总) and this week (周梳理) and what is still open, by category;
//! filtered by grid, category, age and status. Each step — 受理, 办结,
//! 关闭, 重开 — is a new event on the need, never an overwrite.

use gridwalk_domain::DocKind;
use gridwalk_domain::GridId;
use gridwalk_domain::ipc::archive::{CategoryCount, NeedAge, NeedQuery, NeedStep, NeedsPage};
use gridwalk_domain::ipc::commands::{Needs, TakeNeedStep};
use gridwalk_domain::need::{NeedEventKind, NeedStatus};
use leptos::prelude::*;

use gridwalk_domain::ipc::orders::NewOrder;
use gridwalk_domain::work_order::OrderClass;

use crate::bind::grid_name;
use crate::browser::short_time;
use crate::households::status_label;
use crate::households::term;
use crate::ipc;
use crate::lang::{I18n, english, error_text, t_string, use_i18n};
use crate::orders::make_order;
use crate::state::use_ctx;
use crate::sync_badge::StateChip;

fn age_label(i18n: I18n, a: NeedAge) -> &'static str {
    match a {
        NeedAge::Today => t_string!(i18n, needs.age_today),
        NeedAge::ThisWeek => t_string!(i18n, needs.age_week),
        NeedAge::Older => t_string!(i18n, needs.age_older),
    }
}

const AGES: [NeedAge; 3] = [NeedAge::Today, NeedAge::ThisWeek, NeedAge::Older];

#[component]
pub fn NeedsView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let grid = RwSignal::new(None::<GridId>);
    let category = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<NeedStatus>);
    let age = RwSignal::new(None::<NeedAge>);
    let page = RwSignal::new(None::<NeedsPage>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::Need]);
        let q = NeedQuery {
            grid: grid.get(),
            category: category.get(),
            status: status.get(),
            age: age.get(),
            search: String::new(),
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<Needs>(&q).await {
                Ok(p) => {
                    page.set(Some(p));
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    let cat_name = move |code: &str| {
        ctx.info.get().map_or_else(
            || code.to_owned(),
            |i| term(&i.vocabulary.need_categories, code, english(i18n)),
        )
    };
    let counts = move |title: &'static str, id: &'static str, list: Vec<CategoryCount>| {
        let total: u64 = list.iter().map(|c| c.count).sum();
        view! {
            <div class="count-card" id=id>
                <p class="count-title">{title}</p>
                <p class="count-total">{total}</p>
                <p class="count-by">{list.iter().map(|c| format!("{} {}", cat_name(&c.category), c.count)).collect::<Vec<_>>().join(" · ")}</p>
            </div>
        }
    };
    let select = |id: &'static str| id;
    let manager = move || ctx.me().is_some_and(|m| m.role.manages());
    let navigate = leptos_router::hooks::use_navigate();
    view! {
        <section class="needs" id="needs">
            {move || page.get().map(|p| view! {
                <div class="counts">
                    {counts(t_string!(i18n, needs.today), "needs-today", p.today.clone())}
                    {counts(t_string!(i18n, needs.week), "needs-week", p.week.clone())}
                    {counts(t_string!(i18n, needs.open), "needs-open", p.open.clone())}
                </div>
            })}
            <div class="filters">
                {move || ctx.me().filter(|m| m.grid_cells().len() > 1).map(|me| view! {
                    <select id=select("need-grid") class="grid-select" on:change=move |ev| grid.set(GridId::parse(&event_target_value(&ev)).ok())>
                        <option value="">{t_string!(i18n, needs.all_grids)}</option>
                        {me.grid_cells().iter().map(|g| view! { <option value=g.to_string()>{grid_name(&me, g)}</option> }).collect_view()}
                    </select>
                })}
                <select id="need-category-filter" class="grid-select" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    category.set((!v.is_empty()).then_some(v));
                }>
                    <option value="">{move || t_string!(i18n, needs.all_categories)}</option>
                    {move || ctx.info.get().map(|i| i.vocabulary.need_categories.all().to_vec()).unwrap_or_default().into_iter().map(|c| {
                        view! { <option value=c.code.to_string()>{c.label(english(i18n)).to_owned()}</option> }
                    }).collect_view()}
                </select>
                <select id="need-status-filter" class="grid-select" on:change=move |ev| status.set(NeedStatus::parse(&event_target_value(&ev)))>
                    <option value="">{move || t_string!(i18n, needs.all_statuses)}</option>
                    {NeedStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{move || status_label(i18n, s)}</option> }).collect_view()}
                </select>
                <select id="need-age-filter" class="grid-select" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    age.set(AGES.into_iter().find(|a| format!("{a:?}") == v));
                }>
                    <option value="">{move || t_string!(i18n, needs.all_ages)}</option>
                    {AGES.into_iter().map(|a| view! { <option value=format!("{a:?}")>{move || age_label(i18n, a)}</option> }).collect_view()}
                </select>
            </div>
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || match page.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(p) if p.needs.is_empty() => view! { <p class="empty" id="needs-empty">{t_string!(i18n, needs.empty)}</p> }.into_any(),
                Some(p) => view! {
                    <ul class="need-rows" id="need-rows">
                        {p.needs.into_iter().map(|n| {
                            let s = n.summary.clone();
                            let id = n.id;
                            let step = move |event: NeedEventKind| {
                                let st = NeedStep { need: id, event, note: String::new() };
                                leptos::task::spawn_local(async move {
                                    if let Err(e) = ipc::call::<TakeNeedStep>(&st).await {
                                        error.set(Some(error_text(i18n, e.code, &e.message)));
                                    }
                                });
                            };
                            let steps: &[(NeedEventKind, &str)] = match s.status {
                                NeedStatus::Open => &[(NeedEventKind::Accepted, "accept"), (NeedEventKind::Resolved, "resolve"), (NeedEventKind::Closed, "close")],
                                NeedStatus::Accepted => &[(NeedEventKind::Resolved, "resolve"), (NeedEventKind::Closed, "close")],
                                NeedStatus::Resolved | NeedStatus::Closed => &[(NeedEventKind::Reopened, "reopen")],
                            };
                            view! {
                                <li class="need-row" data-id=id.to_string()>
                                    <p class="need-head">
                                        <span class="need-category">{cat_name(s.category.as_str())}</span>
                                        <span class=format!("chip need-{}", s.status.as_str())>{status_label(i18n, s.status)}</span>
                                    </p>
                                    <p class="desc">{s.description.clone()}</p>
                                    <p class="where">
                                        {match s.household {
                                            Some(h) => view! { <a href=format!("/households/{h}")>{s.place.clone()}</a> }.into_any(),
                                            None => view! { <span>{s.place.clone()}</span> }.into_any(),
                                        }}
                                    </p>
                                    <p class="when">{short_time(s.raised_at_ms)}" · "{s.raised_by.clone()}</p>
                                    <div class="need-steps">
                                        {steps.iter().map(|(event, name)| {
                                            let event = *event;
                                            let label = move || match event {
                                                NeedEventKind::Accepted => t_string!(i18n, needs.accept),
                                                NeedEventKind::Resolved => t_string!(i18n, needs.resolve),
                                                NeedEventKind::Closed => t_string!(i18n, needs.close),
                                                NeedEventKind::Reopened => t_string!(i18n, needs.reopen),
                                            };
                                            view! { <button class="secondary" id=format!("need-{name}-{id}") on:click=move |_| step(event)>{label}</button> }
                                        }).collect_view()}
                                        {manager().then(|| {
                                            let navigate = navigate.clone();
                                            view! {
                                                <button class="secondary" id=format!("need-order-{id}") on:click=move |_| {
                                                    let new = NewOrder::Need { need: id, class: OrderClass::Ordinary };
                                                    make_order(i18n, new, error, navigate.clone());
                                                }>{move || t_string!(i18n, orders.from_need)}</button>
                                            }
                                        })}
                                    </div>
                                    <StateChip state=n.sync.clone() />
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
