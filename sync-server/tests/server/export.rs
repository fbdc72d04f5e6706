//! Office exports over real HTTP on both backends: an office takes away the
//! reports of its own community and nothing else, riders and grid workers
//! get nothing, a row's grid is the one the server fixed (not what a device
//! wrote in the body), and every export lands in the audit log with how many
//! rows left the server.

use gridwalk_domain::directory::AuditEntry;
use gridwalk_domain::export::LEFT_OUT_HEADER;
use gridwalk_domain::{
    BlobHash, CategoryCode, DeviceId, DocId, GridId, HazardReport, Location, PhotoRef,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::accounts::{call, login};
use crate::support::{ADMIN_PASSWORD, Backend, Doc, World, world};

fn report_body(grid: &str, description: &str) -> serde_json::Value {
    let report = HazardReport {
        id: DocId::from_random_bytes([7; 16]),
        scope: GridId::parse(grid).unwrap(),
        category: CategoryCode::parse("manhole_cover").unwrap(),
        description: description.into(),
        location: Location::address("幸福小区2号楼").unwrap(),
        photos: vec![PhotoRef {
            hash: BlobHash::from_digest(&[1; 32]),
            thumb: BlobHash::from_digest(&[2; 32]),
            bytes: 1000,
            mime: "image/jpeg".into(),
            width: 1600,
            height: 1200,
        }],
        reporter: "王师傅".into(),
        reporter_device: DeviceId::from_random_bytes([8; 16]),
        created_at_ms: 1_764_000_000_000,
        progress: Default::default(),
        seconds: None,
    };
    serde_json::to_value(report).unwrap()
}

/// `who` reports into `grid`; the body is whatever the caller made.
async fn push(w: &World, who: &str, grid: &str, body: serde_json::Value) -> DocId {
    let (doc, change) = Doc::create(w.device(who), "report", grid, body);
    w.sync(who, 0, vec![change]).await;
    doc.id
}

/// Status, content type with the left-out count the server reports, and the body.
async fn export(w: &World, token: &str) -> (StatusCode, String, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/admin/export/reports.csv", w.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let kind = format!(
        "{}; left out: {}",
        header("content-type"),
        header(LEFT_OUT_HEADER)
    );
    (status, kind, resp.text().await.unwrap())
}

fn data_rows(csv: &str) -> Vec<&str> {
    csv.trim_end_matches("\r\n").split("\r\n").skip(1).collect()
}

#[tokio::test]
async fn an_office_exports_its_own_communitys_reports_and_every_export_is_audited() {
    for backend in Backend::ALL {
        let w = world(backend).await;
        let g1 = push(&w, "rider1", "g1", report_body("g1", "井盖松动")).await;
        // The body claims another community's grid; the server stored it in g2.
        let g2 = push(&w, "rider2", "g2", report_body("g3", "垃圾堆积三天")).await;
        let g3 = push(&w, "worker3", "g3", report_body("g3", "别的社区的事")).await;
        // Accepted by the feed (its body is not checked there) but not a report.
        push(&w, "rider1", "g1", json!({"nonsense": "=1+1"})).await;

        let (status, kind, csv) = export(&w, &w.tokens["office1"]).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {csv}");
        assert_eq!(
            kind, "text/csv; charset=utf-8; left out: 1",
            "the office is told that one record could not be read"
        );
        let rows = data_rows(&csv);
        assert_eq!(rows.len(), 2, "office1 gets g1 and g2 only: {csv}");
        assert!(
            rows.iter()
                .any(|r| r.starts_with(&format!("{g1},g1,井盖破损,井盖松动,")))
        );
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("{g2},g2,"))),
            "the row's grid is the stored one, not the body's: {csv}"
        );
        assert!(
            !csv.contains("别的社区的事"),
            "no other community's data: {csv}"
        );
        assert!(!csv.contains(&g3.to_string()));

        let (_, _, csv) = export(&w, &w.tokens["office2"]).await;
        assert_eq!(data_rows(&csv).len(), 1, "office2 gets only g3: {csv}");

        for who in ["rider1", "worker1", "dept1"] {
            let (status, _, body) = export(&w, &w.tokens[who]).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{who} may not export: {body}"
            );
            assert!(
                !body.contains("井盖松动"),
                "{who} got data with a refusal: {body}"
            );
        }

        let (_, body) = login(&w.url(), ADMIN_PASSWORD).await;
        let admin = body["token"].as_str().unwrap().to_owned();
        let (status, _, csv) = export(&w, &admin).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            data_rows(&csv).len(),
            3,
            "an admin exports every grid: {csv}"
        );

        let audit = audit_log(&w, &admin).await;
        let exports: Vec<(String, String, String)> = audit
            .into_iter()
            .filter(|e| e.action == "export.reports")
            .map(|e| (e.actor, e.target, e.detail))
            .collect();
        let office1 = format!("user:{}", w.users["office1"]);
        let office2 = format!("user:{}", w.users["office2"]);
        assert_eq!(
            exports,
            vec![
                (
                    office1,
                    "grids:c1,g1,g2".to_owned(),
                    "随手拍: 2 rows; unreadable, left out: 1".to_owned()
                ),
                (
                    office2,
                    "grids:c2,g3".to_owned(),
                    "随手拍: 1 rows".to_owned()
                ),
                (
                    "admin:root".to_owned(),
                    "grids:all".to_owned(),
                    "随手拍: 3 rows; unreadable, left out: 1".to_owned()
                ),
            ],
            "each export is logged with who, which grids and how many rows; refusals export nothing"
        );
    }
}

