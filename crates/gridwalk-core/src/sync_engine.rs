//! The device side of sync, without any network code: it builds the next
//! request from the outbox, and applies the server's answer. The app shell
//! moves the bytes; tests can move them any way they like.
//!
//! Invariants: an outbox row is deleted only when the server acknowledged its
//! hash; the cursor is stored in the same transaction that applies the pulled
//! changes; a pulled change whose dependencies are missing is parked, not
//! dropped, so moving the cursor past it loses nothing.

use automerge::{ActorId, Change};
use gridwalk_domain::sync::{
    MAX_CHANGES_PER_PUSH, MAX_PUSH_CHANGE_BYTES, PROTOCOL_VERSION, SyncRequest, SyncResponse,
    WireChange,
};
use gridwalk_domain::{DocId, DocKind};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{CoreError, Result};
use crate::records::write_search;
use crate::store::{Store, set_meta};

/// What one applied answer did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PullOutcome {
    pub acked: usize,
    pub applied: usize,
    pub parked: usize,
    /// The kinds of the records the answer changed or confirmed as stored,
    /// for lists to refresh.
    pub changed: BTreeSet<DocKind>,
    /// The server's directory moved on since this device last read its
    /// account: fetch `Me` again, then `directory_seen`.
    pub directory_changed: bool,
    /// The server was restored from a backup since the last sync: the
    /// cursor went back to the start and this device's own changes are
    /// queued again. Sync once more.
    pub server_restored: bool,
}

/// The directory version the stored `Me` was read under.
const DIRECTORY_KEY: &str = "directory_version";
/// The name of the server's feed this device's cursor belongs to.
const EPOCH_KEY: &str = "feed_epoch";

