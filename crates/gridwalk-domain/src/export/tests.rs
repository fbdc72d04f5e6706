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

fn reports_csv(reports: &[HazardReport], catalog: &CategoryCatalog) -> String {
    let fixed: Vec<Fixed<HazardReport>> = reports
        .iter()
        .map(|r| Fixed {
            id: r.id,
            grid: r.scope.clone(),
            record: r.clone(),
        })
        .collect();
    csv(&reports_table(&fixed, catalog))
}

fn lines(csv: &str) -> Vec<&str> {
    csv.trim_end_matches("\r\n").split("\r\n").collect()
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
    let csv = reports_csv(&[newer.clone(), older.clone()], &catalog());
    assert!(
        csv.starts_with('\u{feff}'),
        "WPS needs the BOM to read UTF-8"
    );
    assert_eq!(csv_data_rows(&csv), 2);
    let rows = lines(&csv);
    assert_eq!(rows.len(), 3, "a header and one row per report: {csv}");
    assert!(rows[0].ends_with(
        "编号,网格,类别,描述,位置,纬度,经度,定位来源,上报人,上报时间（北京时间）,照片数"
    ));
    assert_eq!(
        rows[1],
        format!(
            "{},demo-grid-1,垃圾堆积,井盖松动,幸福小区2号楼,,,手填地址,王师傅,2025-11-25 00:00:00,2",
            older.id
        ),
        "the older report comes first"
    );
    assert_eq!(
        rows[2],
        format!(
            "{},demo-grid-1,垃圾堆积,楼下垃圾三天没清,3号楼东侧,31.230400,121.473700,照片GPS,王师傅,2025-11-25 21:33:48,2",
            newer.id
        )
    );
}

#[test]
fn hostile_text_stays_in_its_cell_and_never_runs_as_a_formula() {
    let nasty = report(
        3,
        0,
        "=HYPERLINK(\"http://x\",\"点我\")",
        Location::address("a,b\n\"c\"").unwrap(),
    );
    let csv = reports_csv(&[nasty], &catalog());
    assert_eq!(
        csv_data_rows(&csv),
        1,
        "a line break inside a cell is no new row"
    );
    let row = csv.split("\r\n").nth(1).unwrap();
    assert!(
        row.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\","),
        "a formula is quoted and defused with an apostrophe: {row}"
    );
    assert!(
        csv.contains(",\"a,b\n\"\"c\"\"\","),
        "separators and quotes stay inside one quoted cell: {csv}"
    );
    for lead in ["+1", "-1", "@SUM(A1)"] {
        let mut out = String::new();
        push_cell(&mut out, lead);
        assert_eq!(
            out,
            format!("\"'{lead}\""),
            "{lead} must not start a formula"
        );
    }
}

#[test]
fn an_unknown_category_code_is_kept_rather_than_dropped() {
    let mut r = report(4, 0, "", Location::address("某处").unwrap());
    r.category = crate::CategoryCode::parse("retired_code").unwrap();
    let csv = reports_csv(&[r], &catalog());
    assert!(csv.contains(",retired_code,"), "{csv}");
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
fn rows_are_counted_below_the_header_whatever_the_line_ends() {
    assert_eq!(csv_data_rows(""), 0);
    assert_eq!(csv_data_rows("a,b\r\n"), 0, "a header alone");
    assert_eq!(csv_data_rows("a,b\r\n1,2\r\n3,4"), 2, "no final line break");
    assert_eq!(
        csv_data_rows("a\n\"x\"\"\ny\"\n"),
        1,
        "escaped quotes keep the cell open"
    );
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
    let masked = csv(&households_table(&fixed, &v, false));
    assert_eq!(lines(&masked).len(), 3, "header and one row per member");
    assert!(masked.contains("138****5678") && !masked.contains("13812345678"));
    assert!(!masked.contains(&id), "ID numbers are masked by default");
    assert!(masked.contains("户主") && masked.contains("独居老人"));
    assert!(
        masked.contains("\"'=HYPERLINK"),
        "a formula in notes is defused"
    );
    let full = csv(&households_table(&fixed, &v, true));
    assert!(
        full.contains("13812345678") && full.contains(&id),
        "full data when asked"
    );
}
