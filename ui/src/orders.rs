//! 工单: the office's dispatch board, a worker's or department's "my
//! orders", the overdue board, and a new case entered at the office (a
//! 12345 call). Each row shows where the order stands and the time left
//! before its next commitment — or how long it is overdue.

pub mod duplicates;
mod page;
pub mod policy;
mod stats;

pub use page::OrderPageView;
pub use stats::OrderStatsView;

use gridwalk_domain::ipc::commands::{CreateOrder, Orders};
use gridwalk_domain::ipc::orders::{NewOrder, OrderItem, OrderList, OrderQuery};
use gridwalk_domain::work_order::{
    Channel, DeadlineStatus, Milestone, OrderClass, Stage, policy::Deadline,
};
use gridwalk_domain::{DocKind, Role};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::browser::short_time;
use crate::ipc;
use crate::lang::{I18n, english, error_text, fill, refusal_text, t_string, use_i18n};
use crate::map::{GridMap, Pin};
use crate::state::{Ctx, use_ctx};
use crate::sync_badge::StateChip;

pub fn stage_label(i18n: I18n, s: Stage) -> &'static str {
    match s {
        Stage::Submitted => t_string!(i18n, orders.stage_submitted),
        Stage::Dispatched => t_string!(i18n, orders.stage_dispatched),
        Stage::Accepted => t_string!(i18n, orders.stage_accepted),
        Stage::Resolved => t_string!(i18n, orders.stage_resolved),
        Stage::Rated => t_string!(i18n, orders.stage_rated),
        Stage::Closed => t_string!(i18n, orders.stage_closed),
    }
}

pub fn class_label(i18n: I18n, c: OrderClass) -> &'static str {
    match c {
        OrderClass::Ordinary => t_string!(i18n, orders.class_ordinary),
        OrderClass::Complex => t_string!(i18n, orders.class_complex),
        OrderClass::Special => t_string!(i18n, orders.class_special),
    }
}

pub fn milestone_label(i18n: I18n, m: Milestone) -> &'static str {
    match m {
        Milestone::Accept => t_string!(i18n, orders.ms_accept),
        Milestone::OnSite => t_string!(i18n, orders.ms_on_site),
        Milestone::Plan => t_string!(i18n, orders.ms_plan),
        Milestone::Resolve => t_string!(i18n, orders.ms_resolve),
    }
}

pub fn deadline_status_label(i18n: I18n, s: DeadlineStatus) -> &'static str {
    match s {
        DeadlineStatus::OnTime => t_string!(i18n, orders.dl_on_time),
        DeadlineStatus::Late => t_string!(i18n, orders.dl_late),
        DeadlineStatus::Unverified => t_string!(i18n, orders.dl_unverified),
        DeadlineStatus::Pending => t_string!(i18n, orders.dl_pending),
        DeadlineStatus::Overdue => t_string!(i18n, orders.dl_overdue),
    }
}

fn duration(i18n: I18n, ms: i64) -> String {
    let min = ms.abs() / 60_000;
    if min < 60 {
        fill(t_string!(i18n, orders.minutes), &[("n", &min.to_string())])
    } else if min < 24 * 60 {
        fill(
            t_string!(i18n, orders.hours),
            &[
                ("h", &(min / 60).to_string()),
                ("m", &(min % 60).to_string()),
            ],
        )
    } else {
        fill(
            t_string!(i18n, orders.days),
            &[("n", &(min / 1440).to_string())],
        )
    }
}

