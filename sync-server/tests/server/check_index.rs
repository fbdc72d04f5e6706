//! The check index on both backends: a work order with hundreds of events
//! is checked from a few indexed rows, a database from before the index is
//! checked by one replay and indexed on the way, and a new assignee is
//! recognised in the very next push.

use gridwalk_sync_server::storage::Wanted;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;

use crate::support::{Backend, Doc, world};

#[tokio::test]
async fn a_long_order_is_checked_from_the_index_and_an_old_database_by_one_replay() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (office, dept, worker) = (w.device("office1"), w.device("dept1"), w.device("worker1"));
        let body = json!({"description": "路灯不亮", "assignees": [], "events": []});
        let (mut order, created) = Doc::create(office, "work_order", "g1", body);
        let to_dept = order.push_to_list(office, "assignees", &w.users["dept1"].to_string());
        w.sync("office1", 0, vec![created, to_dept]).await;

        let events: Vec<_> = (0..300)
            .map(|i| order.push_to_list(dept, "events", &format!("处理进展 {i}")))
            .collect();
        for batch in events.chunks(100) {
            w.sync("dept1", 0, batch.to_vec()).await;
        }
        let not_theirs = |order: &mut Doc| order.fork().push_to_list(worker, "events", "我来办");
        let (status, body) = w.post("worker1", 0, vec![not_theirs(&mut order)]).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.status_not_yours")),
            "{backend:?}: only the assignee moves it: {body}"
        );

        // As a database from before the index: the next push replays once.
        w.server.storage().forget_check_index().unwrap();
        let more = order.push_to_list(dept, "events", "已修复");
        w.sync("dept1", 0, vec![more]).await;
        let (status, body) = w.post("worker1", 0, vec![not_theirs(&mut order)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}: {body}");

        // Sent on to the grid worker as well: their step is taken at once.
        let to_worker = order.push_to_list(office, "assignees", &w.users["worker1"].to_string());
        w.sync("office1", 0, vec![to_worker]).await;
        w.sync(
            "worker1",
            0,
            vec![order.push_to_list(worker, "events", "到场")],
        )
        .await;

        let wanted = HashMap::from([(order.id, Wanted::default())]);
        let index = &w.server.storage().doc_index(&wanted).unwrap()[&order.id];
        assert!(index.indexed, "{backend:?}: indexed again by the replay");
        let mut expected = vec![w.users["dept1"].to_string(), w.users["worker1"].to_string()];
        expected.sort();
        assert_eq!(index.assignees, expected, "{backend:?}");
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            2 + 300 + 1 + 1 + 1,
            "{backend:?}: every accepted change stored once, no refused one"
        );
        w.server.shutdown().await;
    }
}
