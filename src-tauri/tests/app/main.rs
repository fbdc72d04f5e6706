//! The app's integration tests: real sync server on a random port, real
//! device stores on disk, the real HTTP transport — and the real window
//! driven through WebDriver.

mod support;
mod sync_two_clients;
mod window;
