//! From roster rows to households: which grid each belongs to, its
//! address and members, every row's problem — and then, in one
//! transaction, the households that are new and have no problem.
//!
//! A household is the same household when its grid, estate and 户号 are:
//! importing a file twice finds every household of the first time and
//! creates nothing. A household with one bad row is not imported at all
//! (never half a family); the preview says which and why.

use gridwalk_domain::calendar::CivilDate;
use gridwalk_domain::catalog::builtin_vocabulary;
use gridwalk_domain::category::CategoryCode;
use gridwalk_domain::directory::{Me, NodeKind};
use gridwalk_domain::field::half_width;
use gridwalk_domain::household::{Address, HEAD, Household, Member};
use gridwalk_domain::id_number::IdNumber;
use gridwalk_domain::ipc::import::{ImportDone, ImportPreview, PreviewHousehold, RowError};
use gridwalk_domain::phone::Phone;
use gridwalk_domain::{GridId, MemberId, Record};
use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::columns::{relation_code, split_tags};
use super::{Column, Roster, RosterRow};
use crate::error::{CoreError, Result};
use crate::new_doc_id;
use crate::store::Store;

/// Households the preview lists by name.
const SAMPLE: usize = 20;

/// The household a roster describes, as far as it was understood.
#[derive(Debug, Clone)]
struct Planned {
    grid: GridId,
    address: Address,
    members: Vec<Member>,
    tags: BTreeSet<CategoryCode>,
    notes: String,
    /// The spreadsheet row it begins on.
    first_row: u32,
    blocked: bool,
    exists: bool,
}

impl Planned {
    fn key(&self) -> String {
        key(&self.grid, &self.address)
    }

    /// The record it becomes.
    fn household(self, created_at_ms: i64, created_by: String) -> Household {
        let import_key = Some(self.key());
        Household {
            id: new_doc_id(),
            scope: self.grid,
            address: self.address,
            members: self
                .members
                .into_iter()
                .map(|m| {
                    (
                        MemberId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
                        m,
                    )
                })
                .collect(),
            tags: self.tags,
            notes: self.notes,
            created_at_ms,
            created_by,
            import_key,
        }
    }
}

fn key(grid: &GridId, a: &Address) -> String {
    format!("{grid}|{}|{}", a.estate, a.door())
}

#[derive(Debug, Default)]
struct Plan {
    households: Vec<Planned>,
    errors: Vec<RowError>,
}

impl Store {
    /// What importing `roster` would do. Nothing is written.
    pub fn import_preview(&self, roster: &Roster, now_ms: i64) -> Result<ImportPreview> {
        let plan = self.plan(roster, now_ms)?;
        let count =
            |f: &dyn Fn(&Planned) -> bool| plan.households.iter().filter(|h| f(h)).count() as u32;
        Ok(ImportPreview {
            new_households: count(&|h| !h.exists && !h.blocked),
            new_members: plan
                .households
                .iter()
                .filter(|h| !h.exists && !h.blocked)
                .map(|h| h.members.len() as u32)
                .sum(),
            existing: count(&|h| h.exists),
            blocked: count(&|h| h.blocked && !h.exists),
            sample: plan
                .households
                .iter()
                .take(SAMPLE)
                .map(|h| PreviewHousehold {
                    line: h.address.line(),
                    members: h.members.iter().map(|m| m.name.clone()).collect(),
                    exists: h.exists,
                    blocked: h.blocked,
                })
                .collect(),
            errors: plan.errors,
            source: roster.source.clone(),
        })
    }

    /// Imports every new household of `roster` that has no bad row, in one
    /// transaction.
    pub fn import(&mut self, roster: &Roster, now_ms: i64) -> Result<ImportDone> {
        let plan = self.plan(roster, now_ms)?;
        let mut done = ImportDone {
            households: 0,
            members: 0,
            skipped_existing: 0,
            skipped_blocked: 0,
        };
        self.write(now_ms, |w| {
            let by = w.author().map(|a| a.name.clone()).unwrap_or_default();
            let mut records = Vec::new();
            for h in plan.households {
                if h.exists {
                    done.skipped_existing += 1;
                    continue;
                }
                if h.blocked {
                    done.skipped_blocked += 1;
                    continue;
                }
                done.households += 1;
                done.members += h.members.len() as u32;
                records.push(h.household(w.now_ms(), by.clone()));
            }
            w.create_many(&records)?;
            Ok(())
        })?;
        Ok(done)
    }

