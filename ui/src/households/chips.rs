//! A row of toggle chips for picking several terms of one vocabulary list
//! (care tags, visit methods): one tap adds a term, a second takes it out.

use gridwalk_domain::Category;
use leptos::prelude::*;

use crate::lang::{english, use_i18n};

/// `options` are the terms offered, `picked` the codes chosen; each chip's
/// id is `<prefix>-<code>`.
#[component]
pub fn ChipToggles(
    prefix: &'static str,
    #[prop(into)] options: Signal<Vec<Category>>,
    picked: RwSignal<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        options
            .get()
            .into_iter()
            .map(|term| {
                let code = term.code.to_string();
                let (shown, toggled) = (code.clone(), code.clone());
                let toggle = move |_| {
                    picked.update(|v| match v.iter().position(|x| *x == toggled) {
                        Some(i) => {
                            v.remove(i);
                        }
                        None => v.push(toggled.clone()),
                    })
                };
                view! {
                    <button class="chip-toggle" id=format!("{prefix}-{code}")
                        class:selected=move || picked.get().contains(&shown)
                        on:click=toggle>
                        {move || term.label(english(i18n)).to_owned()}
                    </button>
                }
            })
            .collect_view()
    }
}
