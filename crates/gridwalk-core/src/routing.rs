//! Where a report goes, decided on the device with no network: the grid
//! whose outline holds its location, else the community's own file for its
//! office. The outlines come with `Me`; `geo` does the geometry.

use geo::{Contains, Coord, LineString, Point, Polygon};
use gridwalk_domain::boundary::{Boundary, Route};
use gridwalk_domain::directory::{GridNode, Me};
use gridwalk_domain::{Coordinates, GridId, Location};

use crate::error::{CoreError, Result};
use crate::store::Store;

fn ring(r: &[Coordinates]) -> LineString<f64> {
    r.iter()
        .map(|c| Coord {
            x: c.lon(),
            y: c.lat(),
        })
        .collect()
}

fn polygon(b: &Boundary) -> Polygon<f64> {
    Polygon::new(ring(b.outer()), b.holes().iter().map(|h| ring(h)).collect())
}

/// The first of `outlines` that holds `at`. Where outlines overlap (a
/// hand-drawn edge a few metres off), the first in tree order takes the
/// point, the same on every device.
pub fn grid_at<'a>(
    outlines: impl IntoIterator<Item = (&'a GridNode, &'a Boundary)>,
    at: Coordinates,
) -> Option<&'a GridId> {
    let point = Point::new(at.lon(), at.lat());
    outlines
        .into_iter()
        .find(|(_, b)| polygon(b).contains(&point))
        .map(|(n, _)| &n.id)
}

/// The route of a point for this user.
pub fn route(me: &Me, at: Coordinates) -> Route {
    if me.outlined_grids().next().is_none() {
        return Route::Unmapped;
    }
    match grid_at(me.outlined_grids(), at) {
        Some(grid) => Route::Grid { grid: grid.clone() },
        None => Route::Outside {
            file: me.community_file().cloned(),
        },
    }
}

impl Store {
    /// The route of a point for the bound user (the report form shows it
    /// before saving).
    pub fn route_point(&self, at: Coordinates) -> Result<Route> {
        let me = self.me()?.ok_or(CoreError::NotBound)?;
        Ok(route(&me, at))
    }

    /// The grid a new report is filed under: by its location when the
    /// grids are outlined, else the one picked (see `report_grid`).
    pub(crate) fn routed_grid(
        &self,
        location: &Location,
        requested: Option<&GridId>,
    ) -> Result<GridId> {
        if let Location::Point { coords, .. } = location
            && let Some(grid) = self.route_point(*coords)?.grid()
        {
            return Ok(grid.clone());
        }
        self.report_grid(requested)
    }
}

#[cfg(test)]
mod tests;
