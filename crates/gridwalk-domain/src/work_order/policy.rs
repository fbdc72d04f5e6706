//! Response commitments (响应承诺) as data. A community promises answers by
//! the clock — 1341: on site in 15 minutes, ordinary problems solved in 30,
//! complex ones in 4 hours, a plan for special ones within a day; 54321 is
//! another community's variant — so a policy is a list of commitments, each
//! a milestone, the classes of order it binds and the minutes it allows.
//!
//! Deadlines run from the order's submission. `deadlines` takes the time
//! now as an argument: nothing here reads a clock.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::clock::Clock;

/// How hard an order is, which decides the commitments it falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderClass {
    /// 一般问题.
    Ordinary,
    /// 复杂问题.
    Complex,
    /// 特殊问题: a plan first, the solution may take longer.
    Special,
}

impl OrderClass {
    pub const ALL: [OrderClass; 3] = [Self::Ordinary, Self::Complex, Self::Special];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordinary => "ordinary",
            Self::Complex => "complex",
            Self::Special => "special",
        }
    }
}

/// A point in an order's life a commitment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// 响应: someone took it on.
    Accept,
    /// 到场.
    OnSite,
    /// 方案: a plan of how it will be solved.
    Plan,
    /// 办结.
    Resolve,
}

impl Milestone {
    pub const ALL: [Milestone; 4] = [Self::Accept, Self::OnSite, Self::Plan, Self::Resolve];
}

/// One promise: `milestone` within `within_min` minutes of submission, for
/// orders of `classes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub milestone: Milestone,
    pub classes: Vec<OrderClass>,
    pub within_min: u32,
}

/// A community's response commitments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsePolicy {
    pub name: String,
    pub commitments: Vec<Commitment>,
}

pub const MAX_POLICY_NAME_CHARS: usize = 40;
pub const MAX_COMMITMENTS: usize = 16;
/// No commitment is longer than a month.
pub const MAX_WITHIN_MIN: u32 = 31 * 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("give the policy a name of at most {MAX_POLICY_NAME_CHARS} characters")]
    Name,
    #[error("a policy has 1 to {MAX_COMMITMENTS} commitments")]
    Count,
    #[error("a commitment allows 1 minute to {MAX_WITHIN_MIN} minutes (31 days)")]
    Minutes,
    #[error("a commitment must name at least one class of order")]
    NoClass,
    #[error("two commitments both set when {0} is due for {1} orders: keep one")]
    Twice(Milestone, OrderClass),
}

impl crate::field::Explain for PolicyError {
    fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::OrderPolicy
    }
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accept => "accept",
            Self::OnSite => "on_site",
            Self::Plan => "plan",
            Self::Resolve => "resolve",
        })
    }
}

impl fmt::Display for OrderClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const HOUR: u32 = 60;
const DAY: u32 = 24 * HOUR;

impl ResponsePolicy {
    /// 1341: on site in 15 min; ordinary solved in 30 min, complex in 4 h;
    /// for special ones a plan within 1 day.
    pub fn preset_1341() -> Self {
        use Milestone::*;
        use OrderClass::*;
        Self {
            name: "1341".into(),
            commitments: vec![
                c(OnSite, &[Ordinary, Complex, Special], 15),
                c(Resolve, &[Ordinary], 30),
                c(Resolve, &[Complex], 4 * HOUR),
                c(Plan, &[Special], DAY),
            ],
        }
    }

    /// 54321: answered in 5 min, on site in 40 min, ordinary solved in 3 h,
    /// complex in 2 days, a plan for special ones within 1 day.
    pub fn preset_54321() -> Self {
        use Milestone::*;
        use OrderClass::*;
        Self {
            name: "54321".into(),
            commitments: vec![
                c(Accept, &[Ordinary, Complex, Special], 5),
                c(OnSite, &[Ordinary, Complex, Special], 40),
                c(Resolve, &[Ordinary], 3 * HOUR),
                c(Resolve, &[Complex], 2 * DAY),
                c(Plan, &[Special], DAY),
            ],
        }
    }

