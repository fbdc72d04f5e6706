//! What the assignee's device says after a sync: an order newly theirs, a
//! commitment about to run out, an order reopened. Each is said once: what
//! was said is remembered in the store's meta. A device's first look at
//! its orders says nothing (everything would be "new").

use gridwalk_domain::work_order::{Milestone, OrderRow, Stage, WorkOrder};
use gridwalk_domain::{DocId, UserId};

use crate::error::{CoreError, Result};
use crate::records::ListQuery;
use crate::store::Store;

/// A commitment with this little time left is "about to be overdue".
pub const DUE_SOON_MS: i64 = 10 * 60_000;
const SEEN_ANY: &str = "notices.started";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    Assigned,
    DueSoon { milestone: Milestone, minutes: i64 },
    Reopened,
}

/// One thing to tell the person, in Chinese (the app's first language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub order: DocId,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
}

fn milestone_zh(m: Milestone) -> &'static str {
    match m {
        Milestone::Accept => "响应",
        Milestone::OnSite => "到场",
        Milestone::Plan => "方案",
        Milestone::Resolve => "办结",
    }
}

/// The notices `row` calls for now, each with the key that marks it said.
fn due(row: &OrderRow, me: &UserId, now_ms: i64) -> Vec<(String, NoticeKind)> {
    let mut out = Vec::new();
    let holds = row.assignee.as_ref().is_some_and(|a| a.user == *me);
    if holds && !row.stage.is_done() {
        out.push((
            format!("assigned:{}", row.holders.len()),
            NoticeKind::Assigned,
        ));
        for d in row.deadlines(now_ms) {
            if let Some(left) = d.left_ms(now_ms)
                && (0..=DUE_SOON_MS).contains(&left)
            {
                let key = format!("due:{:?}:{}", d.milestone, row.reopened);
                let minutes = (left + 59_999) / 60_000;
                out.push((
                    key,
                    NoticeKind::DueSoon {
                        milestone: d.milestone,
                        minutes,
                    },
                ));
            }
        }
    }
    let was_mine = holds || row.holders.contains(me);
    if was_mine && row.stage != Stage::Closed && row.reopened > 0 {
        out.push((format!("reopened:{}", row.reopened), NoticeKind::Reopened));
    }
    out
}

impl Store {
    /// The notices not yet given to this device's user, marking them given.
    pub fn take_notices(&self, now_ms: i64) -> Result<Vec<Notice>> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        let first_look = self.meta(SEEN_ANY)?.is_none();
        let orders = self.list::<WorkOrder>(&ListQuery::first(500), &Default::default())?;
        let mut out = Vec::new();
        for o in orders {
            for (key, kind) in due(&o.summary, &me.user, now_ms) {
                let key = format!("notice:{}:{key}", o.id);
                if self.meta(&key)?.is_some() {
                    continue;
                }
                self.set_meta(&key, "1")?;
                if first_look {
                    continue;
                }
                let what = o.summary.description.chars().take(40).collect::<String>();
                let (title, body) = match &kind {
                    NoticeKind::Assigned => (
                        "新工单".to_owned(),
                        format!("{what}（{}）", o.summary.place),
                    ),
                    NoticeKind::DueSoon { milestone, minutes } => (
                        format!("即将超时：{}", milestone_zh(*milestone)),
                        format!("{what}，还剩 {minutes} 分钟"),
                    ),
                    NoticeKind::Reopened => ("工单重开".to_owned(), what),
                };
                out.push(Notice {
                    order: o.id,
                    kind,
                    title,
                    body,
                });
            }
        }
        if first_look {
            self.set_meta(SEEN_ANY, "1")?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
