//! What an order's events add up to.
//!
//! `derive` sorts the events by time (ties by event id), so the order in
//! which concurrent appends merged into the list changes nothing: every
//! device derives the same state from the same set of events. Steps that
//! could only come from two people acting without seeing each other are
//! kept and reported as conflicts for the office — two people who both took
//! the order, a dispatch made after it was already resolved — and the state
//! follows the first of them until the office sets one aside
//! (`Step::Settled`). A step its author's role may not take, or that makes
//! no sense where it falls (a rating before any resolution), is skipped:
//! it stays in the list and on the timeline, and changes nothing.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::clock::Clock;
use super::policy::{Milestone, OrderClass, Reached, Timing};
use super::{Assignee, OrderEvent, Step};
use crate::ids::{DocId, EventId};
use crate::report::PhotoRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 待派单: with the office.
    Submitted,
    /// 已派单, not yet taken.
    Dispatched,
    /// 处理中.
    Accepted,
    /// 已办结, waiting for a rating.
    Resolved,
    /// 已评单.
    Rated,
    /// Closed as a duplicate or withdrawn.
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Self::Submitted,
        Self::Dispatched,
        Self::Accepted,
        Self::Resolved,
        Self::Rated,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Dispatched => "dispatched",
            Self::Accepted => "accepted",
            Self::Resolved => "resolved",
            Self::Rated => "rated",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Nothing more is expected of anyone.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Resolved | Self::Rated | Self::Closed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Two people took the order (accepted, claimed, or one accepted what
    /// was dispatched to another) without seeing each other's step.
    TwoHolders,
    /// A step that carries the order on, made after it was resolved or
    /// closed by someone who had not seen that.
    AfterEnd,
}

/// Two steps that cannot both count. `first` is the one the state follows;
/// the office settles it by setting either aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConflict {
    pub kind: ConflictKind,
    pub first: EventId,
    pub second: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub stars: u8,
    pub comment: String,
    pub by: String,
    pub at_ms: i64,
}

/// Someone handed the order back (退单), and why: the trace a rejected
/// order keeps in everyone's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub by: String,
    pub reason: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub note: String,
    pub photos: Vec<PhotoRef>,
    pub by: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    pub stage: Stage,
    pub class: OrderClass,
    /// Who has it now.
    pub assignee: Option<Assignee>,
    /// Everyone it has been with, first to last, each once.
    pub holders: Vec<Assignee>,
    pub published: bool,
    pub resolution: Option<Resolution>,
    pub rating: Option<Rating>,
    pub duplicate_of: Option<DocId>,
    pub merged: Vec<DocId>,
    pub seconds: u32,
    pub reopened: u32,
    pub rejections: Vec<Rejection>,
    pub conflicts: Vec<OrderConflict>,
    pub timing: Timing,
}

/// The state of an order filed as `class` at `created_at_ms` with `events`.
pub fn derive(class: OrderClass, created_at_ms: i64, events: &[OrderEvent]) -> OrderState {
    let set_aside: HashSet<EventId> = events
        .iter()
        .filter(|e| e.role.manages())
        .filter_map(|e| match e.step {
            Step::Settled { set_aside } => Some(set_aside),
            _ => None,
        })
        .collect();
    let mut seen = HashSet::new();
    let mut live: Vec<&OrderEvent> = events
        .iter()
        .filter(|e| !set_aside.contains(&e.id) && seen.insert(e.id))
        .collect();
    live.sort_by_key(|e| (e.at_ms, e.id));
    let mut fold = Fold::new(class, start(created_at_ms, &live));
    for e in live {
        fold.step(e);
    }
    fold.state
}

/// When the clocks start: the submission, but never later than any step
/// on a checked clock — a submitting device whose clock runs ahead must not
/// push every deadline later.
fn start(created_at_ms: i64, live: &[&OrderEvent]) -> Timing {
    let submitted = live.iter().find(|e| e.step == Step::Submitted);
    let (mut start_ms, start_clock) =
        submitted.map_or((created_at_ms, None), |e| (e.at_ms, Some(e.clock)));
    if start_clock != Some(Clock::Server)
        && let Some(earliest) = live
            .iter()
            .filter(|e| e.clock == Clock::Server)
            .map(|e| e.at_ms)
            .min()
    {
        start_ms = start_ms.min(earliest);
    }
    Timing {
        start_ms,
        start_clock,
        reached: Vec::new(),
        stopped: false,
    }
}

struct Fold {
    state: OrderState,
    /// The step that gave the current assignee the order.
    holder_step: Option<EventId>,
    /// The assignee has taken it (not merely been sent it).
    taken: bool,
    /// The step that resolved or closed it.
    end: Option<EventId>,
}

impl Fold {
    fn new(class: OrderClass, timing: Timing) -> Self {
        Self {
            state: OrderState {
                stage: Stage::Submitted,
                class,
                assignee: None,
                holders: Vec::new(),
                published: false,
                resolution: None,
                rating: None,
                duplicate_of: None,
                merged: Vec::new(),
                seconds: 0,
                reopened: 0,
                rejections: Vec::new(),
                conflicts: Vec::new(),
                timing,
            },
            holder_step: None,
            taken: false,
            end: None,
        }
    }

    fn conflict(&mut self, kind: ConflictKind, first: Option<EventId>, second: EventId) {
        if let Some(first) = first {
            self.state.conflicts.push(OrderConflict {
                kind,
                first,
                second,
            });
        }
    }

    fn reach(&mut self, milestone: Milestone, e: &OrderEvent) {
        if self.state.timing.reached(milestone).is_none() {
            self.state.timing.reached.push(Reached {
                milestone,
                at_ms: e.at_ms,
                clock: e.clock,
            });
        }
    }

