//! Office exports, read straight from the change feed: every record of a
//! kind in the caller's grids is materialised from its stored changes and
//! read back through the kind's domain type, which re-validates it.
//!
//! The grid and id of each row come from what the server fixed when the
//! document was created, never from the body a device wrote. A document
//! that no longer reads as its kind — or trips a bug in automerge while it
//! is rebuilt — is counted, not silently dropped: the count goes into the
//! audit entry and back to the caller.

mod xlsx;

pub use gridwalk_core::table_csv::table_csv;
pub use xlsx::table_xlsx;

use automerge::AutoCommit;
use gridwalk_domain::export::Fixed;
use gridwalk_domain::record::Record;
use gridwalk_domain::{DocId, GridId};

use crate::storage::{DocHistory, Storage, StorageError};
use crate::validate::decode_change;

/// Documents fetched per storage read (two queries each batch).
const BATCH: usize = 200;

#[derive(Debug)]
pub struct Exported<K> {
    pub records: Vec<Fixed<K>>,
    /// Documents whose changes no longer make a valid record of the kind.
    pub unreadable: usize,
}

/// Every record of kind `K` in `grids` (every grid when `None`). The
/// records are held in memory until the caller has written them out; their
/// change bytes are read a batch at a time.
pub fn records<K: Record>(
    storage: &Storage,
    grids: Option<&[GridId]>,
) -> Result<Exported<K>, StorageError> {
    let mut out = Exported {
        records: Vec::new(),
        unreadable: 0,
    };
    for batch in storage.doc_ids(K::KIND, grids)?.chunks(BATCH) {
        for (doc, history) in storage.doc_histories(batch)? {
            match rebuild::<K>(doc, history) {
                Ok(fixed) => out.records.push(fixed),
                Err(reason) => {
                    tracing::warn!(%doc, kind = %K::KIND, "left out of an export: {reason}");
                    out.unreadable += 1;
                }
            }
        }
    }
    Ok(out)
}

fn rebuild<K: Record>(doc: DocId, history: DocHistory) -> Result<Fixed<K>, String> {
    let facts = history
        .facts
        .ok_or_else(|| "the server has no record of its grid".to_owned())?;
    let changes = history
        .changes
        .iter()
        .map(|(_, b)| decode_change(b))
        .collect::<Result<Vec<_>, String>>()?;
    // The changes came from devices: a crafted one must cost one row, not
    // the whole export.
    let record = std::panic::catch_unwind(move || {
        let mut am = AutoCommit::new();
        am.apply_changes(changes).map_err(|e| e.to_string())?;
        gridwalk_records::read::<K>(&am, &doc.to_string()).map_err(|e| e.to_string())
    })
    .map_err(|_| "automerge failed while rebuilding it".to_owned())??;
    Ok(Fixed {
        id: doc,
        grid: facts.scope,
        record,
    })
}
