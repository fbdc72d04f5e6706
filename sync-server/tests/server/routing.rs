//! Grid outlines through the real server on both backends: an office draws
//! them over the admin API (a malformed one is refused with what to fix),
//! devices receive them in `Me`, and a rider's phone files a report under
//! the grid that holds its point — or, outside every grid, under the
//! community for its office — so the right grid worker receives it.

use gridwalk_domain::boundary::Route;
use gridwalk_domain::{Coordinates, DocKind, GridId, Location, LocationSource, ReportDraft, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{call, login};
use crate::support::{ADMIN_PASSWORD, Backend, World, jpeg, world};

/// Corners as written (no arithmetic, so the stored numbers are these).
fn square(west: f64, south: f64, east: f64, north: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [west, south], [east, south], [east, north], [west, north], [west, south]
    ]]})
}

fn at(lat: f64, lon: f64) -> Coordinates {
    Coordinates::parse(lat, lon).unwrap()
}

async fn draw(w: &World, token: &str, node: &str, outline: Value) -> (StatusCode, Value) {
    let url = format!("{}/v1/admin/nodes/{node}/boundary", w.url());
    call(Method::PUT, url, Some(token), Some(outline)).await
}

fn outline_of(w: &World, node: &str) -> Option<gridwalk_domain::boundary::Boundary> {
    let nodes = w.server.storage().nodes().unwrap();
    nodes.into_iter().find(|n| n.id.as_str() == node)?.boundary
}

fn filed(w: &World, grid: &str) -> usize {
    let grid = [GridId::parse(grid).unwrap()];
    w.server
        .storage()
        .doc_ids(DocKind::Report, Some(&grid))
        .unwrap()
        .len()
}

#[tokio::test]
async fn outlines_drawn_by_the_office_route_a_riders_reports_to_the_grid_that_holds_them() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let office = w.tokens["office1"].clone();
        let (status, admin) = login(&w.url(), ADMIN_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let admin = admin["token"].as_str().unwrap().to_owned();

        // A ring that does not close is refused and nothing is stored.
        let mut open = square(121.0, 31.0, 121.01, 31.01);
        open["coordinates"][0][4] = json!([121.0, 31.005]);
        let (status, body) = draw(&w, &admin, "g1", open).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("not closed"),
            "{body}"
        );
        assert_eq!(outline_of(&w, "g1"), None);
        // An office draws its own grids, not another community's.
        let (status, _) = draw(&w, &office, "g3", square(122.0, 31.0, 122.01, 31.01)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        for (grid, west, east) in [("g1", 121.0, 121.01), ("g2", 121.01, 121.02)] {
            let outline = square(west, 31.0, east, 31.01);
            let (status, body) = draw(&w, &office, grid, outline.clone()).await;
            assert_eq!(status, StatusCode::OK, "{backend:?} {body}");
            assert_eq!(body["boundary"], outline);
        }

        // The rider's phone gets the outlines with its account and routes
        // with no further help from the server.
        let mut rider = w.handset("骑手 小王", Role::Reporter, &["c1"]).await;
        w.refresh_me(&mut rider).await;
        assert_eq!(
            rider.store.route_point(at(31.005, 121.015)).unwrap(),
            Route::Grid {
                grid: GridId::parse("g2").unwrap()
            }
        );
        let photo = rider
            .store
            .stage_photo(&jpeg([90, 90, 90]), now())
            .unwrap()
            .photo;
        for (lat, lon) in [(31.005, 121.015), (30.9, 121.0)] {
            let draft = ReportDraft {
                category: "manhole_cover".into(),
                description: "井盖松动".into(),
                location: Location::Point {
                    coords: at(lat, lon),
                    source: LocationSource::PhotoExif,
                    note: String::new(),
                },
                photos: vec![photo.clone()],
                reporter: "小王".into(),
                seconds: None,
            };
            let g1 = GridId::parse("g1").unwrap();
            rider
                .store
                .create_report_in(draft, Some(&g1), now())
                .unwrap();
        }
        w.sync_handset(&mut rider).await;
        assert_eq!(
            (filed(&w, "g1"), filed(&w, "g2"), filed(&w, "c1")),
            (0, 1, 1),
            "{backend:?}: one in grid 2 by its point, one outside every grid for the office"
        );
        let mut worker2 = w.handset("网格员 二", Role::GridWorker, &["g2"]).await;
        w.sync_handset(&mut worker2).await;
        let inbox = |h: &crate::support::Handset| {
            h.store
                .list_reports(
                    gridwalk_domain::ipc::ReportListScope::All,
                    &Default::default(),
                    10,
                )
                .unwrap()
                .len()
        };
        assert_eq!(
            inbox(&worker2),
            1,
            "grid 2's worker receives the one in grid 2"
        );

        // Cleared: the phone goes back to asking where a report belongs.
        let (status, _) = draw(&w, &office, "g1", Value::Null).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = draw(&w, &office, "g2", Value::Null).await;
        assert_eq!(status, StatusCode::OK);
        w.refresh_me(&mut rider).await;
        assert_eq!(
            rider.store.route_point(at(31.005, 121.015)).unwrap(),
            Route::Unmapped
        );
        w.server.shutdown().await;
    }
}

fn now() -> i64 {
    crate::support::now_ms()
}
