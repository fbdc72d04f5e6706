//! Load on the app's real schedule: 1,000 simulated grid workers, ten to a
//! grid, against the real server binary holding 100,000 stored households.
//! Each device syncs every 15 s, as the app does when idle
//! (`src-tauri/src/sync_loop.rs`, `IDLE_INTERVAL`), one pass at a time
//! (pages pulled until the server has no more), and one pass in four
//! carries an edit: mostly the notes of a household, sometimes a new visit.
//! Then the same devices sync faster, each step √2 times the rate of the one
//! before, until p99 crosses 200 ms: that is the saturation point. Every
//! request is authenticated and every change checked and fsync'd, under the
//! server's default per-device rate limit. Prints figures; a measurement.
//!
//!     cargo bench -p gridwalk-sync-server --bench schedule
//!     GRIDWALK_SCHEDULE_DEVICES=200 GRIDWALK_SCHEDULE_DOCS=20000 \
//!         GRIDWALK_SCHEDULE_SECS=30 cargo bench -p gridwalk-sync-server --bench schedule

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/accounts.rs"]
#[allow(dead_code)] // shared by the benches; this one builds its own tree
mod accounts;
#[path = "support/proc_memory.rs"]
mod proc_memory;
#[path = "support/records.rs"]
mod records;
#[path = "support/scrape.rs"]
mod scrape;
#[path = "support/server_process.rs"]
mod server_process;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use gridwalk_domain::sync::{PROTOCOL_VERSION, SyncRequest, WireChange};
use gridwalk_domain::{DocId, GridId, Role};
use gridwalk_sync_server::storage::Storage;
use proc_memory::{cpu_seconds, memory_mib};
use server_process::ServerProcess;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The app's idle sync interval (`IDLE_INTERVAL` in the app's sync loop).
const APP_INTERVAL: Duration = Duration::from_secs(15);
const P99_TARGET: Duration = Duration::from_millis(200);
const DEVICES_PER_GRID: u64 = 10;
/// One pass in this many carries an edit.
const EDIT_EVERY: u64 = 4;
/// One edit in this many is a new visit; the others change a household.
const NEW_VISIT_EVERY: u64 = 4;
/// Households per device kept in memory to edit (the rest are only stored).
const EDITABLE: usize = 2;
/// The fastest step tried, as a multiple of the app's rate (with 1,000
/// devices, 17,000 passes/s).
const MAX_SPEEDUP: f64 = 256.0;
/// Changes per push while the store is filled (the app's batch).
const SEED_BATCH: usize = 2_000;

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn grid_of(device: u64) -> String {
    format!("grid-{}", device / DEVICES_PER_GRID)
}

struct Device {
    index: u64,
    grid: String,
    token: String,
    /// Its own connection, as each phone has.
    client: reqwest::Client,
    cursor: u64,
    editable: Vec<(DocId, AutoCommit)>,
    made: u64,
    rng: u64,
}

impl Device {
    fn random(&mut self) -> u64 {
        // splitmix64: reproducible runs without a dependency.
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn new_record(&mut self, kind: &str) -> (AutoCommit, WireChange) {
        let n = self.made;
        self.made += 1;
        let fields = match kind {
            "household" => serde_json::json!({
                "address": format!("幸福小区{}栋{}单元{}", n % 30 + 1, n % 4 + 1, 100 + n),
                "members": [{"name": "王秀英", "relation": "户主"}],
                "notes": "",
            }),
            _ => {
                serde_json::json!({"household": records::doc_id(self.index, 0).to_string(), "notes": "上门走访，身体状况良好"})
            }
        };
        records::create(self.index, n, kind, &self.grid, fields)
    }

    /// What this pass pushes: nothing, usually; else one edit.
    fn next_edit(&mut self) -> Vec<WireChange> {
        if !self.random().is_multiple_of(EDIT_EVERY) {
            return Vec::new();
        }
        if self.random().is_multiple_of(NEW_VISIT_EVERY) || self.editable.is_empty() {
            return vec![self.new_record("visit").1];
        }
        let pick = (self.random() % self.editable.len() as u64) as usize;
        let note = format!("第{}次回访：需求已记录", self.made);
        self.made += 1;
        let (doc, am) = &mut self.editable[pick];
        let body = am.get(ROOT, "body").unwrap().unwrap().1;
        am.put(&body, "notes", note).unwrap();
        am.commit();
        let change = am.get_last_local_change().unwrap();
        vec![WireChange {
            doc: *doc,
            scope: GridId::parse(&self.grid).unwrap(),
            bytes: change.raw_bytes().to_vec(),
        }]
    }

    /// One sync pass: pushes `changes`, then pulls until the server has no
    /// more. Returns how many requests it took.
    async fn sync(&mut self, url: &str, mut changes: Vec<WireChange>) -> usize {
        let mut requests = 0;
        loop {
            let pushed = changes.len();
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device: records::device_id(self.index),
                cursor: self.cursor,
                changes: std::mem::take(&mut changes),
            };
            let who = format!("device {}", self.index);
            let resp = server_process::sync(&self.client, url, &self.token, &req, &who).await;
            assert_eq!(resp.acked as usize, pushed, "every change acknowledged");
            self.cursor = resp.cursor;
            requests += 1;
            if !resp.more {
                return requests;
            }
        }
    }
}

