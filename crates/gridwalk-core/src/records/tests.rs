//! The record layer for every kind, on real SQLite stores: create, list,
//! edit field by field, search, conflicts and their resolution across two
//! devices, and rebuilding lists from the documents.

use super::*;
use crate::test_support::{Feed, bound_store, png, two_workers};
use gridwalk_domain::household::{Household, HouseholdDraft, MemberDraft, SensitiveField};
use gridwalk_domain::ipc::archive::{HouseholdQuery, NeedQuery};
use gridwalk_domain::need::{Need, NeedDraft};
use gridwalk_domain::record::ConflictKind;
use gridwalk_domain::reveal::Reveal;
use gridwalk_domain::visit::{Visit, VisitDraft};
use gridwalk_domain::{HazardReport, Location, ReportDraft};

const NOW: i64 = 1_790_000_000_000;

fn draft(door: &str) -> HouseholdDraft {
    HouseholdDraft {
        estate: "幸福小区".into(),
        door: door.into(),
        tags: vec!["living_alone_elder".into()],
        notes: String::new(),
    }
}

fn member(name: &str, phone: &str) -> MemberDraft {
    MemberDraft {
        name: name.into(),
        relation: "head".into(),
        phone: phone.into(),
        ..Default::default()
    }
}

fn status() -> SyncStatus {
    SyncStatus::default()
}

#[test]
fn every_kind_is_created_projected_and_listed_through_one_layer() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let photo = s
        .stage_photo(&png(400, 300, [10, 200, 10]), NOW)
        .unwrap()
        .photo;
    let report = s
        .create_report(
            ReportDraft {
                category: "garbage".into(),
                description: "垃圾".into(),
                location: Location::address("南门").unwrap(),
                photos: vec![photo.clone()],
                reporter: "李".into(),
                seconds: None,
            },
            NOW,
        )
        .unwrap();
    let household = s.create_household(&draft("3-2-501"), None, NOW).unwrap();
    let member_id = s
        .add_member(&household, &member("张秀英", "13812345678"), NOW)
        .unwrap();
    let visit = s
        .log_visit(
            &VisitDraft {
                household: Some(household),
                methods: vec!["home".into(), "red_letter".into()],
                notes: "送去红色家书".into(),
                photos: vec![photo],
                needs: vec![NeedDraft {
                    category: "medical".into(),
                    description: "想请家庭医生上门".into(),
                }],
            },
            NOW + 1,
        )
        .unwrap();
    s.reveal(&household, &member_id, SensitiveField::Phone, NOW + 2)
        .unwrap();

    let q = ListQuery::first(10);
    assert_eq!(s.list::<HazardReport>(&q, &status()).unwrap()[0].id, report);
    assert_eq!(s.list::<Household>(&q, &status()).unwrap()[0].id, household);
    let visits = s.list::<Visit>(&q, &status()).unwrap();
    assert_eq!(visits[0].id, visit);
    assert_eq!(visits[0].summary.needs, 1);
    let needs = s.list::<Need>(&q, &status()).unwrap();
    assert_eq!(needs[0].summary.household, Some(household));
    assert_eq!(needs[0].summary.place, "幸福小区 3号楼 2单元 501室");
    let reveals = s.list::<Reveal>(&q, &status()).unwrap();
    assert_eq!(
        reveals[0].summary.member, member_id,
        "the reveal was recorded"
    );
    assert_eq!(reveals[0].summary.by, "测试网格员");

    let page = s.household_page(&household, &status()).unwrap().unwrap();
    assert_eq!(page.visits.len(), 1, "the timeline holds the visit");
    assert_eq!(page.needs.len(), 1, "and its need");
    assert_eq!(
        page.household.members[0].phone.as_deref(),
        Some("138****5678")
    );
    assert!(page.uri.starts_with("gridwalk://household/"));
    // Visit photos travel like report photos, whatever the kind.
    assert_eq!(s.blobs_to_upload().unwrap().len(), 2);
}

