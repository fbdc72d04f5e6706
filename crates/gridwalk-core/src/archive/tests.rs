//! The archive's form-to-record steps: what a refused form leaves behind
//! (nothing), and what a reveal leaves behind (always a record).

use super::*;
use crate::records::ListQuery;
use crate::test_support::bound_store;
use gridwalk_domain::household::HouseholdDraft;
use gridwalk_domain::need::NeedDraft;

const NOW: i64 = 1_790_000_000_000;

fn household(s: &mut Store) -> DocId {
    let d = HouseholdDraft {
        estate: "安康小区".into(),
        door: "12-302".into(),
        tags: vec![],
        notes: String::new(),
    };
    s.create_household(&d, None, NOW).unwrap()
}

/// Adds the head of household `h`, named `name`, with `phone` (may be empty).
fn add_head(s: &mut Store, h: &DocId, name: &str, phone: &str) -> MemberId {
    let d = MemberDraft {
        name: name.into(),
        relation: "head".into(),
        phone: phone.into(),
        ..Default::default()
    };
    s.add_member(h, &d, NOW).unwrap()
}

fn queued(s: &Store) -> usize {
    s.sync_request().unwrap().changes.len()
}

#[test]
fn a_member_form_with_a_bad_id_number_stores_nothing_and_says_which_digit() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let h = household(&mut s);
    let before = queued(&s);
    let draft = MemberDraft {
        name: "刘洋".into(),
        relation: "head".into(),
        id_number: "61010219900307123".into(),
        ..Default::default()
    };
    let err = s.add_member(&h, &draft, NOW).unwrap_err();
    assert_eq!(err.code(), gridwalk_domain::ErrorCode::InputFields);
    let app: gridwalk_domain::ipc::AppError = err.into();
    assert_eq!(app.fields[0].field, "id_number");
    assert_eq!(app.fields[0].code, gridwalk_domain::ErrorCode::IdLength);
    assert_eq!(app.fields[0].args["n"], "17");
    assert_eq!(queued(&s), before, "nothing was written");
    assert!(
        s.record::<Household>(&h)
            .unwrap()
            .unwrap()
            .members
            .is_empty()
    );
}

#[test]
fn a_removed_member_stays_in_the_record_and_can_come_back() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let h = household(&mut s);
    let m = add_head(&mut s, &h, "赵大爷", "");
    s.remove_member(&h, &m, NOW).unwrap();
    let page = s
        .household_page(&h, &SyncStatus::default())
        .unwrap()
        .unwrap();
    assert!(
        page.household.members[0].removed,
        "shown as removed, not gone"
    );
    s.restore_member(&h, &m, NOW).unwrap();
    assert!(!s.record::<Household>(&h).unwrap().unwrap().members[&m].removed);
}

#[test]
fn every_reveal_is_recorded_and_nothing_is_recorded_for_an_empty_field() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let h = household(&mut s);
    let m = add_head(&mut s, &h, "钱七", "021-61234567");
    assert_eq!(
        s.reveal(&h, &m, SensitiveField::Phone, NOW)
            .unwrap()
            .as_deref(),
        Some("021-61234567")
    );
    s.reveal(&h, &m, SensitiveField::Phone, NOW + 5).unwrap();
    assert_eq!(
        s.reveal(&h, &m, SensitiveField::IdNumber, NOW).unwrap(),
        None
    );
    let reveals = s
        .list::<Reveal>(&ListQuery::first(10), &SyncStatus::default())
        .unwrap();
    assert_eq!(
        reveals.len(),
        2,
        "two looks, two records; none for the empty ID"
    );
    assert!(
        reveals
            .iter()
            .all(|r| r.summary.field == SensitiveField::Phone)
    );
    assert!(
        !serde_json::to_string(&reveals)
            .unwrap()
            .contains("61234567"),
        "a reveal records who looked, never the value"
    );
}

#[test]
fn a_visit_whose_need_is_refused_stores_neither() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let h = household(&mut s);
    let before = queued(&s);
    let mut draft = VisitDraft {
        household: Some(h),
        methods: vec!["home".into()],
        needs: vec![
            NeedDraft {
                category: "jobs".into(),
                description: "想找保洁工作".into(),
            },
            NeedDraft {
                category: "jobs".into(),
                description: " ".into(),
            },
        ],
        ..Default::default()
    };
    let err = s.log_visit(&draft, NOW).unwrap_err();
    assert_eq!(err.code(), gridwalk_domain::ErrorCode::InputFields);
    assert_eq!(queued(&s), before, "no visit and no need were written");
    draft.needs.pop();
    draft.methods = vec![];
    assert_eq!(
        s.log_visit(&draft, NOW).unwrap_err().code(),
        gridwalk_domain::ErrorCode::InputFields,
        "a visit needs a method"
    );
    draft.methods = vec!["home".into()];
    draft.household = Some(DocId::from_random_bytes([1; 16]));
    assert_eq!(
        s.log_visit(&draft, NOW).unwrap_err().code(),
        gridwalk_domain::ErrorCode::RecordNotFound
    );
    draft.household = Some(h);
    s.log_visit(&draft, NOW).unwrap();
    assert_eq!(queued(&s), before + 2, "the visit and its need, together");
}
