//! Export run: N reports stored in a fresh SQLite feed, then one office
//! export of all of them — rebuilt from their changes, re-validated and
//! written as CSV, as `GET /v1/admin/export/reports.csv` does. Prints the
//! time, rows per second, the CSV's size and this process's memory. Not a
//! pass/fail test: a measurement.
//!
//!     cargo bench -p gridwalk-sync-server --bench export
//!     GRIDWALK_EXPORT_REPORTS=50000 cargo bench -p gridwalk-sync-server --bench export

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "support/proc_memory.rs"]
#[allow(dead_code)] // shared by the benches; this one reads memory only
mod proc_memory;

use gridwalk_domain::catalog::builtin_catalog;
use gridwalk_domain::export::reports_table;
use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{
    BlobHash, CategoryCode, Coordinates, DeviceId, DocId, DocKind, GridId, HazardReport, Location,
    LocationSource, PhotoRef,
};
use gridwalk_sync_server::export;
use gridwalk_sync_server::export::table_csv;
use gridwalk_sync_server::storage::{CheckedChange, DocFacts, Storage};
use proc_memory::memory_mib;
use std::collections::HashMap;
use std::time::Instant;

const GRID: &str = "grid-export";
/// As many as one push may carry.
const PER_APPEND: u64 = 500;

fn id(n: u64, salt: u8) -> [u8; 16] {
    let mut b = [salt; 16];
    // Byte 8 carries the UUID variant bits, so `n` goes after it.
    b[9..].copy_from_slice(&n.to_le_bytes()[..7]);
    b
}

/// A report like a rider's: one photo, a GPS point with a note, a sentence.
fn report(n: u64) -> (DocId, CheckedChange) {
    let doc = DocId::from_random_bytes(id(n, 1));
    let device = DeviceId::from_random_bytes(id(n % 200, 2));
    let body = HazardReport {
        id: doc,
        scope: GridId::parse(GRID).unwrap(),
        category: CategoryCode::parse(if n.is_multiple_of(2) {
            "garbage"
        } else {
            "manhole_cover"
        })
        .unwrap(),
        description: format!("{}号楼东侧井盖松动，电动车压过会翘起", n % 40),
        location: Location::Point {
            coords: Coordinates::parse(31.23 + n as f64 * 1e-6, 121.47).unwrap(),
            source: LocationSource::PhotoExif,
            note: "3号楼东侧".into(),
        },
        photos: vec![PhotoRef {
            hash: BlobHash::from_digest(&[n as u8; 32]),
            thumb: BlobHash::from_digest(&[!(n as u8); 32]),
            bytes: 180_000,
            mime: "image/jpeg".into(),
            width: 1600,
            height: 1200,
        }],
        reporter: "骑手 李师傅".into(),
        reporter_device: device,
        created_at_ms: 1_764_000_000_000 + n as i64 * 60_000,
        progress: Default::default(),
        seconds: None,
    };
    let (_, change) = gridwalk_records::create(&device, &body, None, body.created_at_ms).unwrap();
    let checked = CheckedChange::decode(WireChange {
        doc,
        scope: GridId::parse(GRID).unwrap(),
        bytes: change.raw_bytes().to_vec(),
    })
    .unwrap();
    (doc, checked)
}

fn main() {
    let n = std::env::var("GRIDWALK_EXPORT_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000u64);
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::open_sqlite(&dir.path().join("sync.sqlite")).unwrap();
    let facts = DocFacts {
        scope: GridId::parse(GRID).unwrap(),
        kind: DocKind::Report,
        owner: "bench".into(),
        wish: false,
    };
    let mut start = 0;
    while start < n {
        let batch: Vec<(DocId, CheckedChange)> =
            (start..n.min(start + PER_APPEND)).map(report).collect();
        let new: HashMap<DocId, DocFacts> =
            batch.iter().map(|(d, _)| (*d, facts.clone())).collect();
        let changes: Vec<CheckedChange> = batch.into_iter().map(|(_, c)| c).collect();
        storage
            .append("bench", &changes, &new, &HashMap::new(), &HashMap::new(), 0)
            .unwrap();
        start += PER_APPEND;
    }
    let (rss_before, _) = memory_mib("self");

    let grids = [GridId::parse(GRID).unwrap()];
    let started = Instant::now();
    let exported = export::records::<HazardReport>(&storage, Some(&grids)).unwrap();
    let rebuilt = started.elapsed();
    let csv = table_csv(&reports_table(&exported.records, builtin_catalog())).unwrap();
    let total = started.elapsed();
    let (rss_after, peak) = memory_mib("self");
    assert_eq!(exported.records.len() as u64, n, "every report exported");
    assert_eq!(exported.unreadable, 0);

    println!("gridwalk report export");
    println!("  reports         {n} (one grid, one change each)");
    println!(
        "  rebuild         {:.0} ms ({:.0} reports/s)",
        rebuilt.as_secs_f64() * 1000.0,
        n as f64 / rebuilt.as_secs_f64()
    );
    println!(
        "  with CSV        {:.0} ms, {:.1} MiB of CSV",
        total.as_secs_f64() * 1000.0,
        csv.len() as f64 / 1024.0 / 1024.0
    );
    println!(
        "  memory          {rss_before:.1} MiB before, {rss_after:.1} MiB after, {peak:.1} MiB peak (whole process)"
    );
}
