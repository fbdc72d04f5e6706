//! Rosters brought in from the spreadsheets offices keep: XLSX (merged
//! cells for a household's address over its members' rows) or CSV (UTF-8,
//! or GB18030 as Excel saves it on Chinese Windows).
//!
//! The file is hostile until read: its size is capped, an XLSX's zip
//! directory is checked (total unpacked size, packing ratio, entry count)
//! before calamine opens it, and cells are streamed under row, column and
//! cell caps — calamine's range reader would allocate rows × columns
//! densely, and a sheet with one cell at XFD1048576 would take the app down.

mod columns;
mod plan;

pub use columns::Column;

use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

use crate::error::{CoreError, Result};

pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Unpacked, an XLSX may hold at most this much.
const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// A zip entry packed tighter than this is a bomb, not a spreadsheet.
const MAX_PACKING_RATIO: u64 = 200;
const MAX_ZIP_ENTRIES: usize = 2_000;
pub const MAX_ROWS: u32 = 100_000;
/// Columns past this are ignored: no roster is wider.
const MAX_COLUMNS: u32 = 64;
/// Filled cells, merged areas counted cell by cell.
const MAX_CELLS: usize = 3_000_000;
/// No roster field is longer; a longer cell is a file made to cost memory
/// (and copied into every cell of its merged area).
const MAX_CELL_CHARS: usize = 4_000;
/// Rows searched for the header.
const HEADER_SEARCH_ROWS: usize = 15;

/// One data row: its number as the spreadsheet shows it, and its cells by
/// the column they fall under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub row: u32,
    pub cells: BTreeMap<Column, String>,
}

impl RosterRow {
    pub fn get(&self, c: Column) -> &str {
        self.cells.get(&c).map_or("", |s| s.trim())
    }
}

/// A roster as read from a file, before anything is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    /// Where it came from: sheet and header row, for the preview.
    pub source: String,
}

fn refused(message: impl Into<String>) -> CoreError {
    CoreError::Import(message.into())
}

impl Roster {
    pub fn read(file: &[u8]) -> Result<Self> {
        if file.len() > MAX_FILE_BYTES {
            return Err(refused(format!(
                "文件有 {} MB，超过 {} MB：请按网格拆分后分别导入",
                file.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            )));
        }
        let (grid, source) = if file.starts_with(b"PK\x03\x04") {
            read_xlsx(file)?
        } else {
            (read_csv(file)?, "CSV".to_owned())
        };
        let (header_at, columns) = find_header(&grid)?;
        let mut rows = Vec::new();
        for (i, cells) in grid.iter().enumerate().skip(header_at + 1) {
            let mut row = BTreeMap::new();
            for (c, col) in columns.iter().enumerate() {
                if let (Some(col), Some(v)) = (col, cells.get(c))
                    && !v.trim().is_empty()
                {
                    row.insert(*col, v.clone());
                }
            }
            if !row.is_empty() {
                rows.push(RosterRow {
                    row: i as u32 + 1,
                    cells: row,
                });
            }
        }
        Ok(Self {
            rows,
            source: format!("{source}，表头在第 {} 行", header_at + 1),
        })
    }
}

/// The first row that names a member and an address: the header.
fn find_header(grid: &[Vec<String>]) -> Result<(usize, Vec<Option<Column>>)> {
    for (i, row) in grid.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let columns: Vec<Option<Column>> = row.iter().map(|h| Column::from_header(h)).collect();
        let has = |c: Column| columns.contains(&Some(c));
        if has(Column::Name) && (has(Column::Door) || has(Column::Room)) {
            return Ok((i, columns));
        }
    }
    Err(refused(
        "没有找到表头：表格的前几行中需要有“姓名”列和“户号”（或“楼栋”“房号”）列",
    ))
}

fn read_csv(file: &[u8]) -> Result<Vec<Vec<String>>> {
    let text = match std::str::from_utf8(file.strip_prefix(b"\xef\xbb\xbf").unwrap_or(file)) {
        Ok(t) => t.to_owned(),
        // Excel on Chinese Windows saves CSV in the local code page.
        Err(_) => encoding_rs::GB18030.decode(file).0.into_owned(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    let mut cells = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| refused(format!("CSV 无法读取：{e}")))?;
        if grid.len() as u32 >= MAX_ROWS {
            return Err(too_many_rows());
        }
        if record
            .iter()
            .take(MAX_COLUMNS as usize)
            .any(|c| c.chars().count() > MAX_CELL_CHARS)
        {
            return Err(cell_too_long(grid.len() as u32));
        }
        let row: Vec<String> = record
            .iter()
            .take(MAX_COLUMNS as usize)
            .map(str::to_owned)
            .collect();
        cells += row.len();
        if cells > MAX_CELLS {
            return Err(too_many_rows());
        }
        grid.push(row);
    }
    Ok(grid)
}

