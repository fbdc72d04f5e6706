//! Field-level edits: the new body is compared with the document's and
//! only what differs is written.
//!
//! - A map changes key by key; a nested map is edited in place, unless its
//!   `kind` tag changed (another variant of an enum replaces it whole, so
//!   fields of two variants never mix).
//! - A list changes by the elements added and removed (longest common
//!   subsequence), so two devices appending to one list both keep theirs.
//! - A string at one of the kind's text paths changes by the characters
//!   that differ, so two people editing notes both keep their words.
//! - A key missing from the new body is deleted: only ever a scalar in the
//!   kinds' shapes, since entries others may edit are marked `removed`
//!   instead (see `conflicts`).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Change, ObjId, ObjType, Prop, ROOT, ReadDoc};
use gridwalk_domain::DeviceId;
use gridwalk_domain::record::{KindSpec, Record};
use serde_json::{Map, Value};

use crate::document::{Author, TextPaths, actor_of, kind, object_json, put_value};
use crate::{RecordsError, Result};

/// Above this many element comparisons a changed stretch of a list is
/// rewritten instead of aligned (lists in records are far shorter).
const MAX_ALIGN_CELLS: usize = 1 << 20;

/// Writes `new` over the record in `doc` with the fewest operations, as one
/// change by `device`. `None` when `new` equals what the document holds.
pub fn edit<K: Record>(
    doc: &mut AutoCommit,
    device: &DeviceId,
    new: &K,
    author: Option<&Author>,
    time_ms: i64,
) -> Result<Option<Change>> {
    new.validate()?;
    new.check_limits()?;
    if kind(doc) != Some(K::KIND) {
        return Err(RecordsError::Write(format!(
            "this document does not hold a {} record",
            K::KIND
        )));
    }
    let Ok(Some((automerge::Value::Object(ObjType::Map), body))) = doc.get(ROOT, "body") else {
        return Err(RecordsError::Write("the record has no body".into()));
    };
    let Value::Object(old) = object_json(doc, &body) else {
        return Err(RecordsError::NotAMap);
    };
    let Value::Object(new) =
        serde_json::to_value(new).map_err(|e| RecordsError::Write(e.to_string()))?
    else {
        return Err(RecordsError::NotAMap);
    };
    doc.set_actor(actor_of(device));
    let spec = KindSpec::of::<K>();
    update_map(doc, &body, &old, &new, &mut Vec::new(), &|p| {
        spec.is_text(p)
    })?;
    let Some(hash) = doc.commit_with(Author::commit_options(author, time_ms)) else {
        return Ok(None);
    };
    Ok(doc.get_change_by_hash(&hash))
}

pub(crate) fn update_map(
    doc: &mut AutoCommit,
    obj: &ObjId,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
) -> Result<()> {
    for (k, nv) in new {
        path.push(k.clone());
        match old.get(k) {
            None => put_value(doc, obj, Prop::Map(k.clone()), nv, path, is_text)?,
            Some(ov) if ov == nv => {}
            Some(ov) => update_value(doc, obj, Prop::Map(k.clone()), ov, nv, path, is_text)?,
        }
        path.pop();
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        doc.delete(obj, k.as_str())?;
    }
    Ok(())
}

/// The value at `prop` was `old` and becomes `new`.
fn update_value(
    doc: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    old: &Value,
    new: &Value,
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
) -> Result<()> {
    let existing = match &prop {
        Prop::Map(k) => doc.get(obj, k.as_str())?,
        Prop::Seq(i) => doc.get(obj, *i)?,
    };
    match (old, new, existing) {
        (
            Value::String(_),
            Value::String(s),
            Some((automerge::Value::Object(ObjType::Text), id)),
        ) if is_text(path) => {
            doc.update_text(&id, s)?;
        }
        (
            Value::Object(om),
            Value::Object(nm),
            Some((automerge::Value::Object(ObjType::Map), id)),
        ) if om.get("kind") == nm.get("kind") => {
            update_map(doc, &id, om, nm, path, is_text)?;
        }
        (
            Value::Array(oa),
            Value::Array(na),
            Some((automerge::Value::Object(ObjType::List), id)),
        ) => {
            update_list(doc, &id, oa, na, path, is_text)?;
        }
        _ => replace(doc, obj, prop, new, path, is_text)?,
    }
    Ok(())
}

