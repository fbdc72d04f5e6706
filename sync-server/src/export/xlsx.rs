//! A table as an XLSX workbook of one sheet, for WPS and Excel. Every cell
//! is written as a string — never a formula — whatever it starts with.

use gridwalk_domain::export::Table;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Widest a column is drawn, in characters; longer cells wrap in Excel.
const MAX_COLUMN_WIDTH: usize = 40;

pub fn table_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(table.name)?;
    let bold = Format::new().set_bold();
    let mut widths: Vec<usize> = table.header.iter().map(|h| display_width(h)).collect();
    for (c, h) in table.header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string((r + 1) as u32, c as u16, cell)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(display_width(cell));
            }
        }
    }
    for (c, w) in widths.into_iter().enumerate() {
        sheet.set_column_width(c as u16, w.min(MAX_COLUMN_WIDTH) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// Chinese characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