/// The grid tree, and one grid worker with a redeemed device per simulated
/// device, written into the server's database before it starts.
fn provision(dir: &std::path::Path, devices: u64) -> Vec<Device> {
    let storage = Storage::open_sqlite(&dir.join("sync.sqlite")).unwrap();
    accounts::node_tree(
        &storage,
        "community-load",
        &(0..devices.div_ceil(DEVICES_PER_GRID))
            .map(|g| format!("grid-{g}"))
            .collect::<Vec<_>>(),
    );
    (0..devices)
        .map(|d| {
            let grid = grid_of(d);
            let (_, token) = accounts::person(
                &storage,
                &format!("worker {d}"),
                Role::GridWorker,
                &grid,
                records::device_id(d),
            );
            Device {
                index: d,
                grid,
                token,
                client: reqwest::Client::new(),
                cursor: 0,
                editable: Vec::new(),
                made: 0,
                rng: d,
            }
        })
        .collect()
}

/// Each device in turn uploads its share of `docs` households (pulling
/// what its grid's earlier devices uploaded); afterwards every device is
/// caught up to the feed's head.
async fn fill(url: &str, devices: &mut [Device], docs: u64) {
    let per_device = docs / devices.len() as u64;
    let mut head = 0;
    for d in devices.iter_mut() {
        let mut changes = Vec::new();
        for i in 0..per_device {
            let (am, wire) = d.new_record("household");
            if (i as usize) < EDITABLE {
                d.editable.push((wire.doc, am));
            }
            changes.push(wire);
        }
        while !changes.is_empty() {
            let rest = changes.split_off(changes.len().min(SEED_BATCH));
            d.sync(url, std::mem::replace(&mut changes, rest)).await;
        }
        head = head.max(d.cursor);
    }
    // A device that has synced before starts from the head, as every phone
    // of a community that has been running for a while does.
    for d in devices.iter_mut() {
        d.cursor = head;
    }
}

struct Step {
    speedup: f64,
    seconds: f64,
    passes: usize,
    requests: usize,
    changes: usize,
    latencies: Vec<Duration>,
    cpu: f64,
    commits: f64,
    writes: f64,
}

impl Step {
    fn pct(&self, p: f64) -> Duration {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(i).copied().unwrap_or_default()
    }
    fn offered(&self, devices: usize) -> f64 {
        devices as f64 / APP_INTERVAL.as_secs_f64() * self.speedup
    }
}

async fn metric(url: &str, name: &str) -> f64 {
    scrape::metric(url, name).await.unwrap_or(0.0)
}

