//! Printed sheets: one A4 PDF per building with a QR code for every door
//! (`gridwalk://household/<id>`) and its 户号 under it in Chinese type, to
//! cut out and stick on the doors. Generated in Rust because `window.print()`
//! does nothing in Android's and macOS's webviews.
//!
//! QR modules are drawn as filled squares, so the codes are vectors that
//! stay sharp at any printer's resolution. The text uses a CJK font found on
//! the system (Noto Sans CJK SC on Debian's `fonts-noto-cjk`); krilla embeds
//! only the glyphs used, so rare characters in names print too.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use qrcode::{Color, EcLevel, QrCode};

/// A4 in PostScript points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 36.0;
const COLUMNS: usize = 3;
const ROWS: usize = 4;
const TITLE_SIZE: f32 = 16.0;
const LABEL_SIZE: f32 = 14.0;
const QR_SIDE: f32 = 130.0;

/// Where the CJK fonts live on the systems the app runs on, with the index
/// of the Simplified Chinese face inside a collection.
const FONT_CANDIDATES: [(&str, u32); 5] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
];

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(
        "no Chinese font found to print with: install fonts-noto-cjk (or set GRIDWALK_CJK_FONT to a .ttf/.ttc file)"
    )]
    NoFont,
    #[error("the door code {0:?} does not fit in a QR code")]
    TooLong(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// One door on the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    /// What is printed under the code: the 户号.
    pub label: String,
    /// What the code says.
    pub payload: String,
}

/// The font the sheets are printed with.
pub fn cjk_font() -> Result<Font, SheetError> {
    let from_env = std::env::var("GRIDWALK_CJK_FONT").ok().map(|p| (p, 0u32));
    let candidates = from_env
        .into_iter()
        .chain(FONT_CANDIDATES.iter().map(|(p, i)| ((*p).to_owned(), *i)));
    for (path, index) in candidates {
        if let Ok(data) = std::fs::read(&path) {
            // A collection's face index, else the file's only face.
            let font = Font::new(data.clone().into(), index).or_else(|| Font::new(data.into(), 0));
            if let Some(font) = font {
                return Ok(font);
            }
        }
    }
    Err(SheetError::NoFont)
}

/// The door sheet of one building: `title` on every page, twelve doors a
/// page.
pub fn door_sheet(title: &str, doors: &[Door]) -> Result<Vec<u8>, SheetError> {
    let font = cjk_font()?;
    let codes = doors
        .iter()
        .map(|d| {
            QrCode::with_error_correction_level(d.payload.as_bytes(), EcLevel::M)
                .map_err(|_| SheetError::TooLong(d.payload.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut document = Document::new();
    let per_page = COLUMNS * ROWS;
    let pages = doors.len().div_ceil(per_page).max(1);
    for page_no in 0..pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| SheetError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        set_black(&mut surface);
        let heading = format!("{title}（第 {} / {pages} 页）", page_no + 1);
        surface.draw_text(
            Point::from_xy(MARGIN, MARGIN + TITLE_SIZE),
            font.clone(),
            TITLE_SIZE,
            &heading,
            false,
            TextDirection::Auto,
        );
        let cell_w = (PAGE_W - 2.0 * MARGIN) / COLUMNS as f32;
        let cell_h = (PAGE_H - 2.0 * MARGIN - 2.0 * TITLE_SIZE) / ROWS as f32;
        let start = page_no * per_page;
        for (i, (door, code)) in doors
            .iter()
            .zip(&codes)
            .enumerate()
            .skip(start)
            .take(per_page)
        {
            let slot = i - start;
            let x = MARGIN + (slot % COLUMNS) as f32 * cell_w + (cell_w - QR_SIDE) / 2.0;
            let y = MARGIN + 2.0 * TITLE_SIZE + (slot / COLUMNS) as f32 * cell_h + 8.0;
            draw_qr(&mut surface, code, x, y, QR_SIDE);
            let width = text_width(&door.label, LABEL_SIZE);
            surface.draw_text(
                Point::from_xy(x + (QR_SIDE - width) / 2.0, y + QR_SIDE + LABEL_SIZE + 6.0),
                font.clone(),
                LABEL_SIZE,
                &door.label,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| SheetError::Pdf(format!("{e:?}")))
}

fn set_black(surface: &mut Surface<'_>) {
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

/// The code's dark modules as squares in a `side`-point square at (x, y),
/// with the four-module quiet zone scanners need inside it.
fn draw_qr(surface: &mut Surface<'_>, code: &QrCode, x: f32, y: f32, side: f32) {
    let n = code.width();
    let module = side / (n + 8) as f32;
    let mut pb = PathBuilder::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            if let Some(r) = Rect::from_xywh(
                x + (col + 4.0) * module,
                y + (row + 4.0) * module,
                module,
                module,
            ) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
}

/// About how wide `text` sets: CJK characters a full em, the rest half.
fn text_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
}

#[cfg(test)]
mod tests;
