//! Shared pieces: test photos, a server in a temp folder with a small grid
//! tree, invitations, a device.

use gridwalk_app_lib::AppState;
use gridwalk_domain::boundary::Boundary;
use gridwalk_domain::directory::{Me, NewNode, NewUser, NodeKind};
use gridwalk_domain::{Coordinates, GridId, Location, LocationSource, ReportDraft, Role};
use gridwalk_sync_server::provisioning::{add_node, add_user, invite, random_user_id};
use gridwalk_sync_server::{RunningServer, ServerConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const COMMUNITY: &str = "c1";
/// The community's grids, in tree order.
pub const GRIDS: [&str; 2] = ["c1-grid-1", "c1-grid-2"];

pub fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

pub fn photo(rel: &str) -> PathBuf {
    let p = photos_dir().join(rel);
    assert!(
        p.is_file(),
        "test photo {} is missing: ../shared/testdata must sit beside the repo",
        p.display()
    );
    p
}

pub async fn server_at(dir: &Path, listen: &str) -> RunningServer {
    gridwalk_sync_server::spawn(ServerConfig::new(listen.parse().unwrap(), dir.to_owned()))
        .await
        .expect("sync server starts")
}

/// A server in `dir` with `grid_tree`'s community, its grids outlined
/// (`outline_grids`) when `outlined`.
pub async fn community_server(dir: &Path, outlined: bool) -> RunningServer {
    let server = server_at(dir, "127.0.0.1:0").await;
    grid_tree(&server);
    if outlined {
        outline_grids(&server);
    }
    server
}

/// A community with two grids, as an office would set it up.
pub fn grid_tree(server: &RunningServer) {
    let node = |id: &str, parent: Option<&str>, kind, name: &str| NewNode {
        id: GridId::parse(id).unwrap(),
        parent: parent.map(|p| GridId::parse(p).unwrap()),
        kind,
        name: name.into(),
        boundary: None,
    };
    add_node(
        server.storage(),
        &node(COMMUNITY, None, NodeKind::Community, "幸福里社区"),
    )
    .unwrap();
    for (i, g) in GRIDS.iter().enumerate() {
        let name = format!("第{}网格", i + 1);
        add_node(
            server.storage(),
            &node(g, Some(COMMUNITY), NodeKind::Grid, &name),
        )
        .unwrap();
    }
}

/// Outlines for the two grids of `grid_tree`, around the GPS tags of the
/// test photos (Tuscany): grid 1 holds `gps/DSCN0010.jpg` and the middle of
/// the map; grid 2 is a smaller square east of it.
pub fn outline_grids(server: &RunningServer) {
    let square = |west: f64, south: f64, east: f64, north: f64| {
        Boundary::from_positions(&[vec![
            vec![west, south],
            vec![east, south],
            vec![east, north],
            vec![west, north],
            vec![west, south],
        ]])
        .unwrap()
    };
    for (grid, outline) in [
        (GRIDS[0], square(11.880, 43.460, 11.890, 43.470)),
        (GRIDS[1], square(11.890, 43.460, 11.895, 43.465)),
    ] {
        let found = server
            .storage()
            .set_boundary(&GridId::parse(grid).unwrap(), Some(&outline))
            .unwrap();
        assert!(found, "grid {grid} exists");
    }
}

/// A new user attached to `nodes`, and a one-time invitation code for them.
pub fn invitation(
    server: &RunningServer,
    name: &str,
    role: Role,
    nodes: &[&str],
) -> (gridwalk_domain::UserId, String) {
    let id = random_user_id().unwrap();
    let new = NewUser {
        name: name.into(),
        role,
        nodes: nodes.iter().map(|n| GridId::parse(n).unwrap()).collect(),
        categories: vec![],
    };
    add_user(server.storage(), id, &new, 1_000).unwrap();
    (id, reinvite(server, &id))
}

/// Another invitation for an existing user, as the office gives after a revocation.
pub fn reinvite(server: &RunningServer, user: &gridwalk_domain::UserId) -> String {
    let now = gridwalk_app_lib::sync_loop::now_ms();
    invite(
        server.storage(),
        user,
        "test",
        Duration::from_secs(3_600),
        now,
    )
    .unwrap()
    .code
}

/// Binds `device` through the real transport, as the 绑定设备 screen does.
pub async fn bind(device: &AppState, code: &str) -> Me {
    device
        .sync
        .redeem(&device.store, code, "测试手机")
        .await
        .expect("the invitation is redeemed")
}

pub fn device(dir: &Path, server: &RunningServer) -> AppState {
    gridwalk_app_lib::open_state(
        dir,
        Some(&server.url()),
        gridwalk_app_lib::Notifier::silent(),
    )
    .expect("device store opens")
}

/// Creates a report on `device` with the given testdata photo, in the
/// account's default grid, now.
pub fn report(device: &AppState, photo_rel: &str, text: &str) -> gridwalk_domain::DocId {
    report_in(device, photo_rel, text, None)
}

/// Like `report`, in `grid` when given (as the form's grid picker does).
pub fn report_in(
    device: &AppState,
    photo_rel: &str,
    text: &str,
    grid: Option<&str>,
) -> gridwalk_domain::DocId {
    let grid = grid.map(|g| GridId::parse(g).unwrap());
    report_with(device, photo_rel, text, grid, |_| {
        Location::address("幸福小区3号楼").unwrap()
    })
}

/// Like `report`, placed where the photo's GPS says, as the form does.
pub fn located_report(device: &AppState, photo_rel: &str, text: &str) -> gridwalk_domain::DocId {
    report_with(device, photo_rel, text, None, |gps| Location::Point {
        coords: gps.expect("the test photo has GPS tags"),
        source: LocationSource::PhotoExif,
        note: String::new(),
    })
}

fn report_with(
    device: &AppState,
    photo_rel: &str,
    text: &str,
    grid: Option<GridId>,
    place: impl FnOnce(Option<Coordinates>) -> Location,
) -> gridwalk_domain::DocId {
    let bytes = std::fs::read(photo(photo_rel)).unwrap();
    let mut store = device.store.lock().unwrap();
    let now = gridwalk_app_lib::sync_loop::now_ms();
    let staged = store.stage_photo(&bytes, now).unwrap();
    let draft = ReportDraft {
        category: "manhole_cover".into(),
        description: text.into(),
        location: place(staged.gps),
        photos: vec![staged.photo],
        reporter: "骑手".into(),
        seconds: None,
    };
    store.create_report_in(draft, grid.as_ref(), now).unwrap()
}

/// Switches `device` off on the server, as an office would for a lost
/// phone; its next request gets 401 `auth.revoked`.
pub fn revoke_on_server(server: &RunningServer, device: &AppState) {
    let id = device.store.lock().unwrap().device();
    let row = server
        .storage()
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.device == id)
        .expect("the server lists the device");
    assert!(
        server
            .storage()
            .revoke_device(row.id, gridwalk_app_lib::sync_loop::now_ms())
            .unwrap(),
        "the device was on and is now off"
    );
}
