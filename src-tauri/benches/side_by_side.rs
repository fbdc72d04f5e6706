//! Gridwalk's sync beside the official Automerge stack, on the same
//! household workload, in one run. A measurement, not a pass/fail test.
//!
//! Gridwalk side: the real server binary on a fresh SQLite folder; two
//! device stores in real SQLite files syncing through the app's own HTTP
//! transport and sync pass, each behind a relay that counts every byte on
//! its TCP connection. A grid worker (A) imports N households — the peer's
//! document: address, three members, a care tag, a phone — and logs their
//! three visits, each visit its own record as the app keeps them; then
//! uploads. A community office (B) syncs from empty. A edits `notes` of
//! N/100 households ("复访"); done when B has every edit. B waits for them
//! as the office's idle app does, on a pull the server holds until the
//! feed moves; the peer's office client waits on its WebSocket.
//!
//! Peer side: `../shared/peers/automerge-repo/run.sh N` (its README says
//! what it measures). Wire bytes there are TCP bytes too.
//!
//!     bash scripts/bench-sync.sh                          # N = 1,000 and 10,000
//!     GRIDWALK_BENCH_SIZES=1000 bash scripts/bench-sync.sh
//!
//! `GRIDWALK_PEER=0` skips the peer; `GRIDWALK_PEER_DIR` points at its
//! harness; `GRIDWALK_PEER_PHASE_TIMEOUT_S` bounds each of its phases (360);
//! `GRIDWALK_PEER_LINES=FILE` takes its figures from lines it printed
//! before (`side_by_side/peer-results/`) instead of running it. The peer
//! runs `GRIDWALK_PEER_RUNS` times (3) at N ≤ 1,000, once above, and each
//! phase shows the run with the median wall time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../../sync-server/benches/support/accounts.rs"]
#[allow(dead_code)] // devices here redeem their codes over HTTP, as the app does
mod accounts;
#[path = "side_by_side/peer.rs"]
mod peer;
#[path = "../../sync-server/benches/support/proc_memory.rs"]
mod proc_memory;
#[path = "../../sync-server/benches/support/scrape.rs"]
mod scrape;
#[path = "side_by_side/table.rs"]
mod table;
#[path = "side_by_side/wire_meter.rs"]
mod wire_meter;

use gridwalk_app_lib::sync_loop::{IDLE_INTERVAL, held_pull, pass, pass_from};
use gridwalk_app_lib::transport::HttpTransport;
use gridwalk_core::Store;
use gridwalk_core::account::DeviceToken;
use gridwalk_core::archive::import::Roster;
use gridwalk_domain::household::HouseholdDraft;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::visit::VisitDraft;
use gridwalk_domain::{DocId, Role};
use gridwalk_sync_server::storage::Storage;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use table::{Gridwalk, Phase};
use wire_meter::{Bytes, Meter};

const NOW: i64 = 1_790_000_000_000;
const GRID: &str = "bench-grid";

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

/// The server binary beside this bench's (`target/release/`), or
/// `GRIDWALK_SERVER_BIN`.
fn server_bin() -> PathBuf {
    if let Ok(p) = std::env::var("GRIDWALK_SERVER_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("gridwalk-sync-server");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --release -p gridwalk-sync-server` (scripts/bench-sync.sh does)",
        bin.display()
    );
    bin
}

/// The tree, a grid worker and an office, written into the server's
/// database before it starts; returns their invitation codes.
fn provision(dir: &Path) -> (String, String) {
    let storage = Storage::open_sqlite(&dir.join("sync.sqlite")).unwrap();
    accounts::community(&storage, "bench", GRID);
    let invite = |name: &str, role, node: &str| accounts::invitation(&storage, name, role, node).1;
    (
        invite("王芳", Role::GridWorker, GRID),
        invite("社区办公室", Role::Office, "bench"),
    )
}

