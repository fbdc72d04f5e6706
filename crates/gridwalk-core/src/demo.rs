//! The demo community (`assets/demo/community.json`) as sync changes and
//! photos, so a fresh sync server can start with something to look at.
//!
//! Everything is deterministic — fixed ids, a fixed actor, fixed times and
//! generated pictures — so seeding twice produces the same change hashes and
//! the server stores nothing new the second time.

use gridwalk_domain::sync::WireChange;
use gridwalk_domain::{
    BlobHash, Coordinates, DeviceId, DocId, GridId, HazardReport, Location, LocationSource,
    PhotoRef,
};
use image::{ImageBuffer, Rgb};
use serde::Deserialize;

use crate::catalog::builtin_catalog;
use crate::document;
use crate::error::{CoreError, Result};
use crate::photo::process_photo;
use crate::reports::REPORT_KIND;

const COMMUNITY_JSON: &str = include_str!("../../../assets/demo/community.json");
/// The demo's own actor: never a real device.
const DEMO_DEVICE: [u8; 16] = *b"gridwalk-demo-01";

#[derive(Debug)]
pub struct DemoSeed {
    pub changes: Vec<WireChange>,
    pub blobs: Vec<(BlobHash, Vec<u8>)>,
}

#[derive(Deserialize)]
struct Community {
    grids: Vec<Grid>,
    reports: Vec<DemoReport>,
}

#[derive(Deserialize)]
struct Grid {
    code: String,
}

#[derive(Deserialize)]
struct DemoReport {
    id: String,
    category: String,
    description: String,
    lat: Option<f64>,
    lon: Option<f64>,
    #[serde(default)]
    note: String,
    address: Option<String>,
    reporter: String,
    /// Unix ms; written in the file as RFC 3339 text for people to read.
    #[serde(deserialize_with = "rfc3339_ms")]
    at: i64,
    color: [u8; 3],
}

pub fn demo_seed() -> Result<DemoSeed> {
    let bad = |e: String| CoreError::Invalid(format!("assets/demo/community.json: {e}"));
    let community: Community =
        serde_json::from_str(COMMUNITY_JSON).map_err(|e| bad(e.to_string()))?;
    let grid = community
        .grids
        .first()
        .ok_or_else(|| bad("no grid".into()))?;
    let scope = GridId::parse(&grid.code).map_err(|e| bad(e.to_string()))?;
    let device = DeviceId::from_random_bytes(DEMO_DEVICE);
    let mut seed = DemoSeed {
        changes: Vec::new(),
        blobs: Vec::new(),
    };
    for r in community.reports {
        let photo = process_photo(&demo_picture(r.color)?)?;
        let location = match (r.lat, r.lon, r.address) {
            (Some(lat), Some(lon), _) => Location::Point {
                coords: Coordinates::parse(lat, lon).map_err(|e| bad(e.to_string()))?,
                source: LocationSource::Device,
                note: r.note,
            },
            (_, _, Some(a)) => Location::address(&a).map_err(|e| bad(e.to_string()))?,
            _ => return Err(bad(format!("report {} has no place", r.id))),
        };
        let report = HazardReport {
            id: DocId::parse(&r.id).map_err(|e| bad(e.to_string()))?,
            scope: scope.clone(),
            category: builtin_catalog()
                .get(&r.category)
                .map_err(|e| bad(e.to_string()))?
                .code
                .clone(),
            description: r.description,
            location,
            photos: vec![PhotoRef {
                hash: photo.full_hash.clone(),
                thumb: photo.thumb_hash.clone(),
                bytes: photo.full.len() as u64,
                mime: "image/jpeg".into(),
                width: photo.width,
                height: photo.height,
            }],
            reporter: r.reporter,
            reporter_device: device,
            created_at_ms: r.at,
        };
        let (_, change) = document::create(&device, REPORT_KIND, &report, r.at)?;
        seed.changes.push(WireChange {
            doc: report.id,
            scope: scope.clone(),
            bytes: change.raw_bytes().to_vec(),
        });
        seed.blobs.push((photo.full_hash, photo.full));
        seed.blobs.push((photo.thumb_hash, photo.thumb));
    }
    Ok(seed)
}

/// A soft diagonal gradient in the report's colour: recognisable in a list,
/// and no real photo is shipped with the app.
fn demo_picture(rgb: [u8; 3]) -> Result<Vec<u8>> {
    let img = ImageBuffer::from_fn(640, 480, |x, y| {
        let t = ((x + y) % 256) as u16;
        Rgb(rgb.map(|c| ((c as u16 * 3 + t) / 4) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
    Ok(out.into_inner())
}

fn rfc3339_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let s = String::deserialize(d)?;
    parse_rfc3339_ms(&s).ok_or_else(|| serde::de::Error::custom(format!("bad time {s:?}")))
}

/// Parses `YYYY-MM-DDTHH:MM:SS±HH:MM` (the only form the demo file uses).
fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let sign = if s.get(19..20)? == "-" { -1 } else { 1 };
    let off = sign * (num(20, 22)? * 60 + num(23, 25)?);
    // Days from civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi - off) * 60_000 + se * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_convert_to_unix_ms() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T08:00:00+08:00"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2026-11-01T00:00:00+00:00"),
            Some(1_793_491_200_000)
        );
    }

    #[test]
    fn seeding_is_deterministic_so_reseeding_stores_nothing_new() {
        let a = demo_seed().unwrap();
        let b = demo_seed().unwrap();
        assert_eq!(a.changes, b.changes);
        assert_eq!(a.changes.len(), 3, "the demo community has three reports");
        assert_eq!(a.blobs.len(), 6, "one photo and one thumbnail each");
    }
}
