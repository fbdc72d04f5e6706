//! Property: replicas that report offline and sync in any order through a
//! network that drops requests, loses responses, duplicates requests and
//! delivers stale ones late all end identical, with no report missing and
//! no change stored twice. The server side is the real validation and
//! storage code, called without HTTP so hundreds of runs take seconds.

use gridwalk_core::Store;
use gridwalk_core::account::DeviceToken;
use gridwalk_core::store::DEFAULT_SCOPE;
use gridwalk_domain::directory::{GridNode, NodeKind};
use gridwalk_domain::ipc::ReportListScope;
use gridwalk_domain::sync::{SyncRequest, SyncResponse};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{DocId, Location, ReportDraft};
use gridwalk_domain::{GridId, Role};
use gridwalk_sync_server::api::{AppState, respond};
use gridwalk_sync_server::auth;
use gridwalk_sync_server::blobs::BlobStore;
use gridwalk_sync_server::storage::Storage;

use crate::support::{self, Backend};
use gridwalk_sync_server::validate::check_request;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
enum Fault {
    None,
    /// The request never reaches the server.
    DropRequest,
    /// The server stores it, the answer never comes back.
    LoseResponse,
    /// The request arrives twice; the device sees the second answer.
    Duplicate,
    /// The device's previous request arrives again, late, and its answer
    /// is applied after newer ones.
    ReplayOld,
}

#[derive(Debug, Clone)]
enum Op {
    Report(usize),
    Sync(usize, Fault),
}

fn op() -> impl Strategy<Value = Op> {
    let fault = prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::DropRequest),
        1 => Just(Fault::LoseResponse),
        1 => Just(Fault::Duplicate),
        1 => Just(Fault::ReplayOld),
    ];
    prop_oneof![
        (0..4usize).prop_map(Op::Report),
        ((0..4usize), fault).prop_map(|(r, f)| Op::Sync(r, f)),
    ]
}

/// The server's handling of one request, as the route does it.
fn deliver(server: &AppState, token: &str, req: &SyncRequest) -> SyncResponse {
    let who = auth::device(&server.storage, Some(token)).expect("the token is valid");
    let body = serde_json::to_vec(req).unwrap();
    let (req, checked) = check_request(&body).expect("a device's own request is valid");
    respond(server, &who, req.cursor, &checked).expect("server answers")
}

struct Replica {
    store: Store,
    /// Each replica is a different grid worker of the demo grid.
    token: String,
    previous: Option<SyncRequest>,
}

fn report(r: &mut Replica, photo: &[u8], n: usize) -> DocId {
    let staged = r.store.stage_photo(photo, 0).unwrap();
    let draft = ReportDraft {
        category: "garbage".into(),
        description: format!("报告 {n}"),
        location: Location::address("幸福小区").unwrap(),
        photos: vec![staged.photo],
        reporter: String::new(),
        seconds: None,
    };
    r.store.create_report(draft, n as i64).unwrap()
}

fn sync(server: &AppState, r: &mut Replica, fault: &Fault) {
    let req = r.store.sync_request().unwrap();
    let deliver = |server: &AppState, req: &SyncRequest| deliver(server, &r.token, req);
    match fault {
        Fault::None => {
            let resp = deliver(server, &req);
            r.store.apply_sync_response(&req, &resp).unwrap();
        }
        Fault::DropRequest => {}
        Fault::LoseResponse => drop(deliver(server, &req)),
        Fault::Duplicate => {
            deliver(server, &req);
            let resp = deliver(server, &req);
            r.store.apply_sync_response(&req, &resp).unwrap();
        }
        Fault::ReplayOld => {
            if let Some(old) = r.previous.clone() {
                let resp = deliver(server, &old);
                r.store.apply_sync_response(&old, &resp).unwrap();
            }
        }
    }
    r.previous = Some(req);
}

/// Syncs with a healthy network until nothing moves.
fn settle(server: &AppState, r: &mut Replica) {
    for _ in 0..50 {
        let req = r.store.sync_request().unwrap();
        let resp = deliver(server, &r.token, &req);
        r.store.apply_sync_response(&req, &resp).unwrap();
        if req.changes.is_empty() && resp.changes.is_empty() && !resp.more {
            return;
        }
    }
    panic!("a replica did not settle in 50 rounds");
}

fn ids(r: &Replica) -> BTreeSet<DocId> {
    r.store
        .list_reports(ReportListScope::All, &SyncStatus::default(), 1000)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

fn server(backend: Backend, dir: &std::path::Path) -> AppState {
    let config = support::config(backend, dir);
    let storage = Storage::open(&config.database()).unwrap();
    storage
        .add_node(&GridNode {
            id: GridId::parse("demo-community").unwrap(),
            parent: None,
            kind: NodeKind::Community,
            name: "幸福里社区".into(),
            boundary: None,
            policy: None,
        })
        .unwrap();
    storage
        .add_node(&GridNode {
            id: GridId::parse(DEFAULT_SCOPE).unwrap(),
            parent: Some(GridId::parse("demo-community").unwrap()),
            kind: NodeKind::Grid,
            name: "第一网格".into(),
            boundary: None,
            policy: None,
        })
        .unwrap();
    AppState::new(
        storage,
        BlobStore::open(&dir.join("blobs")).unwrap(),
        &config,
    )
}

fn converge(backend: Backend, replicas: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let server = server(backend, dir.path());
    let photo = support::jpeg([90, 130, 80]);
    let mut devices: Vec<Replica> = (0..replicas)
        .map(|i| {
            let mut store = Store::open_in_memory().unwrap();
            let (who, token) = support::provision(
                &server.storage,
                &format!("worker{i}"),
                Role::GridWorker,
                &[DEFAULT_SCOPE],
                store.device(),
            );
            let me = auth::me(&server.storage, &who).unwrap();
            store
                .bind(&DeviceToken::parse(&token).unwrap(), &me)
                .unwrap();
            Replica {
                store,
                token,
                previous: None,
            }
        })
        .collect();
    let mut made = BTreeSet::new();
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Report(i) => {
                made.insert(report(&mut devices[i % replicas], &photo, n));
            }
            Op::Sync(i, fault) => sync(&server, &mut devices[i % replicas], fault),
        }
    }
    // Everyone settles twice: the second round carries what others sent in the first.
    for _ in 0..2 {
        for d in devices.iter_mut() {
            settle(&server, d);
        }
    }
    for (i, d) in devices.iter().enumerate() {
        prop_assert_eq!(
            &ids(d),
            &made,
            "replica {} misses or invents reports ({:?})",
            i,
            backend
        );
        for id in &made {
            prop_assert_eq!(
                d.store.document_heads(id).unwrap(),
                devices[0].store.document_heads(id).unwrap(),
                "replica {} holds a different version of {}",
                i,
                id
            );
        }
    }
    prop_assert_eq!(
        server.storage.change_count().unwrap(),
        made.len() as u64,
        "each change stored exactly once"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_through_a_faulty_network(replicas in 2usize..=4, ops in prop::collection::vec(op(), 1..40)) {
        converge(Backend::Sqlite, replicas, &ops)?;
    }
}

proptest! {
    // Each case creates a PostgreSQL database; fewer cases keep the suite short.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_through_a_faulty_network_on_postgres(replicas in 2usize..=4, ops in prop::collection::vec(op(), 1..40)) {
        converge(Backend::Postgres, replicas, &ops)?;
    }
}
