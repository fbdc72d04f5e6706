//! Households and visits as tables. Households are one row per current
//! member, the way community offices keep their rosters (so an export can
//! be imported again); phones and ID numbers are masked unless the office
//! asked for full data, which the server then logs as such.

use std::collections::BTreeMap;

use super::{Fixed, Table, beijing_time};
use crate::household::Household;
use crate::ids::DocId;
use crate::visit::Visit;
use crate::vocabulary::Vocabulary;

pub const HOUSEHOLD_HEADER: [&str; 15] = [
    "户编号",
    "网格",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户号",
    "姓名",
    "与户主关系",
    "联系电话",
    "身份证号",
    "出生年份",
    "关怀标签",
    "成员备注",
    "户备注",
];

const VISIT_HEADER: [&str; 10] = [
    "走访编号",
    "网格",
    "户编号",
    "住址",
    "走访时间（北京时间）",
    "走访人",
    "方式",
    "记录",
    "照片数",
    "提出需求数",
];

/// One row per current member (one row for a household without members),
/// by address. `full`: phones and ID numbers unmasked.
pub fn households_table(
    households: &[Fixed<Household>],
    vocabulary: &Vocabulary,
    full: bool,
) -> Table {
    let mut sorted: Vec<&Fixed<Household>> = households.iter().collect();
    sorted.sort_by(|a, b| (&a.record.address, a.id).cmp(&(&b.record.address, b.id)));
    let mut rows = Vec::new();
    for f in sorted {
        let h = &f.record;
        let tags: Vec<String> = h
            .tags
            .iter()
            .map(|t| vocabulary.care_tags.zh(t.as_str()))
            .collect();
        let base = [
            f.id.to_string(),
            f.grid.to_string(),
            h.address.estate.clone(),
            h.address.building.clone(),
            h.address.unit.clone(),
            h.address.room.clone(),
            h.address.door(),
        ];
        let members = h.current_members();
        if members.is_empty() {
            let mut row = base.to_vec();
            row.extend(["", "", "", "", ""].map(String::from));
            row.extend([tags.join("、"), String::new(), h.notes.clone()]);
            rows.push(row);
        }
        for (_, m) in members {
            let mut row = base.to_vec();
            let (phone, id) = if full {
                (
                    m.phone.as_ref().map(|p| p.reveal().to_owned()),
                    m.id_number.as_ref().map(|i| i.reveal().to_owned()),
                )
            } else {
                (
                    m.phone.as_ref().map(|p| p.masked()),
                    m.id_number.as_ref().map(|i| i.masked()),
                )
            };
            row.extend([
                m.name.clone(),
                vocabulary.relations.zh(m.relation.as_str()),
                phone.unwrap_or_default(),
                id.unwrap_or_default(),
                m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                tags.join("、"),
                m.notes.clone(),
                h.notes.clone(),
            ]);
            rows.push(row);
        }
    }
    Table {
        name: "家庭档案",
        header: HOUSEHOLD_HEADER.to_vec(),
        rows,
    }
}

/// Visits oldest first; `places` names each household's address.
pub fn visits_table(
    visits: &[Fixed<Visit>],
    places: &BTreeMap<DocId, String>,
    vocabulary: &Vocabulary,
) -> Table {
    let mut sorted: Vec<&Fixed<Visit>> = visits.iter().collect();
    sorted.sort_by_key(|f| (f.record.at_ms, f.id));
    let rows = sorted
        .into_iter()
        .map(|f| {
            let v = &f.record;
            let methods: Vec<String> = v
                .methods
                .iter()
                .map(|m| vocabulary.visit_methods.zh(m.as_str()))
                .collect();
            vec![
                f.id.to_string(),
                f.grid.to_string(),
                v.household.to_string(),
                places.get(&v.household).cloned().unwrap_or_default(),
                beijing_time(v.at_ms),
                v.by.clone(),
                methods.join("、"),
                v.notes.clone(),
                v.photos.len().to_string(),
                v.needs.len().to_string(),
            ]
        })
        .collect();
    Table {
        name: "走访记录",
        header: VISIT_HEADER.to_vec(),
        rows,
    }
}
