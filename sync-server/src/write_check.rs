//! Checks each pushed change against the pusher's rights before anything
//! is stored.
//!
//! The facts come from the server, never from the device: the user's role
//! and grids from the token; a document's grid, kind and maker from its first
//! stored change; and the fields a change writes from decoding its
//! operations. Objects inside a document are named by the operation that
//! created them; the server keeps each object's path (`body.events`, …) in
//! an index written with the changes (`storage::check_index`), so a check
//! looks up the few objects a change writes into instead of replaying the
//! document's history. A document stored before the index is replayed once
//! (decoding only, nothing applied) and indexed with that push. A change
//! whose dependencies the server has not seen is refused: its effect could
//! not be judged, and devices push in causal order anyway.

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ActorId, ChangeHash, ROOT, ReadDoc};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::access::{Denied, FieldPath, WriteAttempt, check_write};
use gridwalk_domain::{DocId, DocKind, Reveal};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::auth::DeviceAuth;
use crate::storage::{
    AuditNote, CheckedChange, DocFacts, DocHistory, DocIndex, IndexUpdate, Storage, StorageError,
    Wanted,
};
use crate::validate::decode_change;

#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("change #{index} for document {doc}: {denied}")]
    Denied {
        index: usize,
        doc: DocId,
        denied: Denied,
    },
    #[error("change #{index} for document {doc}: {reason}")]
    Invalid {
        index: usize,
        doc: DocId,
        code: ErrorCode,
        reason: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Paths are kept two levels deep: enough for every rule.
const PATH_DEPTH: usize = 2;

/// One document's state as far as the checks need it.
struct DocState {
    facts: Option<DocFacts>,
    /// Of the hashes this push names, those stored or accepted so far.
    known: HashSet<ChangeHash>,
    /// Paths of the objects this push writes into, and of those it makes.
    objects: HashMap<String, FieldPath>,
    /// A work order's assignees as of the changes accepted so far.
    assignees: Vec<String>,
    /// The stored changes, read only when the assignees must be worked out
    /// (a change of this push moved them) or the document predates the index.
    history: Option<Vec<Vec<u8>>>,
    /// This push's accepted changes, for the same.
    pushed: Vec<Vec<u8>>,
    /// What storing the push adds to the index.
    update: IndexUpdate,
}

/// The name automerge gives the object an operation made: `counter@actor`,
/// the actor in lowercase hex. Written out by hand because it runs for every
/// operation of every push, and `ActorId`'s `Display` builds its hex one
/// character at a time (a tenth of the server's time in an upload).
fn object_name(counter: u64, actor: &ActorId) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = actor.to_bytes();
    let mut name = String::with_capacity(21 + 2 * bytes.len());
    let _ = write!(name, "{counter}@");
    for b in bytes {
        name.push(char::from(HEX[usize::from(b >> 4)]));
        name.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    name
}

impl DocState {
    fn from_index(index: DocIndex) -> Self {
        DocState {
            known: index.known.iter().filter_map(|h| h.parse().ok()).collect(),
            update: IndexUpdate {
                // A new document is described from its first change on.
                mark_indexed: index.facts.is_none(),
                ..Default::default()
            },
            facts: index.facts,
            objects: index.objects,
            assignees: index.assignees,
            history: None,
            pushed: Vec::new(),
        }
    }

    /// A document stored before the index: replayed once, and everything
    /// learnt written with this push.
    fn replay(doc: &DocId, stored: DocHistory) -> Result<Self, StorageError> {
        let mut state = DocState {
            facts: stored.facts,
            known: HashSet::new(),
            objects: HashMap::new(),
            assignees: Vec::new(),
            history: Some(Vec::new()),
            pushed: Vec::new(),
            update: IndexUpdate {
                mark_indexed: true,
                assignees: true,
                ..Default::default()
            },
        };
        let mut history = Vec::new();
        for (_, bytes) in stored.changes {
            let change = decode_change(&bytes)
                .map_err(|e| StorageError::Corrupt(format!("stored change of {doc}: {e}")))?;
            // Stored changes were checked on the way in; their paths resolve.
            let _ = state.touched(&change.decode());
            state.known.insert(change.hash());
            history.push(bytes);
        }
        state.assignees = assignees_of(&history);
        state.history = Some(history);
        Ok(state)
    }

    /// The paths a change writes, recording the objects it creates.
    fn touched(&mut self, expanded: &Expanded) -> Result<Vec<FieldPath>, String> {
        let start = expanded.start_op.get();
        let mut out = Vec::with_capacity(expanded.operations.len());
        for (i, op) in expanded.operations.iter().enumerate() {
            let mut path = match &op.obj {
                ObjectId::Root => Vec::new(),
                ObjectId::Id(id) => self
                    .objects
                    .get(&object_name(id.0, &id.1))
                    .cloned()
                    .ok_or_else(|| {
                        format!(
                            "it writes into object {}@{}, which this document does not have",
                            id.0, id.1
                        )
                    })?,
            };
            if path.len() < PATH_DEPTH {
                path.push(match &op.key {
                    Key::Map(k) => k.to_string(),
                    Key::Seq(_) => "#".into(),
                });
            }
            if matches!(op.action, OpType::Make(_)) {
                let name = object_name(start + i as u64, &expanded.actor_id);
                self.objects.insert(name.clone(), path.clone());
                self.update.objects.push((name, path.clone()));
            }
            out.push(path);
        }
        Ok(out)
    }

    /// Records an accepted change; when it moved a work order's assignees,
    /// works them out again from everything stored and accepted.
    fn accept(
        &mut self,
        storage: &Storage,
        doc: &DocId,
        change: &automerge::Change,
        bytes: &[u8],
        touched: &[FieldPath],
    ) -> Result<(), StorageError> {
        self.known.insert(change.hash());
        self.pushed.push(bytes.to_vec());
        let is_order = self
            .facts
            .as_ref()
            .is_some_and(|f| f.kind == DocKind::WorkOrder);
        if is_order && touched.iter().any(moves_assignees) {
            self.update.assignees = true;
            if self.history.is_none() {
                let stored = storage
                    .doc_histories(&[*doc])?
                    .remove(doc)
                    .unwrap_or_default();
                self.history = Some(stored.changes.into_iter().map(|(_, b)| b).collect());
            }
            let mut all = self.history.clone().unwrap_or_default();
            all.extend(self.pushed.iter().cloned());
            self.assignees = assignees_of(&all);
        }
        Ok(())
    }
}

/// Whether a write at `path` can change `body.assignees`.
fn moves_assignees(path: &FieldPath) -> bool {
    match path.as_slice() {
        [body] => body == "body",
        [body, field, ..] => body == "body" && field == "assignees",
        [] => false,
    }
}

/// The user ids in a work order's `body.assignees`, from its changes.
pub fn assignees_of(history: &[Vec<u8>]) -> Vec<String> {
    let mut doc = automerge::Automerge::new();
    let changes = history.iter().filter_map(|b| decode_change(b).ok());
    if doc.apply_changes(changes).is_err() {
        return Vec::new();
    }
    let Ok(Some((_, body))) = doc.get(ROOT, "body") else {
        return Vec::new();
    };
    let Ok(Some((_, list))) = doc.get(&body, "assignees") else {
        return Vec::new();
    };
    (0..doc.length(&list))
        .filter_map(|i| match doc.get(&list, i) {
            Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// A change decoded into its operations, once per change and check.
type Expanded = automerge::legacy::Change;

/// The kind a creating change sets at the document root.
fn created_kind(change: &Expanded) -> Option<String> {
    change
        .operations
        .iter()
        .find_map(|op| match (&op.obj, &op.key, &op.action) {
            (ObjectId::Root, Key::Map(k), OpType::Put(v)) if k == "kind" => {
                v.as_str().map(str::to_owned)
            }
            _ => None,
        })
}

/// The id and grid a creating change writes into its body, as plain
/// strings. Devices file a record by them, so they must be the document's
/// own: a body written as text (or not at all) could later say anything.
fn created_identity(change: &Expanded) -> (Option<String>, Option<String>) {
    let text = |name| created_field(change, name).and_then(|v| v.as_str().map(str::to_owned));
    (text("id"), text("scope"))
}

/// Whether a creating change publishes its work order as a small wish: a
/// plain `true` at `body.wish` (anything else is no wish).
fn created_wish(change: &Expanded) -> bool {
    created_field(change, "wish").is_some_and(|v| v.as_bool() == Some(true))
}

/// A plain value a creating change puts at `body.<name>`.
fn created_field(expanded: &Expanded, name: &str) -> Option<automerge::ScalarValue> {
    let start = expanded.start_op.get();
    let body = expanded.operations.iter().enumerate().find_map(|(i, op)| {
        match (&op.obj, &op.key, &op.action) {
            (ObjectId::Root, Key::Map(k), OpType::Make(_)) if k == "body" => Some(start + i as u64),
            _ => None,
        }
    });
    let body = body?;
    expanded
        .operations
        .iter()
        .find_map(|op| match (&op.obj, &op.key, &op.action) {
            (ObjectId::Id(id), Key::Map(k), OpType::Put(v))
                if id.0 == body && id.1 == expanded.actor_id && k == name =>
            {
                Some(v.clone())
            }
            _ => None,
        })
}

/// What a push may store, once every change in it passed.
#[derive(Debug, Default)]
pub struct Authorized {
    /// The facts of the documents this push creates.
    pub created: HashMap<DocId, DocFacts>,
    /// Audit entries that come with changes (by index): reveals.
    pub notes: HashMap<usize, AuditNote>,
    /// What the check index learns from this push.
    pub index: HashMap<DocId, IndexUpdate>,
}

/// Each pushed change's operations, expanded once.
type Decoded = Vec<Expanded>;

fn decode_all(changes: &[CheckedChange]) -> Decoded {
    changes.iter().map(|c| c.change.decode()).collect()
}

/// What the push asks of each document: its changes' hashes and
/// dependencies, and the objects they write into.
fn wanted(changes: &[CheckedChange], decoded: &Decoded) -> HashMap<DocId, Wanted> {
    let mut out: HashMap<DocId, Wanted> = HashMap::new();
    for (c, expanded) in changes.iter().zip(decoded) {
        let w = out.entry(c.wire.doc).or_default();
        let change = &c.change;
        w.hashes.insert(change.hash().to_string());
        w.hashes
            .extend(change.deps().iter().map(ToString::to_string));
        for op in &expanded.operations {
            if let ObjectId::Id(id) = &op.obj {
                w.objects.insert(object_name(id.0, &id.1));
            }
        }
    }
    out
}

/// Each pushed document's state: from the index, or by one replay for a
/// document stored before it.
fn load_states(
    storage: &Storage,
    changes: &[CheckedChange],
    decoded: &Decoded,
) -> Result<HashMap<DocId, DocState>, StorageError> {
    let mut docs = HashMap::new();
    let mut legacy = Vec::new();
    for (doc, index) in storage.doc_index(&wanted(changes, decoded))? {
        if index.facts.is_some() && !index.indexed {
            legacy.push(doc);
        } else {
            docs.insert(doc, DocState::from_index(index));
        }
    }
    if !legacy.is_empty() {
        for (doc, history) in storage.doc_histories(&legacy)? {
            docs.insert(doc, DocState::replay(&doc, history)?);
        }
    }
    Ok(docs)
}

/// Checks every change of a push; on success returns what the store
/// records with them.
pub fn authorize(
    storage: &Storage,
    who: &DeviceAuth,
    changes: &[CheckedChange],
) -> Result<Authorized, Rejection> {
    let decoded = decode_all(changes);
    let mut docs = load_states(storage, changes, &decoded)?;
    let mut out = Authorized::default();
    let user = who.user.to_string();
    for (index, c) in changes.iter().enumerate() {
        let doc = c.wire.doc;
        let invalid = |code: ErrorCode, reason: String| Rejection::Invalid {
            index,
            doc,
            code,
            reason,
        };
        let Some(state) = docs.get_mut(&doc) else {
            continue; // Every pushed document was loaded above.
        };
        let (change, expanded) = (&c.change, &decoded[index]);
        if state.known.contains(&change.hash()) {
            continue; // Already stored: acknowledging it again changes nothing.
        }
        // Who wrote a version is its actor: a token may carry only the
        // edits of the device it was issued to.
        if change.actor_id().to_bytes() != who.device.as_bytes() {
            return Err(Rejection::Denied {
                index,
                doc,
                denied: Denied::ForeignActor(change.actor_id().to_hex_string()),
            });
        }
        // The author a change names is what people see beside its version.
        if change.message().is_some()
            && gridwalk_records::author_of(change).is_none_or(|a| a.user != who.user)
        {
            return Err(Rejection::Denied {
                index,
                doc,
                denied: Denied::ForeignAuthor,
            });
        }
        if let Some(dep) = change.deps().iter().find(|d| !state.known.contains(d)) {
            return Err(invalid(
                ErrorCode::SyncMissingDeps,
                format!(
                    "it builds on change {dep}, which the server has not received; push changes in the order they were made"
                ),
            ));
        }
        let touched = state
            .touched(expanded)
            .map_err(|e| invalid(ErrorCode::SyncBadChange, e))?;
        let creating = state.facts.is_none();
        if creating {
            let kind = created_kind(expanded).ok_or_else(|| {
                invalid(
                    ErrorCode::SyncUnknownKind,
                    "the first change of a record must set its kind".into(),
                )
            })?;
            let kind = DocKind::parse(&kind)
                .map_err(|e| invalid(ErrorCode::SyncUnknownKind, e.to_string()))?;
            let (body_id, body_scope) = created_identity(expanded);
            if body_id.as_deref() != Some(doc.to_string().as_str())
                || body_scope.as_deref() != Some(c.wire.scope.as_str())
            {
                return Err(invalid(
                    ErrorCode::SyncBadRecord,
                    format!(
                        "the first change of a record must name its id {doc} and its grid {} in its body",
                        c.wire.scope
                    ),
                ));
            }
            let facts = DocFacts {
                scope: c.wire.scope.clone(),
                kind,
                owner: user.clone(),
                wish: kind == DocKind::WorkOrder && created_wish(expanded),
            };
            if kind == DocKind::Reveal {
                let reveal =
                    read_reveal(change).map_err(|e| invalid(ErrorCode::SyncBadRecord, e))?;
                out.notes.insert(
                    index,
                    AuditNote {
                        actor: who.actor(),
                        action: "pii.reveal",
                        target: format!("household:{}", reveal.household),
                        detail: reveal.audit_detail(),
                    },
                );
            }
            out.created.insert(doc, facts.clone());
            state.facts = Some(facts);
        }
        let Some(facts) = &state.facts else { continue };
        if facts.scope != c.wire.scope {
            return Err(invalid(
                ErrorCode::SyncScopeMismatch,
                format!(
                    "the record belongs to grid {}, not {}",
                    facts.scope, c.wire.scope
                ),
            ));
        }
        let assignee = facts.kind == DocKind::WorkOrder && state.assignees.contains(&user);
        check_write(&WriteAttempt {
            role: who.role,
            kind: facts.kind,
            grid: facts.scope.as_str(),
            in_scope: who.grids.contains(&facts.scope),
            creating,
            own: facts.owner == user,
            assignee,
            wish: facts.wish,
            touched: &touched,
        })
        .map_err(|denied| Rejection::Denied { index, doc, denied })?;
        state.accept(storage, &doc, change, &c.wire.bytes, &touched)?;
    }
    out.index = docs
        .into_iter()
        .filter(|(_, s)| !s.update.is_empty())
        .map(|(doc, s)| (doc, s.update))
        .collect();
    Ok(out)
}

/// A reveal is one change; its body must read as a reveal, or the audit
/// log would hold nothing useful.
fn read_reveal(change: &automerge::Change) -> Result<Reveal, String> {
    let change = change.clone();
    std::panic::catch_unwind(move || {
        let mut doc = automerge::AutoCommit::new();
        doc.apply_changes([change]).map_err(|e| e.to_string())?;
        gridwalk_records::read::<Reveal>(&doc, "reveal").map_err(|e| e.to_string())
    })
    .map_err(|_| "automerge failed on it".to_owned())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_is_named_as_automerge_and_the_stored_index_name_it() {
        let actor = ActorId::from(&[0x00, 0x9f, 0xa0, 0x0b, 0xff, 0x10][..]);
        assert_eq!(object_name(0, &actor), format!("0@{actor}"));
        assert_eq!(
            object_name(u64::MAX, &actor),
            format!("{}@{actor}", u64::MAX)
        );
        assert_eq!(object_name(42, &actor), "42@009fa00bff10");
    }
}