#[test]
fn an_edit_queues_one_small_change_and_an_unchanged_save_queues_none() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let id = s.create_household(&draft("3-2-501"), None, NOW).unwrap();
    for i in 0..10 {
        s.add_member(&id, &member(&format!("成员{i}"), ""), NOW)
            .unwrap();
    }
    let before = s.sync_request().unwrap().changes.len();
    let with_notes = HouseholdDraft {
        notes: "门口有狗".into(),
        ..draft("3-2-501")
    };
    s.edit_household(&id, &with_notes, NOW).unwrap();
    let changes = s.sync_request().unwrap().changes;
    assert_eq!(changes.len(), before + 1);
    let last = automerge::Change::from_bytes(changes.last().unwrap().bytes.clone()).unwrap();
    assert!(
        last.len() < 10,
        "only the notes were written ({} ops)",
        last.len()
    );
    s.edit_household(&id, &with_notes, NOW).unwrap();
    assert_eq!(
        s.sync_request().unwrap().changes.len(),
        before + 1,
        "nothing changed, nothing queued"
    );
}

#[test]
fn one_and_two_character_queries_find_households_by_name_door_and_phone_tail() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let wang = s.create_household(&draft("3-2-501"), None, NOW).unwrap();
    s.add_member(&wang, &member("王芳", "13812345678"), NOW)
        .unwrap();
    let li = s.create_household(&draft("5-1-302"), None, NOW).unwrap();
    s.add_member(&li, &member("李王氏", "13900001111"), NOW)
        .unwrap();
    let zhao = s.create_household(&draft("7-102"), None, NOW).unwrap();
    s.add_member(&zhao, &member("赵四", ""), NOW).unwrap();
    let find = |text: &str| -> Vec<DocId> {
        let q = HouseholdQuery {
            search: text.into(),
            ..Default::default()
        };
        let mut ids: Vec<DocId> = s
            .households(&q, &status())
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![wang, li];
    both.sort();
    assert_eq!(find("王"), both, "one character finds every 王");
    assert_eq!(find("王芳"), vec![wang]);
    assert_eq!(find("5678"), vec![wang], "phone tail");
    assert_eq!(find("302"), vec![li], "room number");
    assert_eq!(find("7-102"), vec![zhao], "户号");
    assert_eq!(
        find("芳王"),
        Vec::<DocId>::new(),
        "characters must stand together"
    );
    assert_eq!(
        find("12345678"),
        Vec::<DocId>::new(),
        "whole phone numbers are not indexed"
    );
    assert_eq!(find("").len(), 3, "an empty search lists everything");
}

#[test]
fn the_same_field_edited_on_two_devices_shows_both_versions_and_one_pick_settles_it_everywhere() {
    let (mut a, mut b) = two_workers();
    let mut feed = Feed::default();
    let h = a.create_household(&draft("3-2-501"), None, NOW).unwrap();
    let m = a
        .add_member(&h, &member("王小明", "13812345678"), NOW)
        .unwrap();
    feed.sync(&mut a);
    feed.sync(&mut b);
    let edit = |phone: &str| gridwalk_domain::household::MemberEdit {
        name: "王小明".into(),
        relation: "head".into(),
        phone: Some(phone.into()),
        id_number: None,
        birth_year: String::new(),
        notes: String::new(),
    };
    a.edit_member(&h, &m, &edit("13900001111"), NOW + 1_000)
        .unwrap();
    b.edit_member(&h, &m, &edit("13700002222"), NOW + 2_000)
        .unwrap();
    feed.sync(&mut a);
    feed.sync(&mut b);
    feed.sync(&mut a);
    for s in [&a, &b] {
        let c = s.conflicts(&h).unwrap();
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].kind, ConflictKind::Versions);
        let who: Vec<_> = c[0]
            .versions
            .iter()
            .map(|v| v.by.clone().unwrap())
            .collect();
        assert_eq!(who, ["王芳", "李明"]);
        assert!(s.households(&HouseholdQuery::default(), &status()).unwrap()[0].conflicts);
    }
    let c = b.conflicts(&h).unwrap().remove(0);
    let pick = gridwalk_domain::record::Choice::Version {
        op: c.versions[1].op.clone(),
    };
    b.resolve(&h, &c.path, &pick, NOW + 3_000).unwrap();
    feed.sync(&mut b);
    feed.sync(&mut a);
    for s in [&a, &b] {
        assert!(
            s.conflicts(&h).unwrap().is_empty(),
            "settled on every device"
        );
        let phone = s.record::<Household>(&h).unwrap().unwrap().members[&m]
            .phone
            .clone();
        assert_eq!(phone.unwrap().reveal(), "13700002222");
        assert!(!s.households(&HouseholdQuery::default(), &status()).unwrap()[0].conflicts);
    }
}

