//! 绑定设备: the invitation code box, the account it bound to, and the
//! banner a cut-off device shows. The code is sent as typed; the shell
//! forgives case, spaces and dashes, and takes the QR payload too.

use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::Me;
use gridwalk_domain::ipc::BindRequest;
use gridwalk_domain::ipc::commands::{GetSyncStatus, RedeemInvitation};
use gridwalk_domain::sync_state::DeviceAccess;
use leptos::prelude::*;

use crate::ipc;
use crate::lang::{error_text, role_label, t_string, use_i18n};
use crate::state::Ctx;

/// The grid's name from the user's part of the tree, else its id.
pub fn grid_name(me: &Me, grid: &gridwalk_domain::GridId) -> String {
    me.nodes
        .iter()
        .find(|n| &n.id == grid)
        .map_or_else(|| grid.to_string(), |n| n.name.clone())
}

/// The code input and its button. After a successful redeem the shell's
/// answer replaces `ctx.info` and the sync status is read again at once,
/// so the banner and the form's grid picker update without waiting for a poll.
/// `prefix` names the element ids (`bind-code`, `refused-code`, …), since
/// the banner and the settings card can be on screen together.
#[component]
pub fn CodeInput(#[prop(default = "bind")] prefix: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |_| {
        let req = BindRequest {
            code: code.get_untracked(),
        };
        if req.code.trim().is_empty() {
            message.set(Some((
                false,
                error_text(i18n, ErrorCode::InviteBadCode, ""),
            )));
            return;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            match ipc::call::<RedeemInvitation>(&req).await {
                Ok(info) => {
                    ctx.info.set(Some(info));
                    code.set(String::new());
                    message.set(Some((true, t_string!(i18n, bind.done).to_owned())));
                    if let Ok(s) = ipc::ask::<GetSyncStatus>().await {
                        ctx.status.set(s);
                    }
                }
                Err(e) => message.set(Some((false, error_text(i18n, e.code, &e.message)))),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="bind-input">
            <input id=format!("{prefix}-code") type="text" autocomplete="off" autocapitalize="characters"
                spellcheck="false" placeholder="ABCD-EFGH-JKLM"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
            <button id=format!("{prefix}-submit") class="primary" on:click=submit disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, bind.binding) } else { t_string!(i18n, bind.submit) }}
            </button>
            {move || message.get().map(|(ok, m)| view! {
                <p id=format!("{prefix}-message") class=if ok { "notice" } else { "error" }>{m}</p>
            })}
        </div>
    }
}

/// Who this device works for: name, role and the grids they report into.
#[component]
pub fn AccountCard(me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let grids: Vec<String> = me.grids.iter().map(|g| grid_name(&me, g)).collect();
    let role = {
        let me = me.clone();
        move || role_label(i18n, me.role)
    };
    view! {
        <dl class="account" id="account">
            <dt>{move || t_string!(i18n, bind.account)}</dt>
            <dd id="account-name">{me.name.clone()}</dd>
            <dt>{move || t_string!(i18n, bind.role)}</dt>
            <dd id="account-role">{role}</dd>
            <dt>{move || t_string!(i18n, bind.grids)}</dt>
            <dd id="account-grids">{grids.join("、")}</dd>
        </dl>
    }
}

/// The 绑定设备 card: the account when bound, the code input always (a
/// device can be handed to someone else with a new code).
#[component]
pub fn BindPanel() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let me = move || ctx.info.get().and_then(|i| i.me);
    view! {
        <section class="bind-panel" id="bind-panel">
            <h2>{move || t_string!(i18n, bind.title)}</h2>
            {move || match me() {
                Some(me) => view! { <AccountCard me=me /> }.into_any(),
                None => view! { <p class="bind-intro">{move || t_string!(i18n, bind.intro)}</p> }.into_any(),
            }}
            <CodeInput />
        </section>
    }
}

/// Shown above every tab while the server refuses this device: what
/// happened, that nothing is lost, and where to type the new code.
#[component]
pub fn RefusedBanner() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<Ctx>();
    let refused = move || match ctx.status.get().access {
        DeviceAccess::Refused { code } => Some(code),
        _ => None,
    };
    move || {
        refused().map(|code| {
            let revoked = code == ErrorCode::AuthRevoked;
            let text = move || {
                let n = ctx.status.get().pending_changes;
                // "0 unsynced records" reads like something went missing.
                let template = match (revoked, n == 0) {
                    (true, false) => t_string!(i18n, refused.revoked),
                    (true, true) => t_string!(i18n, refused.revoked_all_synced),
                    (false, false) => t_string!(i18n, refused.unknown),
                    (false, true) => t_string!(i18n, refused.unknown_all_synced),
                };
                template.replace("{n}", &n.to_string())
            };
            view! {
                <section class="refused-banner" id="refused-banner" role="alert">
                    <p class="refused-text">{text}</p>
                    <CodeInput prefix="refused" />
                </section>
            }
        })
    }
}
