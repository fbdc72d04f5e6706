//! Work orders moved offline on real device stores, synced through the
//! real server on both backends: steps that collide are all kept and shown
//! to the office, a resolution made before a dispatch arrived is not lost,
//! a rejected or transferred order stays in the lists of those it was
//! with, and a rider learns what became of a report without ever receiving
//! the order.

use gridwalk_domain::ipc::orders::{NewOrder, OrderList, OrderQuery, OrderStep};
use gridwalk_domain::report::RiderStage;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::work_order::state::ConflictKind;
use gridwalk_domain::work_order::{Assignee, Channel, OrderClass, Stage, Step};
use gridwalk_domain::{DocId, Role};

use crate::support::{Backend, Handset, World, now_ms, world};

fn hotline(grid: &str) -> NewOrder {
    NewOrder::Office {
        channel: Channel::Hotline,
        category: "garbage".into(),
        description: "幸福小区3号楼下垃圾堆积".into(),
        place: "幸福小区3号楼".into(),
        grid: Some(gridwalk_domain::GridId::parse(grid).unwrap()),
        class: OrderClass::Ordinary,
        wish: false,
    }
}

fn to(h: &Handset) -> Assignee {
    let me = h.store.me().unwrap().unwrap();
    Assignee {
        user: me.user,
        name: me.name,
        role: me.role,
    }
}

fn take(h: &mut Handset, order: DocId, step: Step, at: i64) {
    h.store
        .order_step(&OrderStep { order, step }, at)
        .unwrap_or_else(|e| panic!("{}: {e}", h.store.me().unwrap().unwrap().name));
}

fn state(h: &Handset, id: &DocId) -> gridwalk_domain::ipc::orders::OrderPage {
    h.store
        .order_page(id, now_ms(), &SyncStatus::default())
        .unwrap()
        .expect("the order is on this device")
}

struct Office {
    office: Handset,
    wang: Handset,
    li: Handset,
    dept: Handset,
}

async fn community(w: &World) -> Office {
    let wang = w.handset("王芳", Role::GridWorker, &["g1"]).await;
    let li = w.handset("李明", Role::GridWorker, &["g1"]).await;
    let dept = w.handset("城管科", Role::Department, &["c1"]).await;
    let mut office = w.handset("社区办", Role::Office, &["c1"]).await;
    w.refresh_me(&mut office).await;
    Office {
        office,
        wang,
        li,
        dept,
    }
}

