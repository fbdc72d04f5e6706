//! Gridwalk's UI: Leptos CSR running in the app's webview.
//!
//! It holds no business rules: it shows what the shell returns and sends
//! what a person entered, through `ipc`, with the commands named once in
//! domain. Screens live behind routes (`app`), shared state in `state`,
//! strings in `lang`. Layout is phone-first (360 px wide) and grows into a
//! desktop office view.

mod app;
mod bind;
mod browser;
mod export_bar;
mod households;
mod import;
mod ipc;
mod lang;
mod map;
mod nav;
mod needs;
mod orders;
mod people;
mod report_form;
mod report_list;
mod settings;
mod sheets;
mod state;
mod sync_badge;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
