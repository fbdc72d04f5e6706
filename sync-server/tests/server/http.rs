use gridwalk_core::photo::sha256_hash;
use gridwalk_domain::sync::{
    MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES, PROTOCOL_VERSION, SyncRequest, SyncResponse, WireChange,
};
use gridwalk_domain::{DeviceId, DocId, GridId};
use gridwalk_sync_server::{RunningServer, ServerConfig, spawn};
use reqwest::StatusCode;

async fn start(dir: &std::path::Path) -> RunningServer {
    spawn(ServerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.to_owned(),
    ))
    .await
    .unwrap()
}

fn change(n: i64, scope: &str) -> WireChange {
    let device = DeviceId::from_random_bytes([n as u8; 16]);
    let (_, c) =
        gridwalk_core::document::create(&device, "note", &serde_json::json!({"n": n}), n * 1000)
            .unwrap();
    WireChange {
        doc: DocId::from_random_bytes([n as u8 + 100; 16]),
        scope: GridId::parse(scope).unwrap(),
        bytes: c.raw_bytes().to_vec(),
    }
}

fn request(cursor: u64, changes: Vec<WireChange>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device: DeviceId::from_random_bytes([1; 16]),
        cursor,
        changes,
    }
}

async fn post(url: &str, body: Vec<u8>) -> (StatusCode, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/v1/sync"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

async fn sync(url: &str, req: &SyncRequest) -> SyncResponse {
    let (status, body) = post(url, serde_json::to_vec(req).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn changes_are_stored_once_and_fed_to_others_after_their_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let url = server.url();
    let pushed = vec![change(1, "grid-a"), change(2, "grid-a")];
    let first = sync(&url, &request(0, pushed.clone())).await;
    assert_eq!(first.acked.len(), 2);
    assert!(
        first.changes.is_empty(),
        "a device is not sent back what it just pushed"
    );
    assert_eq!(first.cursor, 2);

    let again = sync(&url, &request(0, pushed.clone())).await;
    assert_eq!(
        again.acked, first.acked,
        "a repeated push is acknowledged again"
    );
    assert_eq!(
        server.storage().change_count().unwrap(),
        2,
        "a repeated push stores nothing new"
    );

    let other = sync(&url, &request(0, vec![])).await;
    assert_eq!(
        other.changes, pushed,
        "another device receives both, in order"
    );
    let far = sync(&url, &request(u64::MAX, vec![])).await;
    assert!(
        far.changes.is_empty(),
        "a cursor beyond the feed is not read as 'from the start'"
    );
    let later = sync(&url, &request(other.cursor, vec![])).await;
    assert!(later.changes.is_empty() && later.cursor == other.cursor);
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_changes_get_400_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let url = server.url();
    sync(&url, &request(0, vec![change(1, "grid-a")])).await;

    let mut bad = change(2, "grid-a");
    bad.bytes[10] ^= 0x55; // breaks the checksum
    let (status, body) = post(
        &url,
        serde_json::to_vec(&request(0, vec![change(3, "grid-a"), bad])).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "sync.bad_change", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("change #1"),
        "the error names the bad change: {body}"
    );
    assert_eq!(
        server.storage().change_count().unwrap(),
        1,
        "the good change beside a bad one is not stored"
    );

    for junk in [&b"{not json"[..], br#"{"protocol":1}"#, b""] {
        let (status, body) = post(&url, junk.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["code"].is_string(), "errors have a code: {body}");
    }
    assert_eq!(server.storage().change_count().unwrap(), 1);
    assert_eq!(server.storage().integrity_check().unwrap(), "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn a_document_cannot_move_to_another_grid() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let c = change(1, "grid-a");
    sync(&server.url(), &request(0, vec![c.clone()])).await;
    let moved = WireChange {
        scope: GridId::parse("grid-b").unwrap(),
        bytes: change(2, "x").bytes,
        ..c
    };
    let (status, body) = post(
        &server.url(),
        serde_json::to_vec(&request(0, vec![moved])).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "sync.scope_mismatch", "{body}");
    assert_eq!(server.storage().change_count().unwrap(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (status, _) = post(&server.url(), vec![b' '; MAX_SYNC_BODY_BYTES + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let big = vec![0u8; MAX_BLOB_BYTES + 1];
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/blobs/{}", server.url(), sha256_hash(&big)))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(server.storage().change_count().unwrap(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn photos_upload_idempotently_and_only_under_their_own_hash() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let jpeg = gridwalk_core::demo::demo_seed().unwrap().blobs.remove(0).1;
    let hash = sha256_hash(&jpeg);
    let put = |h: String, body: Vec<u8>| {
        client
            .put(format!("{}/v1/blobs/{h}", server.url()))
            .body(body)
            .send()
    };

    assert_eq!(
        put(hash.to_string(), jpeg.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        put(hash.to_string(), jpeg.clone()).await.unwrap().status(),
        StatusCode::OK,
        "a repeat upload is fine"
    );
    let wrong = put(sha256_hash(b"other").to_string(), jpeg.clone())
        .await
        .unwrap();
    assert_eq!(
        wrong.status(),
        StatusCode::BAD_REQUEST,
        "bytes must match the hash they are put under"
    );
    let not_jpeg = put(sha256_hash(b"text").to_string(), b"text".to_vec())
        .await
        .unwrap();
    assert_eq!(not_jpeg.status(), StatusCode::BAD_REQUEST);
    let traversal = client
        .get(format!("{}/v1/blobs/..%2F..%2Fsync.sqlite", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(traversal.status(), StatusCode::BAD_REQUEST);

    let got = client
        .get(format!("{}/v1/blobs/{hash}", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), jpeg);
    let missing = client
        .get(format!("{}/v1/blobs/{}", server.url(), sha256_hash(b"x")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn the_demo_community_seeds_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().to_owned());
    config.demo = true;
    let server = spawn(config.clone()).await.unwrap();
    let seeded = server.storage().change_count().unwrap();
    assert_eq!(seeded, 3);
    server.shutdown().await;
    let server = spawn(config).await.unwrap();
    assert_eq!(
        server.storage().change_count().unwrap(),
        seeded,
        "reseeding stores nothing new"
    );
    let feed = sync(&server.url(), &request(0, vec![])).await;
    assert_eq!(feed.changes.len(), 3);
    server.shutdown().await;
}
