//! What every screen shares: the device's account and settings as the
//! shell last told them, the sync picture, a notice that outlives the
//! screen that raised it, and a revision per kind of record that moves
//! when the shell says records of that kind changed — lists read again
//! when theirs moves, instead of polling.

use gridwalk_domain::DocKind;
use gridwalk_domain::directory::Me;
use gridwalk_domain::ipc::AppInfo;
use gridwalk_domain::sync_state::SyncStatus;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub info: RwSignal<Option<AppInfo>>,
    pub status: RwSignal<SyncStatus>,
    pub toast: RwSignal<Option<String>>,
    revisions: RwSignal<BTreeMap<DocKind, u64>>,
}

impl Ctx {
    pub fn new() -> Self {
        Self {
            info: RwSignal::new(None),
            status: RwSignal::new(SyncStatus::default()),
            toast: RwSignal::new(None),
            revisions: RwSignal::new(BTreeMap::new()),
        }
    }

    pub fn me(&self) -> Option<Me> {
        self.info.get().and_then(|i| i.me)
    }

    /// Reads (and so tracks) the revision of `kinds`: a list that calls
    /// this in its loader reloads when any of them changes.
    pub fn revision(&self, kinds: &[DocKind]) -> u64 {
        let r = self.revisions.get();
        kinds.iter().map(|k| r.get(k).copied().unwrap_or(0)).sum()
    }

    /// The shell said records of `kinds` changed.
    pub fn changed(&self, kinds: &[DocKind]) {
        self.revisions.update(|r| {
            for k in kinds {
                *r.entry(*k).or_default() += 1;
            }
        });
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}