fn cell_too_long(row: u32) -> CoreError {
    refused(format!(
        "第 {} 行有一格超过 {MAX_CELL_CHARS} 字：请删去多余内容后再导入",
        row + 1
    ))
}

fn too_many_rows() -> CoreError {
    refused(format!("表格超过 {MAX_ROWS} 行：请按网格拆分后分别导入"))
}

/// Checks the zip directory before anything is unpacked.
fn check_zip(file: &[u8]) -> Result<()> {
    let bad = |e: zip::result::ZipError| {
        refused(format!(
            "XLSX 文件损坏（{e}）：请在 WPS 或 Excel 中另存后再导入"
        ))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(file)).map_err(bad)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(refused("XLSX 文件中的部件过多，不像一份花名册"));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(bad)?;
        total = total.saturating_add(entry.size());
        if entry.size() > 1024 * 1024
            && entry.size() / entry.compressed_size().max(1) > MAX_PACKING_RATIO
        {
            return Err(refused("XLSX 文件的压缩比异常（可能是压缩炸弹），已拒绝"));
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(refused("XLSX 文件解压后过大：请按网格拆分后分别导入"));
    }
    Ok(())
}

fn read_xlsx(file: &[u8]) -> Result<(Vec<Vec<String>>, String)> {
    check_zip(file)?;
    let bad = |e: calamine::XlsxError| {
        refused(format!(
            "XLSX 无法读取（{e}）：请在 WPS 或 Excel 中另存后再导入"
        ))
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(file)).map_err(bad)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| refused("XLSX 中没有工作表"))?;
    let merged = book.merge_cells_by_sheet_name(&sheet).unwrap_or_default();
    let mut grid: Vec<Vec<String>> = Vec::new();
    let mut cells = 0usize;
    {
        let mut reader = book.worksheet_cells_reader(&sheet).map_err(bad)?;
        while let Some(cell) = reader.next_cell().map_err(bad)? {
            let (r, c) = cell.get_position();
            if c >= MAX_COLUMNS {
                continue;
            }
            if r >= MAX_ROWS {
                return Err(too_many_rows());
            }
            let text = cell_text(cell.get_value());
            if text.is_empty() {
                continue;
            }
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(cell_too_long(r));
            }
            cells += 1;
            if cells > MAX_CELLS {
                return Err(too_many_rows());
            }
            let (r, c) = (r as usize, c as usize);
            if grid.len() <= r {
                grid.resize(r + 1, Vec::new());
            }
            if grid[r].len() <= c {
                grid[r].resize(c + 1, String::new());
            }
            grid[r][c] = text;
        }
    }
    // A merged region's value sits in its top-left cell only.
    for m in merged {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let value = grid
            .get(r0)
            .and_then(|r| r.get(c0))
            .cloned()
            .unwrap_or_default();
        let (r1, c1) = (
            (m.end.0 as usize).min(grid.len().saturating_sub(1)),
            (m.end.1 as usize).min(MAX_COLUMNS as usize - 1),
        );
        if value.is_empty() || r1 < r0 || c1 < c0 {
            continue;
        }
        // Every cell of the area gets a copy of the value: it counts as
        // that many cells, or a few merges would fill millions.
        cells = cells.saturating_add((r1 - r0 + 1) * (c1 - c0 + 1));
        if cells > MAX_CELLS {
            return Err(too_many_rows());
        }
        for row in grid.iter_mut().take(r1 + 1).skip(r0) {
            if row.len() <= c1 {
                row.resize(c1 + 1, String::new());
            }
            for cell in row.iter_mut().take(c1 + 1).skip(c0) {
                *cell = value.clone();
            }
        }
    }
    Ok((grid, format!("工作表“{sheet}”")))
}

fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        // Phone numbers typed into a number cell; an ID number as a float
        // has lost its last digits and will be refused with a reason.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        DataRef::DateTime(d) => excel_date(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// An Excel serial date (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    use gridwalk_domain::calendar::{civil_from_days, days_from_civil};
    let days = days_from_civil(1899, 12, 30) + serial.floor() as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests;
