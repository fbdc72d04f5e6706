//! Rosters as offices keep them, and files made to hurt: what the preview
//! says, what an import writes (once), and what is refused before it costs
//! anything.

use super::*;
use crate::test_support::bound_store;
use gridwalk_domain::household::Household;
use gridwalk_domain::ipc::archive::HouseholdQuery;
use gridwalk_domain::sync_state::SyncStatus;
use rust_xlsxwriter::{Format, Workbook};

const NOW: i64 = 1_790_000_000_000;

fn valid_id(first17: &str) -> String {
    gridwalk_domain::id_number::IdNumber::complete(first17)
        .unwrap()
        .reveal()
        .to_owned()
}

/// A roster one row per member, the household's cells merged over its
/// members' rows, a title row above the header — as offices make them.
fn roster_xlsx(bad_phone: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    let f = Format::new();
    s.merge_range(0, 0, 0, 6, "幸福里社区 第一网格 家庭花名册", &f)
        .unwrap();
    for (c, h) in [
        "小区",
        "户号",
        "姓名",
        "与户主关系",
        "联系电话",
        "身份证号（必填）",
        "人员类别",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(1, c as u16, *h).unwrap();
    }
    // Household 1: three members, address and tags merged over rows 3–5.
    s.merge_range(2, 0, 4, 0, "幸福小区", &f).unwrap();
    s.merge_range(2, 1, 4, 1, "3-2-501", &f).unwrap();
    s.merge_range(2, 6, 4, 6, "低保、独居老人", &f).unwrap();
    let rows = [
        (
            "张秀英",
            "户主",
            if bad_phone {
                "1381234567"
            } else {
                "13812345678"
            },
            valid_id("31011519500101123"),
        ),
        ("李建国", "配偶", "", String::new()),
        ("张小明", "儿子", "13900001111", String::new()),
    ];
    for (i, (name, rel, phone, id)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        s.write_string(r, 2, *name).unwrap();
        s.write_string(r, 3, *rel).unwrap();
        s.write_string(r, 4, *phone).unwrap();
        s.write_string(r, 5, id).unwrap();
    }
    // Household 2: one member; the phone typed as a number.
    s.write_string(5, 0, "幸福小区").unwrap();
    s.write_string(5, 1, "7号楼1单元302室").unwrap();
    s.write_string(5, 2, "王芳").unwrap();
    s.write_number(5, 4, 13700002222.0).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_merged_cell_roster_previews_imports_once_and_a_second_import_creates_nothing() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let roster = Roster::read(&roster_xlsx(false)).unwrap();
    let preview = s.import_preview(&roster, NOW).unwrap();
    assert_eq!(preview.errors, vec![], "{:?}", preview.errors);
    assert_eq!((preview.new_households, preview.new_members), (2, 4));
    assert!(
        preview.source.contains("第 2 行"),
        "the header was found under the title: {}",
        preview.source
    );
    assert_eq!(preview.sample[0].members, ["张秀英", "李建国", "张小明"]);
    let queued = s.sync_request().unwrap().changes.len();
    assert_eq!(queued, 0, "a preview writes nothing");

    let done = s.import(&roster, NOW).unwrap();
    assert_eq!((done.households, done.members), (2, 4));
    let list = s
        .households(&HouseholdQuery::default(), &SyncStatus::default())
        .unwrap();
    let zhang = list.iter().find(|h| h.summary.door == "3-2-501").unwrap();
    let h: Household = s.record(&zhang.id).unwrap().unwrap();
    assert_eq!(h.tags.len(), 2, "merged tag cell reached the household");
    assert_eq!(h.head().unwrap().name, "张秀英");
    let wang = list.iter().find(|h| h.summary.door == "7-1-302").unwrap();
    assert_eq!(
        wang.summary.phones,
        ["137****2222"],
        "a number cell still reads as a phone"
    );

    let again = s.import_preview(&roster, NOW).unwrap();
    assert_eq!((again.new_households, again.existing), (0, 2));
    let done = s.import(&roster, NOW).unwrap();
    assert_eq!((done.households, done.skipped_existing), (0, 2));
    assert_eq!(
        s.households(&HouseholdQuery::default(), &SyncStatus::default())
            .unwrap()
            .len(),
        2,
        "importing the same file twice creates nothing new"
    );
}

#[test]
fn a_household_with_a_bad_row_is_left_out_whole_and_every_error_says_where() {
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let roster = Roster::read(&roster_xlsx(true)).unwrap();
    let preview = s.import_preview(&roster, NOW).unwrap();
    assert_eq!(preview.errors.len(), 1, "{:?}", preview.errors);
    let e = &preview.errors[0];
    assert_eq!((e.row, e.column.as_str()), (3, "联系电话"));
    assert!(e.message.contains("11 位"), "{}", e.message);
    assert_eq!((preview.new_households, preview.blocked), (1, 1));
    let done = s.import(&roster, NOW).unwrap();
    assert_eq!((done.households, done.skipped_blocked), (1, 1));
    let list = s
        .households(&HouseholdQuery::default(), &SyncStatus::default())
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].summary.door, "7-1-302", "never half a family");
}

