//! Two devices and the real server, over HTTP. Each is bound to its own
//! account by redeeming an invitation through the real transport.

use gridwalk_app_lib::AppState;
use gridwalk_app_lib::transport::HttpTransport;
use gridwalk_core::account::Credentials;
use gridwalk_domain::ipc::ReportListScope;
use gridwalk_domain::{DocId, Role};

use crate::support::{
    COMMUNITY, GRIDS, bind, device, grid_tree, invitation, report, report_in, server_at,
};

pub async fn pass(d: &AppState) -> gridwalk_app_lib::sync_loop::PassReport {
    d.sync.run_pass(&d.store).await.expect("sync pass succeeds")
}

pub fn heads(d: &AppState, id: &DocId) -> Vec<String> {
    d.store
        .lock()
        .unwrap()
        .document_heads(id)
        .unwrap()
        .expect("document present")
}

pub fn all_ids(d: &AppState) -> Vec<DocId> {
    let status = d.sync.status(&d.store);
    let mut ids: Vec<DocId> = d
        .store
        .lock()
        .unwrap()
        .list_reports(ReportListScope::All, &status, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_converge_through_the_server_and_a_restart_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    let listen = server.addr().to_string();
    grid_tree(&server);
    let a = device(&tmp.path().join("a"), &server);
    let b = device(&tmp.path().join("b"), &server);
    // A works grid 1; B is the community office, seeing both grids.
    let (_, code_a) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let (_, code_b) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let me_a = bind(&a, &code_a).await;
    let me_b = bind(&b, &code_b).await;
    assert_eq!(me_a.grids.len(), 1, "a grid worker reports into their grid");
    assert_eq!(
        me_b.grids.len(),
        3,
        "the office has every grid of the community, and the community's own file"
    );

    // A reports offline-style (saved first), then syncs: change and photos go up.
    let first = report(&a, "gps/DSCN0010.jpg", "井盖松动");
    let up = pass(&a).await;
    assert_eq!(
        (up.pushed, up.photos_up),
        (1, 2),
        "one change, one photo and its thumbnail"
    );
    assert_eq!(a.sync.status(&a.store).pending_changes, 0);

    // Pushing the same change again stores nothing new.
    let stored = server.storage().change_count().unwrap();
    let again = {
        let store = a.store.lock().unwrap();
        let mut req = store.sync_request().unwrap();
        drop(store);
        let doc = a.store.lock().unwrap().document_changes(&first).unwrap();
        req.changes = doc;
        req
    };
    let Credentials::Bound(token) = a.store.lock().unwrap().credentials().unwrap() else {
        panic!("A is bound");
    };
    let resp = HttpTransport::new(&server.url())
        .with_token(token)
        .sync(&again)
        .await
        .unwrap();
    assert_eq!(resp.acked, 1, "a repeated change is acknowledged");
    assert_eq!(
        server.storage().change_count().unwrap(),
        stored,
        "and not stored twice"
    );

    // B pulls the report and its photo.
    let down = pass(&b).await;
    assert_eq!((down.pulled, down.photos_down), (1, 2));
    assert_eq!(
        heads(&a, &first),
        heads(&b, &first),
        "both devices hold the identical document"
    );
    let on_b = b.store.lock().unwrap().report(&first).unwrap().unwrap();
    assert_eq!(
        on_b,
        a.store.lock().unwrap().report(&first).unwrap().unwrap()
    );
    let photo = &on_b.photos[0];
    assert!(
        b.store.lock().unwrap().blob(&photo.hash).unwrap().is_some(),
        "B has the photo"
    );

    assert_eq!(
        on_b.scope.as_str(),
        GRIDS[0],
        "the report went into A's grid, not a built-in default"
    );

    // B reports too, into the grid A works; A sees it.
    let second = report_in(&b, "phone/jolla.jpg", "垃圾堆积", Some(GRIDS[0]));
    pass(&b).await;
    pass(&a).await;
    assert_eq!(all_ids(&a), all_ids(&b));

    // A report acknowledged just before the server dies survives the restart.
    let third = report(&a, "orientation/portrait_6.jpg", "重启前");
    pass(&a).await;
    server.shutdown().await;
    let fourth = report(&a, "orientation/landscape_3.jpg", "服务器停机时");
    assert!(
        a.sync.run_pass(&a.store).await.is_err(),
        "no server: the pass fails"
    );
    assert_eq!(
        a.sync.status(&a.store).last_error,
        Some(gridwalk_domain::ErrorCode::SyncUnreachable)
    );
    assert_eq!(
        a.sync.status(&a.store).pending_changes,
        1,
        "the offline report stays queued"
    );

    let server = server_at(&tmp.path().join("server"), &listen).await;
    pass(&a).await;
    pass(&b).await;
    pass(&a).await;
    let mut expect = vec![first, second, third, fourth];
    expect.sort();
    assert_eq!(all_ids(&a), expect);
    assert_eq!(
        all_ids(&b),
        expect,
        "B has every report, including the one acknowledged before the restart"
    );
    for id in &expect {
        assert_eq!(
            heads(&a, id),
            heads(&b, id),
            "document {id} identical on both devices"
        );
    }
    assert_eq!(
        server.storage().change_count().unwrap(),
        4,
        "each change stored exactly once"
    );
    assert_eq!(server.storage().integrity_check().unwrap(), "ok");
    server.shutdown().await;
}
