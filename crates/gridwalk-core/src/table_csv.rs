//! A table as one CSV file (the server's export, read back by the archive
//! import) for WPS and Excel: BOM first (so they read UTF-8,
//! not the local code page), CRLF line ends, quotes only where a cell needs
//! them — written by the `csv` crate.
//!
//! The text in a record comes from people's phones, so every cell is
//! hostile: one that starts like a spreadsheet formula (`=`, `+`, `-`, `@`,
//! a tab or a carriage return) gets a leading apostrophe, which makes the
//! spreadsheet show it as text instead of running it when the file opens.

use gridwalk_domain::export::Table;

const BOM: &[u8] = "\u{feff}".as_bytes();

pub fn table_csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(BOM.to_vec());
    out.write_record(table.header.iter().map(|h| defused(h)))?;
    for row in &table.rows {
        out.write_record(row.iter().map(|cell| defused(cell)))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn defused(cell: &str) -> std::borrow::Cow<'_, [u8]> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into_bytes().into()
    } else {
        cell.as_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            name: "随手拍",
            header: vec!["编号", "描述", "位置"],
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        }
    }

    /// The cells as a spreadsheet reads them back.
    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        let text = std::str::from_utf8(bytes).unwrap();
        let body = text.strip_prefix('\u{feff}').expect("WPS needs the BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn plain_rows_are_plain_lines_with_crlf() {
        let bytes = table_csv(&table(&[&["1", "楼下垃圾三天没清", "3号楼东侧"]])).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "\u{feff}编号,描述,位置\r\n1,楼下垃圾三天没清,3号楼东侧\r\n"
        );
    }

    #[test]
    fn hostile_text_stays_in_its_cell_and_never_runs_as_a_formula() {
        let link = "=HYPERLINK(\"http://x\",\"点我\")";
        let bytes = table_csv(&table(&[&["2", link, "a,b\n\"c\""]])).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\","),
            "quoted, quotes doubled, defused: {text}"
        );
        let cells = read_back(&bytes);
        assert_eq!(cells.len(), 2, "a line break inside a cell is no new row");
        assert_eq!(cells[1], ["2", &format!("'{link}"), "a,b\n\"c\""]);
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let cells = read_back(&table_csv(&table(&[&[lead, "", ""]])).unwrap());
            assert_eq!(
                cells[1][0],
                format!("'{lead}"),
                "{lead:?} must not start a formula"
            );
        }
    }
}
