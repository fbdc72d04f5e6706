//! Work orders on real SQLite stores, moved on several devices that sync
//! through a hand-played feed: the loop, who may take which step, offline
//! steps that collide, clocks, deadlines and the on-time figures.

use super::*;
use crate::test_support::{Feed, bind_person, person};
use gridwalk_domain::directory::UserInfo;
use gridwalk_domain::ipc::orders::{NewOrder, OrderList, OrderQuery, OrderStep};
use gridwalk_domain::work_order::{Channel, Clock, OrderClass, Stage};
use gridwalk_domain::{ErrorCode, Role};

const NOW: i64 = 1_790_000_000_000;
const MIN: i64 = 60_000;

fn wang() -> UserInfo {
    person(2, "王芳", Role::GridWorker)
}
fn li() -> UserInfo {
    person(3, "李明", Role::GridWorker)
}
fn dept() -> UserInfo {
    person(4, "城管科", Role::Department)
}

fn store_of(who: &UserInfo, people: &[UserInfo]) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    bind_person(&mut s, who, people);
    s
}

/// The office and the people it dispatches to, each on their own device.
fn community() -> (Store, Store, Store, Store) {
    let office = person(1, "社区办", Role::Office);
    let people = [wang(), li(), dept()];
    (
        store_of(&office, &people),
        store_of(&wang(), &[]),
        store_of(&li(), &[]),
        store_of(&dept(), &[]),
    )
}

fn hotline() -> NewOrder {
    NewOrder::Office {
        channel: Channel::Hotline,
        category: "manhole_cover".into(),
        description: "幸福路12号门口井盖松动".into(),
        place: "幸福路12号".into(),
        grid: None,
        class: OrderClass::Ordinary,
        wish: false,
    }
}

fn to(who: &UserInfo) -> Assignee {
    Assignee {
        user: who.id,
        name: who.name.clone(),
        role: who.role,
    }
}

fn take(s: &mut Store, order: DocId, step: Step, at: i64) -> Result<()> {
    s.order_step(&OrderStep { order, step }, at)
}

fn page(s: &Store, id: &DocId, now: i64) -> OrderPage {
    s.order_page(id, now, &SyncStatus::default())
        .unwrap()
        .unwrap()
}

fn list(s: &Store, list: OrderList, now: i64) -> Vec<OrderItem> {
    let q = OrderQuery {
        list,
        ..OrderQuery::default()
    };
    s.orders(&q, now, &SyncStatus::default()).unwrap()
}

fn resolved(note: &str) -> Step {
    Step::Resolved {
        note: note.into(),
        photos: vec![],
    }
}

#[test]
fn a_hotline_case_goes_round_the_loop_across_devices_and_counts_as_on_time() {
    let (mut office, mut wang_phone, _, _) = community();
    let mut feed = Feed::default();
    for s in [&office, &wang_phone] {
        s.note_server_clock(NOW, NOW, Some(NOW)).unwrap();
    }
    let id = office.create_order(&hotline(), NOW).unwrap();
    take(
        &mut office,
        id,
        Step::Dispatched { to: to(&wang()) },
        NOW + MIN,
    )
    .unwrap();
    feed.sync(&mut office);
    feed.sync(&mut wang_phone);

    let mine = list(&wang_phone, OrderList::Mine, NOW + 2 * MIN);
    assert_eq!(mine.len(), 1, "the dispatched order is in 王芳's list");
    let next = mine[0].next.clone().unwrap();
    assert_eq!(
        next.milestone,
        gridwalk_domain::work_order::Milestone::OnSite
    );
    assert_eq!(
        next.left_ms(NOW + 2 * MIN),
        Some(13 * MIN),
        "1341: on site within 15 min"
    );
    assert_eq!(
        page(&wang_phone, &id, NOW).can[..2],
        [StepKind::Transfer, StepKind::Accept]
    );

    take(&mut wang_phone, id, Step::Accepted, NOW + 3 * MIN).unwrap();
    take(&mut wang_phone, id, Step::OnSite, NOW + 10 * MIN).unwrap();
    take(&mut wang_phone, id, resolved("已更换井盖"), NOW + 25 * MIN).unwrap();
    take(
        &mut wang_phone,
        id,
        Step::Rated {
            stars: 5,
            comment: "很快".into(),
        },
        NOW + 26 * MIN,
    )
    .unwrap();
    feed.sync(&mut wang_phone);
    feed.sync(&mut office);

    let p = page(&office, &id, NOW + 60 * MIN);
    assert_eq!(p.state.stage, Stage::Rated);
    assert_eq!(p.state.resolution.unwrap().note, "已更换井盖");
    let stats = office.order_stats(NOW + 60 * MIN).unwrap();
    assert_eq!(
        (stats.total.on_time, stats.total.late),
        (2, 0),
        "on site and solved in time"
    );
    assert_eq!(stats.by_assignee[0].key, "王芳");
    assert_eq!(stats.by_assignee[0].average_stars(), Some(5.0));
    assert_eq!(stats.by_category[0].key, "manhole_cover");
}

