//! 统计: of the commitments whose time has come, the share kept — in all,
//! by grid, by assignee and by category — and the residents' ratings. A
//! time on an unchecked device clock is not counted as kept.

use gridwalk_domain::DocKind;
use gridwalk_domain::ipc::commands::OrderStatistics;
use gridwalk_domain::ipc::orders::{OnTime, OrderStats};
use leptos::prelude::*;

use super::category_name;
use crate::bind::grid_name;
use crate::ipc;
use crate::lang::{I18n, error_text, fill, t_string, use_i18n};
use crate::state::use_ctx;

fn rate_text(i18n: I18n, t: &OnTime) -> String {
    let due = t.on_time + t.late + t.unverified + t.overdue;
    let rate = t
        .rate()
        .map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0));
    let kept = fill(
        t_string!(i18n, orders.kept),
        &[("a", &t.on_time.to_string()), ("b", &due.to_string())],
    );
    let rated = t.average_stars().map(|avg| {
        fill(
            t_string!(i18n, orders.rated),
            &[("n", &t.rated.to_string()), ("avg", &format!("{avg:.1}"))],
        )
    });
    match rated {
        Some(r) => format!("{rate} · {kept} · {r}"),
        None => format!("{rate} · {kept}"),
    }
}

#[component]
pub fn OrderStatsView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let stats = RwSignal::new(None::<OrderStats>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::WorkOrder]);
        leptos::task::spawn_local(async move {
            match ipc::ask::<OrderStatistics>().await {
                Ok(s) => stats.set(Some(s)),
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    let table = move |title: &'static str, id: &'static str, rows: Vec<OnTime>| {
        view! {
            <h3>{title}</h3>
            <ul class="stat-rows" id=id>
                {rows.into_iter().map(|r| view! {
                    <li><span class="stat-key">{r.key.clone()}</span>" "<span class="stat-value">{rate_text(i18n, &r)}</span></li>
                }).collect_view()}
            </ul>
        }
    };
    view! {
        <section class="order-stats" id="order-stats">
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || stats.get().map(|s| {
                let me = ctx.me();
                let grids: Vec<OnTime> = s.by_grid.iter().cloned().map(|mut g| {
                    if let (Some(me), Ok(id)) = (me.as_ref(), gridwalk_domain::GridId::parse(&g.key)) {
                        g.key = grid_name(me, &id);
                    }
                    g
                }).collect();
                let categories: Vec<OnTime> = s.by_category.iter().cloned().map(|mut c| {
                    c.key = category_name(ctx, i18n, &c.key);
                    c
                }).collect();
                let assignees: Vec<OnTime> = s.by_assignee.iter().cloned().map(|mut a| {
                    if a.key.is_empty() {
                        a.key = t_string!(i18n, orders.nobody).to_owned();
                    }
                    a
                }).collect();
                view! {
                    <div class="count-card" id="stats-total">
                        <p class="count-title">{t_string!(i18n, orders.rate_total)}</p>
                        <p class="count-total">{s.total.rate().map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))}</p>
                        <p class="count-by">{rate_text(i18n, &s.total)}</p>
                    </div>
                    {table(t_string!(i18n, orders.by_grid), "stats-grid", grids)}
                    {table(t_string!(i18n, orders.by_assignee), "stats-assignee", assignees)}
                    {table(t_string!(i18n, orders.by_category), "stats-category", categories)}
                }
            })}
        </section>
    }
}
