//! The loop in the real window: a rider's photo is filed under the grid
//! whose outline holds its GPS position and reaches the office's inbox, the
//! office dispatches it to that grid's worker (派单), the worker accepts it
//! on a phone (接单), marks being on site, resolves it with a photo of the
//! result (办结) and records the resident's five stars (评单); the office
//! sees it rated, on time by its 1341 commitments, and the rider's list
//! says 已办结 with the photo of the result. Both see the order on the grid
//! map. A second test has a rider with no GPS put the pin on the map.
//! Screenshots at phone and desktop size land in `target/e2e-artifacts/`.

use gridwalk_domain::Role;

use crate::driver::{
    absent, add_photo, bind_in_window, css, image_shown, open_app, resize, shot, start_xvfb, tap,
    text_until, type_code, type_into,
};
use crate::support::{
    COMMUNITY, GRIDS, bind, community_server, device, invitation, located_report, photo,
};
use crate::sync_two_clients::pass;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_riders_photo_is_dispatched_accepted_resolved_with_a_photo_and_rated_in_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let server = community_server(&tmp.path().join("server"), true).await;
    // Everyone exists before the office binds: its dispatch list is then
    // complete from its first sync.
    let (_, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (_, worker_code) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let (_, rider_code) = invitation(&server, "骑手 小李", Role::Reporter, &[COMMUNITY]);

    // The rider's photo, from a phone the test drives without a window.
    let rider_dir = tmp.path().join("rider");
    let rider = device(&rider_dir, &server);
    bind(&rider, &rider_code).await;
    // Filed by the photo's GPS, inside grid 1's outline: without routing it
    // would land in the community's own file, which 王芳 never receives.
    let id = located_report(&rider, "gps/DSCN0010.jpg", "3号楼东侧井盖松动");
    pass(&rider).await;

    let (_xvfb, display) = start_xvfb();
    let office_dir = tmp.path().join("office");

    // 派单: from the inbox, to 王芳, on the desktop.
    let (o, driver_o) = open_app(&display, &office_dir, &server.url()).await;
    resize(&o, 1024, 768).await;
    bind_in_window(&o, &office_code, "社区办公室").await;
    tap(&o, "#tab-office").await;
    text_until(&o, "#office-list", |t| t.contains("井盖松动")).await;
    let filed = text_until(&o, &format!("#redirect-{id} option:checked"), |t| {
        !t.is_empty()
    })
    .await;
    assert_eq!(filed, "第1网格", "routed by its location");
    tap(&o, "[id^=dispatch-]").await;
    text_until(&o, "#order-stage", |t| t.contains("待派单")).await;
    // The grid's own worker is offered first, and preselected.
    let person = text_until(&o, "#order-person option", |t| t.contains("王芳")).await;
    assert!(
        person.contains("本网格") && !person.contains("骑手"),
        "the grid's worker comes first; riders are not dispatched to: {person}"
    );
    tap(&o, "#order-dispatch").await;
    text_until(&o, "#order-stage", |t| t.contains("已派单")).await;
    let due = text_until(&o, "#order-deadlines", |t| t.contains("到场")).await;
    assert!(
        due.contains("到场 剩") && due.contains("办结 剩"),
        "1341: on site in 15 min, solved in 30, both still running: {due}"
    );
    shot(&o, "orders-o-1-dispatched-desktop").await;
    tap(&o, "#sync-now").await;
    text_until(&o, "#order-page", |t| t.contains("已同步")).await;
    // The desk's map: both outlines and the order as a blue (dispatched) pin.
    tap(&o, "#tab-orders").await;
    tap(&o, "#orders-map-toggle").await;
    css(&o, "#orders-map circle.pin.stage-dispatched").await;
    let grids = text_until(&o, "#orders-map", |t| t.contains("第2网格")).await;
    assert!(
        grids.contains("第1网格"),
        "both grids are labelled: {grids}"
    );
    shot(&o, "orders-o-1b-map-desktop").await;
    // The inbox card now links to its order instead of offering 派单 again.
    tap(&o, "#tab-office").await;
    text_until(&o, &format!("#order-of-{id}"), |t| t.contains("已转工单")).await;
    assert!(
        absent(&o, &format!("#dispatch-{id}")).await,
        "no second dispatch"
    );
    o.close().await.unwrap();
    drop(driver_o);

    // 接单 → 到场 → 办结 with a photo → 评单, on a phone.
    let (w, driver_w) = open_app(&display, &tmp.path().join("worker"), &server.url()).await;
    resize(&w, 360, 800).await;
    bind_in_window(&w, &worker_code, "王芳").await;
    tap(&w, "#tab-orders").await;
    let rows = text_until(&w, "#order-rows", |t| t.contains("井盖松动")).await;
    assert!(
        rows.contains("已派单") && rows.contains("到场 剩"),
        "my orders shows the time left: {rows}"
    );
    shot(&w, "orders-w-1-my-orders-phone").await;
    tap(&w, "#orders-map-toggle").await;
    css(&w, "#orders-map circle.pin.stage-dispatched").await;
    let mine = text_until(&w, "#orders-map", |t| t.contains("第1网格")).await;
    assert!(
        !mine.contains("第2网格"),
        "a worker's map is their own grid: {mine}"
    );
    shot(&w, "orders-w-1b-map-phone").await;
    tap(&w, "#orders-map-toggle").await;
    tap(&w, ".order-link").await;
    tap(&w, "#order-accept").await;
    text_until(&w, "#order-stage", |t| t.contains("处理中")).await;
    tap(&w, "#order-on-site").await;
    text_until(&w, "#order-timeline", |t| t.contains("已到场")).await;
    type_into(&w, "#order-note", "已更换井盖并加固").await;
    type_into(
        &w,
        "#order-photo",
        photo("phone/jolla.jpg").to_str().unwrap(),
    )
    .await;
    css(&w, ".step-panel .photos img").await;
    tap(&w, "#order-resolve").await;
    text_until(&w, "#order-stage", |t| t.contains("已办结")).await;
    tap(&w, "#order-star-5").await;
    tap(&w, "#order-rate").await;
    text_until(&w, "#order-stage", |t| t.contains("已评单")).await;
    let rating = text_until(&w, "#order-rating", |t| t.contains('★')).await;
    assert!(rating.contains("★★★★★"), "{rating}");
    shot(&w, "orders-w-2-rated-phone").await;
    tap(&w, "#sync-now").await;
    text_until(&w, "#order-page", |t| t.contains("已同步")).await;
    w.close().await.unwrap();
    drop(driver_w);

    // The office sees the result, with its photo, and the figures.
    let (o, _driver_o) = open_app(&display, &office_dir, &server.url()).await;
    resize(&o, 1024, 768).await;
    tap(&o, "#sync-now").await;
    tap(&o, "#tab-orders").await;
    text_until(&o, "#order-rows", |t| t.contains("已评单")).await;
    tap(&o, ".order-link").await;
    let done = text_until(&o, "#order-resolution", |t| t.contains("已更换井盖")).await;
    assert!(done.contains("加固"), "{done}");
    assert!(
        image_shown(&o, "#order-resolution img").await > 0,
        "the resolve photo reached the office"
    );
    let due = text_until(&o, "#order-deadlines", |t| t.contains("按时")).await;
    assert!(!due.contains("超时"), "both commitments kept: {due}");
    shot(&o, "orders-o-2-rated-desktop").await;
    tap(&o, "#tab-orders").await;
    tap(&o, "#orders-stats").await;
    let total = text_until(&o, "#stats-total", |t| t.contains('%')).await;
    assert!(total.contains("100%"), "every commitment kept: {total}");
    let by = text_until(&o, "#stats-assignee", |t| t.contains("王芳")).await;
    assert!(by.contains("5.0"), "the rating counts for 王芳: {by}");
    resize(&o, 360, 800).await;
    shot(&o, "orders-o-3-figures-phone").await;
    o.close().await.unwrap();

    // The rider sees what became of the photo: 已办结, with the result.
    drop(rider);
    let (r, _driver_r) = open_app(&display, &rider_dir, &server.url()).await;
    resize(&r, 360, 800).await;
    tap(&r, "#sync-now").await;
    tap(&r, "#tab-mine").await;
    text_until(&r, "#my-list", |t| t.contains("已办结")).await;
    assert!(
        image_shown(&r, "#my-list img.result").await > 0,
        "the photo of the result reaches the rider"
    );
    shot(&r, "orders-r-1-what-became-of-it-phone").await;
}