#[test]
fn only_the_office_and_the_assignee_are_offered_each_step() {
    let (mut office, mut wang_phone, mut li_phone, _) = community();
    let mut feed = Feed::default();
    let id = office.create_order(&hotline(), NOW).unwrap();
    take(&mut office, id, Step::Dispatched { to: to(&wang()) }, NOW).unwrap();
    feed.sync(&mut office);
    feed.sync(&mut wang_phone);
    feed.sync(&mut li_phone);
    let refused = take(&mut li_phone, id, Step::Accepted, NOW).unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::OrderStepNotOffered,
        "李明 was not sent it"
    );
    let refused = take(&mut wang_phone, id, Step::Dispatched { to: to(&li()) }, NOW).unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::OrderUnknownPerson,
        "a worker has no one to dispatch to"
    );
    let bad = take(
        &mut wang_phone,
        id,
        Step::Rated {
            stars: 6,
            comment: String::new(),
        },
        NOW,
    );
    assert_eq!(bad.unwrap_err().code(), ErrorCode::InputFields);
    let stranger = person(9, "外人", Role::GridWorker);
    let refused = take(
        &mut office,
        id,
        Step::Transferred {
            to: to(&stranger),
            note: String::new(),
        },
        NOW,
    );
    assert_eq!(refused.unwrap_err().code(), ErrorCode::OrderUnknownPerson);
    let refused = take(&mut wang_phone, id, resolved(""), NOW).unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::InputFields,
        "a resolution says what was done"
    );
    assert_eq!(
        page(&office, &id, NOW).order.events.len(),
        2,
        "nothing refused was written"
    );
}

#[test]
fn two_acceptances_made_offline_both_arrive_and_the_office_settles_them_everywhere() {
    let (mut office, mut wang_phone, mut li_phone, _) = community();
    let mut feed = Feed::default();
    let id = office.create_order(&hotline(), NOW).unwrap();
    take(&mut office, id, Step::Dispatched { to: to(&wang()) }, NOW).unwrap();
    feed.sync(&mut office);
    feed.sync(&mut wang_phone);
    // 王芳 does not answer; the office sends it on to 李明. 王芳, offline
    // in a stairwell, accepts anyway.
    let on = Step::Transferred {
        to: to(&li()),
        note: String::new(),
    };
    take(&mut office, id, on, NOW + MIN).unwrap();
    feed.sync(&mut office);
    feed.sync(&mut li_phone);
    take(&mut wang_phone, id, Step::Accepted, NOW + 2 * MIN).unwrap();
    take(&mut li_phone, id, Step::Accepted, NOW + 3 * MIN).unwrap();
    for s in [&mut wang_phone, &mut li_phone, &mut office] {
        feed.sync(s);
    }
    feed.sync(&mut wang_phone);
    let p = page(&office, &id, NOW);
    assert_eq!(p.order.events.len(), 5, "both acceptances are kept");
    assert_eq!(p.state.conflicts.len(), 1, "{:?}", p.state.conflicts);
    assert!(p.can.contains(&StepKind::Settle));
    let listed = &list(&office, OrderList::Board, NOW)[0];
    assert_eq!(listed.order.summary.conflicts, 1, "the board shows it");
    let wang_accept = p.state.conflicts[0].second;
    take(
        &mut office,
        id,
        Step::Settled {
            set_aside: wang_accept,
        },
        NOW + 5 * MIN,
    )
    .unwrap();
    feed.sync(&mut office);
    for s in [&mut wang_phone, &mut li_phone] {
        feed.sync(s);
        let p = page(s, &id, NOW);
        assert!(p.state.conflicts.is_empty());
        assert_eq!(p.state.assignee.unwrap().name, "李明");
        assert_eq!(p.order.events.len(), 6, "the set-aside step is still there");
    }
    let wang_view = &list(&wang_phone, OrderList::Mine, NOW)[0];
    assert_eq!(
        wang_view.order.summary.holders.len(),
        2,
        "王芳 still sees where it went"
    );
}