impl Store {
    pub fn cursor(&self) -> Result<u64> {
        Ok(self
            .meta("cursor")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// The next request: the oldest unsent changes (at most one batch, by
    /// count and by bytes) and the cursor.
    pub fn sync_request(&self) -> Result<SyncRequest> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc_id, scope, bytes FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map([MAX_CHANGES_PER_PUSH as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut changes = Vec::new();
        let mut total = 0;
        for row in rows {
            let (doc, scope, bytes) = row?;
            total += bytes.len();
            if total > MAX_PUSH_CHANGE_BYTES && !changes.is_empty() {
                break;
            }
            changes.push(WireChange {
                doc: DocId::parse(&doc).map_err(|e| CoreError::Invalid(e.to_string()))?,
                scope: gridwalk_domain::GridId::parse(&scope)
                    .map_err(|e| CoreError::Invalid(e.to_string()))?,
                bytes,
            });
        }
        Ok(SyncRequest {
            protocol: PROTOCOL_VERSION,
            device: self.device(),
            cursor: self.cursor()?,
            changes,
        })
    }

    /// Applies the server's answer to `sent`. Everything is checked before
    /// anything is written; a bad answer changes nothing.
    pub fn apply_sync_response(
        &mut self,
        sent: &SyncRequest,
        resp: &SyncResponse,
    ) -> Result<PullOutcome> {
        let epoch = resp.epoch.to_string();
        let stored_epoch = self.meta(EPOCH_KEY)?;
        if resp.epoch != 0 && stored_epoch.as_ref().is_some_and(|e| *e != epoch) {
            return self.start_again_after_restore(sent, resp);
        }
        if resp.cursor < sent.cursor {
            return Err(CoreError::BadServerData(format!(
                "the cursor went back from {} to {}",
                sent.cursor, resp.cursor
            )));
        }
        let mut by_doc: BTreeMap<DocId, (String, Vec<Change>)> = BTreeMap::new();
        for wc in &resp.changes {
            let change = Change::from_bytes(wc.bytes.clone()).map_err(|e| {
                CoreError::BadServerData(format!("change for {} does not decode: {e}", wc.doc))
            })?;
            by_doc
                .entry(wc.doc)
                .or_insert_with(|| (wc.scope.to_string(), Vec::new()))
                .1
                .push(change);
        }
        let acked = resp.acked as usize;
        if acked > sent.changes.len() {
            return Err(CoreError::BadServerData(format!(
                "{acked} changes acknowledged, {} sent",
                sent.changes.len()
            )));
        }
        // A page the server sent can be sent again: it need not be on disk
        // before this returns. The cursor is in the same transaction, so a
        // power cut that loses the page loses the cursor's move too, and
        // the next pass pulls it again; acked outbox rows that come back
        // are pushed again and acknowledged as known. The device's own
        // edits commit with a full sync, which makes everything before
        // them durable as well (WAL is written in order).
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let applied = self.apply_page(sent, resp, by_doc);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let outcome = applied?;
        restored?;
        Ok(outcome)
    }

    /// `apply_sync_response` once the answer is checked and decoded.
    fn apply_page(
        &mut self,
        sent: &SyncRequest,
        resp: &SyncResponse,
        by_doc: BTreeMap<DocId, (String, Vec<Change>)>,
    ) -> Result<PullOutcome> {
        let acked = resp.acked as usize;
        let device = self.device();
        let tx = self.conn.transaction()?;
        let mut outcome = PullOutcome::default();
        let (removed, docs) = drop_acked(&tx, &sent.changes[..acked])?;
        outcome.acked = removed;
        for doc in &docs {
            // Its record now reads 已同步: lists showing its kind refresh.
            let kind: Option<String> = tx
                .prepare_cached("SELECT kind FROM documents WHERE doc_id = ?1")?
                .query_row([doc], |r| r.get(0))
                .optional()?;
            outcome
                .changed
                .extend(kind.and_then(|k| DocKind::parse(&k).ok()));
        }
        let mut search = Vec::new();
        let pulled = merge::read_stored(&tx, by_doc, &mut self.loaded)?;
        for mut merged in merge::merge_all(pulled, &device)? {
            let keep = merged.loaded.take();
            let a = merge::write(&tx, merged)?;
            if let Some((id, bytes, doc)) = keep {
                self.loaded.keep(id, bytes, doc);
            }
            outcome.applied += a.applied;
            outcome.parked += a.parked;
            if let (true, Some(kind)) = (a.applied > 0, a.kind) {
                outcome.changed.insert(kind);
            }
            search.extend(a.search);
        }
        write_search(&tx, &search)?;
        set_meta(&tx, "cursor", &resp.cursor.to_string())?;
        if resp.epoch != 0 {
            set_meta(&tx, EPOCH_KEY, &resp.epoch.to_string())?;
        }
        tx.commit()?;
        outcome.directory_changed =
            self.meta(DIRECTORY_KEY)?.as_deref() != Some(resp.directory.to_string().as_str());
        Ok(outcome)
    }

    /// The server's feed has a new name: it was restored from a backup that
    /// may lack what was synced since. The answer's page belongs to a cursor
    /// that no longer means anything, so it is not applied; its acks are
    /// (those changes are stored in the restored feed). The cursor goes back
    /// to the start and every change this device made is queued again; the
    /// server keeps one copy of each.
    fn start_again_after_restore(
        &mut self,
        sent: &SyncRequest,
        resp: &SyncResponse,
    ) -> Result<PullOutcome> {
        let acked = (resp.acked as usize).min(sent.changes.len());
        let device = self.device();
        let tx = self.conn.transaction()?;
        drop_acked(&tx, &sent.changes[..acked])?;
        let queued = queue_own_changes(&tx, &device)?;
        set_meta(&tx, "cursor", "0")?;
        set_meta(&tx, EPOCH_KEY, &resp.epoch.to_string())?;
        tx.commit()?;
        tracing::warn!(
            queued,
            "the sync server was restored from a backup: syncing again from the start"
        );
        Ok(PullOutcome {
            acked,
            server_restored: true,
            ..Default::default()
        })
    }

    /// Remembers that `Me` was read after the server's directory reached
    /// `version`.
    pub fn directory_seen(&self, version: u64) -> Result<()> {
        self.set_meta(DIRECTORY_KEY, &version.to_string())
    }

    /// Unsent changes and photos, for the header's counter.
    pub fn pending_counts(&self) -> Result<(u64, u64)> {
        let changes: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        let photos = self.blobs_to_upload()?.len() as u64;
        Ok((changes as u64, photos))
    }
}

/// Deletes from the outbox the changes the server acknowledged (an ack
/// covers the first changes sent); returns how many rows went and the
/// documents they belong to.
fn drop_acked(tx: &Transaction<'_>, acked: &[WireChange]) -> Result<(usize, Vec<String>)> {
    let mut removed = 0;
    let mut docs = Vec::with_capacity(acked.len());
    for c in acked {
        let doc = c.doc.to_string();
        // A change's hash is a digest of its bytes, so equal bytes are the
        // same change: matched among the document's few queued rows, with
        // no decoding (which was most of the cost of an acknowledged page).
        removed += tx
            .prepare_cached("DELETE FROM outbox WHERE doc_id = ?1 AND bytes = ?2")?
            .execute(params![doc, c.bytes])?;
        docs.push(doc);
    }
    Ok((removed, docs))
}

/// Queues every change this device made to any stored document, oldest
/// first per document; ones already queued stay as they are.
fn queue_own_changes(tx: &Transaction<'_>, device: &gridwalk_domain::DeviceId) -> Result<usize> {
    let actor = ActorId::from(&device.as_bytes()[..]);
    let docs: Vec<(String, String, Vec<u8>)> = tx
        .prepare("SELECT doc_id, scope, bytes FROM documents ORDER BY doc_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut queued = 0;
    for (id, scope, bytes) in docs {
        let mut doc = gridwalk_records::load(&bytes, &id)?;
        for change in doc.get_changes(&[]) {
            if change.actor_id() == &actor {
                queued += tx.execute(
                    "INSERT OR IGNORE INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, ?3, ?4)",
                    params![change.hash().to_string(), id, scope, change.raw_bytes()],
                )?;
            }
        }
    }
    Ok(queued)
}

mod merge;
pub(crate) use merge::KeptLoaded;
#[cfg(test)]
mod tests;