/// A rider whose photo has no GPS tags taps the map where the problem is:
/// the form says which grid that is, and the report is filed there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rider_without_gps_puts_the_pin_on_the_map_and_the_report_is_filed_by_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = community_server(&tmp.path().join("server"), true).await;
    let (_, rider_code) = invitation(&server, "骑手 小李", Role::Reporter, &[COMMUNITY]);
    let (_xvfb, display) = start_xvfb();
    let (r, _driver) = open_app(&display, &tmp.path().join("rider"), &server.url()).await;
    resize(&r, 360, 800).await;
    type_code(&r, "bind", &rider_code).await;
    text_until(&r, "#account", |t| t.contains("骑手 小李")).await;
    add_photo(&r, "orientation/landscape_1.jpg").await;
    assert!(
        absent(&r, "#gps-from-photo").await,
        "this photo has no GPS tags"
    );
    tap(&r, "#cat-garbage").await;
    type_into(&r, "#description", "垃圾堆放").await;
    // The middle of the map lies in grid 1 (see `outline_grids`).
    tap(&r, "#report-map").await;
    css(&r, "#report-map-picked").await;
    text_until(&r, "#gps-from-map", |t| t.contains("地图选点")).await;
    let route = text_until(&r, "#route-line", |t| t.contains("网格")).await;
    assert!(route.contains("第1网格"), "{route}");
    assert!(
        absent(&r, "#grid-select").await,
        "the pin decides; nothing to pick"
    );
    shot(&r, "orders-r-0-pin-on-map-phone").await;
    tap(&r, "#submit").await;
    text_until(&r, "#my-list .report-card .sync-state", |t| {
        t.contains("已同步")
    })
    .await;
    let grid = |g: &str| vec![gridwalk_domain::GridId::parse(g).unwrap()];
    let filed = |g: &str| {
        server
            .storage()
            .doc_ids(gridwalk_domain::DocKind::Report, Some(&grid(g)))
            .unwrap()
            .len()
    };
    assert_eq!(
        (filed(GRIDS[0]), filed(COMMUNITY)),
        (1, 0),
        "the report is filed under grid 1 on the server"
    );
}
