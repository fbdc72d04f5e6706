//! What the server spends on one push against a work order's history: a
//! department adds one event to an order that already has 1, 100 or 1,000
//! changes. Each push is checked (`write_check::authorize`) and stored
//! (`Storage::append`, fsync'd) on a real SQLite file, as `/v1/sync` does.
//! For comparison, the same push on the same order with the check index
//! dropped: that is one replay of the whole history, which is what every
//! push cost before the index. Prints figures; a measurement.
//!
//!     cargo bench -p gridwalk-sync-server --bench push_cost
//!     GRIDWALK_PUSH_HISTORIES=1,100,1000,5000 cargo bench -p gridwalk-sync-server --bench push_cost

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/accounts.rs"]
mod accounts;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};
use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{DeviceId, DocId, GridId, Role};
use gridwalk_sync_server::auth::{self, DeviceAuth};
use gridwalk_sync_server::storage::{CheckedChange, Storage};
use gridwalk_sync_server::write_check::authorize;
use std::time::{Duration, Instant};

const GRID: &str = "push-grid";
/// Pushes timed per history length.
const SAMPLES: usize = 100;

struct Order {
    id: DocId,
    am: AutoCommit,
    events: automerge::ObjId,
}

impl Order {
    fn new(office: DeviceId, assignee: &str) -> (Self, WireChange) {
        let id = order_id();
        let body = serde_json::json!({
            "id": id.to_string(), "scope": GRID, "description": "楼道灯不亮",
            "assignees": [assignee], "events": [],
        });
        let (am, change) =
            gridwalk_records::create_untyped(&office, "work_order", &body, 0).unwrap();
        let b = am.get(ROOT, "body").unwrap().unwrap().1;
        let events = am.get(&b, "events").unwrap().unwrap().1;
        let mut order = Order { id, am, events };
        let wire = order.wire(change.raw_bytes().to_vec());
        (order, wire)
    }

    fn wire(&mut self, bytes: Vec<u8>) -> WireChange {
        WireChange {
            doc: self.id,
            scope: GridId::parse(GRID).unwrap(),
            bytes,
        }
    }

    /// One more event, as a map like the app's steps.
    fn event(&mut self, by: DeviceId, n: usize) -> CheckedChange {
        self.am.set_actor(ActorId::from(by.as_bytes().as_slice()));
        let len = self.am.length(&self.events);
        let e = self
            .am
            .insert_object(&self.events, len, ObjType::Map)
            .unwrap();
        self.am.put(&e, "step", "progress").unwrap();
        self.am.put(&e, "note", format!("第{n}次处理进展")).unwrap();
        self.am.put(&e, "at", n as i64).unwrap();
        let hash = self.am.commit().unwrap();
        let bytes = self
            .am
            .get_change_by_hash(&hash)
            .unwrap()
            .raw_bytes()
            .to_vec();
        checked(self.wire(bytes))
    }
}

/// A fresh order id for each history length.
fn order_id() -> DocId {
    static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);
    DocId::from_random_bytes([NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed); 16])
}

fn checked(wire: WireChange) -> CheckedChange {
    CheckedChange::decode(wire).unwrap()
}

/// Checks and stores one push as `/v1/sync` does; returns the check's and
/// the whole push's time.
fn push(storage: &Storage, who: &DeviceAuth, changes: &[CheckedChange]) -> (Duration, Duration) {
    let started = Instant::now();
    let ok = authorize(storage, who, changes).unwrap_or_else(|e| panic!("refused: {e}"));
    let checked = started.elapsed();
    storage
        .append("bench", changes, &ok.created, &ok.notes, &ok.index, 0)
        .unwrap();
    (checked, started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let histories: Vec<usize> = std::env::var("GRIDWALK_PUSH_HISTORIES")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::open_sqlite(&dir.path().join("sync.sqlite")).unwrap();
    accounts::community(&storage, "push", GRID);
    let office_device = DeviceId::from_random_bytes([1; 16]);
    let dept_device = DeviceId::from_random_bytes([2; 16]);
    let (_, office_token) =
        accounts::person(&storage, "社区办", Role::Office, "push", office_device);
    let (dept_user, dept_token) =
        accounts::person(&storage, "城管科", Role::Department, "push", dept_device);
    let office = auth::device(&storage, Some(&office_token)).unwrap();
    let dept = auth::device(&storage, Some(&dept_token)).unwrap();

    println!(
        "one push of one event onto a work order, by its assignee (check, then check + fsync'd store)"
    );
    println!(
        "| changes before | check p50 | push p50 | check, replaying the history (as before the index) |"
    );
    println!("|---|---|---|---|");
    for history in histories {
        let (mut order, created) = Order::new(office_device, &dept_user.to_string());
        push(&storage, &office, &[checked(created)]);
        // Built in pushes of up to 100 events, as a busy order's devices would.
        let mut n = 1;
        while n < history {
            let batch: Vec<_> = (n..history.min(n + 100))
                .map(|i| order.event(dept_device, i))
                .collect();
            n += batch.len();
            push(&storage, &dept, &batch);
        }
        let mut replays = Vec::new();
        for i in 0..5 {
            storage.forget_check_index().unwrap();
            let (c, _) = push(
                &storage,
                &dept,
                &[order.event(dept_device, history + SAMPLES + i)],
            );
            replays.push(c);
        }
        let (mut checks, mut pushes) = (Vec::new(), Vec::new());
        for i in 0..SAMPLES {
            let (c, p) = push(&storage, &dept, &[order.event(dept_device, history + i)]);
            checks.push(c);
            pushes.push(p);
        }
        println!(
            "| {history} | {:.3} ms | {:.3} ms | {:.3} ms |",
            ms(median(checks)),
            ms(median(pushes)),
            ms(median(replays))
        );
    }
}
