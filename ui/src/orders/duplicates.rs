//! The same problem twice: the report form's offer to second an open order
//! close by (附议), the reports that second an order, and the office's
//! merge of two orders into one (合并) — each side keeps its history.

use gridwalk_domain::Coordinates;
use gridwalk_domain::ids::DocId;
use gridwalk_domain::ipc::commands::{MergeOrder, NearbyOrders};
use gridwalk_domain::ipc::orders::{MergeOrders, NearbyOrder, NearbyQuery, OrderPage};
use gridwalk_domain::work_order::StepKind;
use leptos::prelude::*;

use crate::ipc;
use crate::lang::{I18n, fill, refusal_text, t_string, use_i18n};
use crate::state::use_ctx;

fn metres(i18n: I18n, n: u32) -> String {
    fill(t_string!(i18n, orders.metres), &[("n", &n.to_string())])
}

/// On the report form: open orders of the chosen category within 250 m of
/// the point; one tap makes the report a +1 of that order.
#[component]
pub fn NearbyChoice(
    #[prop(into)] category: Signal<Option<String>>,
    #[prop(into)] point: Signal<Option<Coordinates>>,
    seconds: RwSignal<Option<DocId>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let near = RwSignal::new(Vec::<NearbyOrder>::new());
    Effect::new(move |_| {
        let (Some(category), Some(at)) = (category.get(), point.get()) else {
            near.set(Vec::new());
            seconds.set(None);
            return;
        };
        leptos::task::spawn_local(async move {
            let found = ipc::call::<NearbyOrders>(&NearbyQuery { category, at }).await;
            let found = found.unwrap_or_default();
            if !seconds
                .get_untracked()
                .is_some_and(|s| found.iter().any(|n| n.order.id == s))
            {
                seconds.set(None);
            }
            near.set(found);
        });
    });
    view! {
        <Show when=move || !near.get().is_empty()>
            <div class="nearby" id="nearby-orders">
                <p class="nearby-title">{move || t_string!(i18n, orders.nearby_title)}</p>
                <For each=move || near.get() key=|n| n.order.id let:n>
                    {
                        let id = n.order.id;
                        let chosen = move || seconds.get() == Some(id);
                        view! {
                            <div class="nearby-order" class:chosen=chosen>
                                <span class="desc">{n.order.summary.description.clone()}</span>
                                <span class="dist">{metres(i18n, n.metres)}</span>
                                <button class="secondary" id=format!("second-{id}")
                                    on:click=move |_| seconds.set(if chosen() { None } else { Some(id) })>
                                    {move || if chosen() { t_string!(i18n, orders.undo_second) } else { t_string!(i18n, orders.second) }}
                                </button>
                            </div>
                        }
                    }
                </For>
                {move || seconds.get().is_some().then(|| view! {
                    <p class="notice" id="seconding">{t_string!(i18n, orders.seconding)}</p>
                })}
            </div>
        </Show>
    }
}

/// On an order's page: its +1s, what it was merged with, and for the
/// office the open orders close by it may be merged into.
#[component]
pub fn SameProblem(page: OrderPage, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let from = page.order.id;
    let can_merge = page.can.contains(&StepKind::Merge);
    let s = page.state.clone();
    let merge = move |into: DocId| {
        leptos::task::spawn_local(async move {
            match ipc::call::<MergeOrder>(&MergeOrders { from, into }).await {
                Ok(()) => {
                    error.set(None);
                    ctx.toast.set(Some(t_string!(i18n, orders.done).to_owned()));
                }
                Err(e) => error.set(Some(refusal_text(i18n, &e))),
            }
        });
    };
    let seconded = page.seconded_by.clone();
    view! {
        {(!seconded.is_empty()).then(|| view! {
            <div class="seconded" id="order-seconds">
                <h3>{fill(t_string!(i18n, orders.seconded_by), &[("n", &seconded.len().to_string())])}</h3>
                <div class="photos">
                    {seconded.iter().filter_map(|r| r.summary.thumb.clone()).map(|t| view! {
                        <img class="thumb" src=ipc::photo_url(&t) alt="" />
                    }).collect_view()}
                </div>
            </div>
        })}
        {s.duplicate_of.map(|of| view! {
            <p class="notice" id="order-merged-into">
                {t_string!(i18n, orders.merged_into)}" "
                <a href=format!("/orders/{of}")>{t_string!(i18n, orders.open_order)}</a>
            </p>
        })}
        {(!s.merged.is_empty()).then(|| view! {
            <p class="notice" id="order-merged-from">
                {fill(t_string!(i18n, orders.merged_from), &[("n", &s.merged.len().to_string())])}" "
                {s.merged.iter().map(|m| view! { <a href=format!("/orders/{m}")>{t_string!(i18n, orders.open_order)}</a>" " }).collect_view()}
            </p>
        })}
        {(can_merge && !page.nearby.is_empty()).then(|| view! {
            <div class="nearby" id="order-nearby">
                <p class="nearby-title">{t_string!(i18n, orders.maybe_same)}</p>
                {page.nearby.iter().map(|n| {
                    let into = n.order.id;
                    view! {
                        <div class="nearby-order">
                            <a class="desc" href=format!("/orders/{into}")>{n.order.summary.description.clone()}</a>
                            <span class="dist">{metres(i18n, n.metres)}</span>
                            <button class="secondary" id=format!("merge-into-{into}") on:click=move |_| merge(into)>
                                {t_string!(i18n, orders.merge_into)}
                            </button>
                        </div>
                    }
                }).collect_view()}
            </div>
        })}
    }
}
