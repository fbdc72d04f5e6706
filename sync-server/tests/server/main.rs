//! The sync server's integration tests: the real server on a random local
//! port over HTTP, its sync logic under a faulty network, and the real
//! binary killed mid-push.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed step should stop the test loudly

mod convergence;
mod crash;
mod fuzz_regressions;
mod http;
