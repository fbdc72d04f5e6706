//! Gridwalk's native engine on the device.
//!
//! The model: every record is one Automerge document (through
//! `gridwalk-records`), kept with its projection rows in one SQLite file
//! (`store`). The record layer (`records`) creates, edits, lists, searches
//! and settles conflicts for every kind; the kinds' own modules
//! (`reports`, `archive`) only turn forms into bodies. Local edits append
//! their Automerge change to an outbox; `sync_engine` turns the outbox into
//! a sync request and applies the server's answer, with no network code of
//! its own. Which account the device works for is `account`; photos are
//! kept by hash (`blobs`) after `gridwalk-photo` made them safe. Time is
//! always passed in.

pub mod account;
pub mod archive;
pub mod blobs;
pub mod error;
pub mod orders;
pub mod records;
pub mod reports;
pub mod routing;
pub mod search;
pub mod store;
pub mod sync_engine;
pub mod sync_wire;
pub mod table_csv;
#[cfg(test)]
pub(crate) mod test_support;

pub use error::{CoreError, Result};
pub use gridwalk_photo as photo;
pub use records::{ListQuery, Writer};
pub use store::Store;

/// A fresh random record id.
pub fn new_doc_id() -> gridwalk_domain::DocId {
    gridwalk_domain::DocId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes())
}
