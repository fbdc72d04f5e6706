//! Gridwalk's native engine, shared by the app shell and the sync server.
//!
//! The model: every record is one Automerge document (`document`), kept with
//! its projection rows in one SQLite file (`store`). Local edits append their
//! Automerge change to an outbox; `sync_engine` turns the outbox into a sync
//! request and applies the server's answer, with no network code of its own.
//! Which account the device works for, and the grids it may report into,
//! is `account`. Photos go through `photo` (decode with limits, upright, shrink, strip,
//! hash) before anything stores them. Time is always passed in.

pub mod account;
pub mod catalog;
pub mod demo;
pub mod document;
pub mod error;
pub mod photo;
pub mod reports;
pub mod store;
pub mod sync_engine;
#[cfg(test)]
pub(crate) mod test_support;

pub use error::{CoreError, Result};
pub use store::Store;
