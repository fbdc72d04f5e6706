//! The map's projection: WGS-84 degrees to the SVG's pixels and back.
//!
//! A grid is a few hundred metres across, so an equirectangular projection
//! scaled by the cosine of its latitude is exact to well under a pixel and
//! keeps the streets' angles; no tile pyramid is needed to draw outlines
//! and pins.

use gridwalk_domain::Coordinates;

/// The drawing's width in SVG units; its height follows the area's shape.
pub const WIDTH: f64 = 1000.0;
/// Less than this across (in degrees, about 200 m) and a lone pin would fill the map.
const MIN_SPAN: f64 = 0.002;
const PAD: f64 = 0.08;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    lon0: f64,
    lat1: f64,
    /// Pixels per degree of longitude and of latitude.
    kx: f64,
    ky: f64,
    pub height: f64,
}

impl Frame {
    /// The frame that shows all of `points` with a margin; `None` with no points.
    pub fn fit(points: &[Coordinates]) -> Option<Frame> {
        let first = points.first()?;
        let (mut west, mut east, mut south, mut north) =
            (first.lon(), first.lon(), first.lat(), first.lat());
        for p in points {
            west = west.min(p.lon());
            east = east.max(p.lon());
            south = south.min(p.lat());
            north = north.max(p.lat());
        }
        let mid_lon = (west + east) / 2.0;
        let mid_lat = (south + north) / 2.0;
        let cos = mid_lat.to_radians().cos().max(0.05);
        let span_x = ((east - west) * cos).max(MIN_SPAN) * (1.0 + 2.0 * PAD);
        let span_y = (north - south).max(MIN_SPAN) * (1.0 + 2.0 * PAD);
        let height = (WIDTH * span_y / span_x).clamp(WIDTH * 0.5, WIDTH * 1.4);
        // One scale both ways (per cos-corrected degree), the smaller that fits.
        let k = (WIDTH / span_x).min(height / span_y);
        let kx = k * cos;
        Some(Frame {
            lon0: mid_lon - WIDTH / 2.0 / kx,
            lat1: mid_lat + height / 2.0 / k,
            kx,
            ky: k,
            height,
        })
    }

    pub fn xy(&self, c: Coordinates) -> (f64, f64) {
        (
            (c.lon() - self.lon0) * self.kx,
            (self.lat1 - c.lat()) * self.ky,
        )
    }

    /// The place under a point of the drawing.
    pub fn at(&self, x: f64, y: f64) -> Option<Coordinates> {
        Coordinates::parse(self.lat1 - y / self.ky, self.lon0 + x / self.kx).ok()
    }

    /// An SVG `points` list for a ring.
    pub fn points(&self, ring: &[Coordinates]) -> String {
        ring.iter()
            .map(|c| {
                let (x, y) = self.xy(*c);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse(lat, lon).unwrap()
    }

    #[test]
    fn every_point_lands_inside_the_drawing_and_maps_back() {
        let pts = [
            c(31.2291, 121.4710),
            c(31.2321, 121.4771),
            c(31.2304, 121.4737),
        ];
        let f = Frame::fit(&pts).unwrap();
        for p in pts {
            let (x, y) = f.xy(p);
            assert!(
                (0.0..=WIDTH).contains(&x) && (0.0..=f.height).contains(&y),
                "{x},{y}"
            );
            let back = f.at(x, y).unwrap();
            assert!((back.lat() - p.lat()).abs() < 1e-9 && (back.lon() - p.lon()).abs() < 1e-9);
        }
        let (x_west, _) = f.xy(c(31.23, 121.4710));
        let (x_east, _) = f.xy(c(31.23, 121.4771));
        assert!(x_west < x_east, "east is right");
        let (_, y_north) = f.xy(c(31.2321, 121.474));
        let (_, y_south) = f.xy(c(31.2291, 121.474));
        assert!(y_north < y_south, "north is up");
    }

    #[test]
    fn a_metre_is_the_same_length_east_and_north() {
        let f = Frame::fit(&[c(31.0, 121.0), c(31.01, 121.01)]).unwrap();
        let (x0, y0) = f.xy(c(31.0, 121.0));
        let (x1, _) = f.xy(c(31.0, 121.001));
        let (_, y1) = f.xy(c(31.001, 121.0));
        let cos = 31.005_f64.to_radians().cos();
        assert!((((x1 - x0) / cos) / (y0 - y1) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_lone_pin_gets_a_street_sized_view_and_nothing_gets_no_map() {
        let f = Frame::fit(&[c(31.23, 121.47)]).unwrap();
        let (x, y) = f.xy(c(31.23, 121.47));
        assert!((x - WIDTH / 2.0).abs() < 1e-6 && (y - f.height / 2.0).abs() < 1e-6);
        assert!(f.at(0.0, 0.0).is_some());
        assert_eq!(Frame::fit(&[]), None);
    }
}