/// Every device syncs every `APP_INTERVAL / speedup` for `seconds`, from a
/// random moment in its first interval; a pass that runs long delays the
/// device's next one, as in the app.
async fn run_step(
    server: &ServerProcess,
    devices: Vec<Device>,
    speedup: f64,
    seconds: f64,
) -> (Vec<Device>, Step) {
    let interval = APP_INTERVAL.div_f64(speedup);
    let url: Arc<str> = server.url.clone().into();
    let cpu_before = cpu_seconds(&server.pid());
    let commits_before = metric(&url, "gridwalk_storage_commits_total").await;
    let writes_before = metric(&url, "gridwalk_storage_writes_total").await;
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    // Devices never start a pass after `until`; the rates count passes started in the window.
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|mut d| {
            let url = url.clone();
            tokio::spawn(async move {
                let offset = interval.mul_f64((d.random() % 1_000) as f64 / 1_000.0);
                let mut ticks = tokio::time::interval_at((started + offset).into(), interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let (mut latencies, mut requests, mut changes) = (Vec::new(), 0, 0);
                while tokio::time::timeout_at(until.into(), ticks.tick())
                    .await
                    .is_ok()
                {
                    let edit = d.next_edit();
                    changes += edit.len();
                    let sent = Instant::now();
                    requests += d.sync(&url, edit).await;
                    latencies.push(sent.elapsed());
                }
                (d, latencies, requests, changes)
            })
        })
        .collect();
    let mut step = Step {
        speedup,
        seconds: 0.0,
        passes: 0,
        requests: 0,
        changes: 0,
        latencies: Vec::new(),
        cpu: 0.0,
        commits: 0.0,
        writes: 0.0,
    };
    let mut devices = Vec::new();
    for t in tasks {
        let (d, latencies, requests, changes) = t.await.unwrap();
        devices.push(d);
        step.passes += latencies.len();
        step.latencies.extend(latencies);
        step.requests += requests;
        step.changes += changes;
    }
    // Passes start only inside the window; rates are over its length.
    step.seconds = seconds;
    step.latencies.sort();
    step.cpu = cpu_seconds(&server.pid()) - cpu_before;
    step.commits = metric(&url, "gridwalk_storage_commits_total").await - commits_before;
    step.writes = metric(&url, "gridwalk_storage_writes_total").await - writes_before;
    (devices, step)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_step(s: &Step, devices: usize) {
    println!(
        "  | {:>5.1}× | {:>6.2} s | {:>7.0} | {:>8.0} | {:>7.0} | {:>6.1} | {:>6.1} | {:>6.1} | {:>6.1} | {:>4.0} % | {:>5.2} |",
        s.speedup,
        APP_INTERVAL.div_f64(s.speedup).as_secs_f64(),
        s.offered(devices),
        s.passes as f64 / s.seconds,
        s.changes as f64 / s.seconds,
        ms(s.pct(0.5)),
        ms(s.pct(0.95)),
        ms(s.pct(0.99)),
        ms(s.pct(1.0)),
        s.cpu / s.seconds * 100.0,
        if s.commits > 0.0 {
            s.writes / s.commits
        } else {
            0.0
        },
    );
}

#[tokio::main]
async fn main() {
    let n_devices = env_or("GRIDWALK_SCHEDULE_DEVICES", 1_000);
    let docs = env_or("GRIDWALK_SCHEDULE_DOCS", 100_000);
    let app_seconds = env_or("GRIDWALK_SCHEDULE_SECS", 60) as f64;
    let step_seconds = env_or("GRIDWALK_SCHEDULE_STEP_SECS", 15) as f64;
    let dir = tempfile::tempdir().unwrap();
    let provisioned = Instant::now();
    let mut devices = provision(dir.path(), n_devices);
    let provision_s = provisioned.elapsed().as_secs_f64();
    let server = ServerProcess::start(dir.path(), &[]).await;

    let filled = Instant::now();
    fill(&server.url, &mut devices, docs).await;
    let fill_s = filled.elapsed().as_secs_f64();
    let (rss_filled, _) = memory_mib(&server.pid());

    println!("gridwalk sync server on the app's schedule");
    println!(
        "  {n_devices} grid workers, {DEVICES_PER_GRID} to a grid ({provision_s:.1} s to provision); {docs} households stored in {fill_s:.1} s; server {rss_filled:.1} MiB with them stored"
    );
    println!(
        "  each device syncs every {} s ÷ speed-up; one pass in {EDIT_EVERY} carries an edit (3 of 4 a household's notes, 1 of 4 a new visit)",
        APP_INTERVAL.as_secs()
    );
    println!(
        "  | speed-up | interval | offered passes/s | passes/s | changes/s | p50 ms | p95 ms | p99 ms | max ms | server CPU | writes per commit |"
    );
    let (d, app) = run_step(&server, devices, 1.0, app_seconds).await;
    devices = d;
    print_step(&app, n_devices as usize);

    let mut below: Option<Step> = (app.pct(0.99) <= P99_TARGET).then_some(app);
    let mut crossed = None;
    let mut speedup = std::f64::consts::SQRT_2;
    while below.is_some() && speedup < MAX_SPEEDUP * 1.01 {
        let (d, step) = run_step(&server, devices, speedup, step_seconds).await;
        devices = d;
        print_step(&step, n_devices as usize);
        if step.pct(0.99) > P99_TARGET {
            crossed = Some(step);
            break;
        }
        below = Some(step);
        speedup *= std::f64::consts::SQRT_2;
    }
    let (rss, peak) = memory_mib(&server.pid());
    drop(server);
    drop(devices);

    match (below, crossed) {
        (Some(b), Some(c)) => println!(
            "  saturation: p99 crosses {} ms between {:.0} passes/s (p99 {:.1} ms) and {:.0} passes/s (p99 {:.1} ms)",
            P99_TARGET.as_millis(),
            b.passes as f64 / b.seconds,
            ms(b.pct(0.99)),
            c.passes as f64 / c.seconds,
            ms(c.pct(0.99)),
        ),
        (Some(b), None) => println!(
            "  saturation: not reached; p99 {:.1} ms at {:.0} passes/s, the fastest step",
            ms(b.pct(0.99)),
            b.passes as f64 / b.seconds
        ),
        (None, _) => println!(
            "  saturation: p99 is over {} ms already at the app's rate",
            P99_TARGET.as_millis()
        ),
    }
    println!("  server memory   {rss:.1} MiB at the end, {peak:.1} MiB peak");
}
