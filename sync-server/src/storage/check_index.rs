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

use super::feed::{DocFacts, facts_rows, stored_doc_id};
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
    /// The index of every document in `wanted`, in one snapshot: a few
    /// queries for the whole push (per 400 documents), not per document.
    pub fn doc_index(
        &self,
        wanted: &HashMap<DocId, Wanted>,
    ) -> Result<HashMap<DocId, DocIndex>, StorageError> {
        let docs: Vec<DocId> = wanted.keys().copied().collect();
        self.read(|tx| {
            let mut out: HashMap<DocId, DocIndex> =
                docs.iter().map(|d| (*d, DocIndex::default())).collect();
            for (doc, facts) in facts_rows(tx, &docs)? {
                out.entry(doc).or_default().facts = Some(facts);
            }
            // Documents new to the server have nothing stored to ask about.
            let stored: Vec<DocId> = out
                .iter()
                .filter(|(_, i)| i.facts.is_some())
                .map(|(d, _)| *d)
                .collect();
            for chunk in stored.chunks(PER_QUERY) {
                read_chunk(tx, chunk, wanted, &mut out)?;
            }
            // One stored before the index is checked by replay instead.
            for index in out.values_mut().filter(|i| !i.indexed) {
                *index = DocIndex {
                    facts: index.facts.take(),
                    ..Default::default()
                };
            }
            Ok(out)
        })
    }
}

/// The entry a row of the stored document named `text` belongs to.
fn entry<'a>(
    out: &'a mut HashMap<DocId, DocIndex>,
    text: &str,
) -> Result<(DocId, &'a mut DocIndex), StorageError> {
    let doc = stored_doc_id(text)?;
    let index = out
        .get_mut(&doc)
        .ok_or_else(|| StorageError::Corrupt(format!("index row for unasked {doc}")))?;
    Ok((doc, index))
}

/// The index rows of the stored documents `docs`, into `out`.
fn read_chunk(
    tx: &mut dyn Tx,
    docs: &[DocId],
    wanted: &HashMap<DocId, Wanted>,
    out: &mut HashMap<DocId, DocIndex>,
) -> Result<(), StorageError> {
    let ids: Vec<Value> = docs.iter().map(|d| d.to_string().into()).collect();
    let list = placeholders(1, ids.len());
    let sql = format!("SELECT doc_id FROM indexed_docs WHERE doc_id IN ({list})");
    for row in tx.query(&sql, &ids)? {
        entry(out, &row.text(0)?)?.1.indexed = true;
    }
    let sql = format!(
        "SELECT doc_id, user_id FROM doc_assignees WHERE doc_id IN ({list}) ORDER BY doc_id, user_id"
    );
    for row in tx.query(&sql, &ids)? {
        entry(out, &row.text(0)?)?.1.assignees.push(row.text(1)?);
    }
    let asked = |of: fn(&Wanted) -> &BTreeSet<String>| -> BTreeSet<String> {
        docs.iter()
            .filter_map(|d| wanted.get(d))
            .flat_map(|w| of(w).iter().cloned())
            .collect()
    };
    // Both lists bound the query; a row counts only for the document that asked.
    for hashes in chunks(&asked(|w| &w.hashes)) {
        let sql = format!(
            "SELECT doc_id, hash FROM changes WHERE doc_id IN ({list}) AND hash IN ({})",
            placeholders(ids.len() + 1, hashes.len())
        );
        let params: Vec<Value> = ids.iter().cloned().chain(hashes).collect();
        for row in tx.query(&sql, &params)? {
            let (doc, index) = entry(out, &row.text(0)?)?;
            let hash = row.text(1)?;
            if wanted[&doc].hashes.contains(&hash) {
                index.known.insert(hash);
            }
        }
    }
    for objects in chunks(&asked(|w| &w.objects)) {
        let sql = format!(
            "SELECT doc_id, obj, path FROM doc_objects WHERE doc_id IN ({list}) AND obj IN ({})",
            placeholders(ids.len() + 1, objects.len())
        );
        let params: Vec<Value> = ids.iter().cloned().chain(objects).collect();
        for row in tx.query(&sql, &params)? {
            let (doc, index) = entry(out, &row.text(0)?)?;
            let obj = row.text(1)?;
            if wanted[&doc].objects.contains(&obj) {
                let path: Vec<String> = serde_json::from_str(&row.text(2)?)
                    .map_err(|e| StorageError::Corrupt(format!("object path: {e}")))?;
                index.objects.insert(obj, path);
            }
        }
    }
    Ok(())
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
