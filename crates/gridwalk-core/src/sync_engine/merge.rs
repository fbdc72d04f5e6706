//! Merging a page of pulled changes into the stored documents, in three
//! steps: read what is stored (SQL), merge and read each document (pure
//! Automerge work, on several threads when there are several documents),
//! then write documents, parked changes and list rows (SQL). The Automerge
//! work is most of the cost of a sync, and documents are independent.

use automerge::{ActorId, AutoCommit, Change, ChangeHash};
use gridwalk_domain::{DeviceId, DocId, DocKind, GridId};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::error::{CoreError, Result};
use crate::records::{Arrival, Prepared, prepare, write_prepared};

/// Records kept loaded after a pull merged into them, each with the bytes
/// stored for it, so the next change to the same record (an office's board
/// following a worker's household) merges without loading it: loading is
/// most of a small merge. An entry is used only while the store holds
/// exactly its bytes, so a write by any other path, or a rolled-back one,
/// just leaves it unused.
#[derive(Default)]
pub(crate) struct KeptLoaded {
    docs: HashMap<DocId, (u64, Vec<u8>, AutoCommit)>,
    order: VecDeque<(DocId, u64)>,
    next: u64,
}

impl std::fmt::Debug for KeptLoaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptLoaded")
            .field("records", &self.docs.len())
            .finish()
    }
}

/// Records kept loaded at most.
const KEPT_LOADED: usize = 64;

impl KeptLoaded {
    /// The loaded record, if it is still what `stored` holds.
    fn take(&mut self, id: &DocId, stored: &[u8]) -> Option<AutoCommit> {
        let (_, bytes, doc) = self.docs.remove(id)?;
        (bytes == stored).then_some(doc)
    }

    pub(super) fn keep(&mut self, id: DocId, bytes: Vec<u8>, doc: AutoCommit) {
        self.next += 1;
        self.docs.insert(id, (self.next, bytes, doc));
        self.order.push_back((id, self.next));
        while self.docs.len() > KEPT_LOADED {
            let Some((old, generation)) = self.order.pop_front() else {
                break;
            };
            if self
                .docs
                .get(&old)
                .is_some_and(|(g, _, _)| *g == generation)
            {
                self.docs.remove(&old);
            }
        }
        // A record taken and kept again leaves its old place in line behind:
        // an office pulling the same few records all day would grow it forever.
        if self.order.len() > 4 * KEPT_LOADED {
            let docs = &self.docs;
            self.order
                .retain(|(id, g)| docs.get(id).is_some_and(|(kept, _, _)| kept == g));
        }
    }
}

/// One document's pulled changes and what the store holds of it.
pub(super) struct Pulled {
    id: DocId,
    /// The stored document's bytes and grid; `None` when it is new here.
    stored: Option<(Vec<u8>, String)>,
    /// The stored document already loaded (`KeptLoaded`).
    loaded: Option<AutoCommit>,
    wire_scope: String,
    /// Pulled changes, then the ones parked for it earlier.
    changes: Vec<Change>,
    had_parked: bool,
    /// Its list row says it holds conflicts.
    was_conflicted: bool,
}

/// What merging one document produced, for the writing step.
pub(super) struct Merged {
    id: DocId,
    scope: String,
    applied: Vec<ChangeHash>,
    parked: Vec<(ChangeHash, Vec<u8>)>,
    had_parked: bool,
    /// The document to store, its kind and its list rows; `None` while it
    /// has no change yet (everything pulled is parked).
    stored: Option<(Vec<u8>, Option<DocKind>, Option<Prepared>)>,
    arrival: Arrival,
    /// The merged document and its stored bytes, to keep loaded.
    pub(super) loaded: Option<(DocId, Vec<u8>, AutoCommit)>,
}

/// What applying one document's pulled changes did.
pub(super) struct Applied {
    pub applied: usize,
    pub parked: usize,
    pub kind: Option<DocKind>,
    /// Its search row, indexed with the rest of the page.
    pub search: Option<(i64, String)>,
}

