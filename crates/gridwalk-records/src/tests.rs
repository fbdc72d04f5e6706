//! Two replicas of one record edited apart and merged, as two phones in a
//! stairwell would: what survives, what is reported, how it is settled.

use super::*;

mod work_orders;
use automerge::AutoCommit;
use gridwalk_domain::calendar::CivilDate;
use gridwalk_domain::household::{Address, Household, Member};
use gridwalk_domain::need::{Need, NeedEvent, NeedEventKind};
use gridwalk_domain::record::{Choice, ConflictKind, KindSpec};
use gridwalk_domain::{
    DeviceId, DocId, GridId, HouseholdDraft, MemberDraft, MemberId, UserId, Vocabulary,
};
use std::collections::BTreeMap;

fn vocabulary() -> Vocabulary {
    Vocabulary::parse_json(include_str!("../../../assets/vocabulary.json")).unwrap()
}

fn device(n: u8) -> DeviceId {
    DeviceId::from_random_bytes([n; 16])
}

fn author(n: u8, name: &str) -> Author {
    Author {
        user: UserId::from_random_bytes([n; 16]),
        name: name.into(),
    }
}

fn household() -> Household {
    let draft = HouseholdDraft {
        estate: "幸福小区".into(),
        door: "3-2-501".into(),
        tags: vec![],
        notes: "门口有狗".into(),
    };
    Household::from_draft(
        &draft,
        DocId::from_random_bytes([9; 16]),
        GridId::parse("g1").unwrap(),
        &vocabulary(),
        "王芳",
        1_700_000_000_000,
    )
    .unwrap()
}

fn member(name: &str, phone: &str) -> Member {
    let d = MemberDraft {
        name: name.into(),
        relation: "child".into(),
        phone: phone.into(),
        ..Default::default()
    };
    Member::from_draft(&d, &vocabulary(), CivilDate::new(2026, 12, 1).unwrap()).unwrap()
}

