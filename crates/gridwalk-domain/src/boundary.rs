//! A grid's outline on the ground: a GeoJSON Polygon geometry in WGS-84,
//! `[lon, lat]` positions, the outer ring first and holes after it.
//!
//! Outlines come from an office's drawing tool or a county's GIS export and
//! reach every device in `Me`; a device routes a report by them offline. So
//! they are checked once here — closed rings, real coordinates, bounded size —
//! and a stored outline is always drawable and testable.

use serde::{Deserialize, Serialize};

use crate::geo::Coordinates;
use crate::ids::GridId;

/// Enough for a street-level outline traced by hand or exported from GIS;
/// more would only slow every device that routes by it.
pub const MAX_BOUNDARY_POSITIONS: usize = 5_000;
pub const MAX_BOUNDARY_RINGS: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BoundaryError {
    #[error("the outline must be a GeoJSON Polygon, not {0:?}: export the grid as a Polygon")]
    NotAPolygon(String),
    #[error("the outline has no rings: draw the grid's outer edge")]
    NoRings,
    #[error("the outline has {0} rings: keep it to {MAX_BOUNDARY_RINGS}")]
    TooManyRings(usize),
    #[error(
        "ring {ring} has {points} positions: a ring needs at least 4 (three corners and the first again)"
    )]
    ShortRing { ring: usize, points: usize },
    #[error("ring {ring} is not closed: its last position must repeat its first")]
    OpenRing { ring: usize },
    #[error("ring {ring}, position {index}: {reason}")]
    BadPosition {
        ring: usize,
        index: usize,
        reason: String,
    },
    #[error("the outline has {0} positions: simplify it to at most {MAX_BOUNDARY_POSITIONS}")]
    TooManyPositions(usize),
}

/// A checked outline. Its rings are closed and made of valid coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GeoJsonPolygon", into = "GeoJsonPolygon")]
pub struct Boundary {
    rings: Vec<Vec<Coordinates>>,
}

/// The wire form: `{"type": "Polygon", "coordinates": [[[lon, lat], …]]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct GeoJsonPolygon {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Vec<Vec<Vec<f64>>>,
}

impl TryFrom<GeoJsonPolygon> for Boundary {
    type Error = BoundaryError;
    fn try_from(g: GeoJsonPolygon) -> Result<Self, BoundaryError> {
        if g.kind != "Polygon" {
            return Err(BoundaryError::NotAPolygon(g.kind));
        }
        Self::from_positions(&g.coordinates)
    }
}

impl From<Boundary> for GeoJsonPolygon {
    fn from(b: Boundary) -> Self {
        GeoJsonPolygon {
            kind: "Polygon".into(),
            coordinates: b
                .rings
                .iter()
                .map(|r| r.iter().map(|c| vec![c.lon(), c.lat()]).collect())
                .collect(),
        }
    }
}

