//! The PostgreSQL backend's connections: pooled async clients, so more
//! calls at once than the pool holds wait for a connection instead of each
//! opening its own, writes that arrive together share commits, and a call
//! made on an async worker (not only on a blocking thread) is served, not
//! refused.

use gridwalk_sync_server::storage::{Database, Storage};

use crate::support::fresh_postgres_database;

/// Sessions PostgreSQL has open on `url`'s database, as it reports them.
fn sessions_on(url: &str) -> i64 {
    let (base, name) = url.rsplit_once('/').unwrap();
    let (base, name) = (base.to_owned(), name.to_owned());
    // The blocking client starts a runtime, which must not be inside one.
    std::thread::spawn(move || {
        let mut c =
            postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).unwrap();
        c.query_one(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .unwrap()
        .get::<_, i64>(0)
    })
    .join()
    .unwrap()
}

/// The backend's pool size: more callers than this wait for a connection.
const POOL: i64 = 16;
/// Beside the pool, the one connection that listens for other instances' pushes.
const LISTENER: i64 = 1;

#[test]
fn more_callers_than_connections_share_the_pool() {
    let url = fresh_postgres_database();
    let storage = Storage::open(&Database::Postgres(url.clone())).unwrap();
    const CALLERS: usize = 24;
    const CALLS: usize = 20;
    let done = std::sync::atomic::AtomicBool::new(false);
    let most = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut most = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(sessions_on(&url));
            }
            // The pool keeps its idle connections: at least one is open.
            most.max(sessions_on(&url))
        });
        let callers: Vec<_> = (0..CALLERS)
            .map(|t| {
                let storage = &storage;
                s.spawn(move || {
                    for i in 0..CALLS {
                        storage
                            .audit("test", "pool.write", &format!("{t}-{i}"), "", 0)
                            .unwrap();
                        storage.directory_version().unwrap();
                    }
                })
            })
            .collect();
        for c in callers {
            c.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        watcher.join().unwrap()
    });
    let entries = storage.audit_entries(0, 10_000).unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.action == "pool.write").count(),
        CALLERS * CALLS,
        "every write was committed"
    );
    let counts = storage.commit_counts();
    assert!(counts.writes >= (CALLERS * CALLS) as u64, "{counts:?}");
    assert!(
        counts.commits < counts.writes,
        "writes from {CALLERS} threads at once shared commits: {counts:?}"
    );
    assert!(
        (1..=POOL + LISTENER).contains(&most),
        "{} calls from {CALLERS} threads had {most} connections open at once",
        2 * CALLERS * CALLS
    );
    drop(storage);
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_on_an_async_worker_is_served() {
    let url = fresh_postgres_database();
    let storage = Storage::open(&Database::Postgres(url)).unwrap();
    storage.audit("test", "on.worker", "", "", 1).unwrap();
    assert_eq!(storage.audit_entries(0, 10).unwrap().len(), 1);
    // Dropped here, on the worker: the backend's runtime goes without blocking.
}