/// `r` created on device 1, then changed by `on_a` there (王芳, at
/// `at.0`) and by `on_b` on device 2 (李明, at `at.1`), neither seeing the
/// other; then merged both ways. Answers both replicas.
fn apart<K: gridwalk_domain::Record + Clone>(
    r: &K,
    on_a: impl FnOnce(&mut K),
    on_b: impl FnOnce(&mut K),
    at: (i64, i64),
) -> (AutoCommit, AutoCommit) {
    let (mut a, change) = create(&device(1), r, Some(&author(1, "王芳")), 1_000).unwrap();
    let mut b = AutoCommit::new();
    b.apply_changes([change]).unwrap();
    let (mut changed_a, mut changed_b) = (r.clone(), r.clone());
    on_a(&mut changed_a);
    on_b(&mut changed_b);
    edit(
        &mut a,
        &device(1),
        &changed_a,
        Some(&author(1, "王芳")),
        at.0,
    )
    .unwrap();
    edit(
        &mut b,
        &device(2),
        &changed_b,
        Some(&author(2, "李明")),
        at.1,
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    (a, b)
}

fn spec() -> KindSpec {
    KindSpec::of::<Household>()
}

#[test]
fn a_record_reads_back_as_it_was_written() {
    let h = household();
    let (doc, _) = create(&device(1), &h, None, 1_000).unwrap();
    assert_eq!(read::<Household>(&doc, "t").unwrap(), h);
    assert_eq!(kind(&doc), Some(gridwalk_domain::DocKind::Household));
}

#[test]
fn a_stored_record_loads_as_saved_and_damaged_bytes_are_refused() {
    let h = household();
    let (mut doc, _) = create(&device(1), &h, None, 1_000).unwrap();
    let saved = doc.save();
    let loaded = load(&saved, "t").unwrap();
    assert_eq!(read::<Household>(&loaded, "t").unwrap(), h);
    assert_eq!(loaded.clone().get_heads(), doc.get_heads());
    // Any one byte changed anywhere: the chunk no longer matches its
    // checksum, or no longer parses.
    for at in (0..saved.len()).step_by(7) {
        let mut damaged = saved.clone();
        damaged[at] ^= 0x20;
        assert!(
            load(&damaged, "t").is_err(),
            "a byte changed at {at} of {} loads",
            saved.len()
        );
    }
}

#[test]
fn an_edit_writes_only_the_fields_that_changed() {
    let mut h = household();
    for i in 0..20 {
        h.members.insert(
            MemberId::from_random_bytes([i; 16]),
            member(&format!("成员{i}"), ""),
        );
    }
    let (mut doc, _) = create(&device(1), &h, None, 1_000).unwrap();
    let mut changed = h.clone();
    changed.address = Address::parse("幸福小区", "3-2-502").unwrap();
    let change = edit(&mut doc, &device(1), &changed, None, 2_000)
        .unwrap()
        .expect("something changed");
    assert_eq!(change.len(), 1, "one field, one operation");
    assert!(
        edit(&mut doc, &device(1), &changed, None, 3_000)
            .unwrap()
            .is_none(),
        "an unchanged body writes no change"
    );
    assert_eq!(read::<Household>(&doc, "t").unwrap(), changed);
}

#[test]
fn edits_of_different_fields_on_two_devices_both_survive() {
    let h = household();
    let (a, b) = apart(
        &h,
        |on_a| on_a.address = Address::parse("幸福小区", "3-2-502").unwrap(),
        |on_b| {
            on_b.tags
                .insert(gridwalk_domain::category::CategoryCode::parse("subsistence").unwrap());
        },
        (2_000, 2_000),
    );
    let merged = read::<Household>(&a, "t").unwrap();
    assert_eq!(merged.address.room, "502");
    assert_eq!(merged.tags.len(), 1);
    assert!(conflicts(&a, &spec()).is_empty(), "nothing collided");
    assert_eq!(read::<Household>(&b, "t").unwrap(), merged);
}

#[test]
fn notes_typed_on_two_devices_merge_as_text() {
    let h = household();
    let (a, _) = apart(
        &h,
        |on_a| on_a.notes = "门口有狗，白天有人".into(),
        |on_b| on_b.notes = "注意：门口有狗".into(),
        (2_000, 2_000),
    );
    let notes = read::<Household>(&a, "t").unwrap().notes;
    assert_eq!(
        notes, "注意：门口有狗，白天有人",
        "both people's words are kept"
    );
}

#[test]
fn one_field_set_on_two_devices_keeps_both_versions_until_one_is_picked() {
    let id = MemberId::from_random_bytes([5; 16]);
    let mut h = household();
    h.members.insert(id, member("王小明", "13812345678"));
    let phone = |p: &str| Some(gridwalk_domain::phone::Phone::parse(p).unwrap());
    let (mut a, mut b) = apart(
        &h,
        |on_a| on_a.members.get_mut(&id).unwrap().phone = phone("13900001111"),
        |on_b| on_b.members.get_mut(&id).unwrap().phone = phone("13700002222"),
        (2_000_000, 3_000_000),
    );

    let found = conflicts(&a, &spec());
    assert_eq!(found.len(), 1, "{found:?}");
    let c = &found[0];
    assert_eq!(c.kind, ConflictKind::Versions);
    assert_eq!(
        c.path,
        ["members".to_string(), id.to_string(), "phone".into()]
    );
    let shown: Vec<&str> = c.versions.iter().map(|v| v.shown.as_str()).collect();
    assert_eq!(
        shown,
        ["139****1111", "137****2222"],
        "masked, oldest first"
    );
    let by: Vec<_> = c.versions.iter().map(|v| v.by.clone().unwrap()).collect();
    assert_eq!(by, ["王芳", "李明"], "who wrote each");
    assert_eq!(c.versions[1].at_ms, Some(3_000_000));
    assert_eq!(c.versions[0].device, Some(device(1)));
    assert_eq!(
        conflicts::values_at(&a, &c.path).len(),
        2,
        "both values are still in the document"
    );

    // The person on device 2 picks 王芳's number; device 1 gets the change.
    let pick = Choice::Version {
        op: c.versions[0].op.clone(),
    };
    let settle = resolve(
        &mut b,
        &device(2),
        &spec(),
        &c.path,
        &pick,
        Some(&author(2, "李明")),
        4_000_000,
    )
    .unwrap();
    assert!(conflicts(&b, &spec()).is_empty());
    a.apply_changes([settle]).unwrap();
    assert!(conflicts(&a, &spec()).is_empty(), "settled on every device");
    let phone = read::<Household>(&a, "t").unwrap().members[&id]
        .phone
        .clone()
        .unwrap();
    assert_eq!(phone.reveal(), "13900001111");
    assert!(
        resolve(&mut a, &device(1), &spec(), &c.path, &pick, None, 5_000_000).is_err(),
        "a settled conflict cannot be settled again"
    );
}

#[test]
fn members_added_on_two_devices_are_both_kept() {
    let h = household();
    let (a, _) = apart(
        &h,
        |on_a| {
            on_a.members
                .insert(MemberId::from_random_bytes([1; 16]), member("张三", ""));
        },
        |on_b| {
            on_b.members
                .insert(MemberId::from_random_bytes([2; 16]), member("李四", ""));
        },
        (2_000, 2_000),
    );
    let names: Vec<String> = read::<Household>(&a, "t")
        .unwrap()
        .members
        .values()
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(names, ["张三", "李四"]);
}

#[test]
fn a_member_removed_on_one_device_and_edited_on_the_other_keeps_the_edit_and_says_so() {
    let id = MemberId::from_random_bytes([7; 16]);
    let mut h = household();
    h.members.insert(id, member("赵大爷", "13812345678"));
    let (mut a, mut b) = apart(
        &h,
        |on_a| on_a.members.get_mut(&id).unwrap().removed = true,
        |on_b| {
            on_b.members.get_mut(&id).unwrap().phone =
                Some(gridwalk_domain::phone::Phone::parse("13900009999").unwrap());
        },
        (2_000_000, 2_500_000),
    );

    let merged = read::<Household>(&a, "t").unwrap();
    let m = &merged.members[&id];
    assert!(m.removed);
    assert_eq!(
        m.phone.as_ref().unwrap().reveal(),
        "13900009999",
        "the edit is not lost"
    );
    let found = conflicts(&a, &spec());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, ConflictKind::EditedWhileRemoved);
    assert_eq!(found[0].versions[0].by.as_deref(), Some("王芳"));
    assert_eq!(found[0].versions[1].field.as_deref(), Some("phone"));
    assert_eq!(found[0].versions[1].shown, "139****9999");

    let keep = resolve(
        &mut a,
        &device(1),
        &spec(),
        &found[0].path,
        &Choice::KeepEntry,
        None,
        3_000_000,
    )
    .unwrap();
    b.apply_changes([keep]).unwrap();
    assert!(
        !read::<Household>(&b, "t").unwrap().members[&id].removed,
        "kept after all"
    );
    assert!(conflicts(&b, &spec()).is_empty());

    // A later removal by someone who has seen the edit is no conflict.
    let mut again = read::<Household>(&b, "t").unwrap();
    again.members.get_mut(&id).unwrap().removed = true;
    edit(&mut b, &device(2), &again, None, 4_000_000).unwrap();
    assert!(conflicts(&b, &spec()).is_empty());
}

