//! Provisioning from the device's side, against the real server: nothing
//! is sent before binding, a revoked device stops syncing but keeps every
//! record, and a new invitation resumes sync and pushes what was kept.

use gridwalk_app_lib::AppState;
use gridwalk_app_lib::sync_loop::SyncError;
use gridwalk_domain::Role;
use gridwalk_domain::ipc::ReportListScope;
use gridwalk_domain::sync_state::DeviceAccess;

use crate::support::{
    GRIDS, device, grid_tree, invitation, reinvite, report, revoke_on_server, server_at,
};
use crate::sync_two_clients::{all_ids, pass};

fn mine(d: &AppState) -> usize {
    let status = d.sync.status(&d.store);
    d.store
        .lock()
        .unwrap()
        .list_reports(ReportListScope::Mine, &status, 100)
        .unwrap()
        .len()
}

async fn redeem_err(d: &AppState, code: &str) -> gridwalk_domain::ErrorCode {
    d.sync
        .redeem(&d.store, code, "测试手机")
        .await
        .expect_err("the code must be refused")
        .code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_keeps_its_outbox_and_a_new_invitation_pushes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    grid_tree(&server);
    let a = device(&tmp.path().join("a"), &server);

    // Not bound: the pass does not go to the server at all (had it gone,
    // the server would have answered 401 auth.missing_token).
    let err = a.sync.run_pass(&a.store).await.unwrap_err();
    assert!(
        matches!(err, SyncError::NotBound),
        "an unbound device must not call the server: {err}"
    );
    let status = a.sync.status(&a.store);
    assert_eq!(status.access, DeviceAccess::Unbound);
    assert_eq!(status.last_error, None, "unbound is waiting, not failing");

    // Codes are checked: typos locally, the rest by the server.
    assert_eq!(
        redeem_err(&a, "not a code").await,
        gridwalk_domain::ErrorCode::InviteBadCode
    );
    assert_eq!(
        redeem_err(&a, "ABCD-EFGH-JKLM").await,
        gridwalk_domain::ErrorCode::InviteUnknown
    );
    let (user, code) = invitation(&server, "骑手 李师傅", Role::Reporter, &[GRIDS[1]]);
    // Typed sloppily: lower case, spaces instead of dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let me = a
        .sync
        .redeem(&a.store, &typed, "李师傅的手机")
        .await
        .unwrap();
    assert_eq!(me.name, "骑手 李师傅");
    assert_eq!(
        redeem_err(&a, &code).await,
        gridwalk_domain::ErrorCode::InviteUsed,
        "one use only"
    );

    let first = report(&a, "gps/DSCN0010.jpg", "井盖松动");
    assert_eq!(pass(&a).await.pushed, 1);
    assert_eq!(a.sync.status(&a.store).access, DeviceAccess::Bound);

    // The office cuts the device off while a second report waits to go up.
    let second = report(&a, "phone/jolla.jpg", "垃圾堆积");
    revoke_on_server(&server, &a);
    let stored = server.storage().change_count().unwrap();

    let err = a.sync.run_pass(&a.store).await.unwrap_err();
    assert_eq!(err.code(), gridwalk_domain::ErrorCode::AuthRevoked, "{err}");
    let status = a.sync.status(&a.store);
    assert_eq!(
        status.access,
        DeviceAccess::Refused {
            code: gridwalk_domain::ErrorCode::AuthRevoked
        },
        "the UI is told the device was cut off"
    );
    assert_eq!(status.pending_changes, 1, "the outbox is kept");
    assert_eq!(mine(&a), 2, "both reports are still listed on the device");
    assert_eq!(server.storage().change_count().unwrap(), stored);

    // No hammering: the next pass does not even ask the server.
    let err = a.sync.run_pass(&a.store).await.unwrap_err();
    assert!(
        matches!(err, SyncError::Refused(_)),
        "a refused device waits for a new code: {err}"
    );
    // Nor does a restart forget it (a second handle on A's store file).
    let restarted = device(&tmp.path().join("a"), &server);
    assert_eq!(
        restarted.sync.status(&restarted.store).access,
        DeviceAccess::Refused {
            code: gridwalk_domain::ErrorCode::AuthRevoked
        },
        "the refusal is kept in the store"
    );
    drop(restarted);

    // A new invitation resumes sync, and the kept report goes up.
    let code = reinvite(&server, &user);
    a.sync
        .redeem(&a.store, &code, "李师傅的手机")
        .await
        .unwrap();
    assert_eq!(a.sync.status(&a.store).access, DeviceAccess::Bound);
    let up = pass(&a).await;
    assert_eq!(
        up.pushed, 1,
        "the report made before the revocation is pushed"
    );
    assert_eq!(a.sync.status(&a.store).pending_changes, 0);
    assert_eq!(server.storage().change_count().unwrap(), stored + 1);
    let mut expect = vec![first, second];
    expect.sort();
    assert_eq!(all_ids(&a), expect);
    server.shutdown().await;
}
