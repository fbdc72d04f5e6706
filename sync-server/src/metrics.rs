//! `/metrics` in the Prometheus text format: requests and their latencies
//! by route and status, changes stored, refusals by error code, and photo
//! bytes in and out. Counted in memory since the process started (what a
//! scraper expects); no label carries an id, a token or a name.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gridwalk_domain::ErrorCode;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::api::Shared;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Counts per bucket of `BUCKETS` (not cumulative; summed on render).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

#[derive(Debug, Default)]
struct Http {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    refusals: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Default)]
pub struct Metrics {
    http: Mutex<Http>,
    changes_stored: AtomicU64,
    blob_bytes_in: AtomicU64,
    blob_bytes_out: AtomicU64,
    held_pulls: AtomicU64,
}

/// Counts one held pull for as long as it lives.
#[derive(Debug)]
pub struct HeldPull<'a>(&'a AtomicU64);

impl Drop for HeldPull<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn hold(&self) -> HeldPull<'_> {
        self.held_pulls.fetch_add(1, Ordering::Relaxed);
        HeldPull(&self.held_pulls)
    }

    pub fn changes_stored(&self, n: usize) {
        self.changes_stored.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn blob_in(&self, bytes: usize) {
        self.blob_bytes_in
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn blob_out(&self, bytes: usize) {
        self.blob_bytes_out
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn request(&self, route: &str, status: u16, seconds: f64, refused: Option<ErrorCode>) {
        let mut http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        *http.requests.entry((route.to_owned(), status)).or_default() += 1;
        http.latency
            .entry(route.to_owned())
            .or_default()
            .observe(seconds);
        if let Some(code) = refused {
            *http.refusals.entry(code.as_str()).or_default() += 1;
        }
    }

    /// Everything, in the Prometheus text exposition format (0.0.4), with
    /// the storage's commit counts.
    pub fn render(&self, commits: crate::storage::CommitCounts) -> String {
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let head = |name: &str, kind: &str, help: &str, out: &mut String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            "gridwalk_http_requests_total",
            "counter",
            "HTTP requests by route and status.",
            &mut out,
        );
        for ((route, status), n) in &http.requests {
            let _ = writeln!(
                out,
                "gridwalk_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        let name = "gridwalk_http_request_duration_seconds";
        head(
            name,
            "histogram",
            "Time from request to response, by route.",
            &mut out,
        );
        for (route, h) in &http.latency {
            let mut below = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                below += n;
                let _ = writeln!(
                    out,
                    "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {below}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum_seconds);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
        }
        head(
            "gridwalk_refusals_total",
            "counter",
            "Requests refused, by error code.",
            &mut out,
        );
        for (code, n) in &http.refusals {
            let _ = writeln!(out, "gridwalk_refusals_total{{code=\"{code}\"}} {n}");
        }
        head(
            "gridwalk_changes_stored_total",
            "counter",
            "Changes newly stored.",
            &mut out,
        );
        let _ = writeln!(
            out,
            "gridwalk_changes_stored_total {}",
            self.changes_stored.load(Ordering::Relaxed)
        );
        for (name, help, n) in [
            (
                "gridwalk_storage_commits_total",
                "Database commits (each one fsync).",
                commits.commits,
            ),
            (
                "gridwalk_storage_writes_total",
                "Write transactions; more than commits when writes shared one.",
                commits.writes,
            ),
        ] {
            head(name, "counter", help, &mut out);
            let _ = writeln!(out, "{name} {n}");
        }
        head(
            "gridwalk_sync_held_pulls",
            "gauge",
            "Pulls waiting for the feed to move.",
            &mut out,
        );
        let _ = writeln!(
            out,
            "gridwalk_sync_held_pulls {}",
            self.held_pulls.load(Ordering::Relaxed)
        );
        head(
            "gridwalk_blob_bytes_total",
            "counter",
            "Photo bytes received and served.",
            &mut out,
        );
        for (dir, n) in [("in", &self.blob_bytes_in), ("out", &self.blob_bytes_out)] {
            let _ = writeln!(
                out,
                "gridwalk_blob_bytes_total{{direction=\"{dir}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out
    }
}

/// Counts every request by its route pattern (not its path: a hash or an id
/// in the path would make a series per photo).
pub async fn track(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let mut route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // A held pull lasts as long as the feed stays still: its own series,
    // so it does not hide how fast the others are answered.
    if req.uri().query().is_some_and(|q| q.contains("wait=")) {
        route += "?wait";
    }
    let method = req.method().clone();
    let started = Instant::now();
    let resp = next.run(req).await;
    let refused = resp.extensions().get::<ErrorCode>().copied();
    let seconds = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.request(&route, status, seconds, refused);
    // The access log: refusals and errors always, the rest when asked for
    // (`RUST_LOG=gridwalk::http=debug`).
    let ms = (seconds * 1000.0).round() as u64;
    let code = refused.map_or("", |c| c.as_str());
    if status >= 400 {
        tracing::info!(target: "gridwalk::http", %method, route, status, ms, code, "request refused");
    } else {
        tracing::debug!(target: "gridwalk::http", %method, route, status, ms, "request");
    }
    resp
}

pub async fn serve(State(state): State<Shared>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(state.storage.commit_counts()),
    )
        .into_response()
}
