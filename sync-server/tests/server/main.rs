//! The sync server's integration tests: the real server on a random local
//! port over HTTP on both storage backends, its sync logic under a faulty
//! network, authorisation under a long run of forbidden requests, and the
//! real binary killed mid-push.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed step should stop the test loudly

mod accounts;
mod archive;
mod authorization;
mod backup;
mod check_index;
mod convergence;
mod crash;
mod export;
mod fuzz_regressions;
mod held_pull;
mod http;
mod metrics;
mod migrations;
mod orders;
mod photo_bucket;
mod postgres_pool;
mod routing;
#[path = "../../benches/support/scrape.rs"]
mod scrape;
mod support;
mod two_instances;
mod wire;
mod wishes;
