//! What an office takes away: reports as CSV for its daily summary (日汇总)
//! and weekly sorting (周梳理), opened in WPS or Excel.
//!
//! The text in a report comes from riders' phones, so every cell is treated
//! as hostile: quoted when it holds a separator, and defused when it starts
//! like a spreadsheet formula (`=`, `+`, `-`, `@`), which WPS and Excel would
//! otherwise run when the file is opened.

use crate::category::CategoryCatalog;
use crate::geo::{Location, LocationSource};
use crate::report::HazardReport;

/// The response header in which the server says how many records it could
/// not read and left out of an export, so the office is told, not misled.
pub const LEFT_OUT_HEADER: &str = "x-gridwalk-left-out";

/// Opens the file so WPS and Excel read it as UTF-8, not the local code page.
const BOM: &str = "\u{feff}";

const REPORT_HEADER: [&str; 11] = [
    "编号",
    "网格",
    "类别",
    "描述",
    "位置",
    "纬度",
    "经度",
    "定位来源",
    "上报人",
    "上报时间（北京时间）",
    "照片数",
];

/// The reports as one CSV file, oldest first, one row each.
pub fn reports_csv(reports: &[HazardReport], catalog: &CategoryCatalog) -> String {
    let mut sorted: Vec<&HazardReport> = reports.iter().collect();
    sorted.sort_by_key(|r| (r.created_at_ms, r.id));
    let mut out = String::from(BOM);
    push_row(&mut out, REPORT_HEADER.iter().map(|h| (*h).to_owned()));
    for r in sorted {
        let category = catalog
            .get(r.category.as_str())
            .map_or_else(|_| r.category.as_str().to_owned(), |c| c.zh.clone());
        let (place, lat, lon, source) = match &r.location {
            Location::Point {
                coords,
                source,
                note,
            } => (
                note.clone(),
                format!("{:.6}", coords.lat()),
                format!("{:.6}", coords.lon()),
                match source {
                    LocationSource::PhotoExif => "照片GPS",
                    LocationSource::Device => "手机定位",
                },
            ),
            Location::Address { text } => (text.clone(), String::new(), String::new(), "手填地址"),
        };
        push_row(
            &mut out,
            [
                r.id.to_string(),
                r.scope.to_string(),
                category,
                r.description.clone(),
                place,
                lat,
                lon,
                source.to_owned(),
                r.reporter.clone(),
                beijing_time(r.created_at_ms),
                r.photos.len().to_string(),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    // RFC 4180 lines end in CRLF.
    out.push_str("\r\n");
}

fn push_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        // A leading apostrophe makes the spreadsheet show the text as text.
        out.push('\'');
    }
    out.push_str(&cell.replace('"', "\"\""));
    if quote {
        out.push('"');
    }
}

/// How many rows below the header a CSV text holds; line breaks inside a
/// quoted cell are part of the cell, not new rows.
pub fn csv_data_rows(text: &str) -> usize {
    let mut in_quotes = false;
    let mut records = 0;
    let mut open_record = false;
    for c in text.chars() {
        match c {
            // `""` inside a cell flips twice: still inside.
            '"' => {
                in_quotes = !in_quotes;
                open_record = true;
            }
            '\n' if !in_quotes => {
                records += 1;
                open_record = false;
            }
            '\r' => {}
            _ => open_record = true,
        }
    }
    (records + usize::from(open_record)).saturating_sub(1)
}

/// `2026-11-25 21:33:48` in China Standard Time (UTC+8, no daylight saving),
/// the time every office reads.
pub fn beijing_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 8 * 3600;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests;
