//! The engine against a hand-played server: two stores, and answers built
//! the way the sync server builds them, including hostile ones.

use super::*;
use crate::test_support::png;
use gridwalk_domain::ipc::ReportListScope;
use gridwalk_domain::sync::SyncResponse;
use gridwalk_domain::sync_state::SyncStatus;
use gridwalk_domain::{Location, ReportDraft};

fn new_report(store: &mut Store, text: &str) -> DocId {
    if store.me().unwrap().is_none() {
        crate::test_support::bind(store, &["demo-grid-1"]);
    }
    let staged = store
        .stage_photo(&png(800, 400, [10, 20, 30]), 1_000)
        .unwrap();
    let draft = ReportDraft {
        category: "garbage".into(),
        description: text.into(),
        location: Location::address("幸福小区南门").unwrap(),
        photos: vec![staged.photo],
        reporter: "测试".into(),
        seconds: None,
    };
    store.create_report(draft, 2_000).unwrap()
}

/// What the server answers: ack everything pushed, return `feed` after the cursor.
fn answer(req: &SyncRequest, feed: &[WireChange]) -> SyncResponse {
    let acked = req.changes.len() as u32;
    let start = req.cursor as usize;
    SyncResponse {
        acked,
        changes: feed.iter().skip(start).cloned().collect(),
        cursor: feed.len() as u64,
        more: false,
        server_time_ms: None,
        directory: 0,
        epoch: 0,
    }
}

#[test]
fn a_new_report_waits_in_the_outbox_until_acknowledged() {
    let mut a = Store::open_in_memory().unwrap();
    let id = new_report(&mut a, "垃圾");
    let req = a.sync_request().unwrap();
    assert_eq!(req.changes.len(), 1, "one change per new report");
    let listed = a
        .list_reports(ReportListScope::Mine, &SyncStatus::default(), 10)
        .unwrap();
    assert_eq!(
        listed[0].sync,
        gridwalk_domain::sync_state::SyncState::Pending
    );

    // An answer that acknowledges nothing keeps the change queued.
    let mut none = answer(&req, &[]);
    none.acked = 0;
    a.apply_sync_response(&req, &none).unwrap();
    assert_eq!(
        a.sync_request().unwrap().changes.len(),
        1,
        "unacknowledged changes must stay queued"
    );

    let acked = a
        .apply_sync_response(&req, &answer(&req, &req.changes))
        .unwrap();
    assert!(
        acked.changed.contains(&gridwalk_domain::DocKind::Report),
        "an acknowledged report is a changed one: its list now shows 已同步"
    );
    assert!(
        a.sync_request().unwrap().changes.is_empty(),
        "acknowledged changes leave the outbox"
    );
    assert_eq!(a.cursor().unwrap(), 1);
    assert!(a.report(&id).unwrap().is_some());
}