    pub fn presets() -> [Self; 2] {
        [Self::preset_1341(), Self::preset_54321()]
    }

    /// Checks a policy an office edited (or another device sent).
    pub fn check(&self) -> Result<(), PolicyError> {
        let name = self.name.trim().chars().count();
        if name == 0 || name > MAX_POLICY_NAME_CHARS {
            return Err(PolicyError::Name);
        }
        if self.commitments.is_empty() || self.commitments.len() > MAX_COMMITMENTS {
            return Err(PolicyError::Count);
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.commitments {
            if !(1..=MAX_WITHIN_MIN).contains(&c.within_min) {
                return Err(PolicyError::Minutes);
            }
            if c.classes.is_empty() {
                return Err(PolicyError::NoClass);
            }
            for class in &c.classes {
                if !seen.insert((c.milestone, *class)) {
                    return Err(PolicyError::Twice(c.milestone, *class));
                }
            }
        }
        Ok(())
    }

    /// The minutes allowed for each milestone an order of `class` is bound to.
    pub fn for_class(&self, class: OrderClass) -> Vec<(Milestone, u32)> {
        let mut out: Vec<(Milestone, u32)> = self
            .commitments
            .iter()
            .filter(|c| c.classes.contains(&class))
            .map(|c| (c.milestone, c.within_min))
            .collect();
        out.sort();
        out.dedup_by_key(|(m, _)| *m);
        out
    }
}

fn c(milestone: Milestone, classes: &[OrderClass], within_min: u32) -> Commitment {
    Commitment {
        milestone,
        classes: classes.to_vec(),
        within_min,
    }
}

/// When an order reached a milestone, and on whose clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub milestone: Milestone,
    pub at_ms: i64,
    pub clock: Clock,
}

/// The times deadlines are measured by, as the event list gives them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Timing {
    /// Submission: the moment the clocks start.
    pub start_ms: i64,
    pub start_clock: Option<Clock>,
    pub reached: Vec<Reached>,
    /// Closed as a duplicate or withdrawn: no deadline runs any more.
    pub stopped: bool,
}

impl Timing {
    pub fn reached(&self, m: Milestone) -> Option<&Reached> {
        self.reached.iter().find(|r| r.milestone == m)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Not reached, time left.
    Pending,
    /// Not reached, past due.
    Overdue,
    /// Reached in time, on a checked clock.
    OnTime,
    Late,
    /// Reached, but the time is on an unchecked device clock (or before the
    /// order was submitted): it is not counted as kept.
    Unverified,
}

impl DeadlineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Overdue => "overdue",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::Unverified => "unverified",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub milestone: Milestone,
    pub due_ms: i64,
    pub reached_ms: Option<i64>,
    pub status: DeadlineStatus,
}

impl Deadline {
    /// Milliseconds left (negative: overdue by), while not reached.
    pub fn left_ms(&self, now_ms: i64) -> Option<i64> {
        self.reached_ms.is_none().then(|| self.due_ms - now_ms)
    }
}

/// The deadlines of an order of `class` under `policy`, as of `now_ms`.
pub fn deadlines(
    timing: &Timing,
    class: OrderClass,
    policy: &ResponsePolicy,
    now_ms: i64,
) -> Vec<Deadline> {
    policy
        .for_class(class)
        .into_iter()
        .filter_map(|(milestone, within_min)| {
            let due_ms = timing
                .start_ms
                .saturating_add(i64::from(within_min) * 60_000);
            let reached = timing.reached(milestone);
            let status = match reached {
                Some(r) if r.clock == Clock::Device || r.at_ms < timing.start_ms => {
                    DeadlineStatus::Unverified
                }
                Some(r) if r.at_ms <= due_ms => DeadlineStatus::OnTime,
                Some(_) => DeadlineStatus::Late,
                None if timing.stopped => return None,
                None if now_ms > due_ms => DeadlineStatus::Overdue,
                None => DeadlineStatus::Pending,
            };
            Some(Deadline {
                milestone,
                due_ms,
                reached_ms: reached.map(|r| r.at_ms),
                status,
            })
        })
        .collect()
}
