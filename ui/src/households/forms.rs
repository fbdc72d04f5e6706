//! The household form (address, care tags, notes) and the member form.
//! Phones and ID numbers are checked as they are typed, with the same
//! parsers the shell uses (domain runs here too), so a wrong check digit is
//! named the moment the field is left; the shell checks again on save. A
//! refused form keeps everything typed and marks each bad field.

use gridwalk_domain::calendar::CivilDate;
use gridwalk_domain::field::FieldError;
use gridwalk_domain::household::{
    HouseholdDraft, HouseholdView, MemberDraft, MemberEdit, MemberView,
};
use gridwalk_domain::id_number::IdNumber;
use gridwalk_domain::ipc::archive::{EditHousehold, EditMember, NewHousehold, NewMember};
use gridwalk_domain::ipc::commands::{
    AddMember, CreateHousehold, GetHousehold, UpdateHousehold, UpdateMember,
};
use gridwalk_domain::phone::Phone;
use gridwalk_domain::{GridId, MemberId};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::chips::ChipToggles;
use super::page::route_household;
use crate::bind::grid_name;
use crate::ipc;
use crate::lang::{I18n, english, error_text, field_error, field_text, t_string, use_i18n};
use crate::state::use_ctx;

/// A form's outcome: nothing yet, a general message, or per-field errors.
#[derive(Debug, Clone, Default, PartialEq)]
struct Refusal {
    message: Option<String>,
    fields: Vec<FieldError>,
}

impl Refusal {
    fn from(i18n: I18n, e: &gridwalk_domain::ipc::AppError) -> Self {
        Self {
            message: (e.fields.is_empty()).then(|| error_text(i18n, e.code, &e.message)),
            fields: e.fields.clone(),
        }
    }
}

/// One labelled input whose error (from the shell, or found as typed)
/// shows under it.
#[component]
fn Field(
    id: &'static str,
    label: Signal<String>,
    value: RwSignal<String>,
    #[prop(optional)] placeholder: Option<Signal<String>>,
    error: Signal<Option<String>>,
    #[prop(optional)] on_leave: Option<Callback<String>>,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    view! {
        <label class="field" class:invalid=move || error.get().is_some()>
            <span>{move || label.get()}</span>
            <input id=id type=kind prop:value=move || value.get()
                placeholder=move || placeholder.map(|p| p.get()).unwrap_or_default()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| if let Some(f) = on_leave { f.run(value.get_untracked()) } />
            {move || error.get().map(|e| view! { <span class="field-error" id=format!("{id}-error")>{e}</span> })}
        </label>
    }
}

