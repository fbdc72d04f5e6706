use super::*;
use crate::geo::Coordinates;
use crate::ids::{DeviceId, DocId, GridId};
use crate::report::HazardReport;
use crate::test_fixtures::photo_ref;

fn catalog() -> CategoryCatalog {
    CategoryCatalog::parse_json(
        r#"[{"code":"garbage","zh":"垃圾堆积","en":"Garbage"},
            {"code":"manhole_cover","zh":"井盖破损","en":"Manhole"}]"#,
    )
    .unwrap()
}

fn report(n: u8, at_ms: i64, description: &str, location: Location) -> HazardReport {
    HazardReport {
        id: DocId::from_random_bytes([n; 16]),
        scope: GridId::parse("demo-grid-1").unwrap(),
        category: crate::CategoryCode::parse("garbage").unwrap(),
        description: description.into(),
        location,
        photos: vec![photo_ref(); 2],
        reporter: "王师傅".into(),
        reporter_device: DeviceId::from_random_bytes([9; 16]),
        created_at_ms: at_ms,
        progress: Default::default(),
        seconds: None,
    }
}

fn reports_rows(reports: &[HazardReport], catalog: &CategoryCatalog) -> Table {
    let fixed: Vec<Fixed<HazardReport>> = reports
        .iter()
        .map(|r| Fixed {
            id: r.id,
            grid: r.scope.clone(),
            record: r.clone(),
        })
        .collect();
    reports_table(&fixed, catalog)
}

#[test]
fn reports_become_rows_oldest_first_with_chinese_names_and_beijing_time() {
    let gps = Location::Point {
        coords: Coordinates::parse(31.2304, 121.4737).unwrap(),
        source: LocationSource::PhotoExif,
        note: "3号楼东侧".into(),
    };
    let newer = report(2, 1_764_077_628_000, "楼下垃圾三天没清", gps);
    let older = report(
        1,
        1_764_000_000_000,
        "井盖松动",
        Location::address("幸福小区2号楼").unwrap(),
    );
    let table = reports_rows(&[newer.clone(), older.clone()], &catalog());
    assert_eq!(
        table.header.join(","),
        "编号,网格,类别,描述,位置,纬度,经度,定位来源,上报人,上报时间（北京时间）,照片数"
    );
    assert_eq!(table.rows.len(), 2, "one row per report");
    assert_eq!(
        table.rows[0].join(","),
        format!(
            "{},demo-grid-1,垃圾堆积,井盖松动,幸福小区2号楼,,,手填地址,王师傅,2025-11-25 00:00:00,2",
            older.id
        ),
        "the older report comes first"
    );
    assert_eq!(
        table.rows[1].join(","),
        format!(
            "{},demo-grid-1,垃圾堆积,楼下垃圾三天没清,3号楼东侧,31.230400,121.473700,照片GPS,王师傅,2025-11-25 21:33:48,2",
            newer.id
        )
    );
}

#[test]
fn text_from_phones_is_kept_as_written_for_the_writers_to_defuse() {
    let link = "=HYPERLINK(\"http://x\",\"点我\")";
    let table = reports_rows(
        &[report(3, 0, link, Location::address("a,b\n\"c\"").unwrap())],
        &catalog(),
    );
    assert_eq!(table.rows[0][3], link);
    assert_eq!(table.rows[0][4], "a,b\n\"c\"");
}

#[test]
fn an_unknown_category_code_is_kept_rather_than_dropped() {
    let mut r = report(4, 0, "", Location::address("某处").unwrap());
    r.category = crate::CategoryCode::parse("retired_code").unwrap();
    let table = reports_rows(&[r], &catalog());
    assert_eq!(table.rows[0][2], "retired_code");
}

#[test]
fn beijing_time_is_utc_plus_eight_across_dates_and_leap_days() {
    assert_eq!(beijing_time(0), "1970-01-01 08:00:00");
    assert_eq!(beijing_time(-1), "1970-01-01 07:59:59");
    // 2024-02-28 16:00:00 UTC is already the leap day in Beijing.
    assert_eq!(beijing_time(1_709_136_000_000), "2024-02-29 00:00:00");
    assert_eq!(beijing_time(1_735_660_800_000), "2025-01-01 00:00:00");
    assert_eq!(beijing_time(4_102_444_799_000), "2100-01-01 07:59:59");
}

#[test]
fn households_export_one_row_per_member_masked_unless_full() {
    use crate::household::{Household, HouseholdDraft, Member, MemberDraft};
    use crate::test_fixtures::{id_number, vocabulary};
    let v = vocabulary();
    let mut h = Household::from_draft(
        &HouseholdDraft {
            estate: "幸福小区".into(),
            door: "3-2-501".into(),
            tags: vec!["living_alone_elder".into()],
            notes: "=HYPERLINK(\"x\")".into(),
        },
        DocId::from_random_bytes([1; 16]),
        GridId::parse("demo-grid-1").unwrap(),
        &v,
        "王芳",
        0,
    )
    .unwrap();
    let id = id_number("31010119500101123");
    let today = crate::calendar::CivilDate::new(2026, 12, 1).unwrap();
    for (n, name, phone) in [(2u8, "张秀英", "13812345678"), (3, "张小明", "")] {
        let d = MemberDraft {
            name: name.into(),
            relation: if n == 2 { "head" } else { "child" }.into(),
            phone: phone.into(),
            id_number: if n == 2 { id.clone() } else { String::new() },
            ..Default::default()
        };
        h.members.insert(
            crate::MemberId::from_random_bytes([n; 16]),
            Member::from_draft(&d, &v, today).unwrap(),
        );
    }
    let fixed = [Fixed {
        id: h.id,
        grid: GridId::parse("demo-grid-1").unwrap(),
        record: h,
    }];
    let text = |t: &Table| {
        t.rows
            .iter()
            .map(|r| r.join(","))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let table = households_table(&fixed, &v, false);
    assert_eq!(table.rows.len(), 2, "one row per member");
    let masked = text(&table);
    assert!(masked.contains("138****5678") && !masked.contains("13812345678"));
    assert!(!masked.contains(&id), "ID numbers are masked by default");
    assert!(masked.contains("户主") && masked.contains("独居老人"));
    let full = text(&households_table(&fixed, &v, true));
    assert!(
        full.contains("13812345678") && full.contains(&id),
        "full data when asked"
    );
}