#[test]
fn a_gb18030_csv_one_row_per_household_imports() {
    let (s, _) = bound_store(&["demo-grid-1"]);
    let text = format!(
        "小区,楼栋,单元,房号,户主姓名,联系电话,身份证号\r\n安康小区,12,,302,刘洋,021-61234567,{}\r\n安康小区,12,,401,陈静,,\r\n",
        valid_id("31011519800202123")
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let roster = Roster::read(&gbk).unwrap();
    let preview = s.import_preview(&roster, NOW).unwrap();
    assert_eq!(preview.errors, vec![]);
    assert_eq!(preview.new_households, 2);
    assert_eq!(preview.sample[0].line, "安康小区 12号楼 302室");
}

#[test]
fn an_export_of_the_archive_imports_back_into_another_device() {
    let (mut a, _) = bound_store(&["demo-grid-1"]);
    a.import(&Roster::read(&roster_xlsx(false)).unwrap(), NOW)
        .unwrap();
    let fixed: Vec<_> = a
        .households(&HouseholdQuery::default(), &SyncStatus::default())
        .unwrap()
        .into_iter()
        .map(|h| gridwalk_domain::export::Fixed {
            id: h.id,
            grid: h.scope.clone(),
            record: a.record::<Household>(&h.id).unwrap().unwrap(),
        })
        .collect();
    let v = gridwalk_domain::catalog::builtin_vocabulary();
    for full in [true, false] {
        let table = gridwalk_domain::export::households_table(&fixed, v, full);
        let csv = crate::table_csv::table_csv(&table).unwrap();
        let (mut b, _) = bound_store(&["demo-grid-1"]);
        let done = b.import(&Roster::read(&csv).unwrap(), NOW).unwrap();
        assert_eq!(
            (done.households, done.members, done.skipped_blocked),
            (2, 4, 0),
            "full: {full}"
        );
    }
}

#[test]
fn hostile_files_are_refused_before_they_cost_memory() {
    // A zip bomb: 150 MiB of zeros packed into a few hundred KiB.
    let bomb = {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..150 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    };
    assert!(bomb.len() < 1024 * 1024);
    let e = Roster::read(&bomb).unwrap_err().to_string();
    assert!(e.contains("压缩"), "{e}");

    // Cells at the far corner of a sheet: calamine's range reader would
    // allocate a million rows by sixteen thousand columns for them.
    let far = |row: u32, col: u16| {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "姓名").unwrap();
        s.write_string(0, 1, "户号").unwrap();
        s.write_string(row, col, "x").unwrap();
        book.save_to_buffer().unwrap()
    };
    let e = Roster::read(&far(1_048_000, 1)).unwrap_err().to_string();
    assert!(e.contains("行"), "a million rows down is refused: {e}");
    let wide = Roster::read(&far(5, 16_000)).unwrap();
    assert!(
        wide.rows.is_empty(),
        "a cell far to the right is ignored, not allocated for"
    );

    // One merged area over the whole sheet: its top-left value would be
    // copied into 6.4 million cells.
    let merged_sheet = {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "姓名").unwrap();
        s.write_string(0, 1, "户号").unwrap();
        s.merge_range(1, 0, 2, 1, "王", &Format::new()).unwrap();
        s.write_string(99_990, 0, "x").unwrap();
        let small = book.save_to_buffer().unwrap();
        rewrite_sheet(&small, |xml| {
            xml.replace(r#"ref="A2:B3""#, r#"ref="A2:BL99991""#)
        })
    };
    let e = Roster::read(&merged_sheet).unwrap_err().to_string();
    assert!(e.contains("行"), "a sheet-wide merge is refused: {e}");
    let long_cell = {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "姓名").unwrap();
        s.write_string(0, 1, "户号").unwrap();
        s.write_string(3, 0, "王".repeat(MAX_CELL_CHARS + 1))
            .unwrap();
        book.save_to_buffer().unwrap()
    };
    let e = Roster::read(&long_cell).unwrap_err().to_string();
    assert!(e.contains("第 4 行"), "the long cell's row is named: {e}");
    let long_csv = format!("姓名,户号\n{},1-1-101\n", "王".repeat(MAX_CELL_CHARS + 1));
    let e = Roster::read(long_csv.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("第 2 行"), "{e}");

    let huge = vec![b','; MAX_FILE_BYTES + 1];
    assert!(Roster::read(&huge).unwrap_err().to_string().contains("MB"));
    assert!(
        Roster::read(b"random words, no header\r\n1,2\r\n")
            .unwrap_err()
            .to_string()
            .contains("表头")
    );
}

/// The same XLSX with its first sheet's XML rewritten by `f`.
fn rewrite_sheet(xlsx: &[u8], f: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = f(String::from_utf8(bytes).unwrap());
            assert!(xml.contains("BL99991"), "the rewrite found its target");
            bytes = xml.into_bytes();
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_household_too_big_for_one_record_is_left_out_and_the_rest_imports() {
    use gridwalk_domain::household::{MAX_MEMBERS, MAX_NOTES_CHARS};
    let (mut s, _) = bound_store(&["demo-grid-1"]);
    let mut csv = String::from("小区,户号,姓名,与户主关系,户备注\n");
    for i in 0..=MAX_MEMBERS {
        csv += &format!(
            "安康小区,1-1-101,住户{i},{},\n",
            if i == 0 { "户主" } else { "其他" }
        );
    }
    csv += &format!(
        "安康小区,1-1-102,刘洋,户主,{}\n",
        "备".repeat(MAX_NOTES_CHARS + 1)
    );
    csv += "安康小区,1-1-103,陈静,户主,\n";
    let roster = Roster::read(csv.as_bytes()).unwrap();
    let preview = s.import_preview(&roster, NOW).unwrap();
    let rows: Vec<u32> = preview.errors.iter().map(|e| e.row).collect();
    assert_eq!(
        rows,
        [2, 2 + MAX_MEMBERS as u32 + 1],
        "{:?}",
        preview.errors
    );
    assert!(
        preview.errors[0].message.contains("members"),
        "{:?}",
        preview.errors[0]
    );
    assert_eq!((preview.new_households, preview.blocked), (1, 2));
    let done = s
        .import(&roster, NOW)
        .expect("the import goes ahead without them");
    assert_eq!((done.households, done.skipped_blocked), (1, 2));
}
