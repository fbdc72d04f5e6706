use super::*;
use crate::calendar::CivilDate;
use crate::record::read_body;
use crate::test_fixtures::{id_number, vocabulary};

fn today() -> CivilDate {
    CivilDate::new(2026, 12, 1).unwrap()
}

fn household() -> Household {
    let draft = HouseholdDraft {
        estate: "幸福小区".into(),
        door: "3-2-501".into(),
        tags: vec!["living_alone_elder".into()],
        notes: "老人耳背，敲门要用力".into(),
    };
    Household::from_draft(
        &draft,
        DocId::from_random_bytes([1; 16]),
        GridId::parse("demo-grid-1").unwrap(),
        &vocabulary(),
        "网格员 王芳",
        1_700_000_000_000,
    )
    .unwrap()
}

fn member(name: &str, relation: &str, phone: &str, id: &str) -> Member {
    Member::from_draft(
        &MemberDraft {
            name: name.into(),
            relation: relation.into(),
            phone: phone.into(),
            id_number: id.into(),
            birth_year: String::new(),
            notes: String::new(),
        },
        &vocabulary(),
        today(),
    )
    .unwrap()
}

#[test]
fn every_list_row_and_page_masks_phones_and_id_numbers() {
    let mut h = household();
    let id = id_number("61010219580307123");
    h.members.insert(
        MemberId::from_random_bytes([2; 16]),
        member("张秀英", "head", "13812345678", &id),
    );
    let row = h.project().summary;
    assert_eq!(row.phones, ["138****5678"]);
    let json = serde_json::to_string(&row).unwrap() + &serde_json::to_string(&h.view()).unwrap();
    assert!(!json.contains("13812345678"), "a full phone leaked: {json}");
    assert!(!json.contains(&id), "a full ID number leaked: {json}");
    let view = h.view();
    assert_eq!(
        view.members[0].id_number.as_deref(),
        Some(format!("610***********{}", &id[14..]).as_str())
    );
    assert_eq!(
        view.members[0].birth_year,
        Some(1958),
        "taken from the ID number"
    );
    assert_eq!(
        h.reveal(&MemberId::from_random_bytes([2; 16]), SensitiveField::Phone)
            .as_deref(),
        Some("13812345678"),
        "the deliberate reveal gives the full value"
    );
    let search = h.project().search.join(" ");
    assert!(search.contains("5678") && search.contains("张秀英") && search.contains("3-2-501"));
    assert!(
        !search.contains("13812345678"),
        "search holds tails, not whole numbers"
    );
}

#[test]
fn the_member_form_reports_every_bad_field_and_keeps_nothing() {
    let draft = MemberDraft {
        name: " ".into(),
        relation: "head".into(),
        phone: "1381234567".into(),
        id_number: format!("{}9", &id_number("61010219580307123")[..17]),
        birth_year: "1958".into(),
        notes: String::new(),
    };
    let errors = Member::from_draft(&draft, &vocabulary(), today()).unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"phone"),
        "{fields:?}"
    );
    let id_err = errors.0.iter().find(|e| e.field == "id_number");
    let id_err = id_err.expect("the wrong check digit is reported");
    assert_eq!(id_err.code, crate::ErrorCode::IdCheckDigit);
    assert_eq!(id_err.args["found"], "9");
    assert!(id_err.message.contains("第 18 位"), "{}", id_err.message);
}

#[test]
fn a_birth_year_that_contradicts_the_id_number_is_refused() {
    let mut d = MemberDraft {
        name: "李四".into(),
        relation: "spouse".into(),
        id_number: id_number("61010219600101123"),
        birth_year: "1961".into(),
        ..Default::default()
    };
    let e = Member::from_draft(&d, &vocabulary(), today()).unwrap_err();
    assert_eq!(e.0[0].code, crate::ErrorCode::BirthYearMismatch);
    d.birth_year = "1960".into();
    assert!(Member::from_draft(&d, &vocabulary(), today()).is_ok());
}

#[test]
fn an_edit_that_does_not_retype_a_masked_field_keeps_it() {
    let before = member("王建国", "head", "13812345678", "");
    let edit = MemberEdit {
        name: "王建国".into(),
        relation: "head".into(),
        phone: None,
        id_number: None,
        birth_year: "1950".into(),
        notes: "腿脚不便".into(),
    };
    let after = before.edited(&edit, &vocabulary(), today()).unwrap();
    assert_eq!(after.phone, before.phone, "not retyped: kept");
    assert_eq!(after.notes, "腿脚不便");
    let cleared = before
        .edited(
            &MemberEdit {
                phone: Some(String::new()),
                ..edit
            },
            &vocabulary(),
            today(),
        )
        .unwrap();
    assert_eq!(cleared.phone, None, "emptied on purpose: cleared");
}

#[test]
fn removed_members_stay_in_the_record_and_out_of_the_counts() {
    let mut h = household();
    let gone = MemberId::from_random_bytes([3; 16]);
    let mut m = member("赵大爷", "head", "", "");
    m.removed = true;
    h.members.insert(gone, m);
    h.members.insert(
        MemberId::from_random_bytes([4; 16]),
        member("赵小明", "child", "", ""),
    );
    let row = h.project().summary;
    assert_eq!(row.members, 1);
    assert_eq!(row.head, None, "a removed head heads nothing");
    let view = h.view();
    assert_eq!(
        view.members.len(),
        2,
        "the page still shows the removed member"
    );
    assert!(view.members[1].removed, "removed members come last");
}

#[test]
fn a_body_from_another_device_is_read_back_and_checked() {
    let h = household();
    let json = serde_json::to_value(&h).unwrap();
    assert_eq!(read_body::<Household>(json.clone()).unwrap(), h);
    let mut broken = json;
    broken["members"] = serde_json::json!({
        "00000000-0000-4000-8000-000000000001": {"name": "x", "relation": "head", "phone": "123"}
    });
    assert!(
        read_body::<Household>(broken).is_err(),
        "a phone that does not parse is not taken as one"
    );
}

#[test]
fn conflicting_versions_of_a_phone_are_shown_masked() {
    let path: Vec<String> = ["members", "m", "phone"].map(String::from).into();
    let shown = Household::show(&path, &serde_json::json!("13812345678"));
    assert_eq!(shown, "138****5678");
    let notes: Vec<String> = vec!["notes".into()];
    assert_eq!(
        Household::show(&notes, &serde_json::json!("门口有狗")),
        "门口有狗"
    );
}
