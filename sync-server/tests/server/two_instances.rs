//! Two server instances on one PostgreSQL database, as behind a load
//! balancer: phones' pushes land on either, at the same moment, and both
//! serve one feed — the same changes under the same cursors.

use gridwalk_domain::DeviceId;
use gridwalk_domain::sync::{PROTOCOL_VERSION, SyncRequest, SyncResponse, WireChange};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Backend, Doc, post_raw, world};

async fn sync_at(
    url: &str,
    token: &str,
    device: DeviceId,
    cursor: u64,
    changes: Vec<WireChange>,
) -> SyncResponse {
    let req = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device,
        cursor,
        changes,
    };
    let (status, body) = post_raw(url, Some(token), serde_json::to_vec(&req).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    serde_json::from_value(body).unwrap()
}

/// (cursor after each page, the changes' bytes) from the start.
async fn feed(url: &str, token: &str, device: DeviceId) -> Vec<(u64, Vec<Vec<u8>>)> {
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let resp = sync_at(url, token, device, cursor, vec![]).await;
        cursor = resp.cursor;
        pages.push((cursor, resp.changes.into_iter().map(|c| c.bytes).collect()));
        if !resp.more {
            return pages;
        }
    }
}

#[tokio::test]
async fn two_instances_on_one_postgres_serve_one_feed() {
    let w = world(Backend::Postgres).await;
    let (other, _other_dir) = w.another_instance().await;
    let urls = [w.url(), other.url()];

    // Two workers push 40 reports, alternating instances, all at once.
    let mut pushes = Vec::new();
    for i in 0..40 {
        let who = if i % 3 == 0 { "worker2" } else { "worker1" };
        let grid = if who == "worker2" { "g2" } else { "g1" };
        let (_, change) = Doc::create(w.device(who), "report", grid, json!({}));
        let (url, token, device) = (urls[i % 2].clone(), w.tokens[who].clone(), w.device(who));
        pushes.push(tokio::spawn(async move {
            sync_at(&url, &token, device, 0, vec![change]).await.acked
        }));
    }
    for push in pushes {
        assert_eq!(push.await.unwrap(), 1, "each push is acked by its instance");
    }

    let (office, token) = (w.device("office1"), w.tokens["office1"].clone());
    let at_first = feed(&urls[0], &token, office).await;
    let at_second = feed(&urls[1], &token, office).await;
    let count: usize = at_first.iter().map(|(_, c)| c.len()).sum();
    assert_eq!(count, 40, "the office sees every report");
    assert_eq!(at_first, at_second, "both instances serve the same feed");

    // A cursor from one instance is good at the other: only what is new.
    let cursor = at_first.last().unwrap().0;
    let (_, late) = Doc::create(w.device("worker1"), "report", "g1", json!({}));
    sync_at(
        &urls[1],
        &w.tokens["worker1"],
        w.device("worker1"),
        0,
        vec![late.clone()],
    )
    .await;
    let next = sync_at(&urls[0], &token, office, cursor, vec![]).await;
    assert_eq!(
        next.changes.iter().map(|c| &c.bytes).collect::<Vec<_>>(),
        vec![&late.bytes],
        "the first instance hands on the change the second stored"
    );
    assert_eq!(w.server.storage().change_count().unwrap(), 41);
    other.shutdown().await;
    w.server.shutdown().await;
}
