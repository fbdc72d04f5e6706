//! 导出 buttons: records fetched from the server (which logs every export
//! in its audit log) and saved as a new file. Shown only to the office and
//! admins, the roles the server lets export. Households leave masked
//! unless 含完整证件号与电话 is ticked, which the server logs as such.

use gridwalk_domain::ipc::commands::Export;
use gridwalk_domain::ipc::{ExportFormat, ExportRequest, ExportWhat};
use leptos::prelude::*;

use crate::ipc;
use crate::lang::{I18n, online_error, t_string, use_i18n};
use crate::state::use_ctx;

fn button_label(i18n: I18n, what: ExportWhat, format: ExportFormat) -> String {
    let thing = match what {
        ExportWhat::Reports => t_string!(i18n, export.reports),
        ExportWhat::Households => t_string!(i18n, export.households),
        ExportWhat::Visits => t_string!(i18n, export.visits),
    };
    format!("{thing} {}", format.extension().to_uppercase())
}

/// One export button per format of `what`; `full` offers the unmasked box.
#[component]
pub fn ExportBar(what: ExportWhat, #[prop(default = false)] offer_full: bool) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let busy = RwSignal::new(false);
    let full = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    let may_export = move || ctx.me().is_some_and(|me| me.role.manages());
    let export = move |format: ExportFormat| {
        busy.set(true);
        message.set(None);
        let req = ExportRequest {
            what,
            format,
            full: offer_full && full.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            // Exports need the server: only it has every record, and only
            // it can write the audit entry the law asks for.
            let outcome = match ipc::call::<Export>(&req).await {
                Ok(done) => {
                    let mut text = t_string!(i18n, export.done)
                        .replace("{n}", &done.rows.to_string())
                        .replace("{path}", &done.path);
                    if done.left_out > 0 {
                        text += &t_string!(i18n, export.left_out)
                            .replace("{n}", &done.left_out.to_string());
                    }
                    Ok(text)
                }
                Err(e) => Err(online_error(i18n, e.code, &e.message)),
            };
            message.set(Some(outcome));
            busy.set(false);
        });
    };
    let id =
        move |format: ExportFormat| format!("export-{}-{}", what.file_stem(), format.extension());
    view! {
        <Show when=may_export>
            <div class="export-bar">
                {[ExportFormat::Csv, ExportFormat::Xlsx].into_iter().map(|format| view! {
                    <button id=id(format) class="secondary" disabled=move || busy.get()
                        on:click=move |_| export(format)>
                        {move || button_label(i18n, what, format)}
                    </button>
                }).collect_view()}
                {offer_full.then(|| view! {
                    <label class="full-data">
                        <input type="checkbox" id=format!("export-{}-full", what.file_stem())
                            prop:checked=move || full.get()
                            on:change=move |ev| full.set(event_target_checked(&ev)) />
                        {move || t_string!(i18n, export.full)}
                    </label>
                })}
                {move || busy.get().then(|| view! { <span class="spinner"></span><span>{t_string!(i18n, export.running)}</span> })}
                {move || message.get().map(|m| match m {
                    Ok(text) => view! { <p id="export-message" class="notice">{text}</p> }.into_any(),
                    Err(text) => view! { <p id="export-message" class="error">{text}</p> }.into_any(),
                })}
            </div>
        </Show>
    }
}
