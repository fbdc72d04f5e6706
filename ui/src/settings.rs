//! Settings: 绑定设备 (the account and a code box), the reporter's name and
//! the sync server address, plus the device id for support calls.

use gridwalk_domain::ipc::Settings;
use gridwalk_domain::ipc::commands::SaveSettings;
use leptos::prelude::*;

use crate::bind::BindPanel;
use crate::ipc;
use crate::lang::{error_text, t_string, use_i18n};
use crate::orders::policy::PolicyEditor;
use crate::state::Ctx;

#[component]
pub fn SettingsView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let info = ctx.info.get_untracked();
    let reporter = RwSignal::new(
        info.as_ref()
            .map(|i| i.reporter.clone())
            .unwrap_or_default(),
    );
    let server = RwSignal::new(
        info.as_ref()
            .map(|i| i.server_url.clone())
            .unwrap_or_default(),
    );
    let message = RwSignal::new(None::<(bool, String)>);
    let save = move |_| {
        let s = Settings {
            reporter: reporter.get_untracked(),
            server_url: server.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match ipc::call::<SaveSettings>(&s).await {
                Ok(info) => {
                    ctx.info.set(Some(info));
                    message.set(Some((true, t_string!(i18n, settings.saved).to_owned())));
                }
                Err(e) => message.set(Some((false, error_text(i18n, e.code, &e.message)))),
            }
        });
    };
    view! {
        <BindPanel />
        <section class="form settings">
            <label class="field">
                <span>{move || t_string!(i18n, settings.reporter)}</span>
                <input id="settings-reporter" type="text" prop:value=move || reporter.get()
                    on:input=move |ev| reporter.set(event_target_value(&ev)) />
            </label>
            <label class="field">
                <span>{move || t_string!(i18n, settings.server)}</span>
                <input id="settings-server" type="url" prop:value=move || server.get()
                    on:input=move |ev| server.set(event_target_value(&ev)) />
            </label>
            {move || message.get().map(|(ok, m)| view! { <p class=if ok { "notice" } else { "error" }>{m}</p> })}
            <button class="primary" id="settings-save" on:click=save>{move || t_string!(i18n, settings.save)}</button>
            <dl class="device">
                <dt>{move || t_string!(i18n, settings.device)}</dt>
                <dd>{move || ctx.info.get().map(|i| i.device.to_string()).unwrap_or_default()}</dd>
            </dl>
        </section>
        <Show when=move || ctx.me().is_some_and(|m| m.role.manages())>
            <PolicyEditor />
        </Show>
    }
}
