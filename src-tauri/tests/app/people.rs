//! The office's 人员 screen from the device's side, against the real
//! server: it lists its own people with their devices, adds a rider whose
//! code a new phone redeems, switches one phone off (which stops that
//! phone's sync at once), and gives a new code; riders may do none of it.

use gridwalk_domain::directory::NewUser;
use gridwalk_domain::sync_state::DeviceAccess;
use gridwalk_domain::{GridId, Role};

use crate::support::{
    COMMUNITY, GRIDS, bind, device, grid_tree, invitation, revoke_on_server, server_at,
};
use crate::sync_two_clients::pass;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_adds_a_rider_switches_a_phone_off_and_invites_again() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    grid_tree(&server);
    let office = device(&tmp.path().join("office"), &server);
    let (_, code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    bind(&office, &code).await;
    let old_rider = device(&tmp.path().join("old-rider"), &server);
    let (old_id, code) = invitation(&server, "骑手 李师傅", Role::Reporter, &[GRIDS[0]]);
    bind(&old_rider, &code).await;

    let people = office.people().await.unwrap();
    let li = people
        .iter()
        .find(|p| p.user.id == old_id)
        .expect("the office lists its rider");
    assert_eq!(li.devices.len(), 1, "with the phone they bound");
    assert!(
        people.iter().all(|p| p.user.role != Role::Office),
        "offices are an admin's to manage, not listed here: {people:?}"
    );

    // A new rider at the counter: the code on the office screen binds a phone.
    let created = office
        .add_person(NewUser {
            name: "骑手 张师傅".into(),
            role: Role::Reporter,
            nodes: vec![GridId::parse(GRIDS[1]).unwrap()],
            categories: vec![],
        })
        .await
        .unwrap();
    assert!(
        created.invitation.qr_svg.contains("<svg"),
        "the office gets a QR image to show"
    );
    let new_rider = device(&tmp.path().join("new-rider"), &server);
    let me = bind(&new_rider, &created.invitation.code).await;
    assert_eq!(me.name, "骑手 张师傅");
    assert_eq!(me.grids, [GridId::parse(GRIDS[1]).unwrap()]);

    let err = office
        .add_person(NewUser {
            name: "另一个办公室".into(),
            role: Role::Office,
            nodes: vec![GridId::parse(COMMUNITY).unwrap()],
            categories: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        gridwalk_domain::ErrorCode::AuthNotYoursToManage,
        "{err}"
    );

    // The office switches 李师傅's phone off: its next sync is refused.
    let phone = li.devices[0].id;
    let off = office.revoke_device(phone).await.unwrap();
    assert!(off.revoked_at_ms.is_some());
    let err = old_rider.sync.run_pass(&old_rider.store).await.unwrap_err();
    assert_eq!(err.code(), gridwalk_domain::ErrorCode::AuthRevoked, "{err}");

    // A new code for the same person brings the phone back.
    let again = office.invite(old_id).await.unwrap();
    bind(&old_rider, &again.code).await;
    pass(&old_rider).await;

    // A rider's phone may do none of this.
    for err in [
        new_rider.people().await.unwrap_err(),
        new_rider.invite(old_id).await.unwrap_err(),
        new_rider.revoke_device(phone).await.unwrap_err(),
    ] {
        assert_eq!(
            err.code,
            gridwalk_domain::ErrorCode::AuthNotAManager,
            "{err}"
        );
    }

    // The office's own device switched off (by an admin): its people call
    // is refused like its sync, and the device stops calling the server.
    revoke_on_server(&server, &office);
    let err = office.people().await.unwrap_err();
    assert_eq!(err.code, gridwalk_domain::ErrorCode::AuthRevoked, "{err}");
    assert_eq!(
        office.sync.status(&office.store).access,
        DeviceAccess::Refused {
            code: gridwalk_domain::ErrorCode::AuthRevoked
        },
        "the refusal is kept, so the banner shows and sync waits for a new code"
    );
    server.shutdown().await;
}
