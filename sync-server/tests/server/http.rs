//! The sync and photo routes over real HTTP, on both backends.

use gridwalk_core::photo::sha256_hash;
use gridwalk_domain::GridId;
use gridwalk_domain::sync::{MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES, WireChange};
use gridwalk_sync_server::spawn;
use reqwest::StatusCode;

use crate::support::{Backend, Doc, config, post_raw, redeem, world};

fn report(grid: &str, n: u32) -> WireChange {
    Doc::create(
        "report",
        grid,
        serde_json::json!({"description": format!("井盖 {n}")}),
    )
    .1
}

#[tokio::test]
async fn changes_are_stored_once_and_fed_to_others_after_their_cursor() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let pushed = vec![report("g1", 1), report("g1", 2)];
        let first = w.sync("worker1", 0, pushed.clone()).await;
        assert_eq!(first.acked.len(), 2);
        assert!(
            first.changes.is_empty(),
            "a device is not sent back what it just pushed"
        );

        let again = w.sync("worker1", 0, pushed.clone()).await;
        assert_eq!(
            again.acked, first.acked,
            "a repeated push is acknowledged again"
        );
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            2,
            "a repeated push stores nothing new ({backend:?})"
        );

        let other = w.sync("office1", 0, vec![]).await;
        assert_eq!(
            other.changes, pushed,
            "the office receives both, in order ({backend:?})"
        );
        let far = w.sync("office1", u64::MAX, vec![]).await;
        assert!(
            far.changes.is_empty(),
            "a cursor beyond the feed is not read as 'from the start'"
        );
        let later = w.sync("office1", other.cursor, vec![]).await;
        assert!(later.changes.is_empty() && later.cursor == other.cursor);
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn malformed_changes_get_400_and_store_nothing() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        w.sync("worker1", 0, vec![report("g1", 1)]).await;

        let mut bad = report("g1", 2);
        bad.bytes[10] ^= 0x55; // breaks the checksum
        let (status, body) = w.post("worker1", 0, vec![report("g1", 3), bad]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "sync.bad_change", "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("change #1"),
            "the error names the bad change: {body}"
        );
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            1,
            "the good change beside a bad one is not stored ({backend:?})"
        );

        let token = Some(w.tokens["worker1"].as_str());
        for junk in [&b"{not json"[..], br#"{"protocol":1}"#, b""] {
            let (status, body) = post_raw(&w.url(), token, junk.to_vec()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(body["code"].is_string(), "errors have a code: {body}");
        }
        let (status, body) = w
            .post(
                "worker1",
                0,
                vec![Doc::create("note", "g1", serde_json::json!({})).1],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "sync.unknown_kind", "{body}");
        assert_eq!(w.server.storage().change_count().unwrap(), 1);
        assert_eq!(w.server.storage().integrity_check().unwrap(), "ok");
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_document_cannot_move_to_another_grid() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (mut doc, created) = Doc::create("report", "g1", serde_json::json!({"d": "x"}));
        w.sync("office1", 0, vec![created]).await;
        let edit = doc.edit("d", "y");
        let moved = WireChange {
            scope: GridId::parse("g2").unwrap(),
            ..edit
        };
        let (status, body) = w.post("office1", 0, vec![moved]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "sync.scope_mismatch", "{body}");
        assert_eq!(w.server.storage().change_count().unwrap(), 1);
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let w = world(Backend::Sqlite).await;
    let token = Some(w.tokens["worker1"].as_str());
    let (status, _) = post_raw(&w.url(), token, vec![b' '; MAX_SYNC_BODY_BYTES + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let big = vec![0u8; MAX_BLOB_BYTES + 1];
    let resp = reqwest::Client::new()
        .put(format!("{}/v1/blobs/{}", w.url(), sha256_hash(&big)))
        .bearer_auth(&w.tokens["worker1"])
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let huge_redeem = reqwest::Client::new()
        .post(format!("{}/v1/devices/redeem", w.url()))
        .body(vec![b' '; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge_redeem.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(w.server.storage().change_count().unwrap(), 0);
    w.server.shutdown().await;
}

#[tokio::test]
async fn photos_need_a_token_upload_idempotently_and_only_under_their_own_hash() {
    let w = world(Backend::Sqlite).await;
    let client = reqwest::Client::new();
    let jpeg = gridwalk_core::demo::demo_seed().unwrap().blobs.remove(0).1;
    let hash = sha256_hash(&jpeg);
    let token = w.tokens["rider1"].clone();
    let put = |h: String, body: Vec<u8>| {
        client
            .put(format!("{}/v1/blobs/{h}", w.url()))
            .bearer_auth(&token)
            .body(body)
            .send()
    };

    let anonymous = client
        .put(format!("{}/v1/blobs/{hash}", w.url()))
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        StatusCode::UNAUTHORIZED,
        "no token, no upload"
    );
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
    let get = |path: String| {
        client
            .get(format!("{}/v1/blobs/{path}", w.url()))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        get("..%2F..%2Fsync.sqlite".into()).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let got = get(hash.to_string()).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), jpeg);
    assert_eq!(
        get(sha256_hash(b"x").to_string()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let anonymous_get = client
        .get(format!("{}/v1/blobs/{hash}", w.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_get.status(), StatusCode::UNAUTHORIZED);
    w.server.shutdown().await;
}

#[tokio::test]
async fn the_demo_community_seeds_once_and_its_invitations_work() {
    for backend in Backend::ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(backend, dir.path());
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
        let codes = std::fs::read_to_string(dir.path().join("demo-invitations.txt")).unwrap();
        let office_code = codes
            .lines()
            .find(|l| l.starts_with("office\t"))
            .and_then(|l| l.split('\t').nth(2))
            .expect("the office's code is listed");
        let (status, body) = redeem(&server.url(), office_code, 1).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap();
        let req = serde_json::json!({"protocol": 1, "device": "01010101-0101-4101-8101-010101010101", "cursor": 0, "changes": []});
        let (status, feed) = post_raw(
            &server.url(),
            Some(token),
            serde_json::to_vec(&req).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            feed["changes"].as_array().unwrap().len(),
            3,
            "the office sees the demo reports"
        );
        server.shutdown().await;
    }
}
