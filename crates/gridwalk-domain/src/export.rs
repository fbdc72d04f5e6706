//! What an office takes away: reports, households and visits as tables for
//! its daily summary (日汇总) and weekly sorting (周梳理), opened in WPS or
//! Excel. The server writes a table as CSV or XLSX; the cells here are the
//! records' text as it is, and the writers keep it from running as a formula.

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

/// What the server fixed about a record when it was created — its id and
/// grid — beside the body a device wrote. Exports take both from here.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed<K> {
    pub id: DocId,
    pub grid: GridId,
    pub record: K,
}

/// A sheet: a header row and rows of text, written as CSV or XLSX by the
/// server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet's (and file's) name.
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
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

#[cfg(test)]
mod tests;
