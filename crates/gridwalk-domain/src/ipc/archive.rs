//! The household archive, visits and the needs list as the UI asks for
//! them. Everything here is already masked: full phones and ID numbers
//! cross to the UI only through a deliberate reveal.

use serde::{Deserialize, Serialize};

use crate::household::{HouseholdDraft, HouseholdView, MemberDraft, MemberEdit, SensitiveField};
use crate::ids::{DocId, GridId, MemberId};
use crate::ipc::Listed;
use crate::need::{NeedEventKind, NeedRow, NeedStatus};
use crate::record::{Choice, Conflict};
use crate::sync_state::SyncState;
use crate::visit::VisitRow;

/// Households a list shows at most; search narrows it.
pub const HOUSEHOLD_LIST_LIMIT: u32 = 200;

/// The QR payload on a household's door.
pub const HOUSEHOLD_URI_PREFIX: &str = "gridwalk://household/";

pub fn household_uri(id: &DocId) -> String {
    format!("{HOUSEHOLD_URI_PREFIX}{id}")
}

/// The household a scanned door QR names, if it is one.
pub fn parse_household_uri(text: &str) -> Option<DocId> {
    let rest = text.trim().strip_prefix(HOUSEHOLD_URI_PREFIX)?;
    DocId::parse(rest.trim_end_matches('/')).ok()
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HouseholdQuery {
    /// What was typed: a name, an address, a 户号, a phone or ID tail.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub grid: Option<GridId>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One household's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdPage {
    pub household: HouseholdView,
    pub conflicts: Vec<Conflict>,
    /// Visits, newest first.
    pub visits: Vec<Listed<VisitRow>>,
    /// Needs raised for it, newest first.
    pub needs: Vec<Listed<NeedRow>>,
    pub sync: SyncState,
    /// What its door QR says.
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHousehold {
    pub draft: HouseholdDraft,
    pub grid: Option<GridId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditHousehold {
    pub household: DocId,
    pub draft: HouseholdDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub household: DocId,
    pub draft: MemberDraft,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMember {
    pub household: DocId,
    pub member: MemberId,
    pub edit: MemberEdit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRef {
    pub household: DocId,
    pub member: MemberId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealRequest {
    pub household: DocId,
    pub member: MemberId,
    pub field: SensitiveField,
}

/// Settling one conflict of any record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolve {
    pub record: DocId,
    pub path: Vec<String>,
    pub choice: Choice,
}

/// How long ago a need was raised, in the office's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedAge {
    /// Since Beijing midnight (日汇总).
    Today,
    /// Since Monday (周梳理).
    ThisWeek,
    /// Before this week.
    Older,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NeedQuery {
    #[serde(default)]
    pub grid: Option<GridId>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub status: Option<NeedStatus>,
    #[serde(default)]
    pub age: Option<NeedAge>,
    #[serde(default)]
    pub search: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: String,
    pub count: u64,
}

/// The office's needs list and its daily and weekly counts (all grids the
/// device sees, whatever the filters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedsPage {
    pub needs: Vec<Listed<NeedRow>>,
    /// Raised today, by category.
    pub today: Vec<CategoryCount>,
    /// Raised this week, by category.
    pub week: Vec<CategoryCount>,
    /// Still open (not resolved or closed), by category.
    pub open: Vec<CategoryCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedStep {
    pub need: DocId,
    pub event: NeedEventKind,
    #[serde(default)]
    pub note: String,
}

/// Which households a door-QR sheet covers: one building of one estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrSheetRequest {
    pub grid: Option<GridId>,
    pub estate: String,
    pub building: String,
}

/// The buildings the device knows households in, for the sheet picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    pub grid: GridId,
    pub estate: String,
    pub building: String,
    pub households: u32,
}
