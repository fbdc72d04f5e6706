//! The office's 导出 CSV from the device's side, against the real server:
//! the file holds the community's reports, lands as a new file each time,
//! is refused to riders and unbound devices without writing anything, and
//! asks for the network rather than exporting a partial local copy.

use gridwalk_app_lib::AppState;
use gridwalk_domain::Role;
use gridwalk_domain::ipc::{ExportFormat, ExportRequest, ExportWhat};

const REPORTS_CSV: ExportRequest = ExportRequest {
    what: ExportWhat::Reports,
    format: ExportFormat::Csv,
    full: false,
};

use crate::support::{COMMUNITY, GRIDS, bind, device, grid_tree, invitation, report, server_at};
use crate::sync_two_clients::pass;

fn exported_files(d: &AppState) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(&d.exports)
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_exports_its_reports_to_a_new_file_and_nobody_else_can() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_at(&tmp.path().join("server"), "127.0.0.1:0").await;
    grid_tree(&server);
    let rider = device(&tmp.path().join("rider"), &server);
    let office = device(&tmp.path().join("office"), &server);

    let err = office.export(REPORTS_CSV).await.unwrap_err();
    assert_eq!(
        err.code,
        gridwalk_domain::ErrorCode::AccountNotBound,
        "{err}"
    );

    let (_, code) = invitation(&server, "骑手 李师傅", Role::Reporter, &[GRIDS[0]]);
    bind(&rider, &code).await;
    report(&rider, "gps/DSCN0010.jpg", "3号楼东侧井盖松动");
    report(&rider, "phone/jolla.jpg", "=cmd|' /C calc'!A0");
    pass(&rider).await;
    let err = rider.export(REPORTS_CSV).await.unwrap_err();
    assert_eq!(
        err.code,
        gridwalk_domain::ErrorCode::AuthNotAManager,
        "a rider may not take the community's reports: {err}"
    );
    assert!(
        exported_files(&rider).is_empty(),
        "a refusal writes no file"
    );

    let (office_user, code) = invitation(&server, "社区办公室", Role::Office, &[COMMUNITY]);
    bind(&office, &code).await;
    let done = office.export(REPORTS_CSV).await.unwrap();
    assert_eq!(done.rows, 2, "both reports, and only rows, are counted");
    assert_eq!(done.left_out, 0, "the server read every report");
    let path = std::path::PathBuf::from(&done.path);
    assert!(
        path.starts_with(&office.exports),
        "{} is in the export folder",
        done.path
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("3号楼东侧井盖松动") && text.contains("井盖破损"),
        "{text}"
    );
    assert!(
        text.contains(",'=cmd|"),
        "a rider's formula is defused before it reaches a spreadsheet: {text}"
    );

    let again = office.export(REPORTS_CSV).await.unwrap();
    assert_ne!(again.path, done.path, "a second export is a new file");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "the first export is left as it was"
    );

    let audited = server
        .storage()
        .audit_entries(0, 500)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "export.reports" && e.actor == format!("user:{office_user}"))
        .count();
    assert_eq!(audited, 2, "the server logged both exports");

    // Offline: no export from a partial local copy, and nothing written.
    server.shutdown().await;
    let err = office.export(REPORTS_CSV).await.unwrap_err();
    assert_eq!(
        err.code,
        gridwalk_domain::ErrorCode::SyncUnreachable,
        "{err}"
    );
    assert_eq!(exported_files(&office).len(), 2);
}
