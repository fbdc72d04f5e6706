//! Office exports, read straight from the change feed: every record of a
//! kind in the caller's grids is materialised from its stored changes and
//! read back through the domain type, which re-validates it.
//!
//! The grid and id of each row come from what the server fixed when the
//! document was created, never from the body a device wrote. A document
//! that no longer reads as its kind is counted, not silently dropped, so
//! the audit entry and the caller can say how many rows are missing.

use automerge::AutoCommit;
use gridwalk_core::document;
use gridwalk_domain::{DocKind, GridId, HazardReport};

use crate::storage::{Storage, StorageError};
use crate::validate::decode_change;

/// Documents materialised per storage read: bounds memory on a large export.
const BATCH: usize = 200;

#[derive(Debug, Default)]
pub struct ExportedReports {
    pub reports: Vec<HazardReport>,
    /// Documents whose changes no longer make a valid report.
    pub unreadable: usize,
}

/// Every report in `grids` (every grid when `None`).
pub fn reports(
    storage: &Storage,
    grids: Option<&[GridId]>,
) -> Result<ExportedReports, StorageError> {
    let mut out = ExportedReports::default();
    for batch in storage.doc_ids(DocKind::Report, grids)?.chunks(BATCH) {
        for (doc, history) in storage.doc_histories(batch)? {
            let Some(facts) = history.facts else { continue };
            let mut am = AutoCommit::new();
            let changes = history.changes.iter().map(|(_, b)| decode_change(b));
            let read = changes
                .collect::<Result<Vec<_>, String>>()
                .and_then(|cs| am.apply_changes(cs).map_err(|e| e.to_string()))
                .and_then(|()| {
                    document::read_body::<HazardReport>(&am, &doc.to_string())
                        .map_err(|e| e.to_string())
                });
            match read {
                Ok(mut report) => {
                    report.id = doc;
                    report.scope = facts.scope;
                    out.reports.push(report);
                }
                Err(reason) => {
                    tracing::warn!(%doc, "report left out of an export: {reason}");
                    out.unreadable += 1;
                }
            }
        }
    }
    Ok(out)
}