#[test]
fn events_appended_on_two_devices_are_both_kept() {
    let need = Need {
        id: DocId::from_random_bytes([3; 16]),
        scope: GridId::parse("g1").unwrap(),
        household: None,
        visit: None,
        place: "幸福小区 3-2-501".into(),
        category: gridwalk_domain::category::CategoryCode::parse("medical").unwrap(),
        description: "需要上门量血压".into(),
        raised_by: "王芳".into(),
        raised_by_user: None,
        raised_at_ms: 1_000,
        events: vec![],
    };
    let event = |kind, by: &str, at| NeedEvent {
        event: kind,
        by: by.into(),
        by_user: None,
        at_ms: at,
        note: String::new(),
    };
    let (a, _) = apart(
        &need,
        |on_a| {
            on_a.events
                .push(event(NeedEventKind::Accepted, "王芳", 2_000))
        },
        |on_b| {
            on_b.events
                .push(event(NeedEventKind::Accepted, "李明", 2_100))
        },
        (2_000, 2_100),
    );
    let events = read::<Need>(&a, "t").unwrap().events;
    let by: BTreeMap<String, NeedEventKind> =
        events.iter().map(|e| (e.by.clone(), e.event)).collect();
    assert_eq!(by.len(), 2, "both acceptances survive: {events:?}");
}

#[test]
fn switching_an_enum_variant_replaces_the_value_whole() {
    use gridwalk_domain::{Coordinates, HazardReport, Location, LocationSource, PhotoRef};
    let report = HazardReport {
        id: DocId::from_random_bytes([4; 16]),
        scope: GridId::parse("g1").unwrap(),
        category: gridwalk_domain::category::CategoryCode::parse("garbage").unwrap(),
        description: "垃圾".into(),
        location: Location::address("南门").unwrap(),
        photos: vec![PhotoRef {
            hash: gridwalk_domain::BlobHash::from_digest(&[1; 32]),
            thumb: gridwalk_domain::BlobHash::from_digest(&[2; 32]),
            bytes: 1,
            mime: "image/jpeg".into(),
            width: 1,
            height: 1,
        }],
        reporter: "李".into(),
        reporter_device: device(1),
        created_at_ms: 0,
        progress: Default::default(),
        seconds: None,
    };
    let (mut doc, _) = create(&device(1), &report, None, 0).unwrap();
    let mut moved = report.clone();
    moved.location = Location::Point {
        coords: Coordinates::parse(31.2, 121.4).unwrap(),
        source: LocationSource::Device,
        note: String::new(),
    };
    edit(&mut doc, &device(1), &moved, None, 1_000).unwrap();
    assert_eq!(
        read::<HazardReport>(&doc, "t").unwrap(),
        moved,
        "no address text left in a point"
    );
}

