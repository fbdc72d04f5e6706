//! 两个版本: a field two people set at once, or a member removed on one
//! phone and edited on another. Every version is shown with who wrote it
//! and when (on their phone's clock); picking one writes a change that
//! settles it on every device. Nothing is chosen for the person.

use gridwalk_domain::ipc::archive::Resolve;
use gridwalk_domain::ipc::commands::ResolveConflict;
use gridwalk_domain::record::{Choice, Conflict, ConflictKind};
use gridwalk_domain::{DocId, MemberId};
use leptos::prelude::*;

use crate::browser::short_time;
use crate::ipc;
use crate::lang::{I18n, error_text, t_string, use_i18n};

/// What a field path means to a person: 成员 王小明 · 电话.
fn field_label(i18n: I18n, path: &[String], names: &[(MemberId, String)]) -> String {
    let field = |f: &str| match f {
        "phone" => t_string!(i18n, member.phone),
        "id_number" => t_string!(i18n, member.id_number),
        "name" => t_string!(i18n, member.name),
        "relation" => t_string!(i18n, member.relation),
        "birth_year" => t_string!(i18n, member.birth_year),
        "notes" => t_string!(i18n, member.notes),
        "removed" => t_string!(i18n, member.removed),
        "address" | "estate" | "building" | "unit" | "room" => t_string!(i18n, households.door),
        "tags" => t_string!(i18n, households.tags),
        _ => t_string!(i18n, conflict.field),
    };
    match path {
        [m, id, rest @ ..] if m == "members" => {
            let name = names
                .iter()
                .find(|(mid, _)| mid.to_string() == *id)
                .map_or_else(String::new, |(_, n)| n.clone());
            match rest.first() {
                Some(f) => format!("{} {name} · {}", t_string!(i18n, member.one), field(f)),
                None => format!("{} {name}", t_string!(i18n, member.one)),
            }
        }
        [first, ..] => field(first).to_owned(),
        [] => t_string!(i18n, conflict.field).to_owned(),
    }
}

#[component]
pub fn ConflictPicker(
    record: DocId,
    conflicts: Vec<Conflict>,
    names: Vec<(MemberId, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let settle = move |path: Vec<String>, choice: Choice| {
        busy.set(true);
        let r = Resolve {
            record,
            path,
            choice,
        };
        leptos::task::spawn_local(async move {
            if let Err(e) = ipc::call::<ResolveConflict>(&r).await {
                error.set(Some(error_text(i18n, e.code, &e.message)));
            }
            busy.set(false);
        });
    };
    let who = move |by: &Option<String>, at: Option<i64>| {
        format!(
            "{} · {}",
            by.clone()
                .unwrap_or_else(|| t_string!(i18n, conflict.someone).to_owned()),
            at.map(short_time).unwrap_or_default()
        )
    };
    view! {
        <section class="conflicts" id="conflicts">
            <h3>{move || t_string!(i18n, conflict.title)}</h3>
            <p class="hint">{move || t_string!(i18n, conflict.hint)}</p>
            {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
            {conflicts.into_iter().enumerate().map(|(n, c)| {
                let label = field_label(i18n, &c.path, &names);
                let path = c.path.clone();
                match c.kind {
                    ConflictKind::Versions => view! {
                        <div class="conflict" id=format!("conflict-{n}")>
                            <p class="conflict-field">{label}</p>
                            <ul class="versions">
                                {c.versions.into_iter().enumerate().map(|(i, v)| {
                                    let path = path.clone();
                                    let op = v.op.clone();
                                    view! {
                                        <li class="version">
                                            <span class="shown">{v.shown.clone()}</span>
                                            <span class="who">{who(&v.by, v.at_ms)}</span>
                                            <button class="secondary" id=format!("pick-{n}-{i}") disabled=move || busy.get()
                                                on:click=move |_| settle(path.clone(), Choice::Version { op: op.clone() })>
                                                {move || t_string!(i18n, conflict.pick)}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                    }.into_any(),
                    ConflictKind::EditedWhileRemoved => {
                        let removal = c.versions.first().cloned();
                        let edits: Vec<String> = c.versions.iter().skip(1).map(|v| {
                            format!("{}：{}（{}）", field_label(i18n, &[v.field.clone().unwrap_or_default()], &[]), v.shown, who(&v.by, v.at_ms))
                        }).collect();
                        let (keep_path, remove_path) = (path.clone(), path);
                        view! {
                            <div class="conflict" id=format!("conflict-{n}")>
                                <p class="conflict-field">{label}</p>
                                <p>{removal.map(|r| t_string!(i18n, conflict.removed_by).replace("{who}", &who(&r.by, r.at_ms)))}</p>
                                <p>{t_string!(i18n, conflict.edited_meanwhile)}" "{edits.join("；")}</p>
                                <button class="secondary" id=format!("keep-{n}") disabled=move || busy.get()
                                    on:click=move |_| settle(keep_path.clone(), Choice::KeepEntry)>{move || t_string!(i18n, conflict.keep)}</button>
                                <button class="secondary" id=format!("confirm-removal-{n}") disabled=move || busy.get()
                                    on:click=move |_| settle(remove_path.clone(), Choice::ConfirmRemoval)>{move || t_string!(i18n, conflict.confirm_removal)}</button>
                            </div>
                        }.into_any()
                    }
                }
            }).collect_view()}
        </section>
    }
}
