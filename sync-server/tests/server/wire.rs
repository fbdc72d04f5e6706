//! The app's binary sync body against the real server: answered in kind,
//! an older app told to update, a body that would inflate to a gigabyte
//! refused at the cap, and the directory version that spares a device its
//! `/v1/me` call when nothing about its account moved.

use gridwalk_core::sync_wire;
use gridwalk_domain::Role;
use gridwalk_domain::sync::{PROTOCOL_VERSION, SYNC_MEDIA_TYPE, SyncRequest, SyncResponse};
use reqwest::StatusCode;

use crate::support::{Backend, Doc, add_person, post_raw, world};

/// Posts `body` as the app does and returns status, content type and body.
async fn post_binary(url: &str, token: &str, body: Vec<u8>) -> (StatusCode, String, Vec<u8>) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, SYNC_MEDIA_TYPE)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_binary_push_is_answered_in_binary_and_read_by_json_clients_alike() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let by = w.device("worker1");
        let (_, change) = Doc::create(
            by,
            "report",
            "g1",
            serde_json::json!({"description": "井盖松动"}),
        );
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device: by,
            cursor: 0,
            changes: vec![change.clone()],
        };
        let (status, kind, body) =
            post_binary(&w.url(), &w.tokens["worker1"], sync_wire::encode(&req)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert_eq!(
            kind, SYNC_MEDIA_TYPE,
            "the answer comes in the body it was asked in"
        );
        let resp: SyncResponse = sync_wire::decode(&body).unwrap();
        assert_eq!(resp.acked, 1, "the change is acknowledged ({backend:?})");
        let pulled = w.pull_all("office1").await;
        assert_eq!(
            pulled,
            vec![change],
            "a JSON reader receives the very bytes the binary push carried"
        );
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn an_older_app_is_told_to_update_the_app_in_either_encoding() {
    let w = world(Backend::Sqlite).await;
    let token = &w.tokens["worker1"];
    let old_json = br#"{"protocol":1,"device":"01010101-0101-4101-8101-010101010101","cursor":0,"changes":[]}"#;
    let (status, body) = post_raw(&w.url(), Some(token), old_json.to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "sync.protocol");
    assert!(
        body["message"].as_str().unwrap().contains("update the app"),
        "{body}"
    );
    let mut old_binary = sync_wire::encode(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        device: w.device("worker1"),
        cursor: 0,
        changes: vec![],
    });
    old_binary[3] = 1;
    let (status, _, body) = post_binary(&w.url(), token, old_binary).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "sync.protocol");
    assert!(
        body["message"].as_str().unwrap().contains("update the app"),
        "{body}"
    );
    w.server.shutdown().await;
}

/// This process's peak resident memory, in MiB (nextest runs each test in
/// a process of its own).
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[tokio::test]
async fn a_body_that_inflates_to_a_gigabyte_is_refused_with_bounded_memory() {
    let w = world(Backend::Sqlite).await;
    let bomb = sync_wire::inflation_bomb(1024);
    assert!(bomb.len() < 2 << 20, "{} bytes on the wire", bomb.len());
    let (status, _, body) = post_binary(&w.url(), &w.tokens["worker1"], bomb).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "sync.body_too_large");
    assert!(
        body["message"].as_str().unwrap().contains("fewer changes"),
        "the message says what to do: {body}"
    );
    let peak = peak_rss_mib();
    assert!(
        peak < 400,
        "inflating stops at the cap: peak memory {peak} MiB, not a gigabyte"
    );
    assert_eq!(w.server.storage().change_count().unwrap(), 0);
    let after = w.sync("worker1", 0, vec![]).await;
    assert_eq!(after.acked, 0, "the server goes on answering");
    w.server.shutdown().await;
}

#[tokio::test]
async fn the_directory_version_moves_only_when_the_directory_does() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let first = w.sync("worker1", 0, vec![]).await.directory;
        let again = w.sync("worker1", 0, vec![]).await.directory;
        assert_eq!(first, again, "a quiet sync names the same version");
        add_person(w.server.storage(), "新网格员", Role::GridWorker, &["g1"]);
        let moved = w.sync("worker1", 0, vec![]).await.directory;
        assert!(
            moved > first,
            "a new person moves it, so devices fetch their account ({backend:?})"
        );
        w.server.shutdown().await;
    }
}