#[test]
fn a_body_that_is_not_a_map_is_refused() {
    assert!(create_untyped(&device(1), "k", &vec![1, 2], 0).is_err());
    let (_, a) = create_untyped(&device(1), "k", &serde_json::json!({"a": 1}), 5_000).unwrap();
    let (_, b) = create_untyped(&device(1), "k", &serde_json::json!({"a": 1}), 5_000).unwrap();
    assert_eq!(
        a.hash(),
        b.hash(),
        "deterministic, which demo seeding relies on"
    );
}

#[test]
fn a_merge_past_the_size_limits_still_reads_and_the_next_edit_must_shorten_it() {
    use gridwalk_domain::household::MAX_MEMBERS;
    let h = household();
    let long = "楼".repeat(gridwalk_domain::household::MAX_NOTES_CHARS - 10);
    let (a_notes, b_notes) = (long.clone(), long.clone());
    // Each phone stays within the limits; together they hold twice as many
    // members and notes twice as long.
    let (mut a, _) = apart(
        &h,
        |on_a| {
            on_a.notes = format!("甲{a_notes}");
            for i in 0..MAX_MEMBERS as u8 {
                on_a.members.insert(
                    MemberId::from_random_bytes([i; 16]),
                    member(&format!("甲{i}"), ""),
                );
            }
        },
        |on_b| {
            on_b.notes = format!("{b_notes}乙");
            for i in 0..MAX_MEMBERS as u8 {
                on_b.members.insert(
                    MemberId::from_random_bytes([100 + i; 16]),
                    member(&format!("乙{i}"), ""),
                );
            }
        },
        (2_000, 2_000),
    );
    let merged = read::<Household>(&a, "t").expect("a merged household stays readable");
    assert_eq!(merged.current_members().len(), 2 * MAX_MEMBERS);
    assert!(merged.notes.chars().count() > gridwalk_domain::household::MAX_NOTES_CHARS);
    let (_, _, row) =
        (spec().project)(serde_json::to_value(&merged).unwrap()).expect("and it is still listed");
    assert_eq!(row.summary["members"], 2 * MAX_MEMBERS);

    let mut unchanged_size = merged.clone();
    unchanged_size.address = Address::parse("幸福小区", "3-2-502").unwrap();
    let refused = edit(&mut a, &device(1), &unchanged_size, None, 3_000).unwrap_err();
    assert!(refused.to_string().contains("members"), "{refused}");

    let mut trimmed = merged.clone();
    trimmed.notes = "门口有狗".into();
    for m in trimmed.members.values_mut().skip(MAX_MEMBERS) {
        m.removed = true;
    }
    edit(&mut a, &device(1), &trimmed, None, 3_000)
        .expect("an edit back within the limits is taken");
    assert_eq!(
        read::<Household>(&a, "t").unwrap().current_members().len(),
        MAX_MEMBERS
    );
}

#[test]
fn a_body_nested_without_end_is_refused_without_overflowing_the_stack() {
    use automerge::{ObjType, ROOT, ReadDoc, transaction::Transactable};
    let h = household();
    let (mut doc, _) = create(&device(1), &h, None, 1_000).unwrap();
    let mut obj = doc.get(ROOT, "body").unwrap().unwrap().1;
    for _ in 0..20_000 {
        obj = doc.put_object(&obj, "deeper", ObjType::Map).unwrap();
    }
    // Recursion 20,000 maps deep would overflow the test thread's 2 MiB stack.
    let refused = read::<Household>(&doc, "t");
    assert!(
        refused.is_ok(),
        "an unknown field, however deep, is ignored: {refused:?}"
    );
    assert!(conflicts(&doc, &spec()).is_empty());
    let mut deep_notes = doc.get(ROOT, "body").unwrap().unwrap().1;
    deep_notes = doc.put_object(&deep_notes, "notes", ObjType::Map).unwrap();
    for _ in 0..20_000 {
        deep_notes = doc.put_object(&deep_notes, "x", ObjType::List).unwrap();
        deep_notes = doc.insert_object(&deep_notes, 0, ObjType::Map).unwrap();
    }
    assert!(
        read::<Household>(&doc, "t").is_err(),
        "notes that are no text do not read"
    );
    assert!(conflicts(&doc, &spec()).is_empty());
}
