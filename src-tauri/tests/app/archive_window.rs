//! The archive in the real window, as people use it: the office imports a
//! roster (one row with an error, shown before anything is written), finds
//! a household by one character, and syncs; a grid worker logs a visit with
//! a need on that household; the office sees the need with today's count,
//! prints a building's door codes and opens a household from a photo of one;
//! then the office and another worker's phone change one member's phone
//! while the server is down — the office's window shows 两个版本 with who
//! wrote each, one pick settles it, and the other phone gets the settlement.
//! Screenshots at phone and desktop size land in `target/e2e-artifacts/`.

use gridwalk_domain::Role;
use gridwalk_domain::household::{Household, MemberEdit};
use rust_xlsxwriter::{Format, Workbook};
use std::path::Path;

use crate::driver::{
    css, gone, open_app, resize, shot, start_xvfb, tap, text_until, type_code, type_into,
};
use crate::support::{COMMUNITY, GRIDS, bind, device, grid_tree, invitation, server_at};
use crate::sync_two_clients::pass;

/// The valid ID number for 17 digits.
fn id_number(first17: &str) -> String {
    gridwalk_domain::id_number::IdNumber::complete(first17)
        .unwrap()
        .reveal()
        .to_owned()
}

/// A roster as an office keeps it: title row, header, one row per member,
/// the household's cells merged over its members, the grid by name — and
/// one member with a mistyped ID number.
fn write_roster(path: &Path) {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    let f = Format::new();
    s.merge_range(0, 0, 0, 6, "幸福里社区 家庭花名册", &f)
        .unwrap();
    for (c, h) in [
        "网格",
        "小区",
        "户号",
        "姓名",
        "与户主关系",
        "联系电话",
        "身份证号",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(1, c as u16, *h).unwrap();
    }
    let good = id_number("31011519500101123");
    let bad = format!("{}9", &id_number("31011519620202123")[..17]);
    let rows: [(&str, &str, &str, &str, &str, &str, String); 5] = [
        (
            "第1网格",
            "幸福小区",
            "3-2-501",
            "王秀英",
            "户主",
            "13812345678",
            good,
        ),
        ("", "", "", "李建国", "配偶", "13900001111", String::new()),
        (
            "第1网格",
            "幸福小区",
            "5-1-302",
            "张伟",
            "户主",
            "13700002222",
            String::new(),
        ),
        (
            "第1网格",
            "幸福小区",
            "7-102",
            "王磊",
            "户主",
            "",
            String::new(),
        ),
        ("第1网格", "幸福小区", "8-301", "赵敏", "户主", "", bad),
    ];
    for (i, (grid, estate, door, name, rel, phone, id)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        for (c, v) in [*grid, *estate, *door, *name, *rel, *phone, id.as_str()]
            .iter()
            .enumerate()
        {
            if !v.is_empty() {
                s.write_string(r, c as u16, *v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

/// A photo of the first door code on the one sheet in `downloads`: the
/// printed page rendered at 100 dpi (as poppler prints it) and cropped to
/// that code, as a phone held to the door would frame it.
fn door_photo(downloads: &Path, work: &Path) -> std::path::PathBuf {
    let sheet = std::fs::read_dir(downloads)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("the sheet is saved where downloads go");
    let out = work.join("door-photo");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "100", "-jpeg", "-f", "1", "-l", "1", "-singlefile"])
        // The first cell's code sits at about (81, 106) px, 181 px wide.
        .args(["-x", "50", "-y", "80", "-W", "240", "-H", "240"])
        .arg(&sheet)
        .arg(&out)
        .status()
        .expect("pdftoppm runs: install poppler-utils (scripts/setup.sh does)");
    assert!(status.success());
    out.with_extension("jpg")
}

/// The id of the member named `name` on the open household page.
async fn member_id(c: &fantoccini::Client, name: &str) -> String {
    text_until(c, "#members", |t| t.contains(name)).await;
    c.execute(
        "for (const m of document.querySelectorAll('.member[data-member]')) { \
           if (m.innerText.includes(arguments[0])) return m.dataset.member; } return '';",
        vec![serde_json::json!(name)],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_owned()
}

async fn open_household(c: &fantoccini::Client, search: &str, line: &str) {
    tap(c, "#tab-households").await;
    let input = css(c, "#household-search").await;
    input.clear().await.unwrap();
    input.send_keys(search).await.unwrap();
    text_until(c, "#household-rows", |t| t.contains(line)).await;
    let href = c
        .execute(
            "for (const a of document.querySelectorAll('.household-row')) { \
               if (a.innerText.includes(arguments[0])) return a.getAttribute('href'); } return '';",
            vec![serde_json::json!(line)],
        )
        .await
        .unwrap();
    tap(
        c,
        &format!("a.household-row[href='{}']", href.as_str().unwrap()),
    )
    .await;
    text_until(c, "#household-title", |t| t.contains(line)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_goes_in_a_visit_raises_a_need_and_a_collision_is_settled_in_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let server_dir = tmp.path().join("server");
    let mut server = server_at(&server_dir, "127.0.0.1:0").await;
    let listen = server.addr().to_string();
    grid_tree(&server);
    let (_, office_code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    let (_, worker_code) = invitation(&server, "网格员 王芳", Role::GridWorker, &[GRIDS[0]]);
    let (_, other_code) = invitation(&server, "网格员 李明", Role::GridWorker, &[GRIDS[0]]);
    let roster = tmp.path().join("花名册.xlsx");
    write_roster(&roster);
    let (_xvfb, display) = start_xvfb();
    let office_dir = tmp.path().join("office");

    // The office imports the roster: the preview first, nothing written.
    let (o, driver_o) = open_app(&display, &office_dir, &server.url()).await;
    tap(&o, "#tab-settings").await;
    type_code(&o, "bind", &office_code).await;
    text_until(&o, "#account", |t| t.contains("社区办公室")).await;
    tap(&o, "#tab-households").await;
    text_until(&o, "#households-empty", |t| !t.is_empty()).await;
    tap(&o, "#open-import").await;
    type_into(&o, "#import-file", roster.to_str().unwrap()).await;
    let summary = text_until(&o, "#import-summary", |t| !t.is_empty()).await;
    assert!(
        summary.contains("新增 3 户")
            && summary.contains("4 人")
            && summary.contains("1 户因错误跳过"),
        "the preview counts what will be created and what is skipped: {summary}"
    );
    let errors = text_until(&o, "#import-errors", |t| t.contains("第 18 位")).await;
    assert!(
        errors.contains('7') && errors.contains("身份证号"),
        "row 7's ID digit is named: {errors}"
    );
    shot(&o, "o-1-import-preview").await;
    tap(&o, "#import-run").await;
    text_until(&o, "#toast", |t| t.contains("已导入 3 户、4 人")).await;

    // One character finds every 王, on a phone-sized window.
    resize(&o, 360, 800).await;
    type_into(&o, "#household-search", "王").await;
    let found = text_until(&o, "#households-count", |t| t.contains("2 户")).await;
    let rows = text_until(&o, "#household-rows", |t| {
        t.contains("王秀英") && t.contains("王磊")
    })
    .await;
    assert!(
        !rows.contains("张伟"),
        "only households with a 王: {rows} ({found})"
    );
    assert!(
        rows.contains("138****5678") && !rows.contains("13812345678"),
        "phones masked: {rows}"
    );
    shot(&o, "o-2-search-one-character-phone").await;
    resize(&o, 1024, 768).await;
    tap(&o, "#sync-now").await;
    text_until(&o, "#sync-badge", |t| t.contains("上次同步")).await;
    o.close().await.unwrap();
    drop(driver_o);

    // The grid worker logs a visit with a need, on a phone.
    let (w, driver_w) = open_app(&display, &tmp.path().join("worker"), &server.url()).await;
    tap(&w, "#tab-settings").await;
    type_code(&w, "bind", &worker_code).await;
    text_until(&w, "#account", |t| t.contains("网格员 王芳")).await;
    tap(&w, "#sync-now").await;
    resize(&w, 360, 800).await;
    open_household(&w, "3-2-501", "3号楼 2单元 501室").await;
    let page = text_until(&w, "#members", |t| t.contains("王秀英")).await;
    assert!(
        page.contains("138****5678"),
        "the page masks the phone: {page}"
    );
    tap(&w, "#log-visit").await;
    tap(&w, "#method-red_letter").await;
    type_into(&w, "#visit-notes", "送去红色家书，老人腿脚不便").await;
    tap(&w, "#add-need").await;
    tap(&w, "#need-category-0 option[value='medical']").await;
    type_into(&w, "#need-description-0", "想请家庭医生上门量血压").await;
    shot(&w, "w-1-visit-form-phone").await;
    tap(&w, "#visit-save").await;
    let timeline = text_until(&w, "#timeline", |t| t.contains("家庭医生")).await;
    assert!(
        timeline.contains("红色家书"),
        "the visit's method shows: {timeline}"
    );
    text_until(&w, "#timeline", |t| t.contains("已同步")).await;
    shot(&w, "w-2-household-timeline-phone").await;
    w.close().await.unwrap();
    drop(driver_w);

    // The office sees the need, counted as raised today.
    let (o, _driver_o) = open_app(&display, &office_dir, &server.url()).await;
    tap(&o, "#sync-now").await;
    tap(&o, "#tab-needs").await;
    let needs = text_until(&o, "#need-rows", |t| t.contains("家庭医生")).await;
    assert!(
        needs.contains("幸福小区 3号楼 2单元 501室") && needs.contains("待处理"),
        "{needs}"
    );
    let today = text_until(&o, "#needs-today", |t| t.contains('1')).await;
    assert!(today.contains("医疗"), "today's count by category: {today}");
    shot(&o, "o-3-needs-desktop").await;
    resize(&o, 360, 800).await;
    shot(&o, "o-3a-needs-phone").await;
    resize(&o, 1024, 768).await;

    // The office prints 3号楼's door codes; a photo of one opens its household.
    tap(&o, "#tab-households").await;
    tap(&o, "#open-sheets").await;
    text_until(&o, "#buildings", |t| t.contains("幸福小区 3号楼")).await;
    let index = o
        .execute(
            "return [...document.querySelectorAll('#buildings .building')] \
               .findIndex(li => li.innerText.includes('3号楼'));",
            vec![],
        )
        .await
        .unwrap();
    tap(&o, &format!("#print-sheet-{}", index.as_i64().unwrap())).await;
    let printed = text_until(&o, "#sheet-message", |t| t.contains(".pdf")).await;
    assert!(printed.contains("已生成 1 户的门牌码"), "{printed}");
    shot(&o, "o-3b-door-sheet").await;
    let photo = door_photo(&office_dir.join("downloads"), tmp.path());
    tap(&o, "#tab-households").await;
    type_into(&o, "#scan-door", photo.to_str().unwrap()).await;
    text_until(&o, "#household-title", |t| t.contains("3号楼 2单元 501室")).await;

    // Another worker's phone has the household too.
    let other = device(&tmp.path().join("other"), &server);
    bind(&other, &other_code).await;
    pass(&other).await;
    let household = {
        let store = other.store.lock().unwrap();
        let listed = store
            .households(&Default::default(), &Default::default())
            .unwrap();
        listed
            .into_iter()
            .find(|h| h.summary.door == "3-2-501")
            .expect("the worker's phone has the imported household")
            .id
    };

    // The server is down: the phone and the office change one phone apart.
    open_household(&o, "王秀英", "3号楼 2单元 501室").await;
    let member = member_id(&o, "王秀英").await;
    shot(&o, "o-3d-household-desktop").await;
    server.shutdown().await;
    {
        let mut store = other.store.lock().unwrap();
        let rec: Household = store.record(&household).unwrap().unwrap();
        let (mid, _) = rec
            .members
            .iter()
            .find(|(_, m)| m.name == "王秀英")
            .unwrap();
        let edit = MemberEdit {
            name: "王秀英".into(),
            relation: "head".into(),
            phone: Some("13700003333".into()),
            id_number: None,
            birth_year: String::new(),
            notes: String::new(),
        };
        store
            .edit_member(
                &household,
                mid,
                &edit,
                gridwalk_app_lib::sync_loop::now_ms(),
            )
            .unwrap();
    }
    tap(&o, &format!("#edit-member-{member}")).await;
    let phone = css(&o, "#member-phone").await;
    phone.send_keys("13600004444").await.unwrap();
    text_until(&o, "#member-phone", |v| v == "13600004444").await;
    text_until(&o, "#member-form h2", |t| t.contains("修改成员")).await;
    shot(&o, "o-3c-member-editor-desktop").await;
    tap(&o, "#member-save").await;
    text_until(&o, "#members", |t| t.contains("136****4444")).await;

    server = server_at(&server_dir, &listen).await;
    pass(&other).await;
    tap(&o, "#sync-now").await;
    let conflict = text_until(&o, "#conflicts", |t| {
        t.contains("网格员 李明") && t.contains("社区办公室")
    })
    .await;
    assert!(
        conflict.contains("137****3333") && conflict.contains("136****4444"),
        "both versions shown, masked, with who wrote each: {conflict}"
    );
    shot(&o, "o-4-two-versions-desktop").await;
    resize(&o, 360, 800).await;
    o.execute(
        "document.querySelector('#conflicts').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(&o, "o-5-two-versions-phone").await;
    resize(&o, 1024, 768).await;

    // The office keeps the phone's version; the phone gets the settlement.
    let pick = o
        .execute(
            "for (const v of document.querySelectorAll('#conflicts .version')) { \
               if (v.innerText.includes('李明')) return v.querySelector('button').id; } return '';",
            vec![],
        )
        .await
        .unwrap();
    tap(&o, &format!("#{}", pick.as_str().unwrap())).await;
    // The phone's version may already be the one shown: wait for the
    // two versions to go, which is what settling changes on screen.
    gone(&o, "#conflicts").await;
    text_until(&o, "#members", |t| t.contains("137****3333")).await;
    tap(&o, "#sync-now").await;
    text_until(&o, "#sync-badge", |t| t.contains("上次同步")).await;
    pass(&other).await;
    {
        let store = other.store.lock().unwrap();
        assert!(
            store.conflicts(&household).unwrap().is_empty(),
            "settled on the phone too"
        );
        let rec: Household = store.record(&household).unwrap().unwrap();
        let kept = rec.members.values().find(|m| m.name == "王秀英").unwrap();
        assert_eq!(kept.phone.as_ref().unwrap().reveal(), "13700003333");
    }
    shot(&o, "o-6-settled").await;
    o.close().await.unwrap();
    server.shutdown().await;
}