    fn plan(&self, roster: &Roster, now_ms: i64) -> Result<Plan> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let today = CivilDate::beijing(now_ms);
        let existing = self.household_keys()?;
        let mut plan = Plan::default();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut previous: Option<RosterRow> = None;
        for raw in &roster.rows {
            let row = fill_down(raw, previous.as_ref());
            previous = Some(row.clone());
            let mut errors = Vec::new();
            let mut err = |column: Column, message: String| {
                errors.push(RowError {
                    row: row.row,
                    column: column.label().to_owned(),
                    message,
                })
            };
            let Some((grid, address)) = place(&row, &me, &mut err) else {
                plan.errors.append(&mut errors);
                continue;
            };
            let k = key(&grid, &address);
            let slot = *index.entry(k.clone()).or_insert_with(|| {
                plan.households.push(Planned {
                    grid: grid.clone(),
                    address: address.clone(),
                    members: Vec::new(),
                    tags: BTreeSet::new(),
                    notes: String::new(),
                    first_row: row.row,
                    blocked: false,
                    exists: existing.contains(&k),
                });
                plan.households.len() - 1
            });
            let household = &mut plan.households[slot];
            for tag in split_tags(row.get(Column::Tags)) {
                match tag_code(tag) {
                    Some(code) => {
                        household.tags.insert(code);
                    }
                    None => err(Column::Tags, format!("关怀标签“{tag}”不在标签表中")),
                }
            }
            if household.notes.is_empty() {
                household.notes = row.get(Column::HouseholdNotes).to_owned();
            }
            let first = household.members.is_empty();
            if let Some(m) = member(&row, first, today, &mut err) {
                household.members.push(m);
            }
            if !errors.is_empty() {
                household.blocked = true;
                plan.errors.append(&mut errors);
            }
        }
        // What only the whole household shows: too many members, notes too
        // long. Caught here, the preview says so and the import skips it;
        // caught when writing, it would stop the whole import.
        for h in plan
            .households
            .iter_mut()
            .filter(|h| !h.blocked && !h.exists)
        {
            let body = h.clone().household(now_ms, String::new());
            if let Err(e) = body.validate().and_then(|()| body.check_limits()) {
                h.blocked = true;
                plan.errors.push(RowError {
                    row: h.first_row,
                    column: Column::Door.label().to_owned(),
                    message: format!(
                        "{} 超出一户档案的上限（{e}）：请拆分或删减后再导入",
                        h.address.line()
                    ),
                });
            }
        }
        Ok(plan)
    }

    /// (grid, estate, 户号) of every household on this device.
    fn household_keys(&self) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT scope, json_extract(summary, '$.estate'), json_extract(summary, '$.door')
             FROM records WHERE kind = 'household'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A member row whose address cells are all blank (merged over the
/// household's rows in the original) takes the household's cells from the
/// row above.
fn fill_down(row: &RosterRow, previous: Option<&RosterRow>) -> RosterRow {
    let blank_address = Column::ADDRESS.iter().all(|c| row.get(*c).is_empty());
    match previous {
        Some(prev) if blank_address && !row.get(Column::Name).is_empty() => {
            let mut filled = row.clone();
            for c in Column::HOUSEHOLD {
                if filled.get(c).is_empty()
                    && let Some(v) = prev.cells.get(&c)
                {
                    filled.cells.insert(c, v.clone());
                }
            }
            filled
        }
        _ => row.clone(),
    }
}

/// The row's grid and address, or why there is none.
fn place(
    row: &RosterRow,
    me: &Me,
    err: &mut impl FnMut(Column, String),
) -> Option<(GridId, Address)> {
    let estate = row.get(Column::Estate);
    let grid = match row.get(Column::Grid) {
        "" => {
            let by_estate = me
                .nodes
                .iter()
                .find(|n| n.kind == NodeKind::Estate && n.name == estate)
                .and_then(|n| n.parent.clone());
            match (by_estate, me.grid_cells().as_slice()) {
                (Some(g), _) => g,
                (None, [only]) => only.clone(),
                (None, _) => {
                    err(
                        Column::Grid,
                        format!(
                            "无法确定“{estate}”属于哪个网格：请在表中加“网格”列，或请管理员把小区加入网格树"
                        ),
                    );
                    return None;
                }
            }
        }
        named => match me
            .grids
            .iter()
            .find(|g| g.as_str() == named)
            .cloned()
            .or_else(|| {
                me.nodes
                    .iter()
                    .find(|n| n.kind == NodeKind::Grid && n.name == named)
                    .map(|n| n.id.clone())
            }) {
            Some(g) => g,
            None => {
                err(Column::Grid, format!("网格“{named}”不是您的网格"));
                return None;
            }
        },
    };
    if !me.grid_cells().contains(&grid) {
        err(Column::Grid, format!("网格“{grid}”不是您的网格"));
        return None;
    }
    let door = match row.get(Column::Door) {
        "" => {
            let (b, u, r) = (
                row.get(Column::Building),
                row.get(Column::Unit),
                row.get(Column::Room),
            );
            if u.is_empty() {
                format!("{b}-{r}")
            } else {
                format!("{b}-{u}-{r}")
            }
        }
        door => door.to_owned(),
    };
    match Address::parse(estate, &door) {
        Ok(a) => Some((grid, a)),
        Err(e) => {
            let column = if estate.is_empty() {
                Column::Estate
            } else {
                Column::Door
            };
            err(column, e.to_string());
            None
        }
    }
}

fn member(
    row: &RosterRow,
    first: bool,
    today: CivilDate,
    err: &mut impl FnMut(Column, String),
) -> Option<Member> {
    let v = builtin_vocabulary();
    let name = row.get(Column::Name);
    if name.is_empty() {
        err(Column::Name, "姓名为空".into());
        return None;
    }
    let relation_word = row.get(Column::Relation);
    let relation = if relation_word.is_empty() {
        Some(if first { HEAD } else { "other" })
    } else {
        v.relations
            .all()
            .iter()
            .find(|t| t.zh == relation_word || t.code.as_str() == relation_word)
            .map(|t| t.code.as_str())
            .or_else(|| relation_code(relation_word))
    };
    let Some(relation) = relation.and_then(|r| CategoryCode::parse(r).ok()) else {
        err(
            Column::Relation,
            format!("与户主关系“{relation_word}”看不懂：请写户主、配偶、子女、父母等"),
        );
        return None;
    };
    // Masked values (from an earlier masked export) count as not given.
    let given = |c: Column| Some(row.get(c)).filter(|s| !s.is_empty() && !s.contains('*'));
    let mut ok = true;
    let phone = given(Column::Phone).and_then(|p| {
        Phone::parse(p)
            .map_err(|e| {
                ok = false;
                err(Column::Phone, e.to_string())
            })
            .ok()
    });
    let id_number = given(Column::IdNumber).and_then(|i| {
        IdNumber::parse_on(i, today)
            .map_err(|e| {
                ok = false;
                let hint = if i.contains(['E', 'e', '.']) {
                    "（这一格存成了数字，Excel 已丢掉末几位：请把该列设为文本后重新填写）"
                } else {
                    ""
                };
                err(Column::IdNumber, format!("{e}{hint}"))
            })
            .ok()
    });
    let birth_year = match given(Column::BirthYear) {
        None => id_number.as_ref().map(|i| i.birth_date().year),
        Some(b) => {
            let digits: String = half_width(b)
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            match digits.parse::<i64>() {
                Ok(y) if digits.len() == 4 && (1900..=today.year).contains(&y) => Some(y),
                _ => {
                    ok = false;
                    err(
                        Column::BirthYear,
                        format!("出生年份“{b}”看不懂：请写 4 位年份，如 1958"),
                    );
                    None
                }
            }
        }
    };
    let notes = row.get(Column::MemberNotes).to_owned();
    let member = Member {
        name: name.to_owned(),
        relation,
        phone,
        id_number,
        birth_year,
        notes,
        removed: false,
    };
    if let Err(e) = member.check() {
        err(Column::Name, e);
        return None;
    }
    ok.then_some(member)
}

fn tag_code(word: &str) -> Option<CategoryCode> {
    builtin_vocabulary()
        .care_tags
        .all()
        .iter()
        .find(|t| t.zh == word || t.code.as_str() == word)
        .map(|t| t.code.clone())
}
