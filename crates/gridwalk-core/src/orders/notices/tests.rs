use super::*;
use crate::test_support::{Feed, bind_person, person};
use gridwalk_domain::Role;
use gridwalk_domain::directory::UserInfo;
use gridwalk_domain::ipc::orders::{NewOrder, OrderStep};
use gridwalk_domain::work_order::{Channel, OrderClass, Step};

const NOW: i64 = 1_790_000_000_000;
const MIN: i64 = 60_000;

fn wang() -> UserInfo {
    person(2, "王芳", Role::GridWorker)
}

fn store(who: &UserInfo) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    bind_person(&mut s, who, &[wang()]);
    s
}

fn kinds(s: &Store, now: i64) -> Vec<NoticeKind> {
    s.take_notices(now)
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

#[test]
fn the_assignee_is_told_once_of_a_new_order_a_running_out_commitment_and_a_reopening() {
    let mut office = store(&person(1, "社区办", Role::Office));
    let mut phone = store(&wang());
    let mut feed = Feed::default();
    assert!(kinds(&phone, NOW).is_empty(), "the first look says nothing");

    let new = NewOrder::Office {
        channel: Channel::Hotline,
        category: "garbage".into(),
        description: "3号楼下垃圾堆积".into(),
        place: "幸福小区3号楼".into(),
        grid: None,
        class: OrderClass::Ordinary,
        wish: false,
    };
    let order = office.create_order(&new, NOW).unwrap();
    crate::test_support::dispatch(&mut office, order, &wang(), NOW);
    feed.sync(&mut office);
    feed.sync(&mut phone);
    let told = phone.take_notices(NOW + MIN).unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, NoticeKind::Assigned);
    assert_eq!(told[0].title, "新工单");
    assert!(told[0].body.contains("垃圾堆积"), "{told:?}");
    assert!(kinds(&phone, NOW + 2 * MIN).is_empty(), "said once");

    // 1341: on site within 15 minutes; at 8 minutes 7 are left.
    assert_eq!(
        kinds(&phone, NOW + 8 * MIN),
        [NoticeKind::DueSoon {
            milestone: Milestone::OnSite,
            minutes: 7
        }]
    );
    assert!(kinds(&phone, NOW + 9 * MIN).is_empty());

    phone
        .order_step(
            &OrderStep {
                order,
                step: Step::Accepted,
            },
            NOW + 9 * MIN,
        )
        .unwrap();
    phone
        .order_step(
            &OrderStep {
                order,
                step: Step::OnSite,
            },
            NOW + 9 * MIN,
        )
        .unwrap();
    let done = Step::Resolved {
        note: "已清运".into(),
        photos: vec![],
    };
    phone
        .order_step(&OrderStep { order, step: done }, NOW + 10 * MIN)
        .unwrap();
    feed.sync(&mut phone);
    feed.sync(&mut office);
    let again = Step::Reopened {
        reason: "居民说又堆了".into(),
    };
    office
        .order_step(&OrderStep { order, step: again }, NOW + 60 * MIN)
        .unwrap();
    feed.sync(&mut office);
    feed.sync(&mut phone);
    let told = kinds(&phone, NOW + 61 * MIN);
    assert!(told.contains(&NoticeKind::Reopened), "{told:?}");
    assert!(
        !told.contains(&NoticeKind::Assigned),
        "still the same holder: {told:?}"
    );
    assert!(
        kinds(&office, NOW + 61 * MIN).is_empty(),
        "the office holds nothing"
    );
}
