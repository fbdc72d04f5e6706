//! What an office takes away: reports, households and visits as tables for
//! its daily summary (日汇总) and weekly sorting (周梳理), opened in WPS or
//! Excel — CSV written here, XLSX by the server from the same table.
//!
//! The text in a record comes from people's phones, so every cell is treated
//! as hostile: quoted when it holds a separator, and defused when it starts
//! like a spreadsheet formula (`=`, `+`, `-`, `@`), which WPS and Excel would
//! otherwise run when the file is opened.

pub use crate::calendar::beijing_time;
use crate::category::CategoryCatalog;
use crate::geo::{Location, LocationSource};
use crate::ids::{DocId, GridId};
use crate::report::HazardReport;

mod archive;

pub use archive::{households_table, visits_table};

/// The response header in which the server says how many records it could
/// not read and left out of an export, so the office is told, not misled.
pub const LEFT_OUT_HEADER: &str = "x-gridwalk-left-out";
/// The response header with how many data rows an export holds.
pub const ROWS_HEADER: &str = "x-gridwalk-rows";

/// Opens the file so WPS and Excel read it as UTF-8, not the local code page.
const BOM: &str = "\u{feff}";

/// What the server fixed about a record when it was created — its id and
/// grid — beside the body a device wrote. Exports take both from here.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed<K> {
    pub id: DocId,
    pub grid: GridId,
    pub record: K,
}

/// A sheet: a header row and rows of text, written as CSV here or as
/// XLSX by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet's (and file's) name.
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The table as one CSV file, BOM first, CRLF line ends.
pub fn csv(table: &Table) -> String {
    let mut out = String::from(BOM);
    push_row(&mut out, table.header.iter().map(|h| (*h).to_owned()));
    for row in &table.rows {
        push_row(&mut out, row.iter().cloned());
    }
    out
}

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

/// Reports one row each, oldest first.
pub fn reports_table(reports: &[Fixed<HazardReport>], catalog: &CategoryCatalog) -> Table {
    let mut sorted: Vec<&Fixed<HazardReport>> = reports.iter().collect();
    sorted.sort_by_key(|f| (f.record.created_at_ms, f.id));
    let rows = sorted
        .into_iter()
        .map(|f| {
            let r = &f.record;
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
                        LocationSource::Map => "地图选点",
                    },
                ),
                Location::Address { text } => {
                    (text.clone(), String::new(), String::new(), "手填地址")
                }
            };
            vec![
                f.id.to_string(),
                f.grid.to_string(),
                catalog.zh(r.category.as_str()),
                r.description.clone(),
                place,
                lat,
                lon,
                source.to_owned(),
                r.reporter.clone(),
                beijing_time(r.created_at_ms),
                r.photos.len().to_string(),
            ]
        })
        .collect();
    Table {
        name: "随手拍",
        header: REPORT_HEADER.to_vec(),
        rows,
    }
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

#[cfg(test)]
mod tests;
