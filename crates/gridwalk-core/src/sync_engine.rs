//! The device side of sync, without any network code: it builds the next
//! request from the outbox, and applies the server's answer. The app shell
//! moves the bytes; tests can move them any way they like.
//!
//! Invariants: an outbox row is deleted only when the server acknowledged its
//! hash; the cursor is stored in the same transaction that applies the pulled
//! changes; a pulled change whose dependencies are missing is parked, not
//! dropped, so moving the cursor past it loses nothing.

use automerge::{ActorId, AutoCommit, Change};
use gridwalk_domain::sync::{
    MAX_CHANGES_PER_PUSH, MAX_PUSH_CHANGE_BYTES, PROTOCOL_VERSION, SyncRequest, SyncResponse,
    WireChange,
};
use gridwalk_domain::{DocId, DocKind, GridId};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{CoreError, Result};
use crate::records::project;
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
}

/// The directory version the stored `Me` was read under.
const DIRECTORY_KEY: &str = "directory_version";

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
        // The ack covers the first `acked` (document, change) pairs sent.
        let sent_pairs: Vec<(String, String)> = sent.changes[..acked]
            .iter()
            .filter_map(|c| {
                let hash = Change::from_bytes(c.bytes.clone()).ok()?.hash().to_string();
                Some((c.doc.to_string(), hash))
            })
            .collect();

        let device = self.device();
        let tx = self.conn.transaction()?;
        let mut outcome = PullOutcome::default();
        for (doc, hash) in &sent_pairs {
            outcome.acked += tx.execute(
                "DELETE FROM outbox WHERE doc_id = ?1 AND change_hash = ?2",
                params![doc, hash],
            )?;
            // Its record now reads 已同步: lists showing its kind refresh.
            let kind: Option<String> = tx
                .query_row("SELECT kind FROM documents WHERE doc_id = ?1", [doc], |r| {
                    r.get(0)
                })
                .optional()?;
            outcome
                .changed
                .extend(kind.and_then(|k| DocKind::parse(&k).ok()));
        }
        for (doc_id, (scope, changes)) in by_doc {
            let (applied, parked, kind) = apply_to_doc(&tx, &device, &doc_id, &scope, changes)?;
            outcome.applied += applied;
            outcome.parked += parked;
            if let (true, Some(kind)) = (applied > 0, kind) {
                outcome.changed.insert(kind);
            }
        }
        set_meta(&tx, "cursor", &resp.cursor.to_string())?;
        tx.commit()?;
        outcome.directory_changed =
            self.meta(DIRECTORY_KEY)?.as_deref() != Some(resp.directory.to_string().as_str());
        Ok(outcome)
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

/// Merges pulled changes (and any parked for this document) into the stored
/// document, parks what still lacks dependencies, and re-projects.
fn apply_to_doc(
    tx: &Transaction<'_>,
    device: &gridwalk_domain::DeviceId,
    doc_id: &DocId,
    wire_scope: &str,
    mut changes: Vec<Change>,
) -> Result<(usize, usize, Option<DocKind>)> {
    let id = doc_id.to_string();
    let stored: Option<(Vec<u8>, String)> = tx
        .query_row(
            "SELECT bytes, scope FROM documents WHERE doc_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (mut doc, scope) = match stored {
        Some((bytes, scope)) => (gridwalk_records::load(&bytes, &id)?, scope),
        None => (AutoCommit::new(), wire_scope.to_owned()),
    };
    doc.set_actor(ActorId::from(&device.as_bytes()[..]));
    {
        let mut stmt = tx.prepare_cached("SELECT bytes FROM parked_changes WHERE doc_id = ?1")?;
        for bytes in stmt.query_map([&id], |r| r.get::<_, Vec<u8>>(0))? {
            if let Ok(c) = Change::from_bytes(bytes?) {
                changes.push(c);
            }
        }
    }
    let incoming: Vec<(automerge::ChangeHash, Vec<u8>)> = changes
        .iter()
        .map(|c| (c.hash(), c.raw_bytes().to_vec()))
        .collect();
    doc.apply_changes(changes)
        .map_err(|e| CoreError::BadServerData(format!("changes for {id} do not apply: {e}")))?;
    let (mut applied, mut parked) = (0, 0);
    for (hash, bytes) in incoming {
        let have = doc.get_change_by_hash(&hash).is_some();
        let hash = hash.to_string();
        if have {
            applied += 1;
            tx.execute(
                "DELETE FROM parked_changes WHERE doc_id = ?1 AND change_hash = ?2",
                params![id, hash],
            )?;
        } else {
            parked += 1;
            tx.execute(
                "INSERT OR IGNORE INTO parked_changes(change_hash, doc_id, scope, bytes)
                 VALUES (?1, ?2, ?3, ?4)",
                params![hash, id, scope, bytes],
            )?;
        }
    }
    if doc.get_heads().is_empty() {
        return Ok((applied, parked, None));
    }
    let doc_kind = gridwalk_records::kind(&doc);
    let kind = doc_kind.map_or("", |k| k.as_str());
    tx.execute(
        "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT(doc_id) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes",
        params![id, kind, scope, doc.save()],
    )?;
    let grid = GridId::parse(&scope).map_err(|e| CoreError::BadServerData(e.to_string()))?;
    project(tx, doc_id, &grid, &doc)?;
    Ok((applied, parked, doc_kind))
}

#[cfg(test)]
mod tests;
