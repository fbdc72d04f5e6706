//! `assets/demo/community.json`, as read by the demo seed.

use gridwalk_domain::{GridId, Role, UserId};
use serde::Deserialize;

use super::config_error;
use crate::ServerError;

const COMMUNITY_JSON: &str = include_str!("../../../assets/demo/community.json");

#[derive(Debug, Deserialize)]
pub struct Community {
    pub community: Node,
    pub areas: Vec<Node>,
    pub grids: Vec<Grid>,
    pub users: Vec<User>,
    pub reports_owner: UserId,
    pub reports: Vec<DemoReport>,
    pub archive: Archive,
}

impl Community {
    pub fn shipped() -> Result<Self, ServerError> {
        serde_json::from_str(COMMUNITY_JSON).map_err(config_error)
    }
}

#[derive(Debug, Deserialize)]
pub struct Node {
    pub code: GridId,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Grid {
    pub code: GridId,
    #[serde(default)]
    pub area: Option<GridId>,
    pub name: String,
    /// The grid worker who keeps its archive.
    pub worker: UserId,
    #[serde(default)]
    pub estates: Vec<Estate>,
    /// Traced along the streets around its estate.
    pub boundary: Option<gridwalk_domain::boundary::Boundary>,
}

/// A 小区 with `buildings` 楼栋 of `units` 单元 (0: none), `floors` floors
/// and `rooms` doors a floor.
#[derive(Debug, Deserialize)]
pub struct Estate {
    pub code: String,
    pub name: String,
    pub buildings: u32,
    pub units: u32,
    pub floors: u32,
    pub rooms: u32,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub nodes: Vec<GridId>,
    #[serde(default)]
    pub categories: Vec<gridwalk_domain::CategoryCode>,
}

#[derive(Debug, Deserialize)]
pub struct DemoReport {
    pub id: String,
    pub category: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[serde(default)]
    pub note: String,
    pub address: Option<String>,
    pub reporter: String,
    /// RFC 3339, for people to read.
    pub at: String,
    pub color: [u8; 3],
}

/// What the generated archive is made of.
#[derive(Debug, Deserialize)]
pub struct Archive {
    pub occupancy_percent: u32,
    pub visit_weeks: i64,
    pub surnames: Vec<String>,
    pub given_names: Vec<String>,
    pub household_notes: Vec<String>,
    pub visit_notes: Vec<String>,
    pub needs: Vec<DemoNeed>,
}

#[derive(Debug, Deserialize)]
pub struct DemoNeed {
    pub category: String,
    pub description: String,
}