struct Server {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Server {
    async fn start(dir: &Path) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = Command::new(server_bin())
            .args(["--listen", &addr.to_string(), "--data-dir"])
            .arg(dir)
            // Two devices syncing back to back, far above a phone's pace.
            .args(["--rate-limit", "1000000"])
            .env("RUST_LOG", "warn")
            .env_remove("GRIDWALK_DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let client = reqwest::Client::new();
        while client
            .get(format!("http://{addr}/v1/health"))
            .send()
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self { child, addr }
    }

    /// Returns once the server holds at least `n` pulls (its `/metrics`).
    async fn wait_for_held_pulls(&self, n: u64) {
        let url = format!("http://{}", self.addr);
        loop {
            let held = scrape::metric(&url, "gridwalk_sync_held_pulls").await;
            if held.expect("/metrics counts held pulls") >= n as f64 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn cpu_s(&self) -> f64 {
        proc_memory::cpu_seconds(&self.child.id().to_string())
    }

    fn peak_mib(&self) -> f64 {
        proc_memory::memory_mib(&self.child.id().to_string()).1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Device {
    store: Mutex<Store>,
    transport: HttpTransport,
    meter: std::sync::Arc<Meter>,
    file: PathBuf,
}

impl Device {
    /// A store in its own SQLite file, bound through the real invitation
    /// flow, talking to the server through a byte-counting relay.
    async fn join(dir: &Path, name: &str, code: &str, server: &Server) -> Self {
        let (url, meter) = wire_meter::relay(server.addr).await;
        let file = dir.join(format!("{name}.sqlite"));
        let mut store = Store::open(&file).unwrap();
        let t = HttpTransport::new(&url);
        let resp = t.redeem(code, store.device(), name).await.unwrap();
        let token = DeviceToken::parse(&resp.token).unwrap();
        store.bind(&token, &resp.me).unwrap();
        Self {
            store: Mutex::new(store),
            transport: t.with_token(token),
            meter,
            file,
        }
    }

    /// Syncs until nothing is left to push or pull, as the app's loop does.
    async fn sync(&self) {
        loop {
            pass(&self.store, &self.transport).await.unwrap();
            if self.store.lock().unwrap().pending_counts().unwrap().0 == 0 {
                return;
            }
        }
    }

    /// Waits for news as the office's idle app does — a held pull, then a
    /// pass that starts from its answer — until the news has come.
    async fn wait_for_news(&self) -> Instant {
        loop {
            let held = held_pull(&self.store, &self.transport, IDLE_INTERVAL).await;
            if let Some(answer) = held.unwrap() {
                pass_from(&self.store, &self.transport, Some(answer))
                    .await
                    .unwrap();
                return Instant::now();
            }
        }
    }

    fn bytes(&self) -> Bytes {
        self.meter.read()
    }

    fn count(&self, sql: &str) -> u64 {
        let c = rusqlite::Connection::open(&self.file).unwrap();
        c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
    }

    fn households(&self) -> Vec<DocId> {
        let c = rusqlite::Connection::open(&self.file).unwrap();
        let mut stmt = c
            .prepare("SELECT doc_id FROM documents WHERE kind = 'household' ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|id| DocId::parse(&id.unwrap()).unwrap())
            .collect()
    }
}

/// The peer's household as a roster: three members, a care tag and a phone
/// each; distinct doors, because a roster names a household by its door.
fn roster(n: usize) -> Roster {
    let mut csv = String::from("小区,户号,姓名,与户主关系,联系电话,出生年份,关怀标签\r\n");
    for i in 0..n {
        let door = format!("{}-{}-{}", i / 200 + 1, i / 100 % 2 + 1, 501 + i % 100);
        let _ = write!(
            csv,
            "阳光小区,{door},王芳,户主,13800001234,1948,独居老人\r\n\
             阳光小区,{door},李强,子,,1975,\r\n\
             阳光小区,{door},李娜,孙女,,2003,\r\n"
        );
    }
    Roster::read(csv.as_bytes()).unwrap()
}

/// The three visits of the peer's document, each logged as the app does.
fn log_visits(store: &mut Store, households: &[DocId]) {
    let visits = [("home", "身体良好"), ("phone", ""), ("home", "需助餐")];
    for (i, id) in households.iter().enumerate() {
        for (k, (method, notes)) in visits.iter().enumerate() {
            let draft = VisitDraft {
                household: Some(*id),
                methods: vec![(*method).into()],
                notes: (*notes).into(),
                photos: vec![],
                needs: vec![],
            };
            store.log_visit(&draft, NOW + (i * 3 + k) as i64).unwrap();
        }
    }
}

/// Sets `notes` of every 100th household to `value` (N/100 of them).
fn edit_notes(store: &mut Store, households: &[DocId], value: &str) -> Vec<DocId> {
    let picked: Vec<DocId> = households.iter().step_by(100).copied().collect();
    for id in &picked {
        let page = store
            .household_page(id, &SyncStatus::default())
            .unwrap()
            .unwrap();
        let h = page.household;
        let draft = HouseholdDraft {
            estate: h.address.estate.clone(),
            door: h.door.clone(),
            tags: h.tags.iter().map(|t| t.to_string()).collect(),
            notes: value.into(),
        };
        store.edit_household(id, &draft, NOW + 1_000_000).unwrap();
    }
    picked
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn gridwalk(n: usize) -> Gridwalk {
    let dir = tempfile::tempdir().unwrap();
    let (worker_code, office_code) = provision(dir.path());
    let server = Server::start(dir.path()).await;
    let a = Device::join(dir.path(), "a", &worker_code, &server).await;

    // 1: A creates the archive and uploads it.
    let (cpu0, a0) = (server.cpu_s(), a.bytes());
    let t0 = Instant::now();
    {
        let mut s = a.store.lock().unwrap();
        s.import(&roster(n), NOW).unwrap();
    }
    let households = a.households();
    assert_eq!(households.len(), n, "every household imported");
    log_visits(&mut a.store.lock().unwrap(), &households);
    let created = t0.elapsed();
    a.sync().await;
    let upload = Phase {
        wall_ms: ms(t0.elapsed()),
        create_local_ms: Some(ms(created)),
        a: a.bytes().since(a0),
        b: Bytes::default(),
        cpu_s: server.cpu_s() - cpu0,
        peak_mib: server.peak_mib(),
        acked_ms: None,
    };
    let (stored, stored_bytes) = {
        let c = rusqlite::Connection::open(dir.path().join("sync.sqlite")).unwrap();
        c.query_row(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(bytes)), 0) FROM changes",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )
        .unwrap()
    };
    eprintln!("  gridwalk 1_upload: {upload:?}; {stored} changes, {stored_bytes} bytes stored");

    // 2: the office's device syncs from empty.
    let b = std::sync::Arc::new(Device::join(dir.path(), "b", &office_code, &server).await);
    let (cpu0, b0) = (server.cpu_s(), b.bytes());
    let t0 = Instant::now();
    b.sync().await;
    let initial = Phase {
        wall_ms: ms(t0.elapsed()),
        create_local_ms: None,
        a: Bytes::default(),
        b: b.bytes().since(b0),
        cpu_s: server.cpu_s() - cpu0,
        peak_mib: server.peak_mib(),
        acked_ms: None,
    };
    let received = b.count("SELECT COUNT(*) FROM documents");
    assert_eq!(received, 4 * n as u64, "the office has every record");
    eprintln!("  gridwalk 2_initial_sync: {initial:?}");

    // 3: A edits 1 %; B syncs until it has every edit. One such edit is a
    // few milliseconds, so it is repeated (a new value each round) and the
    // median round is reported, with its bytes.
    let rounds: usize = env_or("GRIDWALK_BENCH_EDIT_ROUNDS", "9")
        .parse()
        .expect("GRIDWALK_BENCH_EDIT_ROUNDS: a number of rounds");
    let mut edited = Vec::new();
    let mut updates = Vec::new();
    for round in 0..rounds.max(1) {
        let value = format!("复访{round}");
        let (cpu0, a0, b0) = (server.cpu_s(), a.bytes(), b.bytes());
        let a_side = async {
            // B's pull is held before A edits, as an idle office's is.
            server.wait_for_held_pulls(1).await;
            let t0 = Instant::now();
            let edits = edit_notes(&mut a.store.lock().unwrap(), &households, &value);
            let stored_locally = t0.elapsed();
            a.sync().await;
            (t0, stored_locally, t0.elapsed(), edits)
        };
        // Two phones: B waits in a task of its own, as it would in its own
        // process, so neither device's work holds up the other's.
        let b_waits = tokio::spawn({
            let b = b.clone();
            async move { b.wait_for_news().await }
        });
        let (t0, stored_locally, acked, edits) = a_side.await;
        let wall = b_waits.await.unwrap() - t0;
        edited = edits;
        for id in &edited {
            let page = b
                .store
                .lock()
                .unwrap()
                .household_page(id, &SyncStatus::default())
                .unwrap()
                .unwrap();
            assert_eq!(page.household.notes, value, "B has the edit of {id}");
        }
        updates.push(Phase {
            wall_ms: ms(wall),
            create_local_ms: Some(ms(stored_locally)),
            a: a.bytes().since(a0),
            b: b.bytes().since(b0),
            cpu_s: server.cpu_s() - cpu0,
            peak_mib: server.peak_mib(),
            acked_ms: Some(ms(acked)),
        });
    }
    // Ranked by the sync alone: the local fsync'd edits are not sync.
    updates.sort_by(|x, y| {
        let sync = |p: &Phase| p.wall_ms - p.create_local_ms.unwrap_or(0.0);
        sync(x).total_cmp(&sync(y))
    });
    let update = updates.swap_remove(updates.len() / 2);
    eprintln!("  gridwalk 3_update_1pct: {update:?}");
    Gridwalk {
        n,
        upload,
        initial,
        update,
        changed: edited.len(),
        delivered_bytes: stored_bytes,
        delivered_changes: stored,
    }
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = env_or("GRIDWALK_BENCH_SIZES", "1000,10000")
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("GRIDWALK_BENCH_SIZES: numbers, e.g. 1000,10000")
        })
        .collect();
    let run_peer = env_or("GRIDWALK_PEER", "1") != "0";
    let peer_dir = PathBuf::from(env_or(
        "GRIDWALK_PEER_DIR",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/peers/automerge-repo"
        ),
    ));
    let timeout_s: u64 = env_or("GRIDWALK_PEER_PHASE_TIMEOUT_S", "360")
        .parse()
        .unwrap();
    let peer_runs: usize = env_or("GRIDWALK_PEER_RUNS", "3")
        .parse()
        .expect("GRIDWALK_PEER_RUNS: a number of runs");
    let stored = std::env::var("GRIDWALK_PEER_LINES").ok().map(|f| {
        std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("GRIDWALK_PEER_LINES {f}: {e}"))
    });
    let mut out = String::new();
    for n in sizes {
        eprintln!("N = {n}: Gridwalk");
        let g = gridwalk(n).await;
        let runs = if let Some(lines) = &stored {
            peer::from_lines(lines, n)
        } else if run_peer {
            let times = if n <= 1_000 { peer_runs } else { 1 };
            (1..=times)
                .filter_map(|i| {
                    eprintln!("N = {n}: the official Automerge stack, run {i} of {times} (this takes a while)");
                    peer::run(&peer_dir, n, timeout_s * 1000)
                        .map_err(|e| eprintln!("  peer not run: {e}"))
                        .ok()
                })
                .collect()
        } else {
            Vec::new()
        };
        let (p, said) = peer::median(&runs);
        out += &table::render(&g, &p);
        if !runs.is_empty() {
            out += &said;
        }
    }
    println!("{out}");
}
