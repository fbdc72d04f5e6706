//! Small wishes (微心愿) through the real server on both backends: the
//! office publishes one; a volunteer's phone receives that wish and nothing
//! else of the grid (no household, no other order), claims it with an event
//! the server accepts, and finishes it; a volunteer may not move an order
//! that is not a wish, nor touch anything of a wish but its events.

use gridwalk_domain::household::HouseholdDraft;
use gridwalk_domain::ipc::orders::{NewOrder, OrderList, OrderQuery, OrderStep};
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::work_order::{Channel, OrderClass, Stage, Step, WorkOrder};
use gridwalk_domain::{DocId, DocKind, GridId, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Backend, Doc, Handset, now_ms, world};

fn order(description: &str, wish: bool) -> NewOrder {
    NewOrder::Office {
        channel: Channel::Visit,
        category: "other".into(),
        description: description.into(),
        place: "幸福小区5号楼".into(),
        grid: Some(GridId::parse("g1").unwrap()),
        class: OrderClass::Ordinary,
        wish,
    }
}

fn stage(h: &Handset, id: &DocId) -> Stage {
    h.store
        .record::<WorkOrder>(id)
        .unwrap()
        .unwrap()
        .state()
        .stage
}

#[tokio::test]
async fn a_volunteer_sees_only_published_wishes_and_claims_one() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let mut office = w.handset("社区办", Role::Office, &["c1"]).await;
        let now = now_ms();
        let wish = office
            .store
            .create_order(&order("独居老人想理发", true), now)
            .unwrap();
        let plain = office
            .store
            .create_order(&order("楼道灯坏了", false), now)
            .unwrap();
        let draft = HouseholdDraft {
            estate: "幸福小区".into(),
            door: "5-1-101".into(),
            tags: vec![],
            notes: "独居".into(),
        };
        office
            .store
            .create_household(&draft, Some(&GridId::parse("g1").unwrap()), now)
            .unwrap();
        w.sync_handset(&mut office).await;

        let mut volunteer = w.handset("党员 张敏", Role::Volunteer, &["c1"]).await;
        w.sync_handset(&mut volunteer).await;
        let list = volunteer
            .store
            .orders(
                &OrderQuery {
                    list: OrderList::Board,
                    ..OrderQuery::default()
                },
                now,
                &SyncStatus::default(),
            )
            .unwrap();
        let ids: Vec<DocId> = list.iter().map(|o| o.order.id).collect();
        assert_eq!(ids, [wish], "{backend:?}: the wish, not the other order");
        let ids = |kind| w.server.storage().doc_ids(kind, None).unwrap();
        for h in ids(DocKind::Household) {
            assert!(
                volunteer
                    .store
                    .record::<gridwalk_domain::Household>(&h)
                    .unwrap()
                    .is_none(),
                "{backend:?}: a volunteer never receives a household"
            );
        }

        // 认领, then done: both are events the server takes from a volunteer.
        let step = |step| OrderStep { order: wish, step };
        volunteer
            .store
            .order_step(&step(Step::Claimed), now + 1)
            .unwrap();
        let done = Step::Resolved {
            note: "已上门理发".into(),
            photos: vec![],
        };
        volunteer.store.order_step(&step(done), now + 2).unwrap();
        w.sync_handset(&mut volunteer).await;
        w.sync_handset(&mut office).await;
        assert_eq!(stage(&office, &wish), Stage::Resolved, "{backend:?}");
        let state = office
            .store
            .record::<WorkOrder>(&wish)
            .unwrap()
            .unwrap()
            .state();
        assert_eq!(state.assignee.map(|a| a.name), Some("党员 张敏".to_owned()));

        assert_eq!(stage(&office, &plain), Stage::Submitted);
        w.server.shutdown().await;
    }
}

/// What a volunteer's device may push, decided by the server from what the
/// order's first change fixed — whatever the device's app would allow.
#[tokio::test]
async fn the_server_lets_a_volunteer_move_only_wishes_and_only_their_events() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let office = w.device("office1");
        let volunteer = w.device("volunteer1");
        let body = |wish: bool| json!({"description": "帮忙买菜", "assignees": [], "events": [], "wish": wish});
        let (mut wish, created) = Doc::create(office, "work_order", "g1", body(true));
        w.sync("office1", 0, vec![created]).await;
        let (mut plain, created) = Doc::create(office, "work_order", "g1", body(false));
        w.sync("office1", 0, vec![created]).await;

        let pulled: Vec<DocId> = w
            .pull_all("volunteer1")
            .await
            .iter()
            .map(|c| c.doc)
            .collect();
        assert_eq!(
            pulled,
            [wish.id],
            "{backend:?}: only the wish reaches a volunteer"
        );

        let claim = r#"{"step":"claimed"}"#;
        let refused = [
            (
                plain.fork().push_to_list(volunteer, "events", claim),
                "auth.status_not_yours",
            ),
            (
                wish.fork().edit(volunteer, "description", "改掉"),
                "auth.may_not_change",
            ),
            (
                wish.fork().push_to_list(volunteer, "assignees", "me"),
                "auth.assign_not_yours",
            ),
        ];
        for (change, code) in refused {
            let (status, body) = w.post("volunteer1", 0, vec![change]).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?} {code}: {body}");
            assert_eq!(body["code"], code, "{backend:?}: {body}");
        }
        let unpublish = wish.fork().edit(office, "wish", "no");
        let (status, body) = w.post("office1", 0, vec![unpublish]).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.identity_fixed")),
            "{backend:?}: a wish stays a wish: {body}"
        );
        w.sync(
            "volunteer1",
            0,
            vec![wish.push_to_list(volunteer, "events", claim)],
        )
        .await;
        let mut office_plain = plain.fork();
        w.sync(
            "office1",
            0,
            vec![office_plain.push_to_list(office, "events", claim)],
        )
        .await;
        w.server.shutdown().await;
    }
}
