//! The needs list (民情清单) as the office works it: filtered by grid,
//! category, age and status, with what was raised today and this week
//! (日汇总 / 周梳理) and what is still open, and each step a new event.

use gridwalk_domain::DocKind;
use gridwalk_domain::calendar::{beijing_day_start, beijing_week_start};
use gridwalk_domain::field;
use gridwalk_domain::ipc::archive::{CategoryCount, NeedAge, NeedQuery, NeedStep, NeedsPage};
use gridwalk_domain::need::{MAX_NEED_CHARS, Need, NeedEvent, NeedStatus};
use gridwalk_domain::sync_state::SyncStatus;

use crate::error::Result;
use crate::records::ListQuery;
use crate::store::Store;

/// Needs one page lists at most.
pub const NEED_LIST_LIMIT: u32 = 500;

impl Store {
    pub fn needs(&self, q: &NeedQuery, now_ms: i64, status: &SyncStatus) -> Result<NeedsPage> {
        let (day, week) = (beijing_day_start(now_ms), beijing_week_start(now_ms));
        let (since_ms, before_ms) = match q.age {
            None => (None, None),
            Some(NeedAge::Today) => (Some(day), None),
            Some(NeedAge::ThisWeek) => (Some(week), None),
            Some(NeedAge::Older) => (None, Some(week)),
        };
        let list = ListQuery {
            grids: q.grid.clone().map(|g| vec![g]),
            category: q.category.clone().filter(|c| !c.is_empty()),
            status: q.status.map(|s| s.as_str().to_owned()),
            since_ms,
            before_ms,
            search: Some(q.search.clone()),
            ..ListQuery::first(NEED_LIST_LIMIT)
        };
        let counts = |q: ListQuery| -> Result<Vec<CategoryCount>> {
            Ok(self
                .count_by_category(DocKind::Need, &q)?
                .into_iter()
                .map(|(category, count)| CategoryCount { category, count })
                .collect())
        };
        let open = |s: NeedStatus| ListQuery {
            status: Some(s.as_str().to_owned()),
            ..ListQuery::default()
        };
        let mut still_open = counts(open(NeedStatus::Open))?;
        for c in counts(open(NeedStatus::Accepted))? {
            match still_open.iter_mut().find(|o| o.category == c.category) {
                Some(o) => o.count += c.count,
                None => still_open.push(c),
            }
        }
        still_open.sort_by(|a, b| a.category.cmp(&b.category));
        Ok(NeedsPage {
            needs: self.list::<Need>(&list, status)?,
            today: counts(ListQuery {
                since_ms: Some(day),
                ..ListQuery::default()
            })?,
            week: counts(ListQuery {
                since_ms: Some(week),
                ..ListQuery::default()
            })?,
            open: still_open,
        })
    }

    /// Appends a step (受理, 办结, 关闭, 重开) to a need's events.
    pub fn record_need_step(&mut self, step: &NeedStep, now_ms: i64) -> Result<()> {
        let note = field::text(&step.note, false, MAX_NEED_CHARS).map_err(|e| {
            let mut errors = field::FieldErrors::default();
            errors.push("note", &e);
            errors
        })?;
        let author = self.author()?;
        self.edit_record::<Need>(&step.need, now_ms, |n| {
            n.events.push(NeedEvent {
                event: step.event,
                by: author.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                by_user: author.as_ref().map(|a| a.user),
                at_ms: now_ms,
                note,
            });
            Ok(())
        })?;
        Ok(())
    }
}
