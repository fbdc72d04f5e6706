//! The sheet as a printer would print it: rendered to pixels by poppler
//! (`pdftoppm`), every code on it must scan back to its door.

use super::*;
use std::process::Command;

fn doors(n: usize) -> Vec<Door> {
    (0..n)
        .map(|i| Door {
            label: format!("3-2-{}", 101 + i),
            payload: format!("gridwalk://household/00000000-0000-4000-8000-{:012}", i),
        })
        .collect()
}

/// Page `page` (1-based) of `pdf` as a grey image at 150 dpi.
fn render(pdf: &[u8], page: u32) -> image::GrayImage {
    let dir = tempfile_dir();
    let input = dir.join("sheet.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = dir.join("page");
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            "150",
            "-gray",
            "-png",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-singlefile",
        ])
        .arg(&input)
        .arg(&out)
        .status()
        .expect("pdftoppm runs: install poppler-utils (scripts/setup.sh does)");
    assert!(status.success());
    image::open(dir.join("page.png")).unwrap().to_luma8()
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gridwalk-sheet-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What each door's cell of a rendered page scans as, one at a time, the
/// way a phone held to a door sees one code.
fn scanned(page: image::GrayImage) -> Vec<String> {
    let scale = page.width() as f32 / PAGE_W;
    let cell_w = (PAGE_W - 2.0 * MARGIN) / COLUMNS as f32;
    let cell_h = (PAGE_H - 2.0 * MARGIN - 2.0 * TITLE_SIZE) / ROWS as f32;
    let mut out = Vec::new();
    for slot in 0..COLUMNS * ROWS {
        let x = MARGIN + (slot % COLUMNS) as f32 * cell_w;
        let y = MARGIN + 2.0 * TITLE_SIZE + (slot / COLUMNS) as f32 * cell_h;
        let cell = image::imageops::crop_imm(
            &page,
            (x * scale) as u32,
            (y * scale) as u32,
            (cell_w * scale) as u32,
            (cell_h * scale) as u32,
        )
        .to_image();
        let mut prepared = rqrr::PreparedImage::prepare(cell);
        out.extend(
            prepared
                .detect_grids()
                .into_iter()
                .filter_map(|g| g.decode().ok().map(|(_, text)| text)),
        );
    }
    out.sort();
    out
}

#[test]
fn every_door_code_on_the_printed_sheet_scans_back_to_its_household() {
    let all = doors(14);
    let pdf = door_sheet("幸福小区 3号楼 · 门牌码", &all).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let mut first: Vec<String> = all[..12].iter().map(|d| d.payload.clone()).collect();
    first.sort();
    assert_eq!(
        scanned(render(&pdf, 1)),
        first,
        "twelve doors on page one, each readable"
    );
    let mut second: Vec<String> = all[12..].iter().map(|d| d.payload.clone()).collect();
    second.sort();
    assert_eq!(scanned(render(&pdf, 2)), second, "the rest on page two");
}

#[test]
fn the_chinese_labels_are_embedded_as_text() {
    let pdf = door_sheet("安康小区 12号楼", &doors(1)).unwrap();
    let dir = tempfile_dir();
    let path = dir.join("text.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs: install poppler-utils");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("安康小区 12号楼"),
        "the title reads back: {text}"
    );
    assert!(
        text.contains("3-2-101"),
        "the door number reads back: {text}"
    );
}
