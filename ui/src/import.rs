//! 导入花名册: the office picks an XLSX or CSV roster; the preview says how
//! many households and members would be created, which are there already,
//! and every row that has a problem — before anything is written. 确认导入
//! then writes every household without a problem in one go; importing the
//! same file again creates nothing new.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::ipc::commands::{PreviewImport, RunImport};
use gridwalk_domain::ipc::import::ImportPreview;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::browser::file_bytes;
use crate::households::picked_file;
use crate::ipc;
use crate::lang::{error_text, t_string, use_i18n};
use crate::state::use_ctx;

#[component]
pub fn ImportView() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_ctx();
    let navigate = use_navigate();
    let file = RwSignal::new(None::<web_sys::File>);
    let preview = RwSignal::new(None::<ImportPreview>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(f) = picked_file(&ev) else { return };
        file.set(Some(f.clone()));
        preview.set(None);
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = match file_bytes(&f).await {
                Ok(bytes) => ipc::call_raw::<PreviewImport>(bytes).await,
                Err(m) => Err(gridwalk_domain::ipc::AppError::new(
                    ErrorCode::ImportRead,
                    m,
                )),
            };
            match answer {
                Ok(p) => preview.set(Some(p)),
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
            busy.set(false);
        });
    };
    let run = move |_| {
        let Some(f) = file.get_untracked() else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let answer = match file_bytes(&f).await {
                Ok(bytes) => ipc::call_raw::<RunImport>(bytes).await,
                Err(m) => Err(gridwalk_domain::ipc::AppError::new(
                    ErrorCode::ImportRead,
                    m,
                )),
            };
            match answer {
                Ok(done) => {
                    ctx.toast.set(Some(
                        t_string!(i18n, import.done)
                            .replace("{n}", &done.households.to_string())
                            .replace("{m}", &done.members.to_string()),
                    ));
                    navigate("/households", Default::default());
                }
                Err(e) => error.set(Some(error_text(i18n, e.code, &e.message))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="form import" id="import">
            <h2>{move || t_string!(i18n, import.title)}</h2>
            <p class="hint">{move || t_string!(i18n, import.hint)}</p>
            <label class="secondary file-pick">
                <input id="import-file" type="file"
                    accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                    on:change=on_pick />
                {move || t_string!(i18n, import.pick)}
            </label>
            {move || busy.get().then(|| view! { <p class="progress"><span class="spinner"></span>{t_string!(i18n, import.reading)}</p> })}
            {move || error.get().map(|m| view! { <p class="error" id="import-error">{m}</p> })}
            {move || preview.get().map(|p| {
                let summary = t_string!(i18n, import.summary)
                    .replace("{n}", &p.new_households.to_string())
                    .replace("{m}", &p.new_members.to_string())
                    .replace("{e}", &p.existing.to_string())
                    .replace("{b}", &p.blocked.to_string());
                let can_run = p.new_households > 0;
                view! {
                    <div class="preview" id="import-preview">
                        <p class="source">{p.source.clone()}</p>
                        <p class="summary" id="import-summary">{summary}</p>
                        {(!p.errors.is_empty()).then(|| view! {
                            <table class="row-errors" id="import-errors">
                                <thead><tr>
                                    <th>{t_string!(i18n, import.row)}</th>
                                    <th>{t_string!(i18n, import.column)}</th>
                                    <th>{t_string!(i18n, import.problem)}</th>
                                </tr></thead>
                                <tbody>{p.errors.iter().map(|e| view! {
                                    <tr><td>{e.row}</td><td>{e.column.clone()}</td><td>{e.message.clone()}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                        })}
                        <ul class="sample">{p.sample.iter().map(|h| view! {
                            <li class:blocked=h.blocked class:exists=h.exists>
                                {h.line.clone()}" · "{h.members.join("、")}
                                {h.exists.then(|| format!("（{}）", t_string!(i18n, import.exists)))}
                                {h.blocked.then(|| format!("（{}）", t_string!(i18n, import.blocked)))}
                            </li>
                        }).collect_view()}</ul>
                        <button class="primary" id="import-run" disabled=move || busy.get() || !can_run on:click=run.clone()>
                            {t_string!(i18n, import.run)}
                        </button>
                    </div>
                }
            })}
        </section>
    }
}
