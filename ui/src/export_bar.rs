//! 导出 CSV above the office inbox: the community's reports, fetched from
//! the server (which logs every export) and saved as a file. Shown only to
//! the office and admins, the roles the server lets export.

use leptos::prelude::*;

use crate::app::Ctx;
use crate::i18n::use_i18n;
use crate::ipc;

#[component]
pub fn ExportBar() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let may_export = move || {
        ctx.info
            .get()
            .and_then(|i| i.me)
            .is_some_and(|me| me.role.manages())
    };
    let export = move |_| {
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            // Exports need the server: only it has every report, and only
            // it can write the audit entry the law asks for.
            let outcome = match ipc::export_reports().await {
                Ok(done) => {
                    let mut text = i18n
                        .t("export.done")
                        .replace("{n}", &done.rows.to_string())
                        .replace("{path}", &done.path);
                    if done.left_out > 0 {
                        text += &i18n
                            .t("export.left_out")
                            .replace("{n}", &done.left_out.to_string());
                    }
                    Ok(text)
                }
                Err(e) => Err(i18n.online_error(&e.code, &e.message)),
            };
            message.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <Show when=may_export>
            <div class="export-bar">
                <button id="export-reports" class="secondary" disabled=move || busy.get() on:click=export>
                    {move || if busy.get() { i18n.t("export.running") } else { i18n.t("export.button") }}
                </button>
                {move || busy.get().then(|| view! { <span class="spinner"></span> })}
                {move || message.get().map(|m| match m {
                    Ok(text) => view! { <p id="export-message" class="notice">{text}</p> }.into_any(),
                    Err(text) => view! { <p id="export-message" class="error">{text}</p> }.into_any(),
                })}
            </div>
        </Show>
    }
}
