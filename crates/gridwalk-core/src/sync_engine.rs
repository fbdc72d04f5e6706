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
    MAX_CHANGES_PER_PUSH, PROTOCOL_VERSION, SyncRequest, SyncResponse, WireChange,
};
use gridwalk_domain::{BlobHash, DocId, HazardReport};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, HashSet};

use crate::document;
use crate::error::{CoreError, Result};
use crate::photo::{is_jpeg, sha256_hash};
use crate::reports::{REPORT_KIND, project_report};
use crate::store::{Store, set_meta};

/// What one applied answer did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PullOutcome {
    pub acked: usize,
    pub applied: usize,
    pub parked: usize,
}

impl Store {
    pub fn cursor(&self) -> Result<u64> {
        Ok(self
            .meta("cursor")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// The next request: the oldest unsent changes (at most one batch) and the cursor.
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
        for row in rows {
            let (doc, scope, bytes) = row?;
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
        let sent_hashes: HashSet<String> = sent
            .changes
            .iter()
            .filter_map(|c| Change::from_bytes(c.bytes.clone()).ok())
            .map(|c| c.hash().to_string())
            .collect();

        let device = self.device();
        let tx = self.conn.transaction()?;
        let mut outcome = PullOutcome::default();
        for hash in resp.acked.iter().filter(|h| sent_hashes.contains(*h)) {
            outcome.acked += tx.execute("DELETE FROM outbox WHERE change_hash = ?1", [hash])?;
        }
        for (doc_id, (scope, changes)) in by_doc {
            let (applied, parked) = apply_to_doc(&tx, &device, &doc_id, &scope, changes)?;
            outcome.applied += applied;
            outcome.parked += parked;
        }
        set_meta(&tx, "cursor", &resp.cursor.to_string())?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Photos referenced by reports that the server does not have yet.
    pub fn blobs_to_upload(&self) -> Result<Vec<BlobHash>> {
        self.hashes(
            "SELECT DISTINCT b.hash FROM blobs b JOIN report_photos p ON b.hash IN (p.hash, p.thumb)
             WHERE b.uploaded = 0 ORDER BY b.created_at_ms",
        )
    }

    /// Photos referenced by reports that are not on this device yet.
    pub fn blobs_to_download(&self) -> Result<Vec<BlobHash>> {
        self.hashes(
            "SELECT h FROM (SELECT hash AS h FROM report_photos UNION SELECT thumb FROM report_photos)
             WHERE h NOT IN (SELECT hash FROM blobs) ORDER BY h",
        )
    }

    pub fn blob_bytes(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>> {
        self.blob(hash)
    }

    pub fn mark_blob_uploaded(&self, hash: &BlobHash) -> Result<()> {
        self.conn.execute(
            "UPDATE blobs SET uploaded = 1 WHERE hash = ?1",
            [hash.as_str()],
        )?;
        Ok(())
    }

    /// Keeps a photo fetched from the server, after checking it is what its
    /// hash says and really a JPEG.
    pub fn store_downloaded_blob(&self, hash: &BlobHash, bytes: &[u8], now_ms: i64) -> Result<()> {
        if &sha256_hash(bytes) != hash {
            return Err(CoreError::BadServerData(format!(
                "photo {hash} does not match its hash"
            )));
        }
        if !is_jpeg(bytes) {
            return Err(CoreError::BadServerData(format!(
                "photo {hash} is not a JPEG"
            )));
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO blobs(hash, bytes, mime, uploaded, created_at_ms)
             VALUES (?1, ?2, 'image/jpeg', 1, ?3)",
            params![hash.as_str(), bytes, now_ms],
        )?;
        Ok(())
    }

    /// Unsent changes and photos, for the header's counter.
    pub fn pending_counts(&self) -> Result<(u64, u64)> {
        let changes: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        let photos = self.blobs_to_upload()?.len() as u64;
        Ok((changes as u64, photos))
    }

    fn hashes(&self, sql: &str) -> Result<Vec<BlobHash>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for h in rows {
            // A hash that does not parse came from a hostile document: skip it.
            if let Ok(h) = BlobHash::parse(&h?) {
                out.push(h);
            }
        }
        Ok(out)
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
) -> Result<(usize, usize)> {
    let id = doc_id.to_string();
    let stored: Option<(Vec<u8>, String)> = tx
        .query_row(
            "SELECT bytes, scope FROM documents WHERE doc_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (mut doc, scope) = match stored {
        Some((bytes, scope)) => (document::load(&bytes, &id)?, scope),
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
            tx.execute("DELETE FROM parked_changes WHERE change_hash = ?1", [&hash])?;
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
        return Ok((applied, parked));
    }
    let kind = document::kind(&doc).unwrap_or_default();
    tx.execute(
        "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT(doc_id) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes",
        params![id, kind, scope, doc.save()],
    )?;
    if kind == REPORT_KIND {
        match document::read_body::<HazardReport>(&doc, &id) {
            Ok(report) if report.id == *doc_id => project_report(tx, &report)?,
            Ok(_) => tracing::warn!(doc = %id, "report body names another id; not listed"),
            Err(e) => tracing::warn!(doc = %id, "report not listed: {e}"),
        }
    }
    Ok((applied, parked))
}

#[cfg(test)]
mod tests;
