//! Office exports, read straight from the change feed: every record of a
//! kind in the caller's grids is materialised from its stored changes and
//! read back through the domain type, which re-validates it.
//!
//! The grid and id of each row come from what the server fixed when the
//! document was created, never from the body a device wrote. A document
//! that no longer reads as its kind — or trips a bug in automerge while it
//! is rebuilt — is counted, not silently dropped: the count goes into the
//! audit entry and back to the caller.

use automerge::AutoCommit;
use gridwalk_core::document;
use gridwalk_domain::{DocId, DocKind, GridId, HazardReport};

use crate::storage::{DocHistory, Storage, StorageError};
use crate::validate::decode_change;

/// Documents fetched per storage read (two queries each batch).
const BATCH: usize = 200;

#[derive(Debug, Default)]
pub struct ExportedReports {
    pub reports: Vec<HazardReport>,
    /// Documents whose changes no longer make a valid report.
    pub unreadable: usize,
}

/// Every report in `grids` (every grid when `None`). The reports are held
/// in memory until the caller has written them out; their change bytes are
/// read a batch at a time.
pub fn reports(
    storage: &Storage,
    grids: Option<&[GridId]>,
) -> Result<ExportedReports, StorageError> {
    let mut out = ExportedReports::default();
    for batch in storage.doc_ids(DocKind::Report, grids)?.chunks(BATCH) {
        for (doc, history) in storage.doc_histories(batch)? {
            match rebuild(doc, history) {
                Ok(report) => out.reports.push(report),
                Err(reason) => {
                    tracing::warn!(%doc, "report left out of an export: {reason}");
                    out.unreadable += 1;
                }
            }
        }
    }
    Ok(out)
}

fn rebuild(doc: DocId, history: DocHistory) -> Result<HazardReport, String> {
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
    let read = std::panic::catch_unwind(move || {
        let mut am = AutoCommit::new();
        am.apply_changes(changes).map_err(|e| e.to_string())?;
        document::read_body::<HazardReport>(&am, &doc.to_string()).map_err(|e| e.to_string())
    })
    .map_err(|_| "automerge failed while rebuilding it".to_owned())?;
    let mut report = read?;
    report.id = doc;
    report.scope = facts.scope;
    Ok(report)
}