impl Boundary {
    /// From GeoJSON positions: rings of `[lon, lat]` (a third number, the
    /// altitude some exports carry, is ignored).
    pub fn from_positions(rings: &[Vec<Vec<f64>>]) -> Result<Self, BoundaryError> {
        if rings.is_empty() {
            return Err(BoundaryError::NoRings);
        }
        if rings.len() > MAX_BOUNDARY_RINGS {
            return Err(BoundaryError::TooManyRings(rings.len()));
        }
        let total: usize = rings.iter().map(Vec::len).sum();
        if total > MAX_BOUNDARY_POSITIONS {
            return Err(BoundaryError::TooManyPositions(total));
        }
        let mut out = Vec::with_capacity(rings.len());
        for (ring, positions) in rings.iter().enumerate() {
            if positions.len() < 4 {
                return Err(BoundaryError::ShortRing {
                    ring,
                    points: positions.len(),
                });
            }
            let coords = positions
                .iter()
                .enumerate()
                .map(|(index, p)| {
                    position(p).map_err(|reason| BoundaryError::BadPosition {
                        ring,
                        index,
                        reason,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if coords.first() != coords.last() {
                return Err(BoundaryError::OpenRing { ring });
            }
            out.push(coords);
        }
        Ok(Self { rings: out })
    }

    /// The outer edge, closed (its last position repeats its first).
    pub fn outer(&self) -> &[Coordinates] {
        &self.rings[0]
    }

    /// Holes cut out of the outer edge (a school, a park that is not the grid's).
    pub fn holes(&self) -> &[Vec<Coordinates>] {
        &self.rings[1..]
    }

    /// Every ring, outer first.
    pub fn rings(&self) -> &[Vec<Coordinates>] {
        &self.rings
    }
}

/// Where a located report goes, decided on the device from the outlines in
/// `Me` (the device computes it; this is what it tells the form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    /// None of the user's grids has an outline yet: the person picks.
    Unmapped,
    /// Inside this grid's outline.
    Grid { grid: GridId },
    /// Outside every outline: to the community's own file for its office,
    /// or — for a user who works in no whole community — where they pick.
    Outside { file: Option<GridId> },
}

impl Route {
    /// The grid this route files a report under, if it decides one.
    pub fn grid(&self) -> Option<&GridId> {
        match self {
            Route::Grid { grid } => Some(grid),
            Route::Outside { file } => file.as_ref(),
            Route::Unmapped => None,
        }
    }
}

fn position(p: &[f64]) -> Result<Coordinates, String> {
    match p {
        [lon, lat] | [lon, lat, _] => Coordinates::parse(*lat, *lon).map_err(|e| e.to_string()),
        _ => Err(format!(
            "a position is [longitude, latitude], not {} numbers",
            p.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> serde_json::Value {
        serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[121.0, 31.0], [121.01, 31.0], [121.01, 31.01], [121.0, 31.01], [121.0, 31.0]]]
        })
    }

    #[test]
    fn a_geojson_polygon_round_trips() {
        let b: Boundary = serde_json::from_value(square()).unwrap();
        assert_eq!(b.outer().len(), 5);
        assert_eq!(b.outer()[1].lon(), 121.01);
        assert!(b.holes().is_empty());
        assert_eq!(serde_json::to_value(&b).unwrap(), square());
    }

    #[test]
    fn malformed_outlines_are_refused_with_what_to_fix() {
        let refuse = |v: serde_json::Value| {
            serde_json::from_value::<Boundary>(v)
                .unwrap_err()
                .to_string()
        };
        let mut open = square();
        open["coordinates"][0][4] = serde_json::json!([121.0, 31.005]);
        assert!(refuse(open).contains("not closed"));
        let mut point = square();
        point["type"] = "Point".into();
        assert!(refuse(point).contains("Polygon"));
        let mut swapped = square();
        swapped["coordinates"][0][2] = serde_json::json!([31.01, 121.01]);
        assert!(
            refuse(swapped).contains("latitude 121.01"),
            "lat/lon swapped"
        );
        let short =
            serde_json::json!({"type":"Polygon","coordinates":[[[0.0,0.0],[1.0,1.0],[0.0,0.0]]]});
        assert!(refuse(short).contains("at least 4"));
        let none = serde_json::json!({"type":"Polygon","coordinates":[]});
        assert!(refuse(none).contains("no rings"));
        let huge: Vec<Vec<f64>> = (0..=MAX_BOUNDARY_POSITIONS)
            .map(|i| vec![0.0, i as f64 / 1e4])
            .collect();
        assert_eq!(
            Boundary::from_positions(&[huge]),
            Err(BoundaryError::TooManyPositions(MAX_BOUNDARY_POSITIONS + 1))
        );
    }

    #[test]
    fn an_altitude_in_the_export_is_ignored() {
        let b = Boundary::from_positions(&[vec![
            vec![1.0, 2.0, 30.0],
            vec![1.1, 2.0, 30.0],
            vec![1.1, 2.1, 30.0],
            vec![1.0, 2.0, 30.0],
        ]])
        .unwrap();
        assert_eq!(b.outer()[0].lat(), 2.0);
    }
}
