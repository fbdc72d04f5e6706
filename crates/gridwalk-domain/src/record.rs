//! What every kind of record shares, described once per kind.
//!
//! A kind (report, household, visit, need, reveal) is a body type that
//! implements [`Record`]: its `DocKind`, the fields whose text merges
//! character by character, how a body read from another device is checked,
//! and how it is projected for lists and search. The device store, the
//! sync engine and the server work from this description alone and never
//! name a kind; [`spec`] is the one table that maps a stored kind to it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

use crate::access::DocKind;
use crate::geo::Coordinates;
use crate::ids::{BlobHash, DocId, GridId};

/// Why a body is not a valid record of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the record does not read as a {kind}: {reason}")]
    Shape { kind: DocKind, reason: String },
    #[error("the {kind} record is not valid: {reason}")]
    Invalid { kind: DocKind, reason: String },
}

impl RecordError {
    pub fn invalid(kind: DocKind, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            kind,
            reason: reason.to_string(),
        }
    }
}

/// What lists, filters and search need of one record, rebuilt from its
/// document whenever it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection<S> {
    /// The record it belongs to: a visit's or a need's household.
    pub parent: Option<DocId>,
    /// A code lists filter by (report category, need category).
    pub category: Option<String>,
    /// A state lists filter by (a need's `open`, `resolved` …).
    pub status: Option<String>,
    /// The time lists sort by, newest first (Unix ms, maker's clock).
    pub at_ms: i64,
    /// How records of the same time sort (a household's address).
    #[serde(default)]
    pub sort: String,
    /// Texts search finds the record by: names, addresses, door numbers,
    /// the last digits of phones and ID numbers. Never full sensitive values.
    pub search: Vec<String>,
    /// Photos and thumbnails the record refers to, which sync moves.
    pub blobs: Vec<BlobHash>,
    pub place: Option<Coordinates>,
    /// The kind's own list row. Sensitive fields are masked in it.
    pub summary: S,
}

impl<S: Serialize> Projection<S> {
    /// The same projection with its row as JSON, for layers that do not
    /// know the kind.
    pub fn erase(self) -> Result<Projection<Value>, serde_json::Error> {
        Ok(Projection {
            summary: serde_json::to_value(self.summary)?,
            parent: self.parent,
            category: self.category,
            status: self.status,
            at_ms: self.at_ms,
            sort: self.sort,
            search: self.search,
            blobs: self.blobs,
            place: self.place,
        })
    }
}

/// One kind of record.
pub trait Record:
    Serialize + DeserializeOwned + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    const KIND: DocKind;
    /// Body paths of free text that merges as text when two people edit it
    /// at once (`notes`, `members.*.notes`; `*` is any map key).
    const TEXT_FIELDS: &'static [&'static str] = &[];
    /// The row lists show.
    type Summary: Serialize + DeserializeOwned + Clone + fmt::Debug + PartialEq;

    /// The record's id, also written in its body, so no two records ever
    /// begin with the same change.
    fn id(&self) -> DocId;
    /// The grid it belongs to: fixed when it is created.
    fn scope(&self) -> &GridId;
    /// Re-checks a body that may come from another device. Holds for every
    /// merge of valid bodies too: a record that fails it is unreadable.
    fn validate(&self) -> Result<(), RecordError>;
    /// Size limits this device keeps to when it writes the record. A merge
    /// can exceed them (two people each add to the notes offline), so a
    /// record read from a document is never dropped for them.
    fn check_limits(&self) -> Result<(), RecordError> {
        Ok(())
    }
    fn project(&self) -> Projection<Self::Summary>;

    /// How one value at `path` (inside the body) is shown to a person
    /// choosing between two versions: masked where it is sensitive.
    fn show(path: &[String], value: &Value) -> String {
        let _ = path;
        plain(value)
    }
}

/// A JSON value as a person reads it: strings without quotes.
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whether a body path matches a pattern of `TEXT_FIELDS`.
pub fn path_matches(pattern: &str, path: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len()
        && parts
            .iter()
            .zip(path)
            .all(|(p, seg)| *p == "*" || *p == seg)
}

/// A field that two devices set at the same time, or a removed entry that
/// someone edited meanwhile. Nothing is decided for the person: every
/// version is kept until one is picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The field inside the body: `["members", "<id>", "phone"]`.
    pub path: Vec<String>,
    pub kind: ConflictKind,
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// 两个版本: pick one.
    Versions,
    /// The entry at `path` was removed on one device while another edited
    /// it; its first version is the removal, the others the edits. Keep it
    /// (with the edits) or confirm the removal.
    EditedWhileRemoved,
}