/// Step 1: what the store holds of each document the page touches.
pub(super) fn read_stored(
    tx: &Transaction<'_>,
    by_doc: BTreeMap<DocId, (String, Vec<Change>)>,
    kept: &mut KeptLoaded,
) -> Result<Vec<Pulled>> {
    let mut out = Vec::with_capacity(by_doc.len());
    for (id, (wire_scope, mut changes)) in by_doc {
        let label = id.to_string();
        let stored: Option<(Vec<u8>, String)> = tx
            .prepare_cached("SELECT bytes, scope FROM documents WHERE doc_id = ?1")?
            .query_row([&label], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let mut had_parked = false;
        let mut stmt = tx.prepare_cached("SELECT bytes FROM parked_changes WHERE doc_id = ?1")?;
        for bytes in stmt.query_map([&label], |r| r.get::<_, Vec<u8>>(0))? {
            had_parked = true;
            if let Ok(c) = Change::from_bytes(bytes?) {
                changes.push(c);
            }
        }
        let was_conflicted = stored.is_some()
            && tx
                .prepare_cached("SELECT conflicts FROM records WHERE doc_id = ?1")?
                .query_row([&label], |r| r.get::<_, bool>(0))
                .optional()?
                .unwrap_or(true);
        let loaded = stored.as_ref().and_then(|(bytes, _)| kept.take(&id, bytes));
        out.push(Pulled {
            id,
            stored,
            loaded,
            wire_scope,
            changes,
            had_parked,
            was_conflicted,
        });
    }
    Ok(out)
}

/// Whether `changes`, in order, each build on everything before them: then
/// they add no concurrency, and so no conflict, to a document whose heads
/// were `heads`.
fn extends_linearly(mut heads: Vec<ChangeHash>, changes: &[Change]) -> bool {
    heads.sort();
    changes.iter().all(|c| {
        let mut deps = c.deps().to_vec();
        deps.sort();
        let linear = deps == heads;
        heads = vec![c.hash()];
        linear
    })
}

/// Step 2, for one document: no database, so it may run on any thread.
fn merge(p: Pulled, device: &DeviceId) -> Result<Merged> {
    let label = p.id.to_string();
    let new = p.stored.is_none();
    let (mut doc, scope) = match (p.stored, p.loaded) {
        (Some((_, scope)), Some(doc)) => (doc, scope),
        (Some((bytes, scope)), None) => (gridwalk_records::load(&bytes, &label)?, scope),
        (None, _) => (AutoCommit::new(), p.wire_scope),
    };
    doc.set_actor(ActorId::from(&device.as_bytes()[..]));
    // Conflicts come only from concurrent changes: a conflict-free record
    // that the page extends in a line stays conflict-free, unwalked.
    let quiet = !p.was_conflicted && extends_linearly(doc.get_heads(), &p.changes);
    // A record that arrives whole in one change (most do) is stored as that
    // change, as a record made here is.
    let single = (new && p.changes.len() == 1).then(|| p.changes[0].raw_bytes().to_vec());
    let incoming: Vec<(ChangeHash, Vec<u8>)> = p
        .changes
        .iter()
        .map(|c| (c.hash(), c.raw_bytes().to_vec()))
        .collect();
    doc.apply_changes(p.changes)
        .map_err(|e| CoreError::BadServerData(format!("changes for {label} do not apply: {e}")))?;
    // Nothing missing: every incoming change applied, no need to ask one by one.
    let complete = doc.get_missing_deps(&[]).is_empty();
    let (mut applied, mut parked) = (Vec::new(), Vec::new());
    for (hash, bytes) in incoming {
        if complete || doc.get_change_by_hash(&hash).is_some() {
            applied.push(hash);
        } else {
            parked.push((hash, bytes));
        }
    }
    let arrival = Arrival {
        new,
        may_conflict: !quiet,
    };
    let mut loaded = None;
    let stored = if doc.get_heads().is_empty() {
        None
    } else {
        let grid = GridId::parse(&scope).map_err(|e| CoreError::BadServerData(e.to_string()))?;
        let bytes = single
            .filter(|_| complete && applied.len() == 1)
            .unwrap_or_else(|| doc.save());
        let prepared = prepare(&doc, &p.id, &grid, arrival);
        let kind = gridwalk_records::kind(&doc);
        // Records new here arrive by the thousand in a first sync; the ones
        // pulled again are those being worked on.
        if !new && parked.is_empty() {
            loaded = Some((p.id, bytes.clone(), doc));
        }
        Some((bytes, kind, prepared))
    };
    Ok(Merged {
        id: p.id,
        scope,
        applied,
        parked,
        had_parked: p.had_parked,
        stored,
        arrival,
        loaded,
    })
}

/// Step 2 for a page: split over the machine's cores.
pub(super) fn merge_all(pulled: Vec<Pulled>, device: &DeviceId) -> Result<Vec<Merged>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads == 1 || pulled.len() < 2 {
        return pulled.into_iter().map(|p| merge(p, device)).collect();
    }
    let per = pulled.len().div_ceil(threads);
    let mut chunks: Vec<Vec<Pulled>> = Vec::new();
    let mut rest = pulled.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(per).collect());
    }
    std::thread::scope(|s| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|p| merge(p, device))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for w in workers {
            let merged = w
                .join()
                .map_err(|_| CoreError::Invalid("a merge thread panicked".into()))??;
            out.extend(merged);
        }
        Ok(out)
    })
}

