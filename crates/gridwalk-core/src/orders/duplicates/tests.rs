use super::*;
use crate::test_support::{Feed, bind_person, person, png};
use gridwalk_domain::ipc::orders::{NewOrder, OrderStep};
use gridwalk_domain::report::RiderStage;
use gridwalk_domain::work_order::{OrderClass, Stage};
use gridwalk_domain::{Location, LocationSource, ReportDraft, Role};

const NOW: i64 = 1_790_000_000_000;

fn at(lat: f64, lon: f64) -> Coordinates {
    Coordinates::parse(lat, lon).unwrap()
}

/// About 100 m north of `PLACE`, and about 300 m.
const PLACE: (f64, f64) = (31.2304, 121.4737);
const NORTH_100: f64 = 31.2304 + 0.0009;
const NORTH_300: f64 = 31.2304 + 0.0027;

fn store(who: &gridwalk_domain::directory::UserInfo) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    bind_person(&mut s, who, &[person(2, "王芳", Role::GridWorker)]);
    s
}

fn report(s: &mut Store, category: &str, lat: f64, seconds: Option<DocId>) -> DocId {
    let photo = s
        .stage_photo(&png(32, 24, [lat as u8, 0, 0]), NOW)
        .unwrap()
        .photo;
    let draft = ReportDraft {
        category: category.into(),
        description: "井盖松动".into(),
        location: Location::Point {
            coords: at(lat, PLACE.1),
            source: LocationSource::Device,
            note: String::new(),
        },
        photos: vec![photo],
        reporter: "李师傅".into(),
        seconds,
    };
    s.create_report(draft, NOW).unwrap()
}

fn order_from(s: &mut Store, report: DocId) -> DocId {
    let new = NewOrder::Report {
        report,
        class: OrderClass::Ordinary,
        grid: None,
    };
    s.create_order(&new, NOW).unwrap()
}

fn near(s: &Store, category: &str, lat: f64) -> Vec<(DocId, u32)> {
    s.nearby_orders(category, at(lat, PLACE.1), &SyncStatus::default())
        .unwrap()
        .into_iter()
        .map(|n| (n.order.id, n.metres))
        .collect()
}

#[test]
fn open_orders_of_the_same_category_within_250_m_are_suggested_nearest_first() {
    let mut office = store(&person(1, "社区办", Role::Office));
    let here = report(&mut office, "manhole_cover", PLACE.0, None);
    let here = order_from(&mut office, here);
    let north = report(&mut office, "manhole_cover", NORTH_100, None);
    let north = order_from(&mut office, north);
    let far = report(&mut office, "manhole_cover", NORTH_300, None);
    order_from(&mut office, far);
    let garbage = report(&mut office, "garbage", PLACE.0, None);
    order_from(&mut office, garbage);

    let found = near(&office, "manhole_cover", PLACE.0 + 0.0001);
    let ids: Vec<DocId> = found.iter().map(|f| f.0).collect();
    assert_eq!(
        ids,
        [here, north],
        "nearest first; 300 m away and garbage are left out"
    );
    assert!((8..=14).contains(&found[0].1), "about 11 m: {found:?}");
    assert!((85..=100).contains(&found[1].1), "about 89 m: {found:?}");

    let cancel = Step::Cancelled {
        reason: "重复".into(),
    };
    office
        .order_step(
            &OrderStep {
                order: here,
                step: cancel,
            },
            NOW,
        )
        .unwrap();
    assert_eq!(
        near(&office, "manhole_cover", PLACE.0).len(),
        1,
        "a closed order is no candidate"
    );
}