/// A household with one member, as a grid worker's phone writes it.
fn household_body(grid: &str, door: &str, phone: &str) -> serde_json::Value {
    use gridwalk_domain::household::{Household, HouseholdDraft, Member, MemberDraft};
    let v = gridwalk_domain::catalog::builtin_vocabulary();
    let mut h = Household::from_draft(
        &HouseholdDraft {
            estate: "幸福小区".into(),
            door: door.into(),
            tags: vec!["living_alone_elder".into()],
            notes: String::new(),
        },
        DocId::from_random_bytes([4; 16]),
        GridId::parse(grid).unwrap(),
        v,
        "王芳",
        1_764_000_000_000,
    )
    .unwrap();
    let today = gridwalk_domain::calendar::CivilDate::new(2026, 12, 1).unwrap();
    let m = MemberDraft {
        name: "张秀英".into(),
        relation: "head".into(),
        phone: phone.into(),
        id_number: gridwalk_domain::id_number::IdNumber::complete("31011519500101123")
            .unwrap()
            .reveal()
            .to_owned(),
        ..Default::default()
    };
    h.members.insert(
        gridwalk_domain::MemberId::from_random_bytes([5; 16]),
        Member::from_draft(&m, v, today).unwrap(),
    );
    serde_json::to_value(h).unwrap()
}

async fn get(w: &World, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/admin/export/{path}", w.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn households_leave_masked_unless_full_data_is_asked_for_and_logged() {
    use calamine::Reader;
    for backend in Backend::ALL {
        let w = world(backend).await;
        let (doc, change) = Doc::create(
            w.device("worker1"),
            "household",
            "g1",
            household_body("g1", "3-2-501", "13812345678"),
        );
        w.sync("worker1", 0, vec![change]).await;
        let (_, other) = Doc::create(
            w.device("worker3"),
            "household",
            "g3",
            household_body("g3", "9-901", "13911112222"),
        );
        w.sync("worker3", 0, vec![other]).await;

        let (status, csv) = get(&w, &w.tokens["office1"], "households.csv").await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        let rows = data_rows(&csv);
        assert_eq!(rows.len(), 1, "office1 gets its own community only: {csv}");
        assert!(rows[0].starts_with(&format!(
            "{},g1,幸福小区,3,2,501,3-2-501,张秀英,户主",
            doc.id
        )));
        assert!(
            csv.contains("138****5678") && !csv.contains("13812345678"),
            "masked by default"
        );
        assert!(!csv.contains("3101151950"), "ID numbers masked by default");

        let (status, full) = get(&w, &w.tokens["office1"], "households.xlsx?full=true").await;
        assert_eq!(status, StatusCode::OK);
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(full)).expect("a real XLSX file");
        let sheet = book.worksheet_range("家庭档案").unwrap();
        let cells: Vec<String> = sheet
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(cells[7], "张秀英");
        assert_eq!(
            cells[9], "13812345678",
            "full data when the office asks for it"
        );

        let (status, visits) = get(&w, &w.tokens["office1"], "visits.csv").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&visits)
        );
        for who in ["rider1", "worker1", "dept1"] {
            let (status, _) = get(&w, &w.tokens[who], "households.csv?full=true").await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{who} may not export households"
            );
        }
        let (status, _) = get(&w, &w.tokens["office1"], "passwords.csv").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, body) = login(&w.url(), ADMIN_PASSWORD).await;
        let admin = body["token"].as_str().unwrap().to_owned();
        let audit = audit_log(&w, &admin).await;
        let details: Vec<String> = audit
            .iter()
            .filter(|e| e.action.starts_with("export."))
            .map(|e| format!("{} {}", e.action, e.detail))
            .collect();
        assert_eq!(
            details,
            [
                "export.households 家庭档案: 1 rows; masked",
                "export.households 家庭档案: 1 rows; FULL phones and ID numbers",
                "export.visits 走访记录: 0 rows",
            ],
            "every export is logged, full data as such ({backend:?})"
        );
    }
}

/// The audit log as an admin reads it through the API.
async fn audit_log(w: &World, admin: &str) -> Vec<AuditEntry> {
    let (_, audit) = call(
        reqwest::Method::GET,
        format!("{}/v1/admin/audit", w.url()),
        Some(admin),
        None,
    )
    .await;
    serde_json::from_value(audit).unwrap()
}
