//! Work orders as the UI asks for them: the office's dispatch board, "my
//! orders" of a grid worker or department, the overdue board, one order's
//! page, the on-time figures, and the steps people take.

use serde::{Deserialize, Serialize};

use crate::geo::Coordinates;
use crate::ids::{DocId, GridId};
use crate::ipc::Listed;
use crate::report::ReportRow;
use crate::sync_state::SyncState;
use crate::work_order::policy::Deadline;
use crate::work_order::{
    Channel, OrderClass, OrderRow, OrderState, Stage, Step, StepKind, WorkOrder,
};

/// Orders one list shows at most.
pub const ORDER_LIST_LIMIT: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderList {
    /// Every order in the user's grids (the office's dispatch board).
    #[default]
    Board,
    /// Orders that are or were with this user.
    Mine,
    /// Orders past a deadline they have not met.
    Overdue,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    pub list: OrderList,
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub grid: Option<GridId>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub search: String,
}

/// An order in a list, with its deadlines as of now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub order: Listed<OrderRow>,
    pub deadlines: Vec<Deadline>,
    /// The nearest deadline not yet reached, if any.
    pub next: Option<Deadline>,
    pub overdue: bool,
}

/// One order's page: the record, what its events add up to, its deadlines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub order: WorkOrder,
    pub state: OrderState,
    pub deadlines: Vec<Deadline>,
    pub sync: SyncState,
    /// The steps this user may take now.
    pub can: Vec<StepKind>,
    /// Reports that second it (附议), with their photos.
    #[serde(default)]
    pub seconded_by: Vec<Listed<ReportRow>>,
    /// For the office: other open orders of its category close by, which
    /// may be the same problem (合并).
    #[serde(default)]
    pub nearby: Vec<NearbyOrder>,
}

/// An open order of the same category close to a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyOrder {
    pub order: Listed<OrderRow>,
    pub metres: u32,
}

/// Open orders of `category` near `at` (the report form asks before saving).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyQuery {
    pub category: String,
    pub at: Coordinates,
}

/// 合并: `from` is closed as the same problem as `into`; both keep every
/// event and point at each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeOrders {
    pub from: DocId,
    pub into: DocId,
}

/// Where a new order comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum NewOrder {
    /// 派单 from a 随手拍 report, in the report's grid — or in `grid` when
    /// the office redirects it (the location was off, or it lies outside
    /// every grid).
    Report {
        report: DocId,
        class: OrderClass,
        #[serde(default)]
        grid: Option<GridId>,
    },
    /// From a need raised on a visit.
    Need { need: DocId, class: OrderClass },
    /// A case entered at the office (a 12345 call, a resident at the desk).
    Office {
        channel: Channel,
        category: String,
        description: String,
        #[serde(default)]
        place: String,
        grid: Option<GridId>,
        class: OrderClass,
        /// Publish it as a small wish (微心愿) for volunteers to claim.
        #[serde(default)]
        wish: bool,
    },
}

/// A step someone takes on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderStep {
    pub order: DocId,
    pub step: Step,
}

/// On-time figures for one grid, assignee or category.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OnTime {
    pub key: String,
    /// Commitments reached in time on a checked clock.
    pub on_time: u32,
    pub late: u32,
    /// Reached, on an unchecked clock: not counted as on time.
    pub unverified: u32,
    pub overdue: u32,
    pub pending: u32,
    pub rated: u32,
    /// Sum of the stars, for the average.
    pub stars: u32,
}

impl OnTime {
    /// Of the commitments whose time has come, the share kept (0–1).
    pub fn rate(&self) -> Option<f64> {
        let due = self.on_time + self.late + self.unverified + self.overdue;
        (due > 0).then(|| f64::from(self.on_time) / f64::from(due))
    }

    pub fn average_stars(&self) -> Option<f64> {
        (self.rated > 0).then(|| f64::from(self.stars) / f64::from(self.rated))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrderStats {
    pub total: OnTime,
    pub by_grid: Vec<OnTime>,
    /// Keyed by the assignee's name.
    pub by_assignee: Vec<OnTime>,
    pub by_category: Vec<OnTime>,
}
