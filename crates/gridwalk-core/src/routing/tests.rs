use super::*;
use crate::test_support::{me, png};
use gridwalk_domain::directory::{GridNode, NodeKind};
use gridwalk_domain::{GridId, HazardReport, LocationSource, ReportDraft};

fn id(s: &str) -> GridId {
    GridId::parse(s).unwrap()
}

fn square(lon: f64, lat: f64, size: f64) -> Vec<Vec<f64>> {
    vec![
        vec![lon, lat],
        vec![lon + size, lat],
        vec![lon + size, lat + size],
        vec![lon, lat + size],
        vec![lon, lat],
    ]
}

fn node(code: &str, parent: Option<&str>, kind: NodeKind, rings: &[Vec<Vec<f64>>]) -> GridNode {
    GridNode {
        id: id(code),
        parent: parent.map(id),
        kind,
        name: code.into(),
        boundary: (!rings.is_empty()).then(|| Boundary::from_positions(rings).unwrap()),
        policy: None,
    }
}

/// A community with two outlined grids side by side: grid 1 has a hole (a
/// school that belongs to neither), grid 2 is east of it, and a strip to
/// the south lies outside both.
fn community() -> Me {
    let mut me = me(&["c", "g1", "g2"]);
    me.nodes = vec![
        node("c", None, NodeKind::Community, &[]),
        node(
            "g1",
            Some("c"),
            NodeKind::Grid,
            &[square(121.0, 31.0, 0.01), square(121.004, 31.004, 0.002)],
        ),
        node(
            "g2",
            Some("c"),
            NodeKind::Grid,
            &[square(121.01, 31.0, 0.01)],
        ),
    ];
    me
}

fn at(lat: f64, lon: f64) -> Coordinates {
    Coordinates::parse(lat, lon).unwrap()
}

#[test]
fn a_point_goes_to_the_grid_whose_outline_holds_it_else_to_the_community_file() {
    let me = community();
    assert_eq!(
        route(&me, at(31.001, 121.001)),
        Route::Grid { grid: id("g1") }
    );
    assert_eq!(
        route(&me, at(31.005, 121.015)),
        Route::Grid { grid: id("g2") }
    );
    let office = Route::Outside {
        file: Some(id("c")),
    };
    assert_eq!(
        route(&me, at(31.005, 121.005)),
        office,
        "inside grid 1's hole"
    );
    assert_eq!(route(&me, at(30.995, 121.005)), office, "south of both");
}

#[test]
fn without_outlines_the_person_picks_and_without_a_community_there_is_no_file() {
    let mut me = community();
    for n in &mut me.nodes {
        n.boundary = None;
    }
    assert_eq!(route(&me, at(31.001, 121.001)), Route::Unmapped);
    let mut worker = community();
    worker.grids = vec![id("g1")];
    assert_eq!(
        route(&worker, at(31.005, 121.015)),
        Route::Outside { file: None },
        "grid 2 is not theirs"
    );
}

#[test]
fn overlapping_outlines_give_the_point_to_the_first_grid_in_tree_order() {
    let mut me = community();
    me.nodes[2] = node(
        "g2",
        Some("c"),
        NodeKind::Grid,
        &[square(121.009, 31.0, 0.01)],
    );
    assert_eq!(
        route(&me, at(31.002, 121.0095)),
        Route::Grid { grid: id("g1") }
    );
}

fn located(coords: Option<Coordinates>) -> ReportDraft {
    ReportDraft {
        category: "manhole_cover".into(),
        description: "井盖松动".into(),
        location: match coords {
            Some(coords) => Location::Point {
                coords,
                source: LocationSource::PhotoExif,
                note: String::new(),
            },
            None => Location::address("幸福小区南门").unwrap(),
        },
        photos: Vec::new(),
        reporter: "李师傅".into(),
        seconds: None,
    }
}

#[test]
fn a_new_report_is_filed_by_its_location_whatever_grid_was_picked() {
    let mut s = crate::Store::open_in_memory().unwrap();
    let token = crate::account::DeviceToken::parse("gwd_test-token").unwrap();
    s.bind(&token, &community()).unwrap();
    let photo = s.stage_photo(&png(64, 48, [9, 9, 9]), 0).unwrap().photo;
    let mut file = |coords, picked: &str| {
        let draft = ReportDraft {
            photos: vec![photo.clone()],
            ..located(coords)
        };
        let doc = s.create_report_in(draft, Some(&id(picked)), 1_000).unwrap();
        s.record::<HazardReport>(&doc).unwrap().unwrap().scope
    };
    assert_eq!(file(Some(at(31.005, 121.015)), "g1"), id("g2"));
    assert_eq!(
        file(Some(at(30.9, 121.0)), "g1"),
        id("c"),
        "outside: the office's file"
    );
    assert_eq!(
        file(None, "g1"),
        id("g1"),
        "an address goes where it was put"
    );
}

#[test]
fn households_stay_in_grids_proper_and_never_default_to_the_community_file() {
    let mut s = crate::Store::open_in_memory().unwrap();
    let mut me = community();
    me.grids = vec![id("c"), id("g2")];
    let token = crate::account::DeviceToken::parse("gwd_test-token").unwrap();
    s.bind(&token, &me).unwrap();
    assert_eq!(s.archive_grid(None).unwrap(), id("g2"));
    assert_eq!(s.report_grid(None).unwrap(), id("c"));
    assert!(s.archive_grid(Some(&id("c"))).is_err());
}
