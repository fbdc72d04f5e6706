//! The app's integration tests: real sync server on a random port, real
//! device stores on disk, the real HTTP transport — and the real window
//! driven through WebDriver.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed step should stop the test loudly

mod archive_window;
mod driver;
mod duplicates_window;
mod export;
mod live_office;
mod notices;
mod orders_window;
mod people;
mod revocation;
#[path = "../../../sync-server/benches/support/scrape.rs"]
mod scrape;
mod support;
mod sync_two_clients;
mod window;
mod wishes_window;