#[test]
fn the_office_counts_needs_raised_today_and_this_week() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let h = s.create_household(&draft("3-2-501"), None, NOW).unwrap();
    let visit = |cat: &str| VisitDraft {
        household: Some(h),
        methods: vec!["phone".into()],
        needs: vec![NeedDraft {
            category: cat.into(),
            description: "需求".into(),
        }],
        ..Default::default()
    };
    let day = 86_400_000;
    s.log_visit(&visit("medical"), NOW - 10 * day).unwrap();
    s.log_visit(&visit("medical"), NOW).unwrap();
    s.log_visit(&visit("school"), NOW).unwrap();
    let page = s.needs(&NeedQuery::default(), NOW, &status()).unwrap();
    assert_eq!(page.needs.len(), 3);
    let count = |list: &[gridwalk_domain::ipc::archive::CategoryCount], c: &str| {
        list.iter().find(|x| x.category == c).map_or(0, |x| x.count)
    };
    assert_eq!(count(&page.today, "medical"), 1);
    assert_eq!(count(&page.today, "school"), 1);
    assert_eq!(count(&page.open, "medical"), 2);
    let older = NeedQuery {
        age: Some(gridwalk_domain::ipc::archive::NeedAge::Older),
        ..Default::default()
    };
    assert_eq!(s.needs(&older, NOW, &status()).unwrap().needs.len(), 1);
    let id = page.needs[0].id;
    s.record_need_step(
        &gridwalk_domain::ipc::archive::NeedStep {
            need: id,
            event: gridwalk_domain::need::NeedEventKind::Resolved,
            note: "已联系社区医院".into(),
        },
        NOW + 1,
    )
    .unwrap();
    let resolved = NeedQuery {
        status: Some(gridwalk_domain::need::NeedStatus::Resolved),
        ..Default::default()
    };
    assert_eq!(s.needs(&resolved, NOW, &status()).unwrap().needs[0].id, id);
}

#[test]
fn lists_are_rebuilt_from_the_documents_when_the_projection_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    let id = {
        let mut s = Store::open(&path).unwrap();
        crate::test_support::bind(&mut s, &["demo-grid-1"]);
        s.create_household(&draft("3-2-501"), None, NOW).unwrap()
    };
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DELETE FROM records; UPDATE meta SET value = 'old' WHERE key = 'projection_version';",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let listed = s.households(&HouseholdQuery::default(), &status()).unwrap();
    assert_eq!(listed.len(), 1, "rebuilt from the document");
    assert_eq!(listed[0].id, id);
    let q = HouseholdQuery {
        search: "501".into(),
        ..Default::default()
    };
    assert_eq!(
        s.households(&q, &status()).unwrap().len(),
        1,
        "search rebuilt too"
    );
}

