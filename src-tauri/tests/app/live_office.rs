//! An office's idle app holds a pull open, so a worker's report reaches the
//! office's board as it is stored instead of at the next poll; a worker's
//! phone polls and holds nothing open.

use gridwalk_app_lib::sync_loop::IDLE_INTERVAL;
use gridwalk_domain::Role;
use std::time::{Duration, Instant};

use crate::scrape;
use crate::support::{COMMUNITY, GRIDS, bind, device, grid_tree, invitation, report, server_at};
use crate::sync_two_clients::{all_ids, pass};

/// How many pulls the server holds now (its `/metrics`).
async fn held_pulls(url: &str) -> u64 {
    let held = scrape::metric(url, "gridwalk_sync_held_pulls").await;
    held.expect("/metrics counts held pulls") as u64
}

/// Returns once the server holds `n` pulls; fails rather than hangs.
async fn until_held(url: &str, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while held_pulls(url).await < n {
        assert!(Instant::now() < deadline, "the server never held {n} pulls");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_office_receives_a_report_as_it_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    grid_tree(&server);
    let worker = device(&tmp.path().join("a"), &server);
    let office = device(&tmp.path().join("b"), &server);
    let (_, code_a) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let (_, code_b) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    bind(&worker, &code_a).await;
    bind(&office, &code_b).await;

    // Both apps run their background loops; once both have synced and gone
    // idle, only the office's holds a pull.
    let loops =
        [&worker, &office].map(|d| tokio::spawn(d.sync.clone().run_forever(d.store.clone())));
    for d in [&worker, &office] {
        while d.sync.status(&d.store).last_success_ms.is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    until_held(&server.url(), 1).await;

    let id = report(&worker, "gps/DSCN0010.jpg", "井盖松动");
    pass(&worker).await;
    // A poll would bring it after IDLE_INTERVAL at the soonest. The pass
    // that applies the held answer fetches the report's photos too.
    let deadline = Instant::now() + IDLE_INTERVAL * 2 / 3;
    let arrived = |d: &gridwalk_app_lib::AppState| {
        let photos_missing = d.store.lock().unwrap().blobs_to_download().unwrap();
        all_ids(d).contains(&id) && photos_missing.is_empty()
    };
    while !arrived(&office) {
        assert!(
            Instant::now() < deadline,
            "the office's board got the report only by polling"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The office holds again; the worker's idle phone never held one.
    until_held(&server.url(), 1).await;
    assert_eq!(
        held_pulls(&server.url()).await,
        1,
        "only the office holds a pull"
    );
    loops.iter().for_each(tokio::task::JoinHandle::abort);
}
