//! 工单 — one work order for every source: a rider's 随手拍 report, a
//! visit's need, or an office entry such as a 12345 hotline call. It runs
//! the loop 点单 → 派单 → 接单 → 办结 → 评单.
//!
//! Its life is an append-only list of events in its document: each device
//! appends what its user did, offline or not, and Automerge keeps every
//! append of every device. Nothing overwrites a status field; the state is
//! what the events add up to, derived by `state::derive` — a pure function
//! every device runs on the same list and gets the same answer from.
//!
//! The order copies what the people acting on it need (category, words,
//! place, photos) from its source when it is made: a department reads work
//! orders only, never the households, needs and reports behind them.

pub mod clock;
pub mod offer;
pub mod policy;
pub mod state;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::access::{DocKind, Role};
use crate::category::CategoryCode;
use crate::geo::Coordinates;
use crate::ids::{DocId, EventId, GridId, UserId};
use crate::record::{Projection, Record, RecordError};
use crate::report::PhotoRef;

pub use clock::{Clock, ClockOffset};
pub use offer::{StepKind, offered};
pub use policy::{Deadline, DeadlineStatus, Milestone, OrderClass, ResponsePolicy, Timing};
pub use state::{OrderConflict, OrderState, Stage};

pub const MAX_ORDER_CHARS: usize = 1000;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_ORDER_EVENTS: usize = 1000;
pub const MAX_ORDER_PHOTOS: usize = 9;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: DocId,
    pub scope: GridId,
    pub source: OrderSource,
    pub category: CategoryCode,
    /// The class it was filed as; `Step::Reclassified` changes it.
    pub class: OrderClass,
    pub description: String,
    /// An address as people say it.
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub location: Option<Coordinates>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    pub created_by: String,
    pub created_at_ms: i64,
    /// The response commitments it was made under, kept with it so its
    /// deadlines stay what they were when the community's policy changes.
    #[serde(default = "ResponsePolicy::preset_1341")]
    pub policy: ResponsePolicy,
    /// Everyone the office has dispatched it to: the server lets them (and
    /// the office) add events. Only the office writes this list.
    #[serde(default)]
    pub assignees: Vec<UserId>,
    #[serde(default)]
    pub events: Vec<OrderEvent>,
    /// 微心愿: published for volunteers to claim. Fixed by the first change
    /// (the server lets volunteers read and move only these); never written
    /// when false, so orders from before it need no edit to carry it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wish: bool,
}

/// Where an order came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum OrderSource {
    /// A rider's (or anyone's) 随手拍 report.
    Report { report: DocId },
    /// A need raised on a visit.
    Need { need: DocId },
    /// Entered at the office.
    Office { channel: Channel },
}

impl OrderSource {
    /// The record it was made from, if any.
    pub fn record(&self) -> Option<DocId> {
        match self {
            Self::Report { report } => Some(*report),
            Self::Need { need } => Some(*need),
            Self::Office { .. } => None,
        }
    }
}

/// How a case reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 12345 政务服务便民热线.
    Hotline,
    /// A resident at the counter.
    Visit,
    Phone,
    Other,
}

/// Who an order is with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub user: UserId,
    pub name: String,
    pub role: Role,
}

/// One step someone took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub id: EventId,
    #[serde(flatten)]
    pub step: Step,
    pub by: String,
    pub by_user: UserId,
    /// The author's role when they took the step.
    pub role: Role,
    /// When, on the clock `clock` says (see `clock`).
    pub at_ms: i64,
    pub clock: Clock,
}

impl OrderEvent {
    pub fn author(&self) -> Assignee {
        Assignee {
            user: self.by_user,
            name: self.by.clone(),
            role: self.role,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// 点单: the order exists.
    Submitted,
    /// 微心愿: offered to volunteers to claim.
    Published,
    /// 派单.
    Dispatched {
        to: Assignee,
    },
    /// 转派: to someone else, by the office or the one who has it.
    Transferred {
        to: Assignee,
        #[serde(default)]
        note: String,
    },
    /// 接单.
    Accepted,
    /// A volunteer took a published wish.
    Claimed,
    /// 到场.
    OnSite,
    /// 方案: how a special case will be solved.
    Planned {
        note: String,
    },
    /// 办结.
    Resolved {
        note: String,
        #[serde(default)]
        photos: Vec<PhotoRef>,
    },
    /// 评单: the resident's 1–5.
    Rated {
        stars: u8,
        #[serde(default)]
        comment: String,
    },
    Reopened {
        reason: String,
    },
    /// 退单: the one it was with hands it back to the office.
    Rejected {
        reason: String,
    },
    /// Closed: the same problem as `of`.
    Duplicate {
        of: DocId,
    },
    /// Another order was closed as a duplicate of this one.
    Merged {
        from: DocId,
    },
    /// 附议: someone else reports the same problem.
    Seconded {
        #[serde(default)]
        photos: Vec<PhotoRef>,
    },
    /// Closed without a solution (不予受理, withdrawn).
    Cancelled {
        reason: String,
    },
    Reclassified {
        class: OrderClass,
    },
    /// The office settled a conflict by setting this event aside; it stays
    /// in the list and on the timeline, and no longer counts.
    Settled {
        set_aside: EventId,
    },
}

impl Step {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Published => "published",
            Self::Dispatched { .. } => "dispatched",
            Self::Transferred { .. } => "transferred",
            Self::Accepted => "accepted",
            Self::Claimed => "claimed",
            Self::OnSite => "on_site",
            Self::Planned { .. } => "planned",
            Self::Resolved { .. } => "resolved",
            Self::Rated { .. } => "rated",
            Self::Reopened { .. } => "reopened",
            Self::Rejected { .. } => "rejected",
            Self::Duplicate { .. } => "duplicate",
            Self::Merged { .. } => "merged",
            Self::Seconded { .. } => "seconded",
            Self::Cancelled { .. } => "cancelled",
            Self::Reclassified { .. } => "reclassified",
            Self::Settled { .. } => "settled",
        }
    }

