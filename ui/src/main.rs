//! Gridwalk's UI: Leptos CSR running in the app's webview.
//!
//! It holds no business rules: it shows what the shell returns and sends
//! what a person entered, through `ipc`. Layout is phone-first (360 px wide)
//! and grows into a desktop office view.

mod app;
mod bind;
mod browser;
mod export_bar;
mod i18n;
mod ipc;
mod people;
mod report_form;
mod report_list;
mod settings;
mod sync_badge;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
