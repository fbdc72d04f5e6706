//! `/v1/sync?wait=S`: a pull with nothing new is held until a change the
//! device may read is stored — on this instance or, on PostgreSQL, on
//! another one — and a stopping server answers its held pulls at once.

use gridwalk_domain::DeviceId;
use gridwalk_domain::sync::{PROTOCOL_VERSION, SyncRequest, SyncResponse};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

use crate::scrape;
use crate::support::{Backend, Doc, World, world};

/// Longer than any of these tests should take: an answer that waited it
/// out means the hold was never woken.
const HOLD_S: u64 = 20;

/// A pull from `cursor` that the server at `url` may hold up to `HOLD_S`.
fn hold(url: String, token: String, device: DeviceId, cursor: u64) -> JoinHandle<SyncResponse> {
    tokio::spawn(async move {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device,
            cursor,
            changes: vec![],
        };
        let resp = reqwest::Client::new()
            .post(format!("{url}/v1/sync?wait={HOLD_S}"))
            .bearer_auth(token)
            .json(&req)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    })
}

/// The `/metrics` sample of `series`.
async fn metric(url: &str, series: &str) -> u64 {
    let value = scrape::metric(url, series).await;
    value.unwrap_or_else(|| panic!("{series} in {url}/metrics")) as u64
}

/// Returns once the server at `url` holds `n` pulls; fails rather than hangs.
async fn until_held(url: &str, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(HOLD_S);
    while metric(url, "gridwalk_sync_held_pulls").await < n {
        assert!(Instant::now() < deadline, "the server never held {n} pulls");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Where `who`'s feed ends now.
async fn head(w: &World, who: &str) -> u64 {
    let mut cursor = 0;
    loop {
        let page = w.sync(who, cursor, vec![]).await;
        cursor = page.cursor;
        if !page.more {
            return cursor;
        }
    }
}

#[tokio::test]
async fn a_held_pull_answers_with_the_first_change_it_may_read() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let cursor = head(&w, "worker2").await;
        let started = Instant::now();
        let held = hold(
            w.url(),
            w.tokens["worker2"].clone(),
            w.device("worker2"),
            cursor,
        );
        until_held(&w.url(), 1).await;

        // A change in another grid is not for worker2: the pull stays held.
        let (_, elsewhere) = Doc::create(w.device("worker1"), "report", "g1", json!({}));
        w.sync("worker1", 0, vec![elsewhere]).await;
        let (_, mine) = Doc::create(w.device("office1"), "report", "g2", json!({}));
        w.sync("office1", 0, vec![mine.clone()]).await;

        let answer = held.await.unwrap();
        assert_eq!(
            answer.changes.iter().map(|c| &c.bytes).collect::<Vec<_>>(),
            vec![&mine.bytes],
            "{backend:?}: the held pull brings the change in worker2's grid, and only it"
        );
        assert!(answer.cursor > cursor);
        assert!(
            started.elapsed() < Duration::from_secs(HOLD_S),
            "{backend:?}: answered when the change was stored, not when the hold ran out"
        );
        assert_eq!(metric(&w.url(), "gridwalk_sync_held_pulls").await, 0);
        let served = metric(
            &w.url(),
            "gridwalk_http_requests_total{route=\"/v1/sync?wait\",status=\"200\"}",
        )
        .await;
        assert_eq!(served, 1, "{backend:?}: held pulls are counted apart");
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_pull_that_finds_something_is_answered_at_once() {
    let w = world(Backend::Sqlite).await;
    let (_, report) = Doc::create(w.device("worker1"), "report", "g1", json!({}));
    w.sync("worker1", 0, vec![report]).await;
    // From the start the office has a report waiting: no hold.
    let started = Instant::now();
    let answer = hold(w.url(), w.tokens["office1"].clone(), w.device("office1"), 0)
        .await
        .unwrap();
    assert_eq!(answer.changes.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(HOLD_S));
    w.server.shutdown().await;
}

#[tokio::test]
async fn a_stopping_server_answers_its_held_pulls_at_once() {
    let w = world(Backend::Sqlite).await;
    let cursor = head(&w, "office1").await;
    let started = Instant::now();
    let held = hold(
        w.url(),
        w.tokens["office1"].clone(),
        w.device("office1"),
        cursor,
    );
    until_held(&w.url(), 1).await;
    w.server.shutdown().await;
    let answer = held.await.unwrap();
    assert!(answer.changes.is_empty());
    assert_eq!(answer.cursor, cursor, "nothing was skipped");
    assert!(
        started.elapsed() < Duration::from_secs(HOLD_S),
        "stopping did not wait out the hold"
    );
}

#[tokio::test]
async fn a_pull_held_by_one_instance_wakes_for_a_push_to_another() {
    let w = world(Backend::Postgres).await;
    let (other, _other_dir) = w.another_instance().await;
    let cursor = head(&w, "office1").await;
    let started = Instant::now();
    let held = hold(
        other.url(),
        w.tokens["office1"].clone(),
        w.device("office1"),
        cursor,
    );
    until_held(&other.url(), 1).await;

    let (_, report) = Doc::create(w.device("worker1"), "report", "g1", json!({}));
    w.sync("worker1", 0, vec![report.clone()]).await;
    let answer = held.await.unwrap();
    assert_eq!(
        answer.changes.iter().map(|c| &c.bytes).collect::<Vec<_>>(),
        vec![&report.bytes],
        "the second instance hands on what the first stored, as it is stored"
    );
    assert!(started.elapsed() < Duration::from_secs(HOLD_S));
    other.shutdown().await;
    w.server.shutdown().await;
}