/// "到场 剩 13 分钟" or "办结 超时 5 分钟" for a deadline not yet reached.
pub fn time_left(i18n: I18n, d: &Deadline) -> String {
    let left = d.due_ms - now_ms();
    let t = duration(i18n, left);
    let text = if left >= 0 {
        fill(t_string!(i18n, orders.left), &[("t", &t)])
    } else {
        fill(t_string!(i18n, orders.late), &[("t", &t)])
    };
    format!("{} {text}", milestone_label(i18n, d.milestone))
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A category's name from either list an order's category comes from.
pub fn category_name(ctx: Ctx, i18n: I18n, code: &str) -> String {
    let Some(info) = ctx.info.get() else {
        return code.to_owned();
    };
    if let Some(c) = info.categories.iter().find(|c| c.code.as_str() == code) {
        return format!("{} {}", c.icon, c.label(english(i18n)));
    }
    crate::households::term(&info.vocabulary.need_categories, code, english(i18n))
}

const LISTS: [OrderList; 3] = [OrderList::Board, OrderList::Mine, OrderList::Overdue];

#[component]
pub fn OrdersView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let manager = move || ctx.me().is_some_and(|m| m.role.manages());
    // A volunteer's device holds only published wishes: its board is them.
    let volunteer = move || ctx.me().is_some_and(|m| m.role == Role::Volunteer);
    let list = RwSignal::new(if manager() || volunteer() {
        OrderList::Board
    } else {
        OrderList::Mine
    });
    let stage = RwSignal::new(None::<Stage>);
    let items = RwSignal::new(None::<Vec<OrderItem>>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::WorkOrder]);
        let q = OrderQuery {
            list: list.get(),
            stage: stage.get(),
            ..OrderQuery::default()
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<Orders>(&q).await {
                Ok(l) => {
                    items.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    // The same orders on the grid map, coloured by stage (red when late).
    let show_map = RwSignal::new(false);
    let pins = Signal::derive(move || {
        items
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|it| {
                let at = it.order.place?;
                let late = if it.overdue { " overdue" } else { "" };
                Some(Pin {
                    at,
                    class: format!("stage-{}{late}", it.order.summary.stage.as_str()),
                    href: Some(format!("/orders/{}", it.order.id)),
                })
            })
            .collect::<Vec<_>>()
    });
    let list_label = move |l: OrderList| match l {
        OrderList::Board if volunteer() => t_string!(i18n, orders.wishes),
        OrderList::Board => t_string!(i18n, orders.board),
        OrderList::Mine => t_string!(i18n, orders.mine),
        OrderList::Overdue => t_string!(i18n, orders.overdue),
    };
    view! {
        <section class="orders" id="orders">
            <div class="segments">
                {LISTS.into_iter().filter(move |l| *l != OrderList::Board || manager() || volunteer()).map(|l| view! {
                    <button class="segment" class:active=move || list.get() == l
                        id=format!("orders-{}", match l { OrderList::Board => "board", OrderList::Mine => "mine", OrderList::Overdue => "overdue" })
                        on:click=move |_| list.set(l)>{move || list_label(l)}</button>
                }).collect_view()}
                <a class="segment" id="orders-stats" href="/orders/stats">{move || t_string!(i18n, orders.stats)}</a>
                <button class="segment" id="orders-map-toggle" class:active=move || show_map.get()
                    on:click=move |_| show_map.update(|s| *s = !*s)>
                    {move || if show_map.get() { t_string!(i18n, map.hide) } else { t_string!(i18n, map.show) }}
                </button>
            </div>
            <Show when=move || show_map.get()>
                <GridMap id="orders-map" pins=pins />
                <p class="map-legend">
                    <span class="stage-submitted">{move || stage_label(i18n, Stage::Submitted)}</span>
                    <span class="stage-accepted">{move || stage_label(i18n, Stage::Accepted)}</span>
                    <span class="stage-resolved">{move || stage_label(i18n, Stage::Resolved)}</span>
                    <span class="overdue">{move || t_string!(i18n, orders.overdue)}</span>
                </p>
            </Show>
            <div class="filters">
                <select id="order-stage-filter" class="grid-select" on:change=move |ev| stage.set(Stage::parse(&event_target_value(&ev)))>
                    <option value="">{move || t_string!(i18n, orders.all_stages)}</option>
                    {Stage::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{move || stage_label(i18n, s)}</option> }).collect_view()}
                </select>
                <Show when=manager>
                    <a class="secondary" id="order-new" href="/orders/new">{move || t_string!(i18n, orders.new)}</a>
                </Show>
            </div>
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || match items.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(l) if l.is_empty() => view! {
                    <p class="empty" id="orders-empty">{move || if list.get() == OrderList::Overdue { t_string!(i18n, orders.overdue_empty) } else { t_string!(i18n, orders.empty) }}</p>
                }.into_any(),
                Some(l) => view! {
                    <ul class="order-rows" id="order-rows">
                        {l.into_iter().map(|item| view! { <OrderRowView item=item /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn OrderRowView(item: OrderItem) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let s = item.order.summary.clone();
    let id = item.order.id;
    let category = s.category.as_str().to_owned();
    view! {
        <li class="order-row" class:overdue=item.overdue data-id=id.to_string()>
            <a class="order-link" href=format!("/orders/{id}")>
                <p class="order-head">
                    <span class="order-category">{move || category_name(ctx, i18n, &category)}</span>
                    <span class=format!("chip stage-{}", s.stage.as_str())>{move || stage_label(i18n, s.stage)}</span>
                    {(s.conflicts > 0).then(|| view! { <span class="chip conflict">{move || t_string!(i18n, orders.conflicts)}</span> })}
                    {s.published.then(|| view! { <span class="chip wish">{move || t_string!(i18n, orders.wish_chip)}</span> })}
                </p>
                <p class="desc">{s.description.clone()}</p>
                <p class="where">{s.place.clone()}</p>
                <p class="who">
                    {move || t_string!(i18n, orders.assignee)}": "
                    {s.assignee.as_ref().map_or_else(|| t_string!(i18n, orders.nobody).to_owned(), |a| a.name.clone())}
                    " · "{short_time(s.created_at_ms)}
                </p>
                {item.next.clone().map(|d| view! {
                    <p class="due" class:late=item.overdue>{move || time_left(i18n, &d)}</p>
                })}
            </a>
            <StateChip state=item.order.sync.clone() />
        </li>
    }
}

const CHANNELS: [Channel; 4] = [
    Channel::Hotline,
    Channel::Visit,
    Channel::Phone,
    Channel::Other,
];

fn channel_label(i18n: I18n, c: Channel) -> &'static str {
    match c {
        Channel::Hotline => t_string!(i18n, orders.channel_hotline),
        Channel::Visit => t_string!(i18n, orders.channel_visit),
        Channel::Phone => t_string!(i18n, orders.channel_phone),
        Channel::Other => t_string!(i18n, orders.channel_other),
    }
}

fn channel_code(c: Channel) -> &'static str {
    match c {
        Channel::Hotline => "hotline",
        Channel::Visit => "visit",
        Channel::Phone => "phone",
        Channel::Other => "other",
    }
}

/// Makes an order and opens it with `navigate`; `new` says from what.
pub fn make_order(
    i18n: I18n,
    new: NewOrder,
    error: RwSignal<Option<String>>,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
) {
    leptos::task::spawn_local(async move {
        match ipc::call::<CreateOrder>(&new).await {
            Ok(id) => navigate(&format!("/orders/{id}"), Default::default()),
            Err(e) => {
                error.set(Some(refusal_text(i18n, &e)));
            }
        }
    });
}

/// A case entered at the office: a 12345 call, a resident at the desk.
#[component]
pub fn OrderForm() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let channel = RwSignal::new(Channel::Hotline);
    let category = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let class = RwSignal::new(OrderClass::Ordinary);
    let wish = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let categories = move || {
        ctx.info.get().map_or_else(Vec::new, |i| {
            let mut all: Vec<(String, String)> = i
                .categories
                .iter()
                .map(|c| (c.code.to_string(), c.label(english(i18n)).to_owned()))
                .collect();
            all.extend(
                i.vocabulary
                    .need_categories
                    .all()
                    .iter()
                    .map(|c| (c.code.to_string(), c.label(english(i18n)).to_owned())),
            );
            all
        })
    };
    Effect::new(move |_| {
        if category.get_untracked().is_empty()
            && let Some((first, _)) = categories().first()
        {
            category.set(first.clone());
        }
    });
    let save = move |_| {
        let new = NewOrder::Office {
            channel: channel.get_untracked(),
            category: category.get_untracked(),
            description: description.get_untracked(),
            place: place.get_untracked(),
            grid: None,
            class: class.get_untracked(),
            wish: wish.get_untracked(),
        };
        make_order(i18n, new, error, navigate.clone());
    };
    view! {
        <section class="form order-form" id="order-form">
            <h2>{move || t_string!(i18n, orders.new)}</h2>
            <label class="field">{move || t_string!(i18n, orders.channel)}
                <select id="order-channel" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(c) = CHANNELS.into_iter().find(|c| channel_code(*c) == v) { channel.set(c) }
                }>
                    {CHANNELS.into_iter().map(|c| view! { <option value=channel_code(c)>{move || channel_label(i18n, c)}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">{move || t_string!(i18n, orders.category)}
                <select id="order-category" on:change=move |ev| category.set(event_target_value(&ev))>
                    {move || categories().into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                </select>
            </label>
            <label class="field">{move || t_string!(i18n, orders.description)}
                <textarea id="order-description" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field">{move || t_string!(i18n, orders.place)}
                <input id="order-place" prop:value=place on:input=move |ev| place.set(event_target_value(&ev)) />
            </label>
            <ClassSelect id="order-class" class=class />
            <label class="check">
                <input type="checkbox" id="order-wish" prop:checked=wish on:change=move |ev| wish.set(event_target_checked(&ev)) />
                <span>{move || t_string!(i18n, orders.wish)}</span>
            </label>
            {move || error.get().map(|m| view! { <p class="error" id="order-error">{m}</p> })}
            <button class="primary" id="order-save" on:click=save>{move || t_string!(i18n, orders.save)}</button>
        </section>
    }
}

/// 一般 / 复杂 / 特殊.
#[component]
pub fn ClassSelect(id: &'static str, class: RwSignal<OrderClass>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field">{move || t_string!(i18n, orders.class)}
            <select id=id on:change=move |ev| {
                let v = event_target_value(&ev);
                if let Some(c) = OrderClass::ALL.into_iter().find(|c| c.as_str() == v) { class.set(c) }
            }>
                {OrderClass::ALL.into_iter().map(|c| view! {
                    <option value=c.as_str() selected=move || class.get() == c>{move || class_label(i18n, c)}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
