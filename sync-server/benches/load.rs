//! Load run: N simulated devices sync against one real server process on
//! this machine. Each device pushes a few new changes and pulls what others
//! sent, round after round. Prints requests/s, p50/p99 latency and the
//! server's memory. Not a pass/fail test: a measurement.
//!
//!     cargo bench -p gridwalk-sync-server --bench load
//!     GRIDWALK_LOAD_DEVICES=200 GRIDWALK_LOAD_ROUNDS=10 cargo bench -p gridwalk-sync-server --bench load

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/accounts.rs"]
mod accounts;
#[path = "support/proc_memory.rs"]
mod proc_memory;
#[path = "support/records.rs"]
mod records;
#[path = "support/server_process.rs"]
mod server_process;

use gridwalk_domain::Role;
use gridwalk_domain::sync::{PROTOCOL_VERSION, SyncRequest, WireChange};
use gridwalk_sync_server::storage::Storage;
use proc_memory::{cpu_seconds, memory_mib};
use server_process::ServerProcess;
use std::time::{Duration, Instant};

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn change(device: u64, n: u64) -> WireChange {
    records::create(
        device,
        n,
        "report",
        GRID,
        serde_json::json!({"device": device, "n": n}),
    )
    .1
}

const GRID: &str = "grid-load";

/// The tree and one grid worker per simulated device, written straight into
/// the server's database before it starts; returns their device tokens.
fn provision(dir: &std::path::Path, devices: u64) -> Vec<String> {
    let storage = Storage::open_sqlite(&dir.join("sync.sqlite")).unwrap();
    accounts::community(&storage, "load", GRID);
    (0..devices)
        .map(|d| {
            accounts::person(
                &storage,
                &format!("worker {d}"),
                Role::GridWorker,
                GRID,
                records::device_id(d),
            )
            .1
        })
        .collect()
}

async fn device(url: String, token: String, id: u64, rounds: u64, batch: u64) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut cursor = 0;
    let mut latencies = Vec::new();
    for round in 0..rounds {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device: records::device_id(id),
            cursor,
            changes: (0..batch).map(|i| change(id, round * batch + i)).collect(),
        };
        let started = Instant::now();
        let who = format!("device {id} round {round}");
        let resp = server_process::sync(&client, &url, &token, &req, &who).await;
        latencies.push(started.elapsed());
        assert_eq!(
            u64::from(resp.acked),
            batch,
            "every pushed change is acknowledged"
        );
        cursor = resp.cursor;
    }
    latencies
}

#[tokio::main]
async fn main() {
    let devices = env_or("GRIDWALK_LOAD_DEVICES", 50);
    let rounds = env_or("GRIDWALK_LOAD_ROUNDS", 20);
    let batch = env_or("GRIDWALK_LOAD_BATCH", 5);
    let dir = tempfile::tempdir().unwrap();
    let tokens = provision(dir.path(), devices);
    // Each simulated device syncs back to back, far above a phone's pace.
    let server = ServerProcess::start(dir.path(), &["--rate-limit", "100000"]).await;
    let url = server.url.clone();
    let (rss_idle, _) = memory_mib(&server.pid());
    let cpu_idle = cpu_seconds(&server.pid());

    let started = Instant::now();
    let tasks: Vec<_> = (0..devices)
        .map(|d| {
            tokio::spawn(device(
                url.clone(),
                tokens[d as usize].clone(),
                d,
                rounds,
                batch,
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    let (rss, peak) = memory_mib(&server.pid());
    let cpu = cpu_seconds(&server.pid()) - cpu_idle;
    drop(server);

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let requests = latencies.len();
    println!("gridwalk sync server load run");
    println!(
        "  devices {devices}, rounds {rounds}, changes per push {batch} (each device also pulls all others' changes)"
    );
    println!(
        "  requests        {requests} in {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "  throughput      {:.0} requests/s, {:.0} changes/s",
        requests as f64 / elapsed.as_secs_f64(),
        (requests as u64 * batch) as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    println!("  server memory   {rss_idle:.1} MiB idle, {rss:.1} MiB after, {peak:.1} MiB peak");
    println!(
        "  server CPU      {cpu:.1} s ({:.0} % of one core)",
        cpu / elapsed.as_secs_f64() * 100.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
