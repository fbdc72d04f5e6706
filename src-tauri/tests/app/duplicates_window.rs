//! The same manhole cover, reported three times, in the real window: two
//! riders' reports are orders already; a grid worker on patrol is offered
//! them on the 随手拍 form (within 250 m, same category) and seconds one
//! with her photo (附议) instead of starting a third; the office sees the
//! +1 on the order's page and merges the other order into it (合并).

use gridwalk_domain::Role;
use gridwalk_domain::ipc::orders::NewOrder;
use gridwalk_domain::work_order::OrderClass;

use crate::driver::{
    add_photo, bind_in_window, css, image_shown, open_app, resize, shot, start_xvfb,
    sync_in_window, tap, text_until,
};
use crate::support::{
    COMMUNITY, GRIDS, bind, community_server, device, invitation, located_report,
};
use crate::sync_two_clients::pass;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_seconds_an_open_order_nearby_and_the_office_merges_the_duplicate() {
    let tmp = tempfile::tempdir().unwrap();
    let server = community_server(&tmp.path().join("server"), true).await;
    let (_, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (_, worker_code) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let (_, rider_code) = invitation(&server, "骑手 小李", Role::Reporter, &[COMMUNITY]);

    // Two riders' photos of one cover, each made an order by the office.
    let rider = device(&tmp.path().join("rider"), &server);
    bind(&rider, &rider_code).await;
    let first = located_report(&rider, "gps/DSCN0010.jpg", "井盖松动");
    let second = located_report(&rider, "gps/DSCN0010.jpg", "井盖又松了");
    pass(&rider).await;
    let office_dir = tmp.path().join("office");
    let office = device(&office_dir, &server);
    bind(&office, &office_code).await;
    pass(&office).await;
    let mut orders = Vec::new();
    for report in [first, second] {
        let new = NewOrder::Report {
            report,
            class: OrderClass::Ordinary,
            grid: None,
        };
        let now = gridwalk_app_lib::sync_loop::now_ms();
        orders.push(
            office
                .store
                .lock()
                .unwrap()
                .create_order(&new, now)
                .unwrap(),
        );
    }
    pass(&office).await;
    drop(office);

    // 王芳 on patrol photographs the same cover: the form offers both.
    let (_xvfb, display) = start_xvfb();
    let (w, driver_w) = open_app(&display, &tmp.path().join("worker"), &server.url()).await;
    resize(&w, 360, 800).await;
    bind_in_window(&w, &worker_code, "王芳").await;
    tap(&w, "#tab-snap").await;
    add_photo(&w, "gps/DSCN0010.jpg").await;
    tap(&w, "#cat-manhole_cover").await;
    let near = text_until(&w, "#nearby-orders", |t| t.contains("井盖又松了")).await;
    assert!(
        near.contains("井盖松动") && near.contains("米"),
        "both open orders, with their distance: {near}"
    );
    tap(&w, &format!("#second-{}", orders[0])).await;
    text_until(&w, "#seconding", |t| t.contains("附议")).await;
    shot(&w, "dup-w-1-second-nearby-phone").await;
    tap(&w, "#submit").await;
    text_until(&w, "#my-list .report-card .sync-state", |t| {
        t.contains("已同步")
    })
    .await;
    w.close().await.unwrap();
    drop(driver_w);

    // The office: the +1 is on the first order; the second is merged into it.
    let (o, _driver_o) = open_app(&display, &office_dir, &server.url()).await;
    resize(&o, 1024, 768).await;
    sync_in_window(&o).await;
    tap(&o, "#tab-office").await;
    tap(&o, ".report-card a.chip.seconds").await;
    let seconds = text_until(&o, "#order-seconds", |t| t.contains("附议")).await;
    assert!(seconds.contains("1"), "{seconds}");
    assert!(
        image_shown(&o, "#order-seconds img").await > 0,
        "with 王芳's photo"
    );
    css(&o, &format!("#merge-into-{}", orders[1])).await;
    o.goto(&format!("{}orders/{}", base(&o).await, orders[1]))
        .await
        .unwrap();
    tap(&o, &format!("#merge-into-{}", orders[0])).await;
    text_until(&o, "#order-merged-into", |t| t.contains("已合并")).await;
    text_until(&o, "#order-stage", |t| t.contains("已关闭")).await;
    shot(&o, "dup-o-1-merged-desktop").await;
    tap(&o, "#order-merged-into a").await;
    text_until(&o, "#order-merged-from", |t| t.contains("合并了 1")).await;
    shot(&o, "dup-o-2-kept-order-desktop").await;
}

/// The app's own origin, for going straight to a page.
async fn base(c: &fantoccini::Client) -> String {
    let url = c.current_url().await.unwrap();
    format!("{}://{}/", url.scheme(), url.host_str().unwrap_or_default())
}
