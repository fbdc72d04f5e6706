//! 人员: the office's people and their phones. Add a rider at the counter
//! and show their one-time code and QR; give someone a new code for a new
//! phone; switch a lost phone off. Every action goes to the server, which
//! decides what this device may do; offline, the screen says so.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::access::roles_managed_by;
use gridwalk_domain::directory::{DeviceInfo, Invitation, NewUser, NodeKind, Person};
use gridwalk_domain::ipc::commands::{AddPerson, Invite, People, RevokeDevice};
use gridwalk_domain::{GridId, Role, UserId};
use leptos::prelude::*;

use crate::bind::grid_name;
use crate::browser::short_time;
use crate::ipc;
use crate::lang::{I18n, error_text, online_error, role_label, t_string, use_i18n};
use crate::state::Ctx;

/// How long 确认停用 waits for its second tap.
const CONFIRM_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// A fresh invitation on screen, with whom it is for.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    name: String,
    invitation: Invitation,
}

fn message(i18n: I18n, e: &gridwalk_domain::ipc::AppError) -> String {
    online_error(i18n, e.code, &e.message)
}

#[component]
pub fn PeopleView() -> impl IntoView {
    let i18n = use_i18n();
    let people = RwSignal::new(None::<Vec<Person>>);
    let error = RwSignal::new(None::<String>);
    let shown = RwSignal::new(None::<Shown>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match ipc::ask::<People>().await {
                Ok(list) => {
                    people.set(Some(list));
                    error.set(None);
                }
                Err(e) => {
                    people.set(Some(Vec::new()));
                    error.set(Some(message(i18n, &e)));
                }
            }
        });
    };
    load();
    view! {
        <section class="people" id="people">
            <AddPerson shown=shown on_added=load />
            {move || shown.get().map(|s| view! { <InvitationCard shown=s on_close=move || shown.set(None) /> })}
            <h2>{move || t_string!(i18n, people.list)}</h2>
            {move || error.get().map(|m| view! { <p class="error" id="people-error">{m}</p> })}
            {move || match people.get() {
                None => view! { <p class="progress"><span class="spinner"></span></p> }.into_any(),
                Some(list) => view! {
                    <div id="people-list">
                        {list.into_iter().map(|p| view! { <PersonCard person=p shown=shown on_changed=load /> }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AddPerson(
    shown: RwSignal<Option<Shown>>,
    on_added: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let me = move || ctx.info.get().and_then(|i| i.me);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Reporter);
    let node = RwSignal::new(None::<GridId>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Where a person can be attached: the communities, areas and grids of
    // this office's part of the tree, in tree order.
    let places = move || {
        me().map(|m| {
            m.nodes
                .iter()
                .filter(|n| {
                    matches!(
                        n.kind,
                        NodeKind::Community | NodeKind::Area | NodeKind::Grid
                    )
                })
                .map(|n| (n.id.clone(), n.kind, grid_name(&m, &n.id)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    };
    // Until someone picks, the first grid: attaching a hurried new grid
    // worker to the whole community would show them every household in it.
    let picked = move || {
        node.get().or_else(|| {
            let all = places();
            all.iter()
                .find(|p| p.1 == NodeKind::Grid)
                .or(all.first())
                .map(|p| p.0.clone())
        })
    };
    let submit = move |_| {
        let Some(at) = picked() else {
            error.set(Some(error_text(i18n, ErrorCode::AdminNoNodes, "")));
            return;
        };
        let new = NewUser {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            nodes: vec![at],
            categories: vec![],
        };
        if new.name.is_empty() {
            error.set(Some(error_text(i18n, ErrorCode::AdminBadName, "")));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match ipc::call::<AddPerson>(&new).await {
                Ok(created) => {
                    shown.set(Some(Shown {
                        name: created.user.name,
                        invitation: created.invitation,
                    }));
                    name.set(String::new());
                    on_added();
                }
                Err(e) => error.set(Some(message(i18n, &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="add-person">
            <h2>{move || t_string!(i18n, people.add)}</h2>
            <label class="field">
                <span>{move || t_string!(i18n, people.name)}</span>
                <input id="person-name" type="text" placeholder=move || t_string!(i18n, people.name_ph)
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label class="field">
                <span>{move || t_string!(i18n, bind.role)}</span>
                <select id="person-role" class="grid-select"
                    on:change=move |ev| if let Ok(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                    {move || me().map(|m| roles_managed_by(m.role).iter().map(|r| {
                        let r = *r;
                        view! {
                            <option value=r.as_str() prop:selected=move || role.get() == r>
                                {move || role_label(i18n, r)}
                            </option>
                        }
                    }).collect_view())}
                </select>
            </label>
            <label class="field">
                <span>{move || t_string!(i18n, people.place)}</span>
                <select id="person-node" class="grid-select"
                    on:change=move |ev| node.set(GridId::parse(&event_target_value(&ev)).ok())>
                    {move || places().into_iter().map(|(id, _, label)| {
                        let value = id.to_string();
                        view! { <option value=value prop:selected=move || picked().as_ref() == Some(&id)>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || error.get().map(|m| view! { <p class="error" id="person-error">{m}</p> })}
            <button id="person-add" class="primary" disabled=move || busy.get() on:click=submit>
                {move || if busy.get() { t_string!(i18n, people.adding) } else { t_string!(i18n, people.add_submit) }}
            </button>
        </section>
    }
}

/// The code to type and the QR to scan, over the screen and large enough
/// to read across a desk.
#[component]
fn InvitationCard(shown: Shown, on_close: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    // As an <img>, the SVG is a picture only: nothing in it can run.
    let qr = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(&shown.invitation.qr_svg)
    );
    let expires = short_time(shown.invitation.expires_at_ms);
    view! {
        <div class="overlay" id="invitation-card">
            <section class="sheet invitation-card">
                <p class="invite-for">{move || t_string!(i18n, people.invite_for).replace("{name}", &shown.name)}</p>
                <p class="invite-code" id="invite-code">{shown.invitation.code.clone()}</p>
                <img class="invite-qr" id="invite-qr" src=qr alt="QR" />
                <p class="invite-hint">{move || t_string!(i18n, people.invite_hint).replace("{t}", &expires)}</p>
                <button class="primary" id="invite-close" on:click=move |_| on_close()>{move || t_string!(i18n, people.invite_done)}</button>
            </section>
        </div>
    }
}

#[component]
fn PersonCard(
    person: Person,
    shown: RwSignal<Option<Shown>>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let error = RwSignal::new(None::<String>);
    let places = {
        let nodes = person.user.nodes.clone();
        move || {
            ctx.info
                .get()
                .and_then(|i| i.me)
                .map(|me| {
                    nodes
                        .iter()
                        .map(|n| grid_name(&me, n))
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default()
        }
    };
    let user: UserId = person.user.id;
    let name = person.user.name.clone();
    // A second tap while the first is on its way would make a second valid
    // code that nobody sees.
    let inviting = RwSignal::new(false);
    let reinvite = move |_| {
        let name = name.clone();
        inviting.set(true);
        leptos::task::spawn_local(async move {
            match ipc::call::<Invite>(&user).await {
                Ok(invitation) => shown.set(Some(Shown { name, invitation })),
                Err(e) => error.set(Some(message(i18n, &e))),
            }
            inviting.set(false);
        });
    };
    let role = person.user.role;
    view! {
        <article class="person" data-user=user.to_string()>
            <div class="person-head">
                <p class="person-name">{person.user.name.clone()}</p>
                <button class="secondary reinvite" disabled=move || inviting.get() on:click=reinvite>{move || t_string!(i18n, people.reinvite)}</button>
                <p class="person-role">{move || role_label(i18n, role)}" · "{places}</p>
            </div>
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
            {if person.devices.is_empty() {
                view! { <p class="no-device">{move || t_string!(i18n, people.no_device)}</p> }.into_any()
            } else {
                person.devices.into_iter().map(|d| view! { <DeviceRow device=d error=error on_changed=on_changed /> }).collect_view().into_any()
            }}
        </article>
    }
}

/// One phone. 停用 asks once more before it acts: switching off the wrong
/// phone stops someone's work until they get a new code.
#[component]
fn DeviceRow(
    device: DeviceInfo,
    error: RwSignal<Option<String>>,
    on_changed: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let id = device.id;
    let revoke = move |_| {
        if !confirming.get_untracked() {
            confirming.set(true);
            // A stray tap minutes later must not switch the phone off.
            set_timeout(move || confirming.set(false), CONFIRM_FOR);
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match ipc::call::<RevokeDevice>(&id).await {
                Ok(_) => on_changed(),
                Err(e) => error.set(Some(message(i18n, &e))),
            }
            busy.set(false);
            confirming.set(false);
        });
    };
    let since = short_time(device.created_at_ms);
    view! {
        <div class="device-row" data-device=id.to_string()>
            <span class="device-name">{device.name.clone()}</span>
            {match device.revoked_at_ms {
                Some(at) => {
                    let at = short_time(at);
                    view! {
                        <span class="chip failed device-state">{move || t_string!(i18n, people.revoked).replace("{t}", &at)}</span>
                    }.into_any()
                }
                None => view! {
                    <span class="chip ok device-state">{move || t_string!(i18n, people.active).replace("{t}", &since)}</span>
                    <button class="secondary revoke" class:confirming=move || confirming.get()
                        disabled=move || busy.get() on:click=revoke>
                        {move || if confirming.get() { t_string!(i18n, people.revoke_confirm) } else { t_string!(i18n, people.revoke) }}
                    </button>
                }.into_any(),
            }}
        </div>
    }
}
