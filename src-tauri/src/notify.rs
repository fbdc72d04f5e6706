//! What the shell tells the UI without being asked: which kinds of records
//! changed (so lists read again, instead of polling), the sync picture, and
//! notices for the person (a new order, a deadline running out).
//! The app sends them as Tauri events; tests and headless use drop them.

use gridwalk_core::orders::notices::Notice;
use gridwalk_domain::DocKind;
use gridwalk_domain::sync_state::SyncStatus;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum ShellEvent {
    RecordsChanged(Vec<DocKind>),
    SyncStatus(SyncStatus),
    /// Something the person should hear about even with the app in the
    /// background: shown as a system notification.
    Notice(Notice),
}

type Sink = dyn Fn(ShellEvent) + Send + Sync;

#[derive(Clone)]
pub struct Notifier(Arc<Sink>);

impl Notifier {
    pub fn new(sink: impl Fn(ShellEvent) + Send + Sync + 'static) -> Self {
        Self(Arc::new(sink))
    }

    /// Drops every event: nothing is listening.
    pub fn silent() -> Self {
        Self::new(|_| {})
    }

    pub fn send(&self, event: ShellEvent) {
        (self.0)(event);
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}
