//! The sync and photo routes over real HTTP, on both backends.

use gridwalk_domain::sync::{MAX_BLOB_BYTES, MAX_SYNC_BODY_BYTES, PROTOCOL_VERSION, WireChange};
use gridwalk_domain::{DeviceId, GridId};
use gridwalk_photo::sha256_hash;
use gridwalk_sync_server::spawn;
use reqwest::StatusCode;

use crate::support::{Backend, Doc, config, post_raw, redeem, world};

fn report(by: DeviceId, grid: &str, n: u32) -> WireChange {
    Doc::create(
        by,
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
        let by = w.device("worker1");
        let pushed = vec![report(by, "g1", 1), report(by, "g1", 2)];
        let first = w.sync("worker1", 0, pushed.clone()).await;
        assert_eq!(first.acked, 2);
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
        let by = w.device("worker1");
        w.sync("worker1", 0, vec![report(by, "g1", 1)]).await;

        let mut bad = report(by, "g1", 2);
        bad.bytes[10] ^= 0x55; // breaks the checksum
        let (status, body) = w.post("worker1", 0, vec![report(by, "g1", 3), bad]).await;
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
                vec![Doc::create(by, "note", "g1", serde_json::json!({})).1],
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
        let by = w.device("office1");
        let (mut doc, created) = Doc::create(by, "report", "g1", serde_json::json!({"d": "x"}));
        w.sync("office1", 0, vec![created]).await;
        let stored = doc.clone();
        let edit = doc.edit(by, "d", "y");
        let moved = WireChange {
            scope: GridId::parse("g2").unwrap(),
            ..edit
        };
        let (status, body) = w.post("office1", 0, vec![moved]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "sync.scope_mismatch", "{body}");
        assert_eq!(w.server.storage().change_count().unwrap(), 1);
        // Nor can its body come to claim another grid (devices file it by
        // what the body says) or another record's id.
        for field in ["scope", "id"] {
            let mut attempt = stored.clone();
            let claim = attempt.edit(by, field, "g2");
            let (status, body) = w.post("office1", 0, vec![claim]).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{field}: {body}");
            assert_eq!(body["code"], "auth.identity_fixed", "{body}");
        }
        assert_eq!(w.server.storage().change_count().unwrap(), 1);
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_device_may_push_only_changes_made_under_its_own_actor() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        // worker1 forges an edit that claims to come from worker2's phone.
        let (_, forged) = Doc::create(
            w.device("worker2"),
            "household",
            "g1",
            serde_json::json!({"notes": "x"}),
        );
        let (status, body) = w.post("worker1", 0, vec![forged]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "auth.foreign_actor", "{body}");
        assert_eq!(
            w.server.storage().change_count().unwrap(),
            0,
            "a change under another device's name is not stored ({backend:?})"
        );
        let (_, own) = Doc::create(
            w.device("worker1"),
            "household",
            "g1",
            serde_json::json!({}),
        );
        w.sync("worker1", 0, vec![own]).await;
        assert_eq!(w.server.storage().change_count().unwrap(), 1);
        w.server.shutdown().await;
    }
}

#[tokio::test]
async fn a_change_naming_another_person_as_its_author_is_refused() {
    use gridwalk_domain::Household;
    let w = world(Backend::Sqlite).await;
    let body: Household = serde_json::from_value(serde_json::json!({
        "id": "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a", "scope": "g1",
        "address": {"estate": "幸福小区", "building": "3", "unit": "", "room": "501"},
        "created_at_ms": 0
    }))
    .unwrap();
    let impostor = gridwalk_records::Author {
        user: w.users["worker2"],
        name: "worker2".into(),
    };
    let (_, change) =
        gridwalk_records::create(&w.device("worker1"), &body, Some(&impostor), 0).unwrap();
    let wire = WireChange {
        doc: body.id,
        scope: GridId::parse("g1").unwrap(),
        bytes: change.raw_bytes().to_vec(),
    };
    let (status, answer) = w.post("worker1", 0, vec![wire]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["code"], "auth.foreign_author");
    let me = gridwalk_records::Author {
        user: w.users["worker1"],
        name: "worker1".into(),
    };
    let (_, change) = gridwalk_records::create(&w.device("worker1"), &body, Some(&me), 0).unwrap();
    let wire = WireChange {
        doc: body.id,
        scope: GridId::parse("g1").unwrap(),
        bytes: change.raw_bytes().to_vec(),
    };
    w.sync("worker1", 0, vec![wire]).await;
    w.server.shutdown().await;
}