#[tokio::test]
async fn two_acceptances_made_offline_reach_the_office_as_one_conflict_it_settles_everywhere() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let Office {
            mut office,
            mut wang,
            mut li,
            ..
        } = community(&w).await;
        let t = now_ms();
        let id = office.store.create_order(&hotline("g1"), t).unwrap();
        take(&mut office, id, Step::Dispatched { to: to(&wang) }, t + 1);
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut wang).await;
        // 王芳 goes quiet; the office sends it on to 李明, and 王芳 accepts
        // offline without having seen that.
        let on = Step::Transferred {
            to: to(&li),
            note: "王芳联系不上".into(),
        };
        take(&mut office, id, on, t + 2);
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut li).await;
        take(&mut wang, id, Step::Accepted, t + 3);
        take(&mut li, id, Step::Accepted, t + 4);
        for h in [&mut wang, &mut li, &mut office] {
            w.sync_handset(h).await;
        }
        let p = state(&office, &id);
        assert_eq!(
            p.order.events.len(),
            5,
            "both acceptances arrived ({backend:?})"
        );
        assert_eq!(p.state.conflicts.len(), 1, "{:?}", p.state.conflicts);
        assert_eq!(p.state.conflicts[0].kind, ConflictKind::TwoHolders);
        let wang_accept = p.state.conflicts[0].second;
        take(
            &mut office,
            id,
            Step::Settled {
                set_aside: wang_accept,
            },
            t + 5,
        );
        w.sync_handset(&mut office).await;
        for h in [&mut wang, &mut li] {
            w.sync_handset(h).await;
            let p = state(h, &id);
            assert!(
                p.state.conflicts.is_empty(),
                "settled on every device ({backend:?})"
            );
            assert_eq!(p.state.assignee.unwrap().name, "李明");
        }
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_resolution_made_offline_before_a_dispatch_arrives_is_kept() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let Office {
            mut office,
            mut wang,
            mut dept,
            ..
        } = community(&w).await;
        let t = now_ms();
        // 王芳 raises it on the spot: it is hers at once.
        let id = wang.store.create_order(&hotline("g1"), t).unwrap();
        w.sync_handset(&mut wang).await;
        w.sync_handset(&mut office).await;
        // She fixes it in a stairwell with no signal; meanwhile the office,
        // not knowing, sends it on to the department.
        let fixed = Step::Resolved {
            note: "已联系物业清运".into(),
            photos: vec![],
        };
        take(&mut wang, id, fixed, t + 10);
        let on = Step::Transferred {
            to: to(&dept),
            note: "需要城管清运".into(),
        };
        take(&mut office, id, on, t + 20);
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut wang).await;
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut dept).await;
        for (who, h) in [("office", &office), ("王芳", &wang), ("城管科", &dept)] {
            let p = state(h, &id);
            assert_eq!(
                p.state.stage,
                Stage::Resolved,
                "{who}: the fix holds ({backend:?})"
            );
            assert_eq!(p.state.resolution.as_ref().unwrap().by, "王芳");
        }
        let p = state(&office, &id);
        assert_eq!(
            p.state.conflicts[0].kind,
            ConflictKind::AfterEnd,
            "the office is told"
        );
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_rejected_order_goes_back_to_the_office_and_stays_in_the_departments_list() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let Office {
            mut office,
            mut dept,
            ..
        } = community(&w).await;
        let t = now_ms();
        let id = office.store.create_order(&hotline("g2"), t).unwrap();
        take(&mut office, id, Step::Dispatched { to: to(&dept) }, t + 1);
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut dept).await;
        let back = Step::Rejected {
            reason: "不属于城管职责".into(),
        };
        take(&mut dept, id, back, t + 2);
        w.sync_handset(&mut dept).await;
        w.sync_handset(&mut office).await;
        let p = state(&office, &id);
        assert_eq!((p.state.stage, p.state.assignee), (Stage::Submitted, None));
        assert_eq!(p.state.rejections[0].reason, "不属于城管职责");
        let q = OrderQuery {
            list: OrderList::Mine,
            ..OrderQuery::default()
        };
        let mine = dept
            .store
            .orders(&q, now_ms(), &SyncStatus::default())
            .unwrap();
        assert_eq!(
            mine.len(),
            1,
            "the department still sees what it handed back ({backend:?})"
        );
        assert_eq!(mine[0].order.summary.stage, Stage::Submitted);
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_rider_sees_what_became_of_the_report_and_never_receives_the_order() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let Office {
            mut office,
            mut wang,
            ..
        } = community(&w).await;
        let mut rider = w.handset("骑手 小李", Role::Reporter, &["c1"]).await;
        let t = now_ms();
        let photo = rider
            .store
            .stage_photo(&crate::support::jpeg([200, 60, 40]), t)
            .unwrap();
        let draft = gridwalk_domain::ReportDraft {
            category: "manhole_cover".into(),
            description: "井盖松动".into(),
            location: gridwalk_domain::Location::address("幸福小区3号楼").unwrap(),
            photos: vec![photo.photo],
            reporter: "小李".into(),
            seconds: None,
        };
        let report = rider
            .store
            .create_report_in(
                draft,
                Some(&gridwalk_domain::GridId::parse("g1").unwrap()),
                t,
            )
            .unwrap();
        let stage = |h: &Handset| {
            h.store
                .report(&report)
                .unwrap()
                .expect("the rider keeps the report")
                .progress
                .stage()
        };
        w.sync_handset(&mut rider).await;
        w.sync_handset(&mut office).await;
        let new = NewOrder::Report {
            report,
            class: OrderClass::Ordinary,
            grid: None,
        };
        let id = office.store.create_order(&new, t + 1).unwrap();
        take(&mut office, id, Step::Dispatched { to: to(&wang) }, t + 2);
        w.sync_handset(&mut office).await;
        w.sync_handset(&mut rider).await;
        assert_eq!(
            stage(&rider),
            RiderStage::Dispatched,
            "已派单 ({backend:?})"
        );
        w.sync_handset(&mut wang).await;
        take(&mut wang, id, Step::Accepted, t + 3);
        w.sync_handset(&mut wang).await;
        w.sync_handset(&mut rider).await;
        assert_eq!(stage(&rider), RiderStage::Working, "处理中");
        let fixed = Step::Resolved {
            note: "已更换".into(),
            photos: vec![],
        };
        take(&mut wang, id, fixed, t + 4);
        w.sync_handset(&mut wang).await;
        w.sync_handset(&mut rider).await;
        assert_eq!(stage(&rider), RiderStage::Resolved, "已办结");
        let order: Option<gridwalk_domain::work_order::WorkOrder> =
            rider.store.record(&id).unwrap();
        assert!(
            order.is_none(),
            "the order's internals never reach the rider ({backend:?})"
        );
        w.server.shutdown().await;
    }
}

/// 响应承诺 chosen by the office on the server reach every device of its
/// community: a worker's phone makes its next order under them.
#[tokio::test]
async fn a_communitys_chosen_commitments_reach_its_devices_and_their_new_orders() {
    use gridwalk_domain::work_order::{ResponsePolicy, WorkOrder};
    use reqwest::{Method, StatusCode};
    for backend in Backend::ALL {
        let w = world(backend).await;
        let url = format!("{}/v1/admin/nodes/c1/policy", w.url());
        let put = |who: &str, body: serde_json::Value| {
            let token = w.tokens[who].clone();
            let url = url.clone();
            async move { crate::accounts::call(Method::PUT, url, Some(&token), Some(body)).await }
        };
        let chosen = serde_json::to_value(ResponsePolicy::preset_54321()).unwrap();
        let mut zero = chosen.clone();
        zero["commitments"][0]["within_min"] = 0.into();
        let (status, body) = put("office1", zero).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{backend:?}: {body}");
        assert_eq!(body["code"], "order.policy");
        let (status, _) = put("rider1", chosen.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a rider chooses nothing");
        let (status, body) = put("office1", chosen).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");

        let mut worker = w.handset("网格员 小周", Role::GridWorker, &["g1"]).await;
        w.refresh_me(&mut worker).await;
        let order = worker.store.create_order(&hotline("g1"), now_ms()).unwrap();
        let made = worker.store.record::<WorkOrder>(&order).unwrap().unwrap();
        assert_eq!(made.policy.name, "54321", "{backend:?}");
        w.server.shutdown().await;
    }
}
