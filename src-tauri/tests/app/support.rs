//! Shared pieces: test photos, a server in a temp folder, a device.

use gridwalk_app_lib::AppState;
use gridwalk_domain::{Location, ReportDraft};
use gridwalk_sync_server::{RunningServer, ServerConfig};
use std::path::{Path, PathBuf};

pub fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/photos")
}

pub fn photo(rel: &str) -> PathBuf {
    let p = photos_dir().join(rel);
    assert!(
        p.is_file(),
        "test photo {} is missing: ../shared/testdata must sit beside the repo",
        p.display()
    );
    p
}

pub async fn server_at(dir: &Path, listen: &str) -> RunningServer {
    gridwalk_sync_server::spawn(ServerConfig::new(listen.parse().unwrap(), dir.to_owned()))
        .await
        .expect("sync server starts")
}

pub fn device(dir: &Path, server: &RunningServer) -> AppState {
    gridwalk_app_lib::open_state(dir, Some(&server.url())).expect("device store opens")
}

/// Creates a report on `device` with the given testdata photo.
pub fn report(device: &AppState, photo_rel: &str, text: &str) -> gridwalk_domain::DocId {
    let bytes = std::fs::read(photo(photo_rel)).unwrap();
    let mut store = device.store.lock().unwrap();
    let staged = store.stage_photo(&bytes, 1_000).unwrap();
    let draft = ReportDraft {
        category: "manhole_cover".into(),
        description: text.into(),
        location: Location::address("幸福小区3号楼").unwrap(),
        photos: vec![staged.photo],
        reporter: "骑手".into(),
    };
    store.create_report(draft, 2_000).unwrap()
}