#[test]
fn a_store_from_the_first_version_keeps_its_reports_and_its_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.sqlite");
    // A report made by the previous app version, written as it wrote them.
    let report = HazardReport {
        id: DocId::from_random_bytes([3; 16]),
        scope: GridId::parse("demo-grid-1").unwrap(),
        category: gridwalk_domain::category::CategoryCode::parse("garbage").unwrap(),
        description: "旧版本的上报".into(),
        location: Location::address("南门").unwrap(),
        photos: vec![gridwalk_domain::PhotoRef {
            hash: gridwalk_domain::BlobHash::from_digest(&[1; 32]),
            thumb: gridwalk_domain::BlobHash::from_digest(&[2; 32]),
            bytes: 10,
            mime: "image/jpeg".into(),
            width: 1,
            height: 1,
        }],
        reporter: "李".into(),
        reporter_device: gridwalk_domain::DeviceId::from_random_bytes([5; 16]),
        created_at_ms: NOW,
        progress: Default::default(),
        seconds: None,
    };
    let device = gridwalk_domain::DeviceId::from_random_bytes([5; 16]);
    let (mut doc, change) = gridwalk_records::create(&device, &report, None, NOW).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(crate::store::schema_v1()).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO meta VALUES ('device_id', ?1)",
            [device.to_string()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO documents VALUES (?1, 'report', 'demo-grid-1', ?2, 0)",
            rusqlite::params![report.id.to_string(), doc.save()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO outbox(change_hash, doc_id, scope, bytes) VALUES (?1, ?2, 'demo-grid-1', ?3)",
            rusqlite::params![change.hash().to_string(), report.id.to_string(), change.raw_bytes()],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let listed = s
        .list_reports(gridwalk_domain::ipc::ReportListScope::Mine, &status(), 10)
        .unwrap();
    assert_eq!(listed.len(), 1, "the old report is listed again");
    assert_eq!(listed[0].summary.description, "旧版本的上报");
    assert_eq!(
        s.sync_request().unwrap().changes.len(),
        1,
        "its unsent change is still queued"
    );
}

fn households(n: usize) -> Vec<Household> {
    let vocabulary = gridwalk_domain::catalog::builtin_vocabulary();
    (0..n)
        .map(|i| {
            Household::from_draft(
                &draft(&format!("1-1-{}", 101 + i)),
                crate::new_doc_id(),
                GridId::parse("demo-grid-1").unwrap(),
                vocabulary,
                "网格员",
                NOW,
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn a_batch_is_built_on_every_core_and_lands_whole_or_not_at_all() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    // Several chunks per worker, so the writer and the builders overlap.
    let mut batch = households(700);
    // One body the layer refuses, late in the batch: nothing of it may stay.
    batch[650].notes = "长".repeat(100_000);
    let err = s.write(NOW, |w| w.create_many(&batch)).unwrap_err();
    assert!(err.to_string().contains("notes"), "{err}");
    let q = ListQuery::first(1000);
    assert!(s.list::<Household>(&q, &status()).unwrap().is_empty());
    assert_eq!(s.pending_counts().unwrap().0, 0, "no change queued");

    batch[650].notes.clear();
    let ids = s.write(NOW, |w| w.create_many(&batch)).unwrap();
    assert_eq!(ids, batch.iter().map(|h| h.id).collect::<Vec<_>>());
    assert_eq!(s.list::<Household>(&q, &status()).unwrap().len(), 700);
    let back: Household = s.record(&ids[699]).unwrap().unwrap();
    assert_eq!(back, batch[699], "read back as it was built");
    assert_eq!(s.pending_counts().unwrap().0, 700, "one change per record");
}

#[test]
fn a_body_that_names_another_record_or_grid_is_neither_listed_nor_read() {
    let (mut a, mut b) = two_workers();
    let mut feed = Feed::default();
    a.create_household(&draft("3-2-501"), None, NOW).unwrap();
    feed.sync(&mut a);
    let grid = GridId::parse("demo-grid-1").unwrap();
    let mut forged = households(2);
    // One claims another grid, one another record's id, both filed in b's grid.
    forged[0].scope = GridId::parse("demo-grid-9").unwrap();
    let filed_as = [forged[0].id, crate::new_doc_id()];
    for (h, doc) in forged.iter().zip(filed_as) {
        let (_, change) =
            gridwalk_records::create(&DeviceId::from_random_bytes([7; 16]), h, None, NOW).unwrap();
        feed.inject(gridwalk_domain::sync::WireChange {
            doc,
            scope: grid.clone(),
            bytes: change.raw_bytes().to_vec(),
        });
    }
    feed.sync(&mut b);
    let listed = b.households(&HouseholdQuery::default(), &status()).unwrap();
    assert_eq!(
        listed.len(),
        1,
        "only the honest household is listed: {listed:?}"
    );
    for doc in filed_as {
        let refused = b.record::<Household>(&doc).unwrap_err();
        assert!(refused.to_string().contains("filed as"), "{refused}");
    }
}