    /// The free text it carries, which the limits bound.
    fn text(&self) -> &str {
        match self {
            Self::Transferred { note, .. }
            | Self::Planned { note }
            | Self::Resolved { note, .. } => note,
            Self::Rated { comment, .. } => comment,
            Self::Reopened { reason } | Self::Rejected { reason } | Self::Cancelled { reason } => {
                reason
            }
            _ => "",
        }
    }

    fn photos(&self) -> &[PhotoRef] {
        match self {
            Self::Resolved { photos, .. } | Self::Seconded { photos } => photos,
            _ => &[],
        }
    }
}

/// A rating outside 1–5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("评分请选 1 到 5 星")]
pub struct StarsError;

impl crate::field::Explain for StarsError {
    fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::OrderStars
    }
}

/// A work order in a list: what its state adds up to, without the events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    pub source: OrderSource,
    pub category: CategoryCode,
    pub class: OrderClass,
    pub description: String,
    pub place: String,
    pub stage: Stage,
    pub assignee: Option<Assignee>,
    /// Everyone it has been with, for "my orders" and its trace.
    pub holders: Vec<UserId>,
    pub published: bool,
    pub timing: Timing,
    pub conflicts: u32,
    pub rating: Option<u8>,
    pub seconds: u32,
    /// How often it was reopened (a device tells its holder each time).
    #[serde(default)]
    pub reopened: u32,
    pub events: u32,
    pub created_at_ms: i64,
    pub policy: ResponsePolicy,
}

impl WorkOrder {
    pub fn state(&self) -> OrderState {
        state::derive(self.class, self.created_at_ms, &self.events)
    }

    /// Its deadlines as of `now_ms`.
    pub fn deadlines(&self, state: &OrderState, now_ms: i64) -> Vec<Deadline> {
        policy::deadlines(&state.timing, state.class, &self.policy, now_ms)
    }
}

impl OrderRow {
    pub fn deadlines(&self, now_ms: i64) -> Vec<Deadline> {
        policy::deadlines(&self.timing, self.class, &self.policy, now_ms)
    }
}

impl Record for WorkOrder {
    const KIND: DocKind = DocKind::WorkOrder;
    const TEXT_FIELDS: &'static [&'static str] = &["description"];
    type Summary = OrderRow;

    fn id(&self) -> DocId {
        self.id
    }

    fn scope(&self) -> &GridId {
        &self.scope
    }

    fn validate(&self) -> Result<(), RecordError> {
        // Anything an event says is weighed by `state::derive`, which skips
        // steps that make no sense: one odd event never hides the order.
        Ok(())
    }

    fn check_limits(&self) -> Result<(), RecordError> {
        let bad = |r: &str| Err(RecordError::invalid(DocKind::WorkOrder, r));
        if self.description.chars().count() > MAX_ORDER_CHARS {
            return bad("description too long");
        }
        if self.photos.len() > MAX_ORDER_PHOTOS {
            return bad("too many photos");
        }
        if self.events.len() > MAX_ORDER_EVENTS {
            return bad("too many events");
        }
        for e in &self.events {
            if e.step.text().chars().count() > MAX_NOTE_CHARS {
                return bad("a note is too long");
            }
            if e.step.photos().len() > MAX_ORDER_PHOTOS {
                return bad("too many photos on one step");
            }
            if let Step::Rated { stars, .. } = e.step
                && !(1..=5).contains(&stars)
            {
                return bad("a rating is 1 to 5 stars");
            }
        }
        Ok(())
    }

    fn project(&self) -> Projection<OrderRow> {
        let s = self.state();
        let mut search = vec![self.description.clone(), self.place.clone()];
        search.extend(s.assignee.as_ref().map(|a| a.name.clone()));
        let blobs = self
            .photos
            .iter()
            .chain(self.events.iter().flat_map(|e| e.step.photos()))
            .flat_map(|p| [p.hash.clone(), p.thumb.clone()])
            .collect();
        Projection {
            parent: self.source.record(),
            category: Some(self.category.as_str().to_owned()),
            status: Some(s.stage.as_str().to_owned()),
            at_ms: self.created_at_ms,
            sort: String::new(),
            search,
            blobs,
            place: self.location,
            summary: OrderRow {
                source: self.source.clone(),
                category: self.category.clone(),
                class: s.class,
                description: self.description.clone(),
                place: self.place.clone(),
                stage: s.stage,
                holders: s.holders.iter().map(|h| h.user).collect(),
                assignee: s.assignee,
                published: s.published,
                timing: s.timing,
                conflicts: s.conflicts.len() as u32,
                rating: s.rating.map(|r| r.stars),
                seconds: s.seconds,
                reopened: s.reopened,
                events: self.events.len() as u32,
                created_at_ms: self.created_at_ms,
                policy: self.policy.clone(),
            },
        }
    }
}