#[tokio::test]
async fn a_first_change_copied_under_another_records_id_is_refused_and_the_first_kept() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let by = w.device("worker1");
        let (doc, first) = Doc::create(by, "household", "g1", serde_json::json!({}));
        let copy = WireChange {
            doc: gridwalk_domain::DocId::from_random_bytes([0x5a; 16]),
            ..first.clone()
        };
        w.sync("worker1", 0, vec![first.clone()]).await;
        let (status, body) = w.post("worker1", 0, vec![copy.clone()]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "sync.bad_record", "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&copy.doc.to_string()),
            "the refusal names the record: {body}"
        );
        let moved = WireChange {
            scope: GridId::parse("g2").unwrap(),
            doc: gridwalk_domain::DocId::from_random_bytes([0x5b; 16]),
            ..first.clone()
        };
        let (status, body) = w.post("worker1", 0, vec![moved]).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a body naming g1 filed in g2: {body}"
        );
        let office = w.pull_all("office1").await;
        let docs: Vec<_> = office.iter().map(|c| c.doc).collect();
        assert_eq!(
            docs,
            vec![doc.id],
            "only the record itself is stored ({backend:?})"
        );
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
    let jpeg = crate::support::jpeg([120, 110, 100]);
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
    use gridwalk_domain::DocKind;
    for backend in Backend::ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(backend, dir.path());
        config.demo = true;
        let server = spawn(config.clone()).await.unwrap();
        let seeded = server.storage().change_count().unwrap();
        let count = |kind| server.storage().doc_ids(kind, None).unwrap().len();
        assert_eq!(count(DocKind::Report), 3);
        assert!(count(DocKind::Household) >= 200, "a few hundred households");
        assert!(count(DocKind::Visit) >= 150, "visits over the last weeks");
        assert!(count(DocKind::Need) >= 20, "needs raised in visits");
        let filed = |grid: &str| {
            let grid = [gridwalk_domain::GridId::parse(grid).unwrap()];
            let ids = server.storage().doc_ids(DocKind::Report, Some(&grid));
            ids.unwrap().len()
        };
        assert_eq!(
            (
                filed("demo-grid-1"),
                filed("demo-grid-2"),
                filed("demo-community")
            ),
            (1, 1, 1),
            "filed by their points in the grids' outlines; the one with only an address goes to the office"
        );
        server.shutdown().await;
        let server = spawn(config).await.unwrap();
        assert_eq!(
            server.storage().change_count().unwrap(),
            seeded,
            "reseeding stores nothing new"
        );
        let codes = std::fs::read_to_string(dir.path().join("demo-invitations.txt")).unwrap();
        let code_of = |role: &str| {
            codes
                .lines()
                .find(|l| l.starts_with(&format!("{role}\t")))
                .and_then(|l| l.split('\t').nth(2))
                .unwrap_or_else(|| panic!("the {role}'s code is listed"))
                .to_owned()
        };
        let pull = |token: String| {
            let url = server.url();
            async move {
                let (mut cursor, mut n) = (0u64, 0usize);
                loop {
                    let req = serde_json::json!({"protocol": PROTOCOL_VERSION, "device": "01010101-0101-4101-8101-010101010101", "cursor": cursor, "changes": []});
                    let (status, feed) =
                        post_raw(&url, Some(&token), serde_json::to_vec(&req).unwrap()).await;
                    assert_eq!(status, StatusCode::OK, "{feed}");
                    n += feed["changes"].as_array().unwrap().len();
                    cursor = feed["cursor"].as_u64().unwrap();
                    if !feed["more"].as_bool().unwrap() {
                        return n;
                    }
                }
            }
        };
        let (status, office) = redeem(&server.url(), &code_of("office"), 1).await;
        assert_eq!(status, StatusCode::OK, "{office}");
        let outlined = office["me"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["boundary"]["type"] == "Polygon")
            .count();
        assert_eq!(outlined, 2, "both demo grids come with their outlines");
        let handles = |name: &str| {
            office["me"]["people"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .map(|p| p["categories"].clone())
        };
        assert!(
            handles("城管科")
                .is_some_and(|c| c.as_array().unwrap().contains(&"manhole_cover".into())),
            "the office knows which department takes manhole covers"
        );
        assert_eq!(
            pull(office["token"].as_str().unwrap().to_owned()).await as u64,
            seeded,
            "the office receives the whole demo community"
        );
        let (_, rider) = redeem(&server.url(), &code_of("reporter"), 2).await;
        assert_eq!(
            pull(rider["token"].as_str().unwrap().to_owned()).await,
            3,
            "the rider receives only the reports they made, no household"
        );
        server.shutdown().await;
    }
}
