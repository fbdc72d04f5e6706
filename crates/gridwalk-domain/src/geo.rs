//! Where a report is. A rider's location comes from the photo's EXIF GPS when
//! present, else from the device, else from an address they type; the source is
//! kept so the office knows how much to trust the pin.

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GeoError {
    #[error("latitude {0} is out of range: it must lie between -90 and 90")]
    Latitude(f64),
    #[error("longitude {0} is out of range: it must lie between -180 and 180")]
    Longitude(f64),
    #[error("the address is empty: type where the problem is, or allow location access")]
    EmptyAddress,
    #[error("the address is too long ({0} characters): keep it under 200")]
    LongAddress(usize),
}

/// WGS-84 coordinates in decimal degrees, always finite and in range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawCoordinates {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = GeoError;
    fn try_from(r: RawCoordinates) -> Result<Self, GeoError> {
        Self::parse(r.lat, r.lon)
    }
}

impl Coordinates {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude(lon));
        }
        Ok(Self { lat, lon })
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// "31.23040, 121.47370": five decimals is about a metre, enough for a manhole.
    pub fn display(&self) -> String {
        format!("{:.5}, {:.5}", self.lat, self.lon)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// GPS tags in the photo's EXIF, read before the metadata was stripped.
    PhotoExif,
    /// The device's position service.
    Device,
    /// Put on the grid map by hand: the phone had no fix.
    Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    Point {
        coords: Coordinates,
        source: LocationSource,
        /// An optional typed hint ("3号楼东侧") beside the pin.
        #[serde(default)]
        note: String,
    },
    Address {
        text: String,
    },
}

impl Location {
    pub fn address(text: &str) -> Result<Self, GeoError> {
        let text = text.trim();
        let chars = text.chars().count();
        if chars == 0 {
            return Err(GeoError::EmptyAddress);
        }
        if chars > 200 {
            return Err(GeoError::LongAddress(chars));
        }
        Ok(Self::Address {
            text: text.to_owned(),
        })
    }

    /// One line for lists: the address, or the coordinates with their note.
    pub fn label(&self) -> String {
        match self {
            Self::Address { text } => text.clone(),
            Self::Point { coords, note, .. } if note.is_empty() => coords.display(),
            Self::Point { coords, note, .. } => format!("{note} ({})", coords.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_refuse_out_of_range_and_nan() {
        assert!(Coordinates::parse(31.2304, 121.4737).is_ok());
        assert_eq!(Coordinates::parse(91.0, 0.0), Err(GeoError::Latitude(91.0)));
        assert_eq!(
            Coordinates::parse(0.0, -181.0),
            Err(GeoError::Longitude(-181.0))
        );
        assert!(Coordinates::parse(f64::NAN, 0.0).is_err());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lat":100,"lon":0}"#).is_err());
    }

    #[test]
    fn addresses_are_trimmed_and_bounded() {
        assert_eq!(
            Location::address("  幸福小区3号楼 ").unwrap().label(),
            "幸福小区3号楼"
        );
        assert_eq!(Location::address("   "), Err(GeoError::EmptyAddress));
        assert!(matches!(
            Location::address(&"路".repeat(201)),
            Err(GeoError::LongAddress(201))
        ));
    }
}