/// Overwrites the value at `prop` (a map key, or an existing list element),
/// even with an equal value: the write supersedes every concurrent one.
pub(crate) fn replace(
    doc: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    v: &Value,
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
) -> Result<()> {
    match prop {
        Prop::Map(_) => put_value(doc, obj, prop, v, path, is_text),
        Prop::Seq(i) => {
            // An element is overwritten by deleting it and inserting the new
            // value where it stood.
            doc.delete(obj, i)?;
            put_value(doc, obj, Prop::Seq(i), v, path, is_text)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Keep,
    Delete,
    Insert(usize),
    Update(usize, usize),
}

/// Edits the list `list` from `old` to `new` by the elements that differ.
fn update_list(
    doc: &mut AutoCommit,
    list: &ObjId,
    old: &[Value],
    new: &[Value],
    path: &mut Vec<String>,
    is_text: &TextPaths<'_>,
) -> Result<()> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (om, nm) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut at = prefix;
    for step in align(om, nm) {
        match step {
            Step::Keep => at += 1,
            Step::Delete => doc.delete(list, at)?,
            Step::Insert(n) => {
                path.push(at.to_string());
                put_value(doc, list, Prop::Seq(at), &nm[n], path, is_text)?;
                path.pop();
                at += 1;
            }
            Step::Update(o, n) => {
                path.push(at.to_string());
                update_value(doc, list, Prop::Seq(at), &om[o], &nm[n], path, is_text)?;
                path.pop();
                at += 1;
            }
        }
    }
    Ok(())
}

/// The steps that turn `old` into `new`: the longest common subsequence is
/// kept; a removed map followed by an added one of the same variant is
/// edited in place instead (an event whose note changed stays the same
/// element).
fn align(old: &[Value], new: &[Value]) -> Vec<Step> {
    let (n, m) = (old.len(), new.len());
    let raw: Vec<Step> = if n.saturating_mul(m) > MAX_ALIGN_CELLS {
        std::iter::repeat_n(Step::Delete, n)
            .chain((0..m).map(Step::Insert))
            .collect()
    } else {
        // lcs[i][j]: the common subsequence length of old[i..] and new[j..].
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if old[i] == new[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j, mut steps) = (0, 0, Vec::with_capacity(n + m));
        while i < n || j < m {
            if i < n && j < m && old[i] == new[j] {
                steps.push(Step::Keep);
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
                steps.push(Step::Insert(j));
                j += 1;
            } else {
                steps.push(Step::Delete);
                i += 1;
            }
        }
        steps
    };
    pair_edits(raw, old, new)
}

/// Turns a deletion directly followed by an insertion of the same shape of
/// map into an in-place update.
fn pair_edits(steps: Vec<Step>, old: &[Value], new: &[Value]) -> Vec<Step> {
    let mut out = Vec::with_capacity(steps.len());
    let mut oi = 0;
    let mut it = steps.into_iter().peekable();
    while let Some(step) = it.next() {
        match (step, it.peek().copied()) {
            (Step::Delete, Some(Step::Insert(n))) if same_variant(&old[oi], &new[n]) => {
                it.next();
                out.push(Step::Update(oi, n));
                oi += 1;
            }
            (Step::Delete, _) => {
                out.push(Step::Delete);
                oi += 1;
            }
            (Step::Keep, _) => {
                out.push(Step::Keep);
                oi += 1;
            }
            (s, _) => out.push(s),
        }
    }
    out
}

fn same_variant(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Object(x), Value::Object(y)) if x.get("kind") == y.get("kind"))
}
