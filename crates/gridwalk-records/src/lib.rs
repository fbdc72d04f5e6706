//! Records as Automerge documents — the codec every kind shares, on the
//! device and on the server alike.
//!
//! A record is one document whose root holds `kind`, `schema` and a `body`
//! map written field by field from the kind's domain type. An edit is a
//! diff of the new body against the document: only changed fields get
//! operations, lists change by the elements added or removed, and the
//! kind's text fields change by the characters typed, so two offline edits
//! of one record merge field by field and character by character. When two
//! devices set the same field at once Automerge keeps both values; this
//! crate finds them (`conflicts`), says who wrote each and when (every
//! change carries its author in its message), and settles one with a
//! change every device applies (`resolve`). Reading always goes back
//! through the kind's `Deserialize` and `validate`, because whatever
//! another device wrote is untrusted.

mod conflicts;
mod document;
mod edit;

pub use conflicts::{conflicts, resolve};
pub use document::{
    Author, DOC_SCHEMA, author_of, body_json, create, create_untyped, device_of, kind, load, maker,
    read, read_spec,
};
pub use edit::edit;

use gridwalk_domain::record::RecordError;

#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("record {doc} could not be read: {reason}")]
    Unreadable { doc: String, reason: String },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("a record body must be a map of fields")]
    NotAMap,
    #[error("the versions of this field changed while you were choosing: look at them again")]
    ConflictChanged,
    #[error("the record could not be written: {0}")]
    Write(String),
}

impl From<automerge::AutomergeError> for RecordsError {
    fn from(e: automerge::AutomergeError) -> Self {
        Self::Write(e.to_string())
    }
}

pub type Result<T, E = RecordsError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