/// Step 3, for one document.
pub(super) fn write(tx: &Transaction<'_>, m: Merged) -> Result<Applied> {
    let label = m.id.to_string();
    if m.had_parked {
        for hash in &m.applied {
            tx.prepare_cached("DELETE FROM parked_changes WHERE doc_id = ?1 AND change_hash = ?2")?
                .execute(params![label, hash.to_string()])?;
        }
    }
    for (hash, bytes) in &m.parked {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO parked_changes(change_hash, doc_id, scope, bytes)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![hash.to_string(), label, m.scope, bytes])?;
    }
    let (applied, parked) = (m.applied.len(), m.parked.len());
    let Some((bytes, kind, prepared)) = m.stored else {
        return Ok(Applied {
            applied,
            parked,
            kind: None,
            search: None,
        });
    };
    tx.prepare_cached(
        "INSERT INTO documents(doc_id, kind, scope, bytes, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 0)
         ON CONFLICT(doc_id) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes",
    )?
    .execute(params![label, kind.map_or("", |k| k.as_str()), m.scope, bytes])?;
    let grid = GridId::parse(&m.scope).map_err(|e| CoreError::BadServerData(e.to_string()))?;
    let search = write_prepared(tx, &m.id, &grid, prepared.as_ref(), m.arrival)?;
    Ok(Applied {
        applied,
        parked,
        kind,
        search,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_records_are_bounded_however_often_the_same_ones_come_back() {
        let mut kept = KeptLoaded::default();
        let ids: Vec<DocId> = (0..200u8)
            .map(|i| DocId::from_random_bytes([i; 16]))
            .collect();
        for round in 0..50 {
            for id in &ids[..10] {
                let doc = kept.take(id, b"stored");
                assert_eq!(doc.is_some(), round > 0, "kept from the round before");
                kept.keep(*id, b"stored".to_vec(), doc.unwrap_or_default());
            }
        }
        assert_eq!(kept.docs.len(), 10);
        assert!(
            kept.order.len() <= 4 * KEPT_LOADED + 1,
            "{}",
            kept.order.len()
        );
        for id in &ids {
            kept.keep(*id, b"stored".to_vec(), AutoCommit::new());
        }
        assert_eq!(kept.docs.len(), KEPT_LOADED, "the oldest went first");
        assert!(kept.take(&ids[199], b"stored").is_some());
        assert!(kept.take(&ids[0], b"stored").is_none());
        assert!(kept.take(&ids[198], b"other bytes").is_none());
    }
}
