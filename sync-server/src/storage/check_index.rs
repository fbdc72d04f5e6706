//! What checking a push needs to know of the documents it touches — their
//! facts, which of the named changes are stored, the paths of the objects
//! its changes write into, a work order's assignees — read with a handful
//! of indexed queries per push, whatever the length of each history.
//!
//! The index is written in the transaction that stores the changes.
//! Objects are immutable (named by the operation that made them), so
//! concurrent pushes cannot disagree about them. Assignees can change from
//! two devices at once, so they are recomputed from the stored changes
//! inside the (serialised) write transaction, never from a push's snapshot.

use gridwalk_domain::DocId;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::feed::{DocFacts, facts_rows};
use super::{Storage, StorageError, Tx, Value, placeholders};

/// Values bound in one statement per list.
const PER_QUERY: usize = 400;

/// What a push asks about one document.
#[derive(Debug, Default, Clone)]
pub struct Wanted {
    pub hashes: BTreeSet<String>,
    pub objects: BTreeSet<String>,
}

/// What the server knows of one document, as far as a push asked.
#[derive(Debug, Default, Clone)]
pub struct DocIndex {
    pub facts: Option<DocFacts>,
    /// False for a document stored before the index: check it by replay.
    pub indexed: bool,
    pub assignees: Vec<String>,
    /// Of the asked hashes, those stored for this document.
    pub known: HashSet<String>,
    /// Of the asked objects, their field paths.
    pub objects: HashMap<String, Vec<String>>,
}

/// What storing a push adds to one document's index.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexUpdate {
    /// Objects its changes made: (name, path).
    pub objects: Vec<(String, Vec<String>)>,
    /// Recompute the assignees from the stored changes.
    pub assignees: bool,
    /// The document is described from now on (new, or replayed once).
    pub mark_indexed: bool,
}

impl IndexUpdate {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && !self.assignees && !self.mark_indexed
    }
}

fn chunks(set: &BTreeSet<String>) -> Vec<Vec<Value>> {
    let all: Vec<Value> = set.iter().map(|s| s.as_str().into()).collect();
    all.chunks(PER_QUERY).map(<[Value]>::to_vec).collect()
}

impl Storage {
    /// The index of every document in `wanted`, in one snapshot.
    pub fn doc_index(
        &self,
        wanted: &HashMap<DocId, Wanted>,
    ) -> Result<HashMap<DocId, DocIndex>, StorageError> {
        let docs: Vec<DocId> = wanted.keys().copied().collect();
        self.read(|tx| {
            let mut out: HashMap<DocId, DocIndex> = HashMap::new();
            for (doc, facts) in facts_rows(tx, &docs)? {
                out.entry(doc).or_default().facts = Some(facts);
            }
            for (doc, want) in wanted {
                let entry = out.entry(*doc).or_default();
                if entry.facts.is_none() {
                    continue; // New to the server: nothing stored to ask about.
                }
                let id: Value = doc.to_string().into();
                entry.indexed = !tx
                    .query(
                        "SELECT 1 FROM indexed_docs WHERE doc_id = $1",
                        std::slice::from_ref(&id),
                    )?
                    .is_empty();
                if !entry.indexed {
                    continue;
                }
                for row in tx.query(
                    "SELECT user_id FROM doc_assignees WHERE doc_id = $1 ORDER BY user_id",
                    std::slice::from_ref(&id),
                )? {
                    entry.assignees.push(row.text(0)?);
                }
                for hashes in chunks(&want.hashes) {
                    let sql = format!(
                        "SELECT hash FROM changes WHERE doc_id = $1 AND hash IN ({})",
                        placeholders(2, hashes.len())
                    );
                    let params: Vec<Value> = std::iter::once(id.clone()).chain(hashes).collect();
                    for row in tx.query(&sql, &params)? {
                        entry.known.insert(row.text(0)?);
                    }
                }
                for objects in chunks(&want.objects) {
                    let sql = format!(
                        "SELECT obj, path FROM doc_objects WHERE doc_id = $1 AND obj IN ({})",
                        placeholders(2, objects.len())
                    );
                    let params: Vec<Value> = std::iter::once(id.clone()).chain(objects).collect();
                    for row in tx.query(&sql, &params)? {
                        let path: Vec<String> = serde_json::from_str(&row.text(1)?)
                            .map_err(|e| StorageError::Corrupt(format!("object path: {e}")))?;
                        entry.objects.insert(row.text(0)?, path);
                    }
                }
            }
            Ok(out)
        })
    }
}

impl Storage {
    /// Drops the whole index: every document is then checked by one replay
    /// and indexed again the next time a push touches it — what a database
    /// from before the index looks like. For operators who doubt it, and
    /// for tests of that path.
    pub fn forget_check_index(&self) -> Result<(), StorageError> {
        self.write(|tx| {
            for table in ["doc_objects", "doc_assignees", "indexed_docs"] {
                tx.execute(&format!("DELETE FROM {table}"), &[])?;
            }
            Ok(())
        })
    }
}

/// Writes `update` for `doc`, after its changes were inserted in `tx`.
pub(super) fn write_index(
    tx: &mut dyn Tx,
    doc: &str,
    update: &IndexUpdate,
) -> Result<(), StorageError> {
    for (obj, path) in &update.objects {
        let path = serde_json::to_string(path).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO doc_objects(doc_id, obj, path) VALUES ($1, $2, $3)
             ON CONFLICT(doc_id, obj) DO NOTHING",
            &[doc.into(), obj.as_str().into(), path.into()],
        )?;
    }
    if update.assignees {
        let history: Vec<Vec<u8>> = tx
            .query(
                "SELECT bytes FROM changes WHERE doc_id = $1 ORDER BY seq",
                &[doc.into()],
            )?
            .iter()
            .map(|r| r.bytes(0))
            .collect::<Result<_, _>>()?;
        tx.execute("DELETE FROM doc_assignees WHERE doc_id = $1", &[doc.into()])?;
        let assignees: BTreeSet<String> = crate::write_check::assignees_of(&history)
            .into_iter()
            .collect();
        for user in assignees {
            tx.execute(
                "INSERT INTO doc_assignees(doc_id, user_id) VALUES ($1, $2)",
                &[doc.into(), user.into()],
            )?;
        }
    }
    if update.mark_indexed {
        tx.execute(
            "INSERT INTO indexed_docs(doc_id) VALUES ($1) ON CONFLICT(doc_id) DO NOTHING",
            &[doc.into()],
        )?;
    }
    Ok(())
}
