//! Gridwalk's domain: the pure vocabulary every other crate speaks.
//!
//! Everything here is data and pure functions — no I/O, no clock, no randomness —
//! so the same types compile into the native engine, the sync server and the
//! wasm UI, and the wire contracts between them cannot drift apart.
//!
//! Values from outside (a form, a file, another device) enter through `parse`
//! constructors that refuse what is malformed with a message saying what to do;
//! once a value exists, it is valid.

pub mod access;
pub mod boundary;
pub mod calendar;
pub mod catalog;
pub mod category;
pub mod directory;
pub mod error_code;
pub mod export;
pub mod field;
pub mod geo;
pub mod household;
pub mod id_number;
pub mod ids;
pub mod ipc;
pub mod need;
pub mod phone;
pub mod record;
pub mod report;
pub mod reveal;
pub mod sync;
pub mod sync_state;
#[cfg(test)]
mod test_fixtures;
pub mod visit;
pub mod vocabulary;
pub mod work_order;

pub use access::{DocKind, Role};
pub use category::{Category, CategoryCatalog, CategoryCode};
pub use error_code::ErrorCode;
pub use geo::{Coordinates, Location, LocationSource};
pub use household::{Household, HouseholdDraft, Member, MemberDraft};
pub use ids::{BlobHash, DeviceId, DocId, EventId, GridId, MemberId, UserId};
pub use need::Need;
pub use record::Record;
pub use report::{HazardReport, PhotoRef, ReportDraft};
pub use reveal::Reveal;
pub use visit::Visit;
pub use vocabulary::Vocabulary;