#[test]
fn a_second_report_joins_the_order_and_its_maker_sees_that_orders_progress() {
    let mut office = store(&person(1, "社区办", Role::Office));
    let mut wang = store(&person(2, "王芳", Role::GridWorker));
    let mut feed = Feed::default();
    let first = report(&mut office, "manhole_cover", PLACE.0, None);
    let order = order_from(&mut office, first);
    feed.sync(&mut office);
    feed.sync(&mut wang);

    // 王芳 on patrol sees the same cover and seconds the order with her photo.
    let (id, _) = near(&wang, "manhole_cover", NORTH_100)[0];
    assert_eq!(id, order);
    let plus_one = report(&mut wang, "manhole_cover", NORTH_100, Some(order));
    feed.sync(&mut wang);
    feed.sync(&mut office);
    let page = office
        .order_page(&order, NOW, &SyncStatus::default())
        .unwrap()
        .unwrap();
    let seconds: Vec<DocId> = page.seconded_by.iter().map(|r| r.id).collect();
    assert_eq!(
        seconds,
        [plus_one],
        "the order's page lists the 附议 with its photo"
    );
    assert!(page.seconded_by[0].summary.thumb.is_some());

    // Dispatched and resolved: the seconding report says so too.
    crate::test_support::dispatch(
        &mut office,
        order,
        &person(2, "王芳", Role::GridWorker),
        NOW + 1,
    );
    let resolved = Step::Resolved {
        note: "已更换".into(),
        photos: vec![],
    };
    office
        .order_step(
            &OrderStep {
                order,
                step: resolved,
            },
            NOW + 2,
        )
        .unwrap();
    let r: HazardReport = office.record(&plus_one).unwrap().unwrap();
    assert_eq!(r.progress.stage(), RiderStage::Resolved);
    assert_eq!(r.seconds, Some(order));
}

#[test]
fn merging_closes_one_order_as_a_duplicate_and_keeps_every_event_of_both() {
    let mut office = store(&person(1, "社区办", Role::Office));
    let a = report(&mut office, "manhole_cover", PLACE.0, None);
    let a = order_from(&mut office, a);
    let b = report(&mut office, "manhole_cover", NORTH_100, None);
    let b = order_from(&mut office, b);
    let page_b = office
        .order_page(&b, NOW, &SyncStatus::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        page_b.nearby.iter().map(|n| n.order.id).collect::<Vec<_>>(),
        [a]
    );
    let before: usize = [a, b]
        .iter()
        .map(|id| {
            office
                .record::<WorkOrder>(id)
                .unwrap()
                .unwrap()
                .events
                .len()
        })
        .sum();

    office
        .merge_orders(&MergeOrders { from: b, into: a }, NOW + 5)
        .unwrap();
    let (ta, tb) = (
        office.record::<WorkOrder>(&a).unwrap().unwrap(),
        office.record::<WorkOrder>(&b).unwrap().unwrap(),
    );
    assert_eq!(
        ta.events.len() + tb.events.len(),
        before + 2,
        "two events added, none lost"
    );
    assert_eq!(tb.state().stage, Stage::Closed);
    assert_eq!(tb.state().duplicate_of, Some(a));
    assert_eq!(ta.state().merged, [b]);
    assert!(!ta.state().stage.is_done(), "the kept order stays open");

    let again = office.merge_orders(&MergeOrders { from: b, into: a }, NOW + 6);
    assert_eq!(
        again.unwrap_err().code(),
        gridwalk_domain::ErrorCode::OrderStepNotOffered
    );
    let itself = office.merge_orders(&MergeOrders { from: a, into: a }, NOW + 6);
    assert!(itself.is_err());
    let mut wang = store(&person(2, "王芳", Role::GridWorker));
    let mut feed = Feed::default();
    feed.sync(&mut office);
    feed.sync(&mut wang);
    let c = report(&mut office, "manhole_cover", PLACE.0, None);
    let c = order_from(&mut office, c);
    feed.sync(&mut office);
    feed.sync(&mut wang);
    let not_office = wang.merge_orders(&MergeOrders { from: c, into: a }, NOW + 7);
    assert!(not_office.is_err(), "only the office merges");
}

#[test]
fn a_report_makes_one_order_and_a_second_try_is_refused_with_nothing_written() {
    let mut office = store(&person(1, "社区办", Role::Office));
    let r = report(&mut office, "manhole_cover", PLACE.0, None);
    let order = order_from(&mut office, r);
    let row = office.record::<HazardReport>(&r).unwrap().unwrap();
    assert_eq!(
        row.progress.order,
        Some(order),
        "the report names its order"
    );
    let outbox = office.sync_request().unwrap().changes.len();
    let again = NewOrder::Report {
        report: r,
        class: OrderClass::Ordinary,
        grid: None,
    };
    let err = office.create_order(&again, NOW + 1).unwrap_err();
    assert!(err.to_string().contains("已转为工单"), "{err}");
    assert_eq!(
        office.sync_request().unwrap().changes.len(),
        outbox,
        "nothing new to send"
    );
}