#[test]
fn a_step_is_stamped_on_the_servers_clock_once_a_sync_has_measured_it() {
    let (mut office, _, _, _) = community();
    let id = office.create_order(&hotline(), NOW).unwrap();
    let first = page(&office, &id, NOW).order.events[0].clone();
    assert_eq!(
        (first.at_ms, first.clock),
        (NOW, Clock::Device),
        "never synced: unchecked"
    );
    // This device's clock runs an hour slow.
    office
        .note_server_clock(NOW, NOW + 200, Some(NOW + 100 + 60 * MIN))
        .unwrap();
    take(
        &mut office,
        id,
        Step::Dispatched { to: to(&wang()) },
        NOW + 1_000,
    )
    .unwrap();
    let dispatched = page(&office, &id, NOW).order.events[1].clone();
    assert_eq!(
        (dispatched.at_ms, dispatched.clock),
        (NOW + 1_000 + 60 * MIN, Clock::Server)
    );
}

#[test]
fn an_order_past_its_commitment_is_on_the_overdue_board_until_it_is_met() {
    let (mut office, mut wang_phone, _, _) = community();
    let mut feed = Feed::default();
    office.note_server_clock(NOW, NOW, Some(NOW)).unwrap();
    let id = office.create_order(&hotline(), NOW).unwrap();
    take(&mut office, id, Step::Dispatched { to: to(&wang()) }, NOW).unwrap();
    assert!(list(&office, OrderList::Overdue, NOW + 14 * MIN).is_empty());
    let overdue = list(&office, OrderList::Overdue, NOW + 16 * MIN);
    assert_eq!(overdue.len(), 1, "15 minutes passed with nobody on site");
    assert_eq!(
        overdue[0].next.as_ref().unwrap().left_ms(NOW + 16 * MIN),
        Some(-MIN)
    );
    feed.sync(&mut office);
    feed.sync(&mut wang_phone);
    wang_phone.note_server_clock(NOW, NOW, Some(NOW)).unwrap();
    take(&mut wang_phone, id, Step::OnSite, NOW + 20 * MIN).unwrap();
    take(&mut wang_phone, id, resolved("已修复"), NOW + 28 * MIN).unwrap();
    feed.sync(&mut wang_phone);
    feed.sync(&mut office);
    assert!(list(&office, OrderList::Overdue, NOW + 40 * MIN).is_empty());
    let stats = office.order_stats(NOW + 40 * MIN).unwrap();
    assert_eq!(
        (stats.total.on_time, stats.total.late),
        (1, 1),
        "late on site, solved in time"
    );
    assert_eq!(stats.total.rate(), Some(0.5));
}

#[test]
fn a_worker_who_raises_an_order_has_it_and_an_unchecked_clock_never_counts_as_on_time() {
    let (_, mut wang_phone, _, _) = community();
    let id = wang_phone.create_order(&hotline(), NOW).unwrap();
    let p = page(&wang_phone, &id, NOW);
    assert_eq!(
        p.state.stage,
        Stage::Accepted,
        "a worker who raises it takes it on"
    );
    take(&mut wang_phone, id, resolved("当场处理"), NOW + 5 * MIN).unwrap();
    let stats = wang_phone.order_stats(NOW + 10 * MIN).unwrap();
    assert_eq!(
        (stats.total.on_time, stats.total.unverified),
        (0, 2),
        "never synced: the times are this phone's own"
    );
}

#[test]
fn a_new_policy_binds_new_orders_and_old_ones_keep_theirs() {
    let (mut office, _, _, _) = community();
    let old = office.create_order(&hotline(), NOW).unwrap();
    office
        .set_response_policy(&ResponsePolicy::preset_54321())
        .unwrap();
    let new = office.create_order(&hotline(), NOW).unwrap();
    assert_eq!(page(&office, &old, NOW).order.policy.name, "1341");
    assert_eq!(page(&office, &new, NOW).order.policy.name, "54321");
    let mut broken = ResponsePolicy::preset_1341();
    broken.commitments.clear();
    let e = office.set_response_policy(&broken).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InputFields);
    assert_eq!(
        office.response_policy().unwrap().name,
        "54321",
        "nothing stored changed"
    );
}