/// One version of a conflicting field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The operation that wrote it; what a person's choice names.
    pub op: String,
    /// The value as a person sees it (masked where sensitive).
    pub shown: String,
    /// Who wrote it, as their change says.
    pub by: Option<String>,
    pub device: Option<crate::ids::DeviceId>,
    /// When, on the writing device's clock (whole seconds).
    pub at_ms: Option<i64>,
    /// For an edit of a removed entry: which field it changed.
    #[serde(default)]
    pub field: Option<String>,
}

/// How a person settles a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "pick", rename_all = "snake_case")]
pub enum Choice {
    /// Keep this version (by its `op`).
    Version { op: String },
    /// For `EditedWhileRemoved`: keep the entry, with the edits.
    KeepEntry,
    /// For `EditedWhileRemoved`: remove it after all.
    ConfirmRemoval,
}

/// A projection with its record's identity, for layers that do not know
/// the kind's type.
pub type ErasedProjection = (DocId, GridId, Projection<Value>);

/// A kind as the generic layers use it: no type parameter, so a stored
/// kind can be looked up at run time.
#[derive(Clone, Copy)]
pub struct KindSpec {
    pub kind: DocKind,
    pub text_fields: &'static [&'static str],
    /// Reads a body (as JSON), checks it and projects it.
    pub project: fn(Value) -> Result<ErasedProjection, RecordError>,
    /// See [`Record::show`].
    pub show: fn(&[String], &Value) -> String,
}

impl fmt::Debug for KindSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindSpec")
            .field("kind", &self.kind)
            .finish()
    }
}

impl KindSpec {
    pub const fn of<K: Record>() -> Self {
        Self {
            kind: K::KIND,
            text_fields: K::TEXT_FIELDS,
            project: project_erased::<K>,
            show: K::show,
        }
    }

    pub fn is_text(&self, path: &[String]) -> bool {
        self.text_fields.iter().any(|p| path_matches(p, path))
    }
}

/// Reads a body of kind `K` and checks it.
pub fn read_body<K: Record>(body: Value) -> Result<K, RecordError> {
    let record: K = serde_json::from_value(body).map_err(|e| RecordError::Shape {
        kind: K::KIND,
        reason: e.to_string(),
    })?;
    record.validate()?;
    Ok(record)
}

fn project_erased<K: Record>(body: Value) -> Result<ErasedProjection, RecordError> {
    let record = read_body::<K>(body)?;
    let projection = record
        .project()
        .erase()
        .map_err(|e| RecordError::invalid(K::KIND, e))?;
    Ok((record.id(), record.scope().clone(), projection))
}

/// The description of each stored kind; `None` for a kind whose body this
/// version does not define yet (its documents are kept and synced, not
/// listed).
pub fn spec(kind: DocKind) -> Option<&'static KindSpec> {
    const REPORT: KindSpec = KindSpec::of::<crate::report::HazardReport>();
    const HOUSEHOLD: KindSpec = KindSpec::of::<crate::household::Household>();
    const VISIT: KindSpec = KindSpec::of::<crate::visit::Visit>();
    const NEED: KindSpec = KindSpec::of::<crate::need::Need>();
    const REVEAL: KindSpec = KindSpec::of::<crate::reveal::Reveal>();
    const WORK_ORDER: KindSpec = KindSpec::of::<crate::work_order::WorkOrder>();
    match kind {
        DocKind::Report => Some(&REPORT),
        DocKind::Household => Some(&HOUSEHOLD),
        DocKind::Visit => Some(&VISIT),
        DocKind::Need => Some(&NEED),
        DocKind::Reveal => Some(&REVEAL),
        DocKind::WorkOrder => Some(&WORK_ORDER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_field_patterns_match_any_map_key_at_a_star() {
        let p = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(path_matches("notes", &p(&["notes"])));
        assert!(path_matches(
            "members.*.notes",
            &p(&["members", "m1", "notes"])
        ));
        assert!(!path_matches(
            "members.*.notes",
            &p(&["members", "m1", "name"])
        ));
        assert!(!path_matches("notes", &p(&["members", "notes"])));
    }

    #[test]
    fn every_kind_with_a_body_is_described_under_its_own_kind() {
        for kind in DocKind::ALL {
            if let Some(s) = spec(kind) {
                assert_eq!(s.kind, kind, "{kind} is described as {}", s.kind);
            }
        }
    }
}
