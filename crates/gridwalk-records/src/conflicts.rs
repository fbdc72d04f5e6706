//! Finding what two devices did at once, and settling it.
//!
//! - Two values of one field (`get_all` holds more than one): a person sees
//!   both, with who wrote each and when, and picks one; the pick is a new
//!   write that has seen both, so it wins on every device.
//! - An entry marked `removed` (maps are never deleted: a map whose
//!   `removed` is true is a tombstone) while someone else, not having seen
//!   the removal, edited one of its fields: the edit is kept in the record
//!   and reported, so the person can keep the entry or confirm the removal.
//!   Character edits inside a text field of a removed entry are kept too,
//!   but are not reported (only which object holds the text is tracked).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Change, ChangeHash, ObjId, ObjType, Prop, ROOT, ReadDoc};
use gridwalk_domain::DeviceId;
use gridwalk_domain::record::{Choice, Conflict, ConflictKind, KindSpec, Version};
use std::collections::{HashMap, HashSet};

use crate::document::{Author, MAX_BODY_DEPTH, actor_of, author_of, device_of, value_json};
use crate::edit::replace;
use crate::{RecordsError, Result};

const REMOVED: &str = "removed";

/// Every unsettled conflict in the record's body.
pub fn conflicts(doc: &AutoCommit, spec: &KindSpec) -> Vec<Conflict> {
    let Ok(Some((automerge::Value::Object(_), body))) = doc.get(ROOT, "body") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut path = Vec::new();
    let mut history = History::default();
    walk(doc, &body, &mut path, spec, &mut history, &mut found);
    found
}

/// The change graph, cached while one record is walked.
#[derive(Default)]
struct History {
    ancestors: HashMap<ChangeHash, HashSet<ChangeHash>>,
}

impl History {
    /// `h` and everything it was built on.
    fn ancestors(&mut self, doc: &AutoCommit, h: ChangeHash) -> &HashSet<ChangeHash> {
        self.ancestors.entry(h).or_insert_with(|| {
            let mut seen = HashSet::new();
            let mut stack = vec![h];
            while let Some(c) = stack.pop() {
                if seen.insert(c)
                    && let Some(change) = doc.get_change_by_hash(&c)
                {
                    stack.extend(change.deps().iter().copied());
                }
            }
            seen
        })
    }

    /// Neither change had seen the other when it was made.
    fn concurrent(&mut self, doc: &AutoCommit, a: ChangeHash, b: ChangeHash) -> bool {
        !self.ancestors(doc, a).contains(&b) && !self.ancestors(doc, b).contains(&a)
    }
}

fn walk(
    doc: &AutoCommit,
    obj: &ObjId,
    path: &mut Vec<String>,
    spec: &KindSpec,
    history: &mut History,
    found: &mut Vec<Conflict>,
) {
    // No kind nests this deep; a hostile document that does is not walked
    // further (its body does not read either).
    if path.len() > MAX_BODY_DEPTH {
        return;
    }
    let props: Vec<Prop> = match doc.object_type(obj) {
        Ok(ObjType::Map | ObjType::Table) => doc.keys(obj).map(Prop::Map).collect(),
        Ok(ObjType::List) => (0..doc.length(obj)).map(Prop::Seq).collect(),
        _ => return,
    };
    if doc.object_type(obj).is_ok_and(|t| t == ObjType::Map) {
        edited_while_removed(doc, obj, path, spec, history, found);
    }
    for prop in props {
        path.push(match &prop {
            Prop::Map(k) => k.clone(),
            Prop::Seq(i) => i.to_string(),
        });
        let values = doc.get_all(obj, prop.clone()).unwrap_or_default();
        if values.len() > 1 {
            let mut versions: Vec<Version> = values
                .iter()
                .map(|(v, id)| version(doc, id, (spec.show)(path, &value_json(doc, v, id)), None))
                .collect();
            versions.sort_by(|a, b| (a.at_ms, &a.op).cmp(&(b.at_ms, &b.op)));
            found.push(Conflict {
                path: path.clone(),
                kind: ConflictKind::Versions,
                versions,
            });
        }
        // The winning value is what the body shows; conflicts inside it count.
        if let Ok(Some((automerge::Value::Object(_), child))) = doc.get(obj, prop) {
            walk(doc, &child, path, spec, history, found);
        }
        path.pop();
    }
}

