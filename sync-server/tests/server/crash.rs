//! Crash test: the real server binary is SIGKILLed at random moments while
//! devices push, many times over the same data folder. Every change that was
//! acknowledged must be there afterwards, exactly once, in a database that
//! passes the database's integrity check. Against SQLite (the database dies
//! with the server) and PostgreSQL (the server dies mid-transaction).

use gridwalk_core::sync_wire;
use gridwalk_domain::sync::{
    PROTOCOL_VERSION, SYNC_MEDIA_TYPE, SyncRequest, SyncResponse, WireChange,
};
use gridwalk_domain::{DeviceId, DocId, GridId, Role};
use gridwalk_sync_server::storage::{Database, ReadFilter, Storage};
use std::collections::HashSet;

use crate::support::{self, Backend, provision, tree};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const ROUNDS: u64 = 12;
/// Enough that pushes overlap and share commits (group commit).
const PUSHERS: u64 = 6;
const BATCH: u64 = 20;

fn start(dir: &std::path::Path, database_url: Option<&str>) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_gridwalk-sync-server"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            dir.to_str().unwrap(),
            "--rate-limit",
            "100000",
        ])
        .env("RUST_LOG", "warn")
        .env("GRIDWALK_DATABASE_URL", database_url.unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server binary starts");
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_healthy(client: &reqwest::Client, url: &str) {
    let started = Instant::now();
    while client.get(format!("{url}/v1/health")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A new record from `device`, the one the pushers' token was issued to.
fn change(device: DeviceId, round: u64, pusher: u64, i: u64) -> WireChange {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&(round * 1_000_000 + pusher * 100_000 + i).to_le_bytes());
    let doc = DocId::from_random_bytes(id);
    let body = serde_json::json!({"id": doc.to_string(), "scope": "g1", "round": round, "pusher": pusher, "i": i});
    let (_, c) = gridwalk_records::create_untyped(&device, "report", &body, 0).unwrap();
    WireChange {
        doc,
        scope: GridId::parse("g1").unwrap(),
        bytes: c.raw_bytes().to_vec(),
    }
}

/// What the pushers of all rounds were told is stored, and how many
/// batches this round's pushers saw acknowledged (the kill waits for one).
#[derive(Default)]
struct Acks {
    stored: Mutex<HashSet<(DocId, String)>>,
    this_round: AtomicU64,
    arrived: Notify,
}

/// Pushes batches until the server dies; records what was acknowledged.
async fn push_until_dead(
    url: String,
    token: String,
    device: DeviceId,
    round: u64,
    pusher: u64,
    acks: Arc<Acks>,
) {
    let client = reqwest::Client::new();
    for batch in 0.. {
        let changes: Vec<WireChange> = (0..BATCH)
            .map(|i| change(device, round, pusher, batch * BATCH + i))
            .collect();
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device,
            // Far ahead: the answer carries acks only, no pulled changes.
            cursor: i64::MAX as u64,
            changes: changes.clone(),
        };
        let Ok(resp) = client
            .post(format!("{url}/v1/sync"))
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, SYNC_MEDIA_TYPE)
            .body(sync_wire::encode(&req))
            .send()
            .await
        else {
            return;
        };
        if !resp.status().is_success() {
            // A refusal is a test bug, not a crash effect: say so loudly.
            panic!(
                "push refused: {} {}",
                resp.status(),
                resp.text().await.unwrap_or_default()
            );
        }
        let Ok(body) = resp.bytes().await else {
            return;
        };
        let Ok(resp) = sync_wire::decode::<SyncResponse>(&body) else {
            return;
        };
        // The ack counts the pushed changes from the first.
        acks.stored.lock().unwrap().extend(
            changes
                .iter()
                .take(resp.acked as usize)
                .map(|c| (c.doc, hash_of(c))),
        );
        acks.this_round.fetch_add(1, Ordering::SeqCst);
        acks.arrived.notify_waiters();
    }
}

/// Writes minus commits so far, from the server's `/metrics` (0 if it is
/// already gone).
async fn shared_commits(client: &reqwest::Client, url: &str) -> u64 {
    let Ok(resp) = client.get(format!("{url}/metrics")).send().await else {
        return 0;
    };
    let text = resp.text().await.unwrap_or_default();
    let read = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0)
    };
    read("gridwalk_storage_writes_total ").saturating_sub(read("gridwalk_storage_commits_total "))
}

fn hash_of(c: &WireChange) -> String {
    gridwalk_sync_server::validate::decode_change_hash(&c.bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_pushes_loses_no_acknowledged_change() {
    for backend in Backend::ALL {
        sigkill_rounds(backend).await;
    }
}

async fn sigkill_rounds(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database = support::config(backend, dir.path()).database();
    let url_of_db = match &database {
        Database::Postgres(url) => Some(url.clone()),
        Database::Sqlite(_) => None,
    };
    let acks = Arc::new(Acks::default());
    let client = reqwest::Client::new();
    // Writes that rode on another's commit, over all rounds.
    let mut shared = 0;
    // A fixed-seed generator: the kill moments differ per round but every run is the same.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (device, token) = {
        let storage = Storage::open(&database).unwrap();
        for n in tree() {
            storage.add_node(&n).unwrap();
        }
        let device = DeviceId::from_random_bytes([0xc7; 16]);
        let (who, token) = provision(&storage, "worker1", Role::GridWorker, &["g1"], device);
        (who.device, token)
    };
    for round in 0..ROUNDS {
        let (mut server, url) = start(dir.path(), url_of_db.as_deref());
        wait_healthy(&client, &url).await;
        acks.this_round.store(0, Ordering::SeqCst);
        let pushers: Vec<_> = (0..PUSHERS)
            .map(|p| {
                tokio::spawn(push_until_dead(
                    url.clone(),
                    token.clone(),
                    device,
                    round,
                    p,
                    acks.clone(),
                ))
            })
            .collect();
        // Kill only once this round has had pushes acknowledged, however
        // busy the machine is, then at a varying moment mid-push.
        let acknowledged = async {
            loop {
                let arrived = acks.arrived.notified();
                if acks.this_round.load(Ordering::SeqCst) > 0 {
                    return;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), acknowledged)
            .await
            .expect("a push is acknowledged within a minute of the server starting");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(seed % 150)).await;
        shared += shared_commits(&client, &url).await;
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        for p in pushers {
            p.await.unwrap();
        }
    }
    assert!(
        shared > 0,
        "{backend:?}: concurrent pushes shared commits, so the kills hit batched commits"
    );
    let acked = acks.stored.lock().unwrap().clone();
    assert!(
        acked.len() as u64 >= ROUNDS * BATCH,
        "every round had a batch acknowledged before its kill ({})",
        acked.len()
    );

    let storage = Storage::open(&database).unwrap();
    assert_eq!(storage.integrity_check().unwrap(), "ok", "{backend:?}");
    let mut stored = Vec::new();
    let mut cursor = 0;
    loop {
        let page = storage
            .changes_after(&ReadFilter::everything(), cursor, 1000)
            .unwrap();
        stored.extend(
            page.changes
                .iter()
                .map(|(_, hash, w)| (w.doc, hash.clone())),
        );
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let distinct: HashSet<(DocId, String)> = stored.iter().cloned().collect();
    assert_eq!(distinct.len(), stored.len(), "no change is stored twice");
    let missing: Vec<_> = acked.difference(&distinct).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged changes are missing after SIGKILL ({backend:?})",
        missing.len()
    );
}
