//! 记走访: how the visit was made (one tap each), what was said, photos if
//! any, and the needs the household raised — saved on the device at once,
//! offline too, and sent with the next sync.

use gridwalk_domain::ipc::StagedPhoto;
use gridwalk_domain::ipc::commands::LogVisit;
use gridwalk_domain::need::NeedDraft;
use gridwalk_domain::visit::VisitDraft;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::chips::ChipToggles;
use super::page::route_household;
use super::photo_picker;
use crate::ipc;
use crate::lang::{english, refusal_text, t_string, use_i18n};
use crate::state::use_ctx;

#[component]
pub fn VisitForm() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = use_navigate();
    let household = route_household();
    let methods = RwSignal::new(vec!["home".to_owned()]);
    let notes = RwSignal::new(String::new());
    let photos = RwSignal::new(Vec::<StagedPhoto>::new());
    let needs = RwSignal::new(Vec::<(u32, RwSignal<String>, RwSignal<String>)>::new());
    let next_need = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let processing = RwSignal::new(false);
    let vocabulary = move || ctx.info.get().map(|i| i.vocabulary);

    let add_need = move |_| {
        let n = next_need.get_untracked();
        next_need.set(n + 1);
        let first = vocabulary()
            .and_then(|v| v.need_categories.all().first().map(|c| c.code.to_string()))
            .unwrap_or_default();
        needs.update(|v| v.push((n, RwSignal::new(first), RwSignal::new(String::new()))));
    };
    let on_photo = photo_picker(i18n, photos, processing, error);
    let save = move |_| {
        let Some(h) = household.get_untracked() else {
            return;
        };
        let draft = VisitDraft {
            household: Some(h),
            methods: methods.get_untracked(),
            notes: notes.get_untracked(),
            photos: photos
                .get_untracked()
                .into_iter()
                .map(|p| p.photo)
                .collect(),
            needs: needs
                .get_untracked()
                .into_iter()
                .map(|(_, c, d)| NeedDraft {
                    category: c.get_untracked(),
                    description: d.get_untracked(),
                })
                .collect(),
        };
        saving.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match ipc::call::<LogVisit>(&draft).await {
                Ok(_) => {
                    ctx.toast.set(Some(t_string!(i18n, visit.saved).to_owned()));
                    navigate(&format!("/households/{h}"), Default::default());
                }
                Err(e) => {
                    error.set(Some(refusal_text(i18n, &e)));
                }
            }
            saving.set(false);
        });
    };
    view! {
        <section class="form visit-form" id="visit-form">
            <h2>{move || t_string!(i18n, visit.log)}</h2>
            <h3>{move || t_string!(i18n, visit.methods)}</h3>
            <div class="chips">
                <ChipToggles prefix="method" picked=methods
                    options=Signal::derive(move || vocabulary().map(|v| v.visit_methods.all().to_vec()).unwrap_or_default()) />
            </div>
            <label class="field">
                <span>{move || t_string!(i18n, visit.notes)}</span>
                <textarea id="visit-notes" rows="4" placeholder=move || t_string!(i18n, visit.notes_ph)
                    prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
            </label>
            <div class="photo-strip">
                {move || photos.get().into_iter().map(|p| view! {
                    <figure class="staged"><img src=ipc::photo_url(&p.photo.thumb) alt="" /></figure>
                }).collect_view()}
                <label class="add-photo">
                    <input id="visit-photo" type="file" accept="image/*" capture="environment" on:change=on_photo />
                    <span>{move || if processing.get() { t_string!(i18n, form.processing) } else { t_string!(i18n, form.add_photo) }}</span>
                </label>
            </div>
            <h3>{move || t_string!(i18n, visit.needs)}</h3>
            <div class="need-drafts" id="need-drafts">
                {move || needs.get().into_iter().map(|(n, category, description)| view! {
                    <div class="need-draft">
                        <select id=format!("need-category-{n}") class="grid-select" on:change=move |ev| category.set(event_target_value(&ev))>
                            {move || vocabulary().map(|v| v.need_categories.all().to_vec()).unwrap_or_default().into_iter().map(|c| {
                                let code = c.code.to_string();
                                let c2 = code.clone();
                                view! { <option value=code prop:selected=move || category.get() == c2>{c.label(english(i18n)).to_owned()}</option> }
                            }).collect_view()}
                        </select>
                        <input id=format!("need-description-{n}") placeholder=move || t_string!(i18n, visit.need_ph)
                            prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev)) />
                        <button class="link" on:click=move |_| needs.update(|v| v.retain(|x| x.0 != n))>{move || t_string!(i18n, form.remove)}</button>
                    </div>
                }).collect_view()}
                <button class="secondary" id="add-need" on:click=add_need>{move || t_string!(i18n, visit.add_need)}</button>
            </div>
            {move || error.get().map(|m| view! { <p class="error" id="visit-error">{m}</p> })}
            <button class="primary" id="visit-save" disabled=move || saving.get() || processing.get() on:click=save>
                {move || t_string!(i18n, visit.save)}
            </button>
        </section>
    }
}