/// A tombstoned map whose fields someone edited without having seen the
/// removal.
fn edited_while_removed(
    doc: &AutoCommit,
    obj: &ObjId,
    path: &[String],
    spec: &KindSpec,
    history: &mut History,
    found: &mut Vec<Conflict>,
) {
    let Ok(Some((automerge::Value::Scalar(flag), removal_op))) = doc.get(obj, REMOVED) else {
        return;
    };
    if flag.as_bool() != Some(true) {
        return;
    }
    let Some(removal) = doc.hash_for_opid(&removal_op) else {
        return;
    };
    let mut edits = Vec::new();
    for key in doc.keys(obj).filter(|k| k != REMOVED) {
        for (v, id) in doc.get_all(obj, key.as_str()).unwrap_or_default() {
            let Some(h) = doc.hash_for_opid(&id) else {
                continue;
            };
            if history.concurrent(doc, removal, h) {
                let mut field_path = path.to_vec();
                field_path.push(key.clone());
                let shown = (spec.show)(&field_path, &value_json(doc, &v, &id));
                edits.push(version(doc, &id, shown, Some(key.clone())));
            }
        }
    }
    if edits.is_empty() {
        return;
    }
    let mut versions = vec![version(
        doc,
        &removal_op,
        REMOVED.into(),
        Some(REMOVED.into()),
    )];
    versions.extend(edits);
    found.push(Conflict {
        path: path.to_vec(),
        kind: ConflictKind::EditedWhileRemoved,
        versions,
    });
}

/// Who wrote the operation `id`, and when.
fn version(doc: &AutoCommit, id: &ObjId, shown: String, field: Option<String>) -> Version {
    let change: Option<Change> = doc
        .hash_for_opid(id)
        .and_then(|h| doc.get_change_by_hash(&h));
    let device = change.as_ref().and_then(|c| device_of(c.actor_id()));
    Version {
        op: id.to_string(),
        shown,
        by: change.as_ref().and_then(author_of).map(|a| a.name),
        device,
        at_ms: change.as_ref().map(|c| c.timestamp() * 1000),
        field,
    }
}

/// Settles the conflict at `path` as `choice` with one change by `device`.
pub fn resolve(
    doc: &mut AutoCommit,
    device: &DeviceId,
    spec: &KindSpec,
    path: &[String],
    choice: &Choice,
    author: Option<&Author>,
    time_ms: i64,
) -> Result<Change> {
    let current = conflicts(doc, spec);
    let Some(conflict) = current.iter().find(|c| c.path == path) else {
        return Err(RecordsError::ConflictChanged);
    };
    doc.set_actor(actor_of(device));
    let is_text = |p: &[String]| spec.is_text(p);
    match (conflict.kind, choice) {
        (ConflictKind::Versions, Choice::Version { op }) => {
            let (parent, prop) = locate(doc, path)?;
            let values = doc.get_all(&parent, prop.clone())?;
            let (v, id) = values
                .iter()
                .find(|(_, id)| id.to_string() == *op)
                .ok_or(RecordsError::ConflictChanged)?;
            let chosen = value_json(doc, v, id);
            replace(doc, &parent, prop, &chosen, &mut path.to_vec(), &is_text)?;
        }
        (ConflictKind::EditedWhileRemoved, Choice::KeepEntry | Choice::ConfirmRemoval) => {
            let (parent, prop) = locate(doc, path)?;
            let Ok(Some((automerge::Value::Object(_), entry))) = doc.get(&parent, prop) else {
                return Err(RecordsError::ConflictChanged);
            };
            let removed = matches!(choice, Choice::ConfirmRemoval);
            doc.put(&entry, REMOVED, removed)?;
        }
        _ => return Err(RecordsError::ConflictChanged),
    }
    let hash = doc
        .commit_with(Author::commit_options(author, time_ms))
        .ok_or(RecordsError::ConflictChanged)?;
    doc.get_change_by_hash(&hash)
        .ok_or_else(|| RecordsError::Write("the settling change vanished".into()))
}

/// The object holding the field at `path` (inside the body) and its key.
fn locate(doc: &AutoCommit, path: &[String]) -> Result<(ObjId, Prop)> {
    let Ok(Some((automerge::Value::Object(_), mut obj))) = doc.get(ROOT, "body") else {
        return Err(RecordsError::ConflictChanged);
    };
    let Some((last, parents)) = path.split_last() else {
        return Err(RecordsError::ConflictChanged);
    };
    let prop_of = |obj: &ObjId, seg: &str| -> Result<Prop> {
        match doc.object_type(obj)? {
            ObjType::List => seg
                .parse()
                .map(Prop::Seq)
                .map_err(|_| RecordsError::ConflictChanged),
            _ => Ok(Prop::Map(seg.to_owned())),
        }
    };
    for seg in parents {
        let prop = prop_of(&obj, seg)?;
        match doc.get(&obj, prop)? {
            Some((automerge::Value::Object(_), child)) => obj = child,
            _ => return Err(RecordsError::ConflictChanged),
        }
    }
    let prop = prop_of(&obj, last)?;
    Ok((obj, prop))
}

/// For tests: every value currently at `path`.
#[cfg(test)]
pub(crate) fn values_at(doc: &AutoCommit, path: &[String]) -> Vec<serde_json::Value> {
    match locate(doc, path) {
        Ok((obj, prop)) => doc
            .get_all(&obj, prop)
            .unwrap_or_default()
            .iter()
            .map(|(v, id)| value_json(doc, v, id))
            .collect(),
        Err(_) => Vec::new(),
    }
}