#[test]
fn a_second_device_receives_the_report_and_lists_it() {
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    let id = new_report(&mut a, "井盖松动");
    let req_a = a.sync_request().unwrap();
    let feed = req_a.changes.clone();
    a.apply_sync_response(&req_a, &answer(&req_a, &feed))
        .unwrap();

    let req_b = b.sync_request().unwrap();
    let outcome = b
        .apply_sync_response(&req_b, &answer(&req_b, &feed))
        .unwrap();
    assert_eq!(outcome.applied, 1);
    assert_eq!(
        a.report(&id).unwrap(),
        b.report(&id).unwrap(),
        "both devices hold the same report"
    );
    let all = b
        .list_reports(ReportListScope::All, &SyncStatus::default(), 10)
        .unwrap();
    assert_eq!(all.len(), 1);
    assert!(!all[0].mine);
    let thumb = all[0]
        .summary
        .thumb
        .clone()
        .expect("the report names its thumbnail");
    assert!(
        b.blob(&thumb).unwrap().is_none(),
        "the photo is not downloaded yet"
    );
    assert_eq!(
        b.blobs_to_download().unwrap().len(),
        2,
        "photo and thumbnail are wanted"
    );
    assert!(
        b.list_reports(ReportListScope::Mine, &SyncStatus::default(), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_malformed_answer_changes_nothing() {
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    new_report(&mut a, "x");
    let good = a.sync_request().unwrap().changes;
    let req_b = b.sync_request().unwrap();
    let mut resp = answer(&req_b, &good);
    resp.changes.push(WireChange {
        bytes: vec![1, 2, 3],
        ..good[0].clone()
    });
    let err = b.apply_sync_response(&req_b, &resp).unwrap_err();
    assert_eq!(err.code(), gridwalk_domain::ErrorCode::SyncBadServerData);
    assert_eq!(
        b.cursor().unwrap(),
        0,
        "the cursor must not move past unapplied changes"
    );
    assert!(
        b.list_reports(ReportListScope::All, &SyncStatus::default(), 10)
            .unwrap()
            .is_empty()
    );

    let mut back = answer(&req_b, &good);
    back.cursor = 0;
    let req_late = SyncRequest { cursor: 5, ..req_b };
    assert!(
        b.apply_sync_response(&req_late, &back).is_err(),
        "a cursor going back is refused"
    );
}

#[test]
fn downloaded_photos_must_match_their_hash() {
    let mut a = Store::open_in_memory().unwrap();
    let b = Store::open_in_memory().unwrap();
    new_report(&mut a, "x");
    let hash = a.blobs_to_upload().unwrap()[0].clone();
    let bytes = a.blob(&hash).unwrap().unwrap();
    let mut tampered = bytes.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0xff;
    assert!(
        b.store_downloaded_blob(&hash, &tampered, 0).is_err(),
        "a tampered photo is refused"
    );
    assert!(b.store_downloaded_blob(&hash, b"not a jpeg", 0).is_err());
    b.store_downloaded_blob(&hash, &bytes, 0).unwrap();
    assert_eq!(b.blob(&hash).unwrap().unwrap(), bytes);
}

#[test]
fn a_change_whose_dependencies_are_missing_is_parked_not_lost() {
    let device = gridwalk_domain::DeviceId::from_random_bytes([4; 16]);
    let (mut doc, first) =
        gridwalk_records::create_untyped(&device, "note", &serde_json::json!({"text": "a"}), 0)
            .unwrap();
    use automerge::transaction::Transactable;
    doc.put(automerge::ROOT, "extra", "later").unwrap();
    doc.commit();
    let second = doc.get_last_local_change().unwrap();
    let wire = |c: &Change| WireChange {
        doc: DocId::from_random_bytes([8; 16]),
        scope: gridwalk_domain::GridId::parse("demo-grid-1").unwrap(),
        bytes: c.raw_bytes().to_vec(),
    };
    let mut b = Store::open_in_memory().unwrap();
    let req = b.sync_request().unwrap();
    // The second change arrives first (its dependency is on a later page).
    let out = b
        .apply_sync_response(&req, &answer(&req, &[wire(&second)]))
        .unwrap();
    assert_eq!((out.applied, out.parked), (0, 1));
    let req = b.sync_request().unwrap();
    let feed = [wire(&second), wire(&first)];
    let out = b.apply_sync_response(&req, &answer(&req, &feed)).unwrap();
    assert_eq!(
        (out.applied, out.parked),
        (2, 0),
        "the parked change applies once its parent arrives"
    );
}

#[test]
fn an_ack_removes_only_the_pairs_that_were_sent() {
    // The same change bytes queued for two documents (the server keys them
    // per document): an ack after a push carrying one of them must keep the
    // other queued.
    let (mut a, _) = crate::test_support::bound_store(&["demo-grid-1"]);
    new_report(&mut a, "x");
    let queued = a.sync_request().unwrap().changes;
    let twin = WireChange {
        doc: DocId::from_random_bytes([0x42; 16]),
        ..queued[0].clone()
    };
    a.conn
        .execute(
            "INSERT INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                Change::from_bytes(twin.bytes.clone())
                    .unwrap()
                    .hash()
                    .to_string(),
                twin.doc.to_string(),
                twin.scope.as_str(),
                twin.bytes
            ],
        )
        .unwrap();
    let only_first = SyncRequest {
        changes: queued.clone(),
        ..a.sync_request().unwrap()
    };
    a.apply_sync_response(&only_first, &answer(&only_first, &[]))
        .unwrap();
    let left = a.sync_request().unwrap().changes;
    assert_eq!(
        left,
        vec![twin],
        "the twin for the other document is still queued"
    );
}

#[test]
fn a_pulled_page_leaves_the_devices_own_edits_fully_durable() {
    // Pages are written without waiting for the disk (the server sends them
    // again); what the user does next must wait for it, even after a page
    // that failed halfway.
    let dir = tempfile::tempdir().unwrap();
    let mut b = Store::open(&dir.path().join("office.sqlite")).unwrap();
    let mut a = Store::open_in_memory().unwrap();
    new_report(&mut a, "井盖松动");
    let feed = a.sync_request().unwrap().changes;
    let synchronous = |s: &Store| {
        s.conn
            .query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    const FULL: i64 = 2;
    assert_eq!(synchronous(&b), FULL);
    let req = b.sync_request().unwrap();
    let out = b.apply_sync_response(&req, &answer(&req, &feed)).unwrap();
    assert_eq!(out.applied, 1);
    assert_eq!(synchronous(&b), FULL, "after a page is applied");

    b.conn.execute_batch("DROP TABLE parked_changes").unwrap();
    let req = b.sync_request().unwrap();
    let resp = SyncResponse {
        changes: feed.clone(),
        ..answer(&req, &feed)
    };
    assert!(b.apply_sync_response(&req, &resp).is_err());
    assert_eq!(synchronous(&b), FULL, "after a page failed to apply");
}

/// `store`'s queued changes, acknowledged and put on `feed`.
fn push_all(store: &mut Store, feed: &mut Vec<WireChange>) {
    let req = store.sync_request().unwrap();
    feed.extend(req.changes.iter().cloned());
    store.apply_sync_response(&req, &answer(&req, &[])).unwrap();
}

/// A pull that pushes nothing (an office's held pull), answered from `feed`.
fn pull_only(store: &mut Store, feed: &[WireChange]) {
    let mut req = store.sync_request().unwrap();
    req.changes.clear();
    store
        .apply_sync_response(&req, &answer(&req, feed))
        .unwrap();
}

#[test]
fn a_record_kept_loaded_after_a_pull_gives_way_to_what_the_device_wrote_since() {
    use gridwalk_domain::household::{Household, HouseholdDraft, MemberDraft};
    let (mut a, mut b) = crate::test_support::two_workers();
    let notes = |notes: &str| HouseholdDraft {
        estate: "安康小区".into(),
        door: "12-302".into(),
        tags: vec![],
        notes: notes.into(),
    };
    let mut feed = Vec::new();
    let h = a.create_household(&notes(""), None, 1_000).unwrap();
    push_all(&mut a, &mut feed);
    pull_only(&mut b, &feed);
    // B merges A's edit into the household it stores, and keeps it loaded.
    a.edit_household(&h, &notes("一楼"), 2_000).unwrap();
    push_all(&mut a, &mut feed);
    pull_only(&mut b, &feed);
    // B adds a member and has not pushed it; A writes again meanwhile.
    let member = MemberDraft {
        name: "刘洋".into(),
        relation: "head".into(),
        ..Default::default()
    };
    b.add_member(&h, &member, 3_000).unwrap();
    a.edit_household(&h, &notes("二楼"), 4_000).unwrap();
    push_all(&mut a, &mut feed);
    pull_only(&mut b, &feed);

    let on_b = b.record::<Household>(&h).unwrap().unwrap();
    assert_eq!(on_b.notes, "二楼", "A's second edit arrived");
    assert_eq!(
        on_b.members
            .values()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["刘洋"],
        "B's own member, written after the copy was kept, is still there"
    );
}