    fn hold(&mut self, who: Assignee, step: EventId, taken: bool) {
        if !self.state.holders.iter().any(|h| h.user == who.user) {
            self.state.holders.push(who.clone());
        }
        self.state.assignee = Some(who);
        self.holder_step = Some(step);
        self.taken = taken;
    }

    /// Whether someone other than `e`'s author has the order.
    fn held_by_another(&self, e: &OrderEvent) -> bool {
        self.state
            .assignee
            .as_ref()
            .is_some_and(|a| a.user != e.by_user)
    }

    fn step(&mut self, e: &OrderEvent) {
        let manager = e.role.manages();
        let holder = self
            .state
            .assignee
            .as_ref()
            .is_some_and(|a| a.user == e.by_user);
        match &e.step {
            Step::Submitted | Step::Settled { .. } => {}
            Step::Published if manager => self.state.published = true,
            Step::Dispatched { to } if manager => self.send(e, to),
            Step::Transferred { to, .. } if manager || holder => self.send(e, to),
            Step::Accepted => self.take(e),
            Step::Claimed if self.state.published => self.take(e),
            Step::OnSite | Step::Planned { .. } => {
                if self.end.is_some() {
                    return;
                }
                if !self.taken && !self.held_by_another(e) {
                    self.take(e);
                }
                self.reach(Milestone::Accept, e);
                self.reach(Milestone::OnSite, e);
                if matches!(e.step, Step::Planned { .. }) {
                    self.reach(Milestone::Plan, e);
                }
            }
            Step::Resolved { note, photos } => self.resolve(e, note, photos),
            Step::Rated { stars, comment }
                if (1..=5).contains(stars)
                    && matches!(self.state.stage, Stage::Resolved | Stage::Rated) =>
            {
                self.state.stage = Stage::Rated;
                self.state.rating = Some(Rating {
                    stars: *stars,
                    comment: comment.clone(),
                    by: e.by.clone(),
                    at_ms: e.at_ms,
                });
            }
            Step::Reopened { .. } if self.state.stage.is_done() => {
                if self.state.stage == Stage::Closed && !manager {
                    return;
                }
                self.end = None;
                self.state.reopened += 1;
                self.state.rating = None;
                self.state.duplicate_of = None;
                self.state.timing.stopped = false;
                self.state
                    .timing
                    .reached
                    .retain(|r| r.milestone != Milestone::Resolve);
                self.state.stage = match (&self.state.assignee, self.taken) {
                    (Some(_), true) => Stage::Accepted,
                    (Some(_), false) => Stage::Dispatched,
                    (None, _) => Stage::Submitted,
                };
            }
            Step::Rejected { reason } if holder && self.end.is_none() => {
                self.state.rejections.push(Rejection {
                    by: e.by.clone(),
                    reason: reason.clone(),
                    at_ms: e.at_ms,
                });
                self.state.assignee = None;
                self.holder_step = None;
                self.taken = false;
                self.state.stage = Stage::Submitted;
            }
            Step::Duplicate { of } if manager => {
                self.close(e);
                self.state.duplicate_of = Some(*of);
            }
            Step::Cancelled { .. } if manager => self.close(e),
            Step::Merged { from } if manager && !self.state.merged.contains(from) => {
                self.state.merged.push(*from);
            }
            Step::Seconded { .. } => self.state.seconds += 1,
            Step::Reclassified { class } if manager => self.state.class = *class,
            // A step this author's role may not take, or that makes no
            // sense where it falls.
            _ => {}
        }
    }

    fn send(&mut self, e: &OrderEvent, to: &Assignee) {
        if self.end.is_some() {
            return self.conflict(ConflictKind::AfterEnd, self.end, e.id);
        }
        self.hold(to.clone(), e.id, false);
        self.state.stage = Stage::Dispatched;
    }

    fn take(&mut self, e: &OrderEvent) {
        if self.end.is_some() {
            return self.conflict(ConflictKind::AfterEnd, self.end, e.id);
        }
        if self.held_by_another(e) {
            return self.conflict(ConflictKind::TwoHolders, self.holder_step, e.id);
        }
        self.hold(e.author(), e.id, true);
        self.state.stage = Stage::Accepted;
        self.reach(Milestone::Accept, e);
    }

    fn resolve(&mut self, e: &OrderEvent, note: &str, photos: &[PhotoRef]) {
        if self.state.stage == Stage::Closed {
            return self.conflict(ConflictKind::AfterEnd, self.end, e.id);
        }
        // Solved by someone other than the one it was with: it is solved
        // (nothing is lost), and the office hears of it.
        if self.held_by_another(e) && !e.role.manages() {
            self.conflict(ConflictKind::TwoHolders, self.holder_step, e.id);
        }
        self.state.resolution = Some(Resolution {
            note: note.to_owned(),
            photos: photos.to_vec(),
            by: e.by.clone(),
            at_ms: e.at_ms,
        });
        if self.state.stage.is_done() {
            return; // A second resolution only adds its words and photos.
        }
        for m in [
            Milestone::Accept,
            Milestone::OnSite,
            Milestone::Plan,
            Milestone::Resolve,
        ] {
            self.reach(m, e);
        }
        self.end = Some(e.id);
        self.state.stage = Stage::Resolved;
    }

    fn close(&mut self, e: &OrderEvent) {
        if self.state.stage == Stage::Closed {
            return;
        }
        self.end = Some(e.id);
        self.state.stage = Stage::Closed;
        self.state.timing.stopped = true;
    }
}
