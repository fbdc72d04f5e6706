//! Gridwalk's app shell: opens the device store, starts background sync and
//! exposes one thin command per UI action. Business rules live in core.
//!
//! `run()` is the mobile entry point too; nothing here assumes a desktop.

mod app_state;
mod dispatch;
mod export_file;
pub mod notify;
pub mod options;
mod photo_scheme;
pub mod sync_loop;
pub mod transport;

use gridwalk_core::Store;
use gridwalk_domain::ipc::commands::events;
use std::sync::{Arc, Mutex};
use tauri::{Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

pub use app_state::AppState;
pub use notify::{Notifier, ShellEvent};

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    let options = options::AppOptions::from_env_and_args(std::env::args().skip(1));
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let data_dir = match &options.data_dir {
                Some(d) => d.clone(),
                None => app.path().app_data_dir()?,
            };
            let handle = app.handle().clone();
            let notifier = Notifier::new(move |event| {
                let sent = match event {
                    ShellEvent::RecordsChanged(kinds) => {
                        handle.emit(events::RECORDS_CHANGED, kinds)
                    }
                    ShellEvent::SyncStatus(status) => handle.emit(events::SYNC_STATUS, status),
                    ShellEvent::Notice(n) => {
                        // No notification service (a bare desktop, a test
                        // display) is no reason to stop: the lists show it too.
                        if let Err(e) = handle
                            .notification()
                            .builder()
                            .title(&n.title)
                            .body(&n.body)
                            .show()
                        {
                            tracing::info!("notification not shown: {e}");
                        }
                        Ok(())
                    }
                };
                if let Err(e) = sent {
                    tracing::debug!("event not delivered: {e}");
                }
            });
            let mut state = open_state(&data_dir, options.server_url.as_deref(), notifier)?;
            // A desktop office finds its exports where downloads go.
            if let Ok(downloads) = app.path().download_dir() {
                state.exports = downloads;
            }
            open_window(app, &data_dir)?;
            tracing::info!(data = %data_dir.display(), "device store opened");
            let background = state.clone();
            let invitation = options.invitation.clone();
            tauri::async_runtime::spawn(async move {
                if let Some(code) = invitation {
                    redeem_at_start(&background, &code).await;
                }
                background
                    .sync
                    .clone()
                    .run_forever(background.store.clone())
                    .await;
            });
            app.manage(state);
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol(
            gridwalk_domain::ipc::commands::PHOTO_SCHEME,
            photo_scheme::serve,
        )
        .invoke_handler(dispatch::handle)
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("Gridwalk could not start: {e}");
        std::process::exit(1);
    }
}

/// `--invitation CODE`: binds a device that is not bound yet, so a script
/// can start a ready-to-sync app. A bound (or once-bound) device ignores
/// it, which makes rerunning the script safe.
async fn redeem_at_start(state: &AppState, code: &str) {
    let bound_before = match state.store.lock() {
        Ok(s) => s.me().ok().flatten().is_some(),
        Err(_) => return,
    };
    if bound_before {
        tracing::info!("device already bound; --invitation ignored");
        return;
    }
    match state.redeem(code).await {
        Ok(_) => tracing::info!("device bound with the invitation given at start"),
        Err(e) => tracing::warn!("the invitation given at start was not accepted: {e}"),
    }
}

/// The main window, with the webview's own storage (the language choice,
/// caches) inside the device's data folder: two `--data-dir`s are two
/// devices in every respect.
fn open_window(app: &tauri::App, data_dir: &std::path::Path) -> tauri::Result<()> {
    let Some(config) = app.config().app.windows.first() else {
        return Err(tauri::Error::WindowNotFound);
    };
    tauri::WebviewWindowBuilder::from_config(app.handle(), config)?
        .data_directory(data_dir.join("webview"))
        .build()?;
    Ok(())
}

/// Opens the device at `data_dir`. The server is, in order: the one given at
/// start, the one saved in settings, the local default.
pub fn open_state(
    data_dir: &std::path::Path,
    server_url: Option<&str>,
    notifier: Notifier,
) -> Result<AppState, gridwalk_core::CoreError> {
    let store = Store::open(&data_dir.join("gridwalk.sqlite"))?;
    let url = match server_url {
        Some(u) => u.to_owned(),
        None => store
            .meta("server_url")?
            .unwrap_or_else(|| options::DEFAULT_SERVER_URL.to_owned()),
    };
    Ok(AppState {
        sync: Arc::new(sync_loop::SyncService::new(&url, notifier.clone())),
        store: Arc::new(Mutex::new(store)),
        exports: data_dir.join("exports"),
        notifier,
    })
}
