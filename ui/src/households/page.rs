//! One household: its members (phones and ID numbers masked; 显示 reveals
//! one for half a minute and the reveal is logged), care tags, notes, what
//! two devices did at once (两个版本), its door QR, and the timeline of
//! visits and needs. 记走访 and 添加成员 are a tap away.

use gridwalk_domain::DocKind;
use gridwalk_domain::household::{MemberView, SensitiveField};
use gridwalk_domain::ipc::archive::{HouseholdPage as Page, MemberRef, RevealRequest};
use gridwalk_domain::ipc::commands::{GetHousehold, RemoveMember, RestoreMember, Reveal};
use gridwalk_domain::need::NeedStatus;
use gridwalk_domain::{DocId, MemberId};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

use super::conflicts::ConflictPicker;
use super::{term, terms};
use crate::browser::short_time;
use crate::ipc;
use crate::lang::{I18n, english, error_text, t_string, use_i18n};
use crate::state::use_ctx;
use crate::sync_badge::StateChip;

/// How long a revealed value stays on screen.
const REVEAL_FOR: Duration = Duration::from_secs(30);

pub fn status_label(i18n: I18n, s: NeedStatus) -> &'static str {
    match s {
        NeedStatus::Open => t_string!(i18n, needs.status_open),
        NeedStatus::Accepted => t_string!(i18n, needs.status_accepted),
        NeedStatus::Resolved => t_string!(i18n, needs.status_resolved),
        NeedStatus::Closed => t_string!(i18n, needs.status_closed),
    }
}

/// The household id in the route.
pub fn route_household() -> Memo<Option<DocId>> {
    let params = use_params_map();
    Memo::new(move |_| params.get().get("id").and_then(|s| DocId::parse(&s).ok()))
}

