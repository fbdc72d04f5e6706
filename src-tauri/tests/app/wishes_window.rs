//! The office's 响应承诺 and a small wish (微心愿) in the real window: the
//! office switches its community to 54321 and its next order runs under it;
//! it enters a wish and
//! publishes it; a volunteer's phone shows it — and no households tab —
//! claims it (认领) and marks it done; the office sees who did it.

use gridwalk_domain::Role;

use crate::driver::{
    absent, bind_in_window, open_app, resize, shot, start_xvfb, sync_in_window, tap, text_until,
    type_into,
};
use crate::support::{COMMUNITY, community_server, invitation};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_publishes_a_wish_and_a_volunteer_claims_and_fulfils_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = community_server(&tmp.path().join("server"), false).await;
    let (_, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (_, volunteer_code) = invitation(&server, "党员 张敏", Role::Volunteer, &[COMMUNITY]);
    let (_xvfb, display) = start_xvfb();
    let office_dir = tmp.path().join("office");

    let (o, driver_o) = open_app(&display, &office_dir, &server.url()).await;
    resize(&o, 1024, 768).await;
    bind_in_window(&o, &office_code, "社区办公室").await;
    // The community switches to 54321: saved on the server for every device.
    tap(&o, "#tab-settings").await;
    tap(&o, "#policy-preset-54321").await;
    text_until(&o, "#policy-commitments", |t| t.contains("响应")).await;
    let answer = text_until(&o, "#policy-minutes-0", |t| !t.is_empty()).await;
    assert_eq!(answer, "5", "54321 answers within 5 minutes");
    tap(&o, "#policy-save").await;
    text_until(&o, "#policy-message", |t| t.contains("已保存")).await;
    shot(&o, "wish-o-0-commitments-desktop").await;
    tap(&o, "#tab-orders").await;
    tap(&o, "#order-new").await;
    type_into(&o, "#order-description", "楼道灯坏了").await;
    tap(&o, "#order-save").await;
    text_until(&o, "#order-page", |t| t.contains("54321")).await;
    tap(&o, "#tab-orders").await;
    tap(&o, "#order-new").await;
    type_into(&o, "#order-description", "独居的李奶奶想请人陪她去医院复查").await;
    type_into(&o, "#order-place", "幸福小区5号楼").await;
    tap(&o, "#order-category option[value='medical']").await;
    tap(&o, "#order-wish").await;
    tap(&o, "#order-save").await;
    text_until(&o, "#order-wish-chip", |t| t.contains("微心愿")).await;
    tap(&o, "#sync-now").await;
    text_until(&o, "#order-page", |t| t.contains("已同步")).await;
    o.close().await.unwrap();
    drop(driver_o);

    let (v, driver_v) = open_app(&display, &tmp.path().join("volunteer"), &server.url()).await;
    resize(&v, 360, 800).await;
    bind_in_window(&v, &volunteer_code, "张敏").await;
    assert!(
        absent(&v, "#tab-households").await,
        "a volunteer has no archive"
    );
    tap(&v, "#tab-orders").await;
    text_until(&v, "#orders-board", |t| t.contains("微心愿")).await;
    let row = text_until(&v, "#order-rows", |t| t.contains("李奶奶")).await;
    assert!(
        row.contains("医疗") && !row.contains("剩"),
        "a wish of its kind, with no response clock: {row}"
    );
    shot(&v, "wish-v-1-board-phone").await;
    tap(&v, ".order-link").await;
    tap(&v, "#order-claim").await;
    text_until(&v, "#order-stage", |t| t.contains("处理中")).await;
    type_into(&v, "#order-note", "已陪同复查，结果正常").await;
    tap(&v, "#order-resolve").await;
    text_until(&v, "#order-stage", |t| t.contains("已办结")).await;
    shot(&v, "wish-v-2-done-phone").await;
    tap(&v, "#sync-now").await;
    text_until(&v, "#order-page", |t| t.contains("已同步")).await;
    v.close().await.unwrap();
    drop(driver_v);

    let (o, _driver_o) = open_app(&display, &office_dir, &server.url()).await;
    resize(&o, 1024, 768).await;
    sync_in_window(&o).await;
    tap(&o, "#tab-orders").await;
    let rows = text_until(&o, "#order-rows", |t| t.contains("已办结")).await;
    assert!(
        rows.contains("张敏"),
        "the office sees who fulfilled it: {rows}"
    );
    shot(&o, "wish-o-1-fulfilled-desktop").await;
}
