//! The assignee's device hears of a new order after its next sync: the
//! shell raises a notice (a system notification in the app) once, through
//! the real server and two real device stores.

use std::sync::{Arc, Mutex};

use gridwalk_app_lib::{AppState, Notifier, ShellEvent};
use gridwalk_core::orders::notices::{Notice, NoticeKind};
use gridwalk_domain::Role;
use gridwalk_domain::ipc::orders::{NewOrder, OrderStep};
use gridwalk_domain::work_order::{Assignee, Channel, OrderClass, Step};

use crate::support::{COMMUNITY, GRIDS, bind, community_server, device, invitation};
use crate::sync_two_clients::pass;

/// A device whose notices land in the returned list.
fn listening(dir: &std::path::Path, url: &str) -> (AppState, Arc<Mutex<Vec<Notice>>>) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = heard.clone();
    let notifier = Notifier::new(move |e| {
        if let ShellEvent::Notice(n) = e {
            sink.lock().unwrap().push(n);
        }
    });
    let state = gridwalk_app_lib::open_state(dir, Some(url), notifier).unwrap();
    (state, heard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatched_order_is_announced_on_the_assignees_device_after_its_next_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let server = community_server(&tmp.path().join("server"), false).await;
    let (_, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (wang, worker_code) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let office = device(&tmp.path().join("office"), &server);
    bind(&office, &office_code).await;
    let (phone, heard) = listening(&tmp.path().join("phone"), &server.url());
    bind(&phone, &worker_code).await;
    pass(&phone).await;
    assert!(heard.lock().unwrap().is_empty(), "nothing to tell yet");

    let now = gridwalk_app_lib::sync_loop::now_ms();
    {
        let mut s = office.store.lock().unwrap();
        let new = NewOrder::Office {
            channel: Channel::Hotline,
            category: "garbage".into(),
            description: "3号楼下垃圾堆积".into(),
            place: "幸福小区3号楼".into(),
            grid: Some(gridwalk_domain::GridId::parse(GRIDS[0]).unwrap()),
            class: OrderClass::Ordinary,
            wish: false,
        };
        let order = s.create_order(&new, now).unwrap();
        let to = Assignee {
            user: wang,
            name: "网格员 王芳".into(),
            role: Role::GridWorker,
        };
        s.order_step(
            &OrderStep {
                order,
                step: Step::Dispatched { to },
            },
            now,
        )
        .unwrap();
    }
    pass(&office).await;
    pass(&phone).await;
    let told = heard.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, NoticeKind::Assigned);
    assert!(told[0].body.contains("垃圾堆积"), "{told:?}");
    pass(&phone).await;
    assert_eq!(
        heard.lock().unwrap().len(),
        1,
        "told once, not on every sync"
    );
}