#[component]
pub fn HouseholdForm() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = use_navigate();
    let editing = route_household();
    let estate = RwSignal::new(String::new());
    let door = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let tags = RwSignal::new(Vec::<String>::new());
    let grid = RwSignal::new(None::<GridId>);
    let refusal = RwSignal::new(Refusal::default());
    let saving = RwSignal::new(false);
    Effect::new(move |_| {
        let Some(id) = editing.get() else { return };
        leptos::task::spawn_local(async move {
            if let Ok(Some(p)) = ipc::call::<GetHousehold>(&id).await {
                let h: HouseholdView = p.household;
                estate.set(h.address.estate.clone());
                door.set(h.door.clone());
                notes.set(h.notes.clone());
                tags.set(h.tags.iter().map(|t| t.to_string()).collect());
            }
        });
    });
    // The estates of the person's part of the tree, offered as they type.
    let estates = move || {
        ctx.me()
            .map(|m| {
                m.nodes
                    .iter()
                    .filter(|n| n.kind == gridwalk_domain::directory::NodeKind::Estate)
                    .map(|n| n.name.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let save = move |_| {
        let draft = HouseholdDraft {
            estate: estate.get_untracked(),
            door: door.get_untracked(),
            tags: tags.get_untracked(),
            notes: notes.get_untracked(),
        };
        saving.set(true);
        refusal.set(Refusal::default());
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let saved = match editing.get_untracked() {
                Some(household) => {
                    ipc::call::<UpdateHousehold>(&EditHousehold { household, draft })
                        .await
                        .map(|()| household)
                }
                None => {
                    let new = NewHousehold {
                        draft,
                        grid: grid.get_untracked(),
                    };
                    ipc::call::<CreateHousehold>(&new).await
                }
            };
            match saved {
                Ok(id) => navigate(&format!("/households/{id}"), Default::default()),
                Err(e) => refusal.set(Refusal::from(i18n, &e)),
            }
            saving.set(false);
        });
    };
    let err =
        move |f: &'static str| Signal::derive(move || field_error(i18n, &refusal.get().fields, f));
    let text = |f: fn(I18n) -> &'static str| Signal::derive(move || f(i18n).to_owned());
    view! {
        <section class="form household-form" id="household-form">
            <h2>{move || if editing.get().is_some() { t_string!(i18n, households.edit) } else { t_string!(i18n, households.new) }}</h2>
            {move || (editing.get().is_none()).then(|| ctx.me()).flatten().filter(|m| m.grid_cells().len() > 1).map(|me| {
                let options = me.grid_cells().iter().map(|g| {
                    let name = grid_name(&me, g);
                    view! { <option value=g.to_string()>{name}</option> }
                }).collect_view();
                view! {
                    <label class="field">
                        <span>{move || t_string!(i18n, form.grid)}</span>
                        <select id="household-grid" class="grid-select"
                            on:change=move |ev| grid.set(GridId::parse(&event_target_value(&ev)).ok())>{options}</select>
                    </label>
                }
            })}
            <label class="field" class:invalid=move || err("door").get().is_some()>
                <span>{move || t_string!(i18n, households.estate)}</span>
                <input id="household-estate" list="estates" prop:value=move || estate.get()
                    on:input=move |ev| estate.set(event_target_value(&ev)) />
                <datalist id="estates">{move || estates().into_iter().map(|e| view! { <option value=e></option> }).collect_view()}</datalist>
            </label>
            <Field id="household-door" label=text(|i| t_string!(i, households.door)) value=door
                placeholder=text(|i| t_string!(i, households.door_ph)) error=err("door") />
            <h3>{move || t_string!(i18n, households.tags)}</h3>
            <div class="chips" id="household-tags-input">
                <ChipToggles prefix="tag" picked=tags
                    options=Signal::derive(move || ctx.info.get().map(|i| i.vocabulary.care_tags.all().to_vec()).unwrap_or_default()) />
            </div>
            <label class="field">
                <span>{move || t_string!(i18n, households.notes)}</span>
                <textarea id="household-notes-input" rows="3" prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            {move || refusal.get().message.map(|m| view! { <p class="error" id="household-form-error">{m}</p> })}
            <button class="primary" id="household-save" disabled=move || saving.get() on:click=save>{move || t_string!(i18n, form.save)}</button>
        </section>
    }
}

/// The member editor: add one, or change one (a masked phone or ID number
/// left empty stays as it is).
#[component]
pub fn MemberForm() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = use_navigate();
    let household = route_household();
    let params = use_params_map();
    let member = Memo::new(move |_| {
        params
            .get()
            .get("member")
            .and_then(|m| MemberId::parse(&m).ok())
    });
    let name = RwSignal::new(String::new());
    let relation = RwSignal::new("head".to_owned());
    let phone = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let birth_year = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let masked = RwSignal::new(None::<MemberView>);
    let refusal = RwSignal::new(Refusal::default());
    let typed = RwSignal::new(Vec::<FieldError>::new());
    let saving = RwSignal::new(false);
    Effect::new(move |_| {
        let (Some(h), Some(m)) = (household.get(), member.get()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(Some(p)) = ipc::call::<GetHousehold>(&h).await
                && let Some(v) = p.household.members.into_iter().find(|x| x.id == m)
            {
                name.set(v.name.clone());
                relation.set(v.relation.to_string());
                birth_year.set(v.birth_year.map(|y| y.to_string()).unwrap_or_default());
                notes.set(v.notes.clone());
                masked.set(Some(v));
            }
        });
    });
    // Checks a field as it is left, with the shell's own parser.
    let check = move |field: &'static str, value: String| {
        typed.update(|v| v.retain(|e| e.field != field));
        if value.trim().is_empty() {
            return;
        }
        let found = match field {
            "phone" => Phone::parse(&value)
                .err()
                .map(|e| FieldError::new(field, &e)),
            _ => IdNumber::parse_on(&value, CivilDate::beijing(js_sys::Date::now() as i64))
                .err()
                .map(|e| FieldError::new(field, &e)),
        };
        if let Some(e) = found {
            typed.update(|v| v.push(e));
        }
    };
    let save = move |_| {
        let Some(h) = household.get_untracked() else {
            return;
        };
        saving.set(true);
        refusal.set(Refusal::default());
        let navigate = navigate.clone();
        let kept = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        leptos::task::spawn_local(async move {
            let saved = match member.get_untracked() {
                Some(m) => {
                    let edit = EditMember {
                        household: h,
                        member: m,
                        edit: MemberEdit {
                            name: name.get_untracked(),
                            relation: relation.get_untracked(),
                            phone: kept(phone),
                            id_number: kept(id_number),
                            birth_year: birth_year.get_untracked(),
                            notes: notes.get_untracked(),
                        },
                    };
                    ipc::call::<UpdateMember>(&edit).await
                }
                None => {
                    let new = NewMember {
                        household: h,
                        draft: MemberDraft {
                            name: name.get_untracked(),
                            relation: relation.get_untracked(),
                            phone: phone.get_untracked(),
                            id_number: id_number.get_untracked(),
                            birth_year: birth_year.get_untracked(),
                            notes: notes.get_untracked(),
                        },
                    };
                    ipc::call::<AddMember>(&new).await.map(|_| ())
                }
            };
            match saved {
                Ok(()) => navigate(&format!("/households/{h}"), Default::default()),
                Err(e) => refusal.set(Refusal::from(i18n, &e)),
            }
            saving.set(false);
        });
    };
    let err = move |f: &'static str| {
        Signal::derive(move || {
            field_error(i18n, &refusal.get().fields, f).or_else(|| {
                typed
                    .get()
                    .iter()
                    .find(|e| e.field == f)
                    .map(|e| field_text(i18n, e))
            })
        })
    };
    let text = |f: fn(I18n) -> &'static str| Signal::derive(move || f(i18n).to_owned());
    let masked_hint = move |f: fn(&MemberView) -> Option<String>| {
        Signal::derive(move || {
            masked
                .get()
                .as_ref()
                .and_then(f)
                .map(|m| t_string!(i18n, member.keep_masked).replace("{masked}", &m))
                .unwrap_or_default()
        })
    };
    view! {
        <section class="form member-form" id="member-form">
            <h2>{move || if member.get().is_some() { t_string!(i18n, member.edit_title) } else { t_string!(i18n, member.add) }}</h2>
            <Field id="member-name" label=text(|i| t_string!(i, member.name)) value=name error=err("name") />
            <label class="field">
                <span>{move || t_string!(i18n, member.relation)}</span>
                <select id="member-relation" class="grid-select" on:change=move |ev| relation.set(event_target_value(&ev))>
                    {move || ctx.info.get().map(|i| i.vocabulary.relations.all().to_vec()).unwrap_or_default().into_iter().map(|r| {
                        let code = r.code.to_string();
                        let c2 = code.clone();
                        view! { <option value=code prop:selected=move || relation.get() == c2>{r.label(english(i18n)).to_owned()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Field id="member-phone" kind="tel" label=text(|i| t_string!(i, member.phone)) value=phone
                placeholder=masked_hint(|m| m.phone.clone()) error=err("phone")
                on_leave=Callback::new(move |v| check("phone", v)) />
            <Field id="member-id-number" label=text(|i| t_string!(i, member.id_number)) value=id_number
                placeholder=masked_hint(|m| m.id_number.clone()) error=err("id_number")
                on_leave=Callback::new(move |v| check("id_number", v)) />
            <Field id="member-birth-year" kind="number" label=text(|i| t_string!(i, member.birth_year)) value=birth_year error=err("birth_year") />
            <label class="field">
                <span>{move || t_string!(i18n, member.notes)}</span>
                <textarea id="member-notes" rows="2" prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            {move || refusal.get().message.map(|m| view! { <p class="error" id="member-form-error">{m}</p> })}
            <button class="primary" id="member-save" disabled=move || saving.get() on:click=save>{move || t_string!(i18n, form.save)}</button>
        </section>
    }
}