#[component]
pub fn HouseholdPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let id = route_household();
    let page = RwSignal::new(None::<Option<Page>>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        ctx.revision(&[DocKind::Household, DocKind::Visit, DocKind::Need]);
        let Some(id) = id.get() else {
            page.set(Some(None));
            return;
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<GetHousehold>(&id).await {
                Ok(p) => page.set(Some(p)),
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    });
    view! {
        <section class="household-page" id="household-page">
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || match page.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(None) => view! { <p class="empty" id="household-missing">{t_string!(i18n, households.missing)}</p> }.into_any(),
                Some(Some(p)) => view! { <Loaded page=p /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Loaded(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let h = page.household.clone();
    let id = h.id;
    let v = move || ctx.info.get().map(|i| i.vocabulary);
    let tags = terms(ctx, i18n, h.tags.clone(), |v| &v.care_tags);
    let names: Vec<(MemberId, String)> = h.members.iter().map(|m| (m.id, m.name.clone())).collect();
    let qr = qr_svg(&page.uri);
    let (current, removed): (Vec<MemberView>, Vec<MemberView>) =
        h.members.iter().cloned().partition(|m| !m.removed);
    let mut timeline: Vec<(i64, AnyView)> = Vec::new();
    for visit in page.visits.clone() {
        let s = visit.summary.clone();
        let methods = {
            let names = terms(ctx, i18n, s.methods.clone(), |v| &v.visit_methods);
            move || names().join("、")
        };
        timeline.push((
            s.at_ms,
            view! {
                <li class="timeline-visit" data-id=visit.id.to_string()>
                    <p class="when">{short_time(s.at_ms)}" · "{s.by.clone()}" · "{t_string!(i18n, visit.title)}</p>
                    <p class="what">{methods}</p>
                    {(!s.notes.is_empty()).then(|| view! { <p class="desc">{s.notes.clone()}</p> })}
                    {s.thumb.clone().filter(|_| !visit.photos_pending).map(|t| view! { <img class="thumb" src=ipc::photo_url(&t) alt="" /> })}
                    <StateChip state=visit.sync.clone() />
                </li>
            }
            .into_any(),
        ));
    }
    for need in page.needs.clone() {
        let s = need.summary.clone();
        let category = {
            let code = s.category.clone();
            move || {
                v().map_or_else(
                    || code.to_string(),
                    |v| term(&v.need_categories, code.as_str(), english(i18n)),
                )
            }
        };
        timeline.push((
            s.raised_at_ms,
            view! {
                <li class="timeline-need" data-id=need.id.to_string()>
                    <p class="when">{short_time(s.raised_at_ms)}" · "{t_string!(i18n, needs.title)}" · "{category}</p>
                    <p class="desc">{s.description.clone()}</p>
                    <span class=format!("chip need-{}", s.status.as_str())>{status_label(i18n, s.status)}</span>
                </li>
            }
            .into_any(),
        ));
    }
    timeline.sort_by_key(|(at, _)| -*at);
    view! {
        <header class="household-head">
            <h2 id="household-title">{h.line.clone()}</h2>
            <p class="door">{t_string!(i18n, households.door)}": "<span id="household-door">{h.door.clone()}</span></p>
            <StateChip state=page.sync.clone() />
            <p class="tags" id="household-tags">{move || tags().into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}</p>
            {(!h.notes.is_empty()).then(|| view! { <p class="notes" id="household-notes">{h.notes.clone()}</p> })}
            <div class="actions">
                <a class="primary-link" id="log-visit" href=format!("/households/{id}/visit")>{move || t_string!(i18n, visit.log)}</a>
                <a class="secondary" id="add-member" href=format!("/households/{id}/members/new")>{move || t_string!(i18n, member.add)}</a>
                <a class="secondary" id="edit-household" href=format!("/households/{id}/edit")>{move || t_string!(i18n, households.edit)}</a>
            </div>
        </header>
        {(!page.conflicts.is_empty()).then(|| view! {
            <ConflictPicker record=id conflicts=page.conflicts.clone() names=names.clone() />
        })}
        <h3>{move || t_string!(i18n, member.list)}</h3>
        <ul class="members" id="members">
            {current.into_iter().map(|m| view! { <MemberCard household=id member=m /> }).collect_view()}
        </ul>
        {(!removed.is_empty()).then(|| view! {
            <h3>{move || t_string!(i18n, member.removed_list)}</h3>
            <ul class="members removed" id="removed-members">
                {removed.into_iter().map(|m| view! { <MemberCard household=id member=m /> }).collect_view()}
            </ul>
        })}
        <h3>{move || t_string!(i18n, households.timeline)}</h3>
        {if timeline.is_empty() {
            view! { <p class="empty-small">{move || t_string!(i18n, households.no_visits)}</p> }.into_any()
        } else {
            view! { <ul class="timeline" id="timeline">{timeline.into_iter().map(|(_, v)| v).collect_view()}</ul> }.into_any()
        }}
        <details class="door-qr">
            <summary>{move || t_string!(i18n, households.qr)}</summary>
            <div class="qr" inner_html=qr></div>
            <p class="uri">{page.uri.clone()}</p>
        </details>
    }
}

/// The door QR as SVG markup made here from our own payload (no input
/// from elsewhere reaches `inner_html`).
fn qr_svg(uri: &str) -> String {
    qrcode::QrCode::new(uri.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .build()
        })
        .unwrap_or_default()
}

#[component]
fn MemberCard(household: DocId, member: MemberView) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let m = member.clone();
    let relation = {
        let code = m.relation.clone();
        move || {
            ctx.info.get().map_or_else(
                || code.to_string(),
                |i| term(&i.vocabulary.relations, code.as_str(), english(i18n)),
            )
        }
    };
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let (removed, member_id) = (member.removed, member.id);
    let toggle_removed = move |_| {
        if !removed && !confirming.get_untracked() {
            confirming.set(true);
            set_timeout(move || confirming.set(false), Duration::from_secs(5));
            return;
        }
        let r = MemberRef {
            household,
            member: member_id,
        };
        leptos::task::spawn_local(async move {
            let done = if removed {
                ipc::call::<RestoreMember>(&r).await
            } else {
                ipc::call::<RemoveMember>(&r).await
            };
            if let Err(e) = done {
                error.set(Some(error_text(i18n, e.code, &e.message)));
            }
        });
    };
    let mid = m.id.to_string();
    view! {
        <li class="member" data-member=mid.clone()>
            <p class="member-name">{m.name.clone()}<span class="relation">{relation}</span>
                {m.birth_year.map(|y| view! { <span class="birth">{y}</span> })}</p>
            {m.phone.clone().map(|masked| view! {
                <Sensitive household=household member=m.id field=SensitiveField::Phone masked=masked />
            })}
            {m.id_number.clone().map(|masked| view! {
                <Sensitive household=household member=m.id field=SensitiveField::IdNumber masked=masked />
            })}
            {(!m.notes.is_empty()).then(|| view! { <p class="member-notes">{m.notes.clone()}</p> })}
            <div class="member-actions">
                <a class="secondary" id=format!("edit-member-{mid}") href=format!("/households/{household}/members/{}", m.id)>{move || t_string!(i18n, member.edit)}</a>
                <button class="secondary" id=format!("remove-member-{mid}") class:confirming=move || confirming.get() on:click=toggle_removed>
                    {move || match (removed, confirming.get()) {
                        (true, _) => t_string!(i18n, member.restore),
                        (false, false) => t_string!(i18n, member.remove),
                        (false, true) => t_string!(i18n, member.remove_confirm),
                    }}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
        </li>
    }
}

/// A masked phone or ID number; 显示 asks the shell, which records the
/// reveal before it answers.
#[component]
fn Sensitive(
    household: DocId,
    member: MemberId,
    field: SensitiveField,
    masked: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let reveal = move |_| {
        let req = RevealRequest {
            household,
            member,
            field,
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<Reveal>(&req).await {
                Ok(value) => {
                    shown.set(value);
                    set_timeout(move || shown.set(None), REVEAL_FOR);
                }
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
        });
    };
    let label = move || match field {
        SensitiveField::Phone => t_string!(i18n, member.phone),
        SensitiveField::IdNumber => t_string!(i18n, member.id_number),
    };
    let id = format!("{}-{member}", field.as_str());
    view! {
        <p class="sensitive">
            <span class="label">{label}": "</span>
            <span class="value" id=id.clone()>{move || shown.get().unwrap_or_else(|| masked.clone())}</span>
            {move || if shown.get().is_some() {
                view! { <button class="link" on:click=move |_| shown.set(None)>{t_string!(i18n, member.hide)}</button> }.into_any()
            } else {
                view! { <button class="link" id=format!("reveal-{id}") on:click=reveal>{t_string!(i18n, member.reveal)}</button> }.into_any()
            }}
            {move || error.get().map(|e| view! { <span class="error">{e}</span> })}
        </p>
    }
}
