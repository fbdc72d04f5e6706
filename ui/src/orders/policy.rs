//! 响应承诺: the office picks 1341 or 54321 for its community, or edits the
//! minutes, and saves it on the server so every device of the community
//! makes new orders under it. Orders already made keep theirs.

use gridwalk_domain::ipc::commands::{GetResponsePolicy, SetResponsePolicy};
use gridwalk_domain::work_order::ResponsePolicy;
use leptos::prelude::*;

use super::{class_label, milestone_label};
use crate::ipc;
use crate::lang::{refusal_text, t_string, use_i18n};

#[component]
pub fn PolicyEditor() -> impl IntoView {
    let i18n = use_i18n();
    let policy = RwSignal::new(None::<ResponsePolicy>);
    let message = RwSignal::new(None::<(bool, String)>);
    let saving = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(p) = ipc::ask::<GetResponsePolicy>().await {
            policy.set(Some(p));
        }
    });
    let save = move |_| {
        let Some(p) = policy.get_untracked() else {
            return;
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            match ipc::call::<SetResponsePolicy>(&p).await {
                Ok(()) => {
                    message.set(Some((
                        true,
                        t_string!(i18n, orders.policy_saved).to_owned(),
                    )));
                }
                Err(e) => message.set(Some((false, refusal_text(i18n, &e)))),
            }
            saving.set(false);
        });
    };
    view! {
        <section class="form policy" id="policy-editor">
            <h2>{move || t_string!(i18n, orders.deadlines)}</h2>
            <div class="segments">
                {ResponsePolicy::presets().into_iter().map(|preset| {
                    let name = preset.name.clone();
                    let id = format!("policy-preset-{name}");
                    let active = { let name = name.clone(); move || policy.get().is_some_and(|p| p.name == name) };
                    view! {
                        <button class="segment" id=id class:active=active on:click=move |_| policy.set(Some(preset.clone()))>{name.clone()}</button>
                    }
                }).collect_view()}
            </div>
            <ul class="commitments" id="policy-commitments">
                {move || policy.get().map(|p| p.commitments.iter().enumerate().map(|(i, c)| {
                    let classes = c.classes.iter().map(|k| class_label(i18n, *k)).collect::<Vec<_>>().join("、");
                    let milestone = c.milestone;
                    let minutes = c.within_min;
                    view! {
                        <li class="commitment">
                            <span>{classes}" · "{milestone_label(i18n, milestone)}</span>
                            <input type="number" min="1" id=format!("policy-minutes-{i}") prop:value=minutes.to_string()
                                on:change=move |ev| {
                                    let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                    policy.update(|p| if let Some(p) = p { p.commitments[i].within_min = v });
                                } />
                            <span>{move || t_string!(i18n, orders.minutes_unit)}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            {move || message.get().map(|(ok, m)| view! { <p id="policy-message" class=if ok { "notice" } else { "error" }>{m}</p> })}
            <button class="primary" id="policy-save" on:click=save disabled=move || saving.get()>{move || t_string!(i18n, orders.policy_save)}</button>
        </section>
    }
}
