//! One work order: what it is, where it stands, its commitments and the
//! time left on each, conflicts to settle, every step taken so far, and
//! the steps this person may take now — each a new event, offline too.

use gridwalk_domain::DocKind;
use gridwalk_domain::directory::{Suggested, UserInfo};
use gridwalk_domain::ids::{DocId, EventId};
use gridwalk_domain::ipc::StagedPhoto;
use gridwalk_domain::ipc::commands::{GetOrder, TakeOrderStep};
use gridwalk_domain::ipc::orders::{OrderPage, OrderStep};
use gridwalk_domain::work_order::state::ConflictKind;
use gridwalk_domain::work_order::{Assignee, OrderClass, OrderEvent, Step, StepKind};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::duplicates::SameProblem;
use super::{
    ClassSelect, category_name, class_label, deadline_status_label, milestone_label, stage_label,
    time_left,
};
use crate::browser::short_time;
use crate::households::photo_picker;
use crate::ipc;
use crate::lang::{I18n, error_text, fill, refusal_text, t_string, use_i18n};
use crate::state::use_ctx;
use crate::sync_badge::StateChip;

#[component]
pub fn OrderPageView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let params = use_params_map();
    let id = move || params.get().get("id").and_then(|s| DocId::parse(&s).ok());
    let page = RwSignal::new(None::<OrderPage>);
    let error = RwSignal::new(None::<String>);
    let draft = StepDraft::new();
    Effect::new(move |_| {
        ctx.revision(&[DocKind::WorkOrder]);
        let Some(id) = id() else { return };
        leptos::task::spawn_local(async move {
            match ipc::call::<GetOrder>(&id).await {
                // A sync that brought other orders leaves this page as it is
                // (and whatever is being typed on it).
                Ok(p) if page.with_untracked(|old| *old != p) => page.set(p),
                Ok(_) => {}
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    view! {
        <section class="order-page" id="order-page">
            {move || error.get().map(|m| view! { <p class="error" id="order-page-error">{m}</p> })}
            {move || page.get().map(|p| {
                let o = p.order.clone();
                let s = p.state.clone();
                let category = o.category.as_str().to_owned();
                view! {
                    <header class="order-title">
                        <h2>{move || category_name(ctx, i18n, &category)}</h2>
                        <span class=format!("chip stage-{}", s.stage.as_str()) id="order-stage">{move || stage_label(i18n, s.stage)}</span>
                        <span class="chip">{move || class_label(i18n, s.class)}</span>
                        {s.published.then(|| view! { <span class="chip wish" id="order-wish-chip">{move || t_string!(i18n, orders.wish_chip)}</span> })}
                        <StateChip state=p.sync.clone() />
                    </header>
                    <p class="desc">{o.description.clone()}</p>
                    <p class="where">{o.place.clone()}</p>
                    <p class="who" id="order-assignee">
                        {move || t_string!(i18n, orders.assignee)}": "
                        {s.assignee.as_ref().map_or_else(|| t_string!(i18n, orders.nobody).to_owned(), |a| a.name.clone())}
                    </p>
                    <div class="photos">
                        {o.photos.iter().map(|ph| view! { <img class="thumb" src=ipc::photo_url(&ph.thumb) alt="" /> }).collect_view()}
                    </div>
                    <h3>{move || t_string!(i18n, orders.deadlines)}" · "{o.policy.name.clone()}</h3>
                    <ul class="deadlines" id="order-deadlines">
                        {p.deadlines.iter().map(|d| {
                            let d = d.clone();
                            view! {
                                <li class=format!("deadline dl-{}", d.status.as_str())>
                                    {match d.reached_ms {
                                        Some(at) => view! { <span>{move || milestone_label(i18n, d.milestone)}" "{short_time(at)}" · "{move || deadline_status_label(i18n, d.status)}</span> }.into_any(),
                                        None => { let d2 = d.clone(); view! { <span>{move || time_left(i18n, &d2)}</span> }.into_any() }
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {s.resolution.clone().map(|r| view! {
                        <div class="resolution" id="order-resolution">
                            <p>{r.note.clone()}</p>
                            {r.photos.iter().map(|ph| view! { <img class="thumb" src=ipc::photo_url(&ph.thumb) alt="" /> }).collect_view()}
                        </div>
                    })}
                    {s.rating.clone().map(|r| view! {
                        <p class="rating" id="order-rating">{"★".repeat(usize::from(r.stars))}" "{r.comment.clone()}</p>
                    })}
                    {s.rejections.iter().map(|r| view! {
                        <p class="notice">{fill(t_string!(i18n, orders.rejected_by), &[("who", &r.by), ("reason", &r.reason)])}</p>
                    }).collect_view()}
                    <Conflicts page=p.clone() error=error />
                    <SameProblem page=p.clone() error=error />
                    <StepPanel page=p.clone() error=error draft=draft />
                    <h3>{move || t_string!(i18n, orders.timeline)}</h3>
                    <ol class="timeline" id="order-timeline">
                        {timeline(&o.events).into_iter().map(|e| view! {
                            <li>{short_time(e.at_ms)}" "{e.by.clone()}" · "{move || step_label(i18n, &e.step)}</li>
                        }).collect_view()}
                    </ol>
                }
            })}
        </section>
    }
}

/// The steps in the order they count.
fn timeline(events: &[OrderEvent]) -> Vec<OrderEvent> {
    let mut v = events.to_vec();
    v.sort_by_key(|e| (e.at_ms, e.id));
    v
}

fn step_label(i18n: I18n, step: &Step) -> String {
    let kind = match step {
        Step::Submitted => return t_string!(i18n, orders.stage_submitted).to_owned(),
        Step::Dispatched { to } => {
            return format!("{} {}", t_string!(i18n, orders.dispatch), to.name);
        }
        Step::Transferred { to, .. } => {
            return format!("{} {}", t_string!(i18n, orders.transfer), to.name);
        }
        Step::Accepted => t_string!(i18n, orders.accept),
        Step::Claimed => t_string!(i18n, orders.claim),
        Step::OnSite => t_string!(i18n, orders.on_site),
        Step::Planned { note } => return format!("{} {note}", t_string!(i18n, orders.plan)),
        Step::Resolved { note, .. } => {
            return format!("{} {note}", t_string!(i18n, orders.resolve));
        }
        Step::Rated { stars, .. } => {
            return format!(
                "{} {}",
                t_string!(i18n, orders.rate),
                "★".repeat(usize::from(*stars))
            );
        }
        Step::Reopened { reason } => return format!("{} {reason}", t_string!(i18n, orders.reopen)),
        Step::Rejected { reason } => return format!("{} {reason}", t_string!(i18n, orders.reject)),
        Step::Cancelled { reason } => {
            return format!("{} {reason}", t_string!(i18n, orders.cancel));
        }
        Step::Reclassified { .. } => t_string!(i18n, orders.reclassify),
        Step::Settled { .. } => t_string!(i18n, orders.keep),
        Step::Duplicate { .. } => t_string!(i18n, orders.step_duplicate),
        Step::Merged { .. } => t_string!(i18n, orders.step_merged),
        Step::Seconded { .. } => t_string!(i18n, orders.step_seconded),
        Step::Published => t_string!(i18n, orders.step_published),
    };
    kind.to_owned()
}

/// What a person is typing for their next step. It lives with the page,
/// not the step panel, so a redraw (a sync changed this order) keeps it.
#[derive(Clone, Copy)]
struct StepDraft {
    note: RwSignal<String>,
    stars: RwSignal<u8>,
    photos: RwSignal<Vec<StagedPhoto>>,
}

impl StepDraft {
    fn new() -> Self {
        Self {
            note: RwSignal::new(String::new()),
            stars: RwSignal::new(5),
            photos: RwSignal::new(Vec::new()),
        }
    }

    fn clear(&self) {
        self.note.set(String::new());
        self.stars.set(5);
        self.photos.set(Vec::new());
    }
}

/// Sends one step; the page reads again when the shell says orders changed.
/// A step that was taken clears `draft`.
fn send(
    i18n: I18n,
    order: DocId,
    step: Step,
    error: RwSignal<Option<String>>,
    draft: Option<StepDraft>,
) {
    let ctx = use_ctx();
    leptos::task::spawn_local(async move {
        match ipc::call::<TakeOrderStep>(&OrderStep { order, step }).await {
            Ok(()) => {
                error.set(None);
                if let Some(d) = draft {
                    d.clear();
                }
                ctx.toast.set(Some(t_string!(i18n, orders.done).to_owned()));
            }
            Err(e) => {
                error.set(Some(refusal_text(i18n, &e)));
            }
        }
    });
}

#[component]
fn Conflicts(page: OrderPage, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let order = page.order.id;
    let may = page.can.contains(&StepKind::Settle);
    let by_id = |id: EventId| page.order.events.iter().find(|e| e.id == id).cloned();
    page.state
        .conflicts
        .iter()
        .filter_map(|c| Some((c.kind, by_id(c.first)?, by_id(c.second)?)))
        .map(|(kind, first, second)| {
            let title = move || match kind {
                ConflictKind::TwoHolders => t_string!(i18n, orders.conflict_two_holders),
                ConflictKind::AfterEnd => t_string!(i18n, orders.conflict_after_end),
            };
            let option = move |keep: OrderEvent, drop: EventId, n: u8| {
                view! {
                    <div class="version">
                        <p>{short_time(keep.at_ms)}" "{keep.by.clone()}" · "{move || step_label(i18n, &keep.step)}</p>
                        {may.then(|| view! {
                            <button class="secondary" id=format!("order-keep-{n}")
                                on:click=move |_| send(i18n, order, Step::Settled { set_aside: drop }, error, None)>
                                {move || t_string!(i18n, orders.keep)}
                            </button>
                        })}
                    </div>
                }
            };
            view! {
                <div class="conflict" id="order-conflict">
                    <p class="conflict-title">{title}" — "{move || t_string!(i18n, orders.conflict_title)}</p>
                    {option(first.clone(), second.id, 1)}
                    {option(second.clone(), first.id, 2)}
                </div>
            }
        })
        .collect_view()
}

/// The buttons for the steps this person may take, with what each needs:
/// someone to send it to, a note, a photo, stars.
#[component]
fn StepPanel(page: OrderPage, error: RwSignal<Option<String>>, draft: StepDraft) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let order = page.order.id;
    let can = StoredValue::new(page.can.clone());
    let has = move |k: StepKind| can.with_value(|c| c.contains(&k));
    // The grid's worker and the category's department come first and the
    // best is preselected: most orders go there.
    let choices = ctx
        .me()
        .map(|m| m.dispatch_choices(&page.order.scope, page.order.category.as_str()))
        .unwrap_or_default();
    let people: Vec<UserInfo> = choices.iter().map(|(p, _)| p.clone()).collect();
    let person = RwSignal::new(people.first().map(|p| p.id.to_string()).unwrap_or_default());
    let StepDraft {
        note,
        stars,
        photos,
    } = draft;
    let class = RwSignal::new(page.state.class);
    let processing = RwSignal::new(false);
    let chosen = {
        let people = people.clone();
        move || {
            let id = person.get_untracked();
            people
                .iter()
                .find(|p| p.id.to_string() == id)
                .map(|p| Assignee {
                    user: p.id,
                    name: p.name.clone(),
                    role: p.role,
                })
        }
    };
    let on_photo = photo_picker(i18n, photos, processing, error);
    let go = move |step: Step| send(i18n, order, step, error, Some(draft));
    let button = move |k: StepKind,
                       id: &'static str,
                       label: &'static str,
                       make: Box<dyn Fn() -> Option<Step> + Send + Sync>| {
        // The loop's own steps stand out; the rarer ones stay quiet.
        let main = matches!(
            k,
            StepKind::Dispatch
                | StepKind::Claim
                | StepKind::Accept
                | StepKind::OnSite
                | StepKind::Resolve
                | StepKind::Rate
        );
        has(k).then(|| view! {
            <button class=if main { "primary step" } else { "secondary step" } id=id on:click=move |_| if let Some(s) = make() { go(s) }>{label}</button>
        })
    };
    let text = move || note.get_untracked();
    let with_person = has(StepKind::Dispatch) || has(StepKind::Transfer);
    view! {
        <div class="step-panel" id="order-steps">
            {(with_person && !people.is_empty()).then(|| view! {
                <label class="field">{move || t_string!(i18n, orders.to)}
                    <select id="order-person" on:change=move |ev| person.set(event_target_value(&ev))>
                        {choices.iter().map(|(p, why)| {
                            let tag = match why {
                                Suggested::GridWorker => format!("（{}）", t_string!(i18n, orders.suggest_grid)),
                                Suggested::Department => format!("（{}）", t_string!(i18n, orders.suggest_dept)),
                                Suggested::No => String::new(),
                            };
                            view! { <option value=p.id.to_string()>{format!("{}{tag}", p.name)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            {(has(StepKind::Resolve) || has(StepKind::Reject) || has(StepKind::Plan) || has(StepKind::Reopen) || has(StepKind::Cancel)).then(|| view! {
                <label class="field">{move || t_string!(i18n, orders.note)}
                    <textarea id="order-note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
            })}
            {has(StepKind::Resolve).then(|| view! {
                <label class="field">{move || t_string!(i18n, orders.resolve_photo)}
                    <input type="file" accept="image/*" id="order-photo" on:change=on_photo />
                </label>
                {move || processing.get().then(|| view! { <p class="progress"><span class="spinner"></span></p> })}
                <div class="photos">
                    {move || photos.get().into_iter().map(|p| view! { <img class="thumb" src=ipc::photo_url(&p.photo.thumb) alt="" /> }).collect_view()}
                </div>
            })}
            {has(StepKind::Rate).then(|| view! {
                <div class="stars" id="order-stars">
                    {(1..=5u8).map(|n| {
                        let lit = move || stars.get() >= n;
                        view! {
                            <button class="star" class:on=lit id=format!("order-star-{n}") on:click=move |_| stars.set(n)>"★"</button>
                        }
                    }).collect_view()}
                </div>
                <label class="field">{move || t_string!(i18n, orders.comment)}
                    <input id="order-comment" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                </label>
            })}
            {has(StepKind::Reclassify).then(|| view! { <ClassSelect id="order-reclass" class=class /> })}
            <div class="step-buttons">
                {button(StepKind::Dispatch, "order-dispatch", t_string!(i18n, orders.dispatch), Box::new({ let c = chosen.clone(); move || c().map(|to| Step::Dispatched { to }) }))}
                {button(StepKind::Claim, "order-claim", t_string!(i18n, orders.claim), Box::new(|| Some(Step::Claimed)))}
                {button(StepKind::Accept, "order-accept", t_string!(i18n, orders.accept), Box::new(|| Some(Step::Accepted)))}
                {button(StepKind::OnSite, "order-on-site", t_string!(i18n, orders.on_site), Box::new(|| Some(Step::OnSite)))}
                {button(StepKind::Resolve, "order-resolve", t_string!(i18n, orders.resolve), Box::new(move || Some(Step::Resolved { note: text(), photos: photos.get_untracked().into_iter().map(|p| p.photo).collect() })))}
                {button(StepKind::Rate, "order-rate", t_string!(i18n, orders.rate), Box::new(move || Some(Step::Rated { stars: stars.get_untracked(), comment: text() })))}
                {button(StepKind::Plan, "order-plan", t_string!(i18n, orders.plan), Box::new(move || Some(Step::Planned { note: text() })))}
                {button(StepKind::Transfer, "order-transfer", t_string!(i18n, orders.transfer), Box::new({ let c = chosen.clone(); move || c().map(|to| Step::Transferred { to, note: text() }) }))}
                {button(StepKind::Reject, "order-reject", t_string!(i18n, orders.reject), Box::new(move || Some(Step::Rejected { reason: text() })))}
                {button(StepKind::Reopen, "order-reopen", t_string!(i18n, orders.reopen), Box::new(move || Some(Step::Reopened { reason: text() })))}
                {button(StepKind::Cancel, "order-cancel", t_string!(i18n, orders.cancel), Box::new(move || Some(Step::Cancelled { reason: text() })))}
                {button(StepKind::Reclassify, "order-reclassify", t_string!(i18n, orders.reclassify), Box::new(move || {
                    let c: OrderClass = class.get_untracked();
                    Some(Step::Reclassified { class: c })
                }))}
            </div>
        </div>
    }
}
