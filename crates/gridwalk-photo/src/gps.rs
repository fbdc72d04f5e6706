//! The photo's GPS position, read from its EXIF before the metadata is thrown away, so a rider's
//! report can be pinned where the picture was taken.
//!
//! Cameras write latitude and longitude as unsigned degree/minute/second rationals plus an N/S
//! or E/W reference letter; some phones (the Nokia 8.3 among the test photos) use signed
//! rationals instead. Anything malformed — a zero denominator, a missing reference letter, a
//! negative part, a position out of range — gives `None`: a pin in the wrong hemisphere is worse
//! than asking the rider where they are.

use exif::{Exif, In, Reader, Tag, Value};
use gridwalk_domain::Coordinates;

/// Reads the position from a raw EXIF block (a TIFF structure, as found after a JPEG's
/// `Exif\0\0` header or in a PNG's eXIf chunk).
pub(super) fn position_from_exif(raw: Vec<u8>) -> Option<Coordinates> {
    // Keep going past a broken unrelated tag (maker notes are often mangled by editors): the GPS
    // directory may still be intact.
    let exif = match Reader::new().continue_on_error(true).read_raw(raw) {
        Ok(exif) => exif,
        Err(e) => e.distill_partial_result(|_| {}).ok()?,
    };
    position(&exif)
}

fn position(exif: &Exif) -> Option<Coordinates> {
    // Status "V" means the receiver had no fix and the numbers are leftovers.
    if let Some(field) = exif.get_field(Tag::GPSStatus, In::PRIMARY)
        && reference_letter(&field.value) == Some(b'V')
    {
        return None;
    }
    let lat = signed_degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'N', b'S')?;
    let lon = signed_degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'E', b'W')?;
    // Exactly 0,0 is what some phones write when they have no fix at all.
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    Coordinates::parse(lat, lon).ok()
}

fn signed_degrees(exif: &Exif, value: Tag, reference: Tag, plus: u8, minus: u8) -> Option<f64> {
    let degrees = unsigned_degrees(&exif.get_field(value, In::PRIMARY)?.value)?;
    let letter = reference_letter(&exif.get_field(reference, In::PRIMARY)?.value)?;
    match letter.to_ascii_uppercase() {
        l if l == plus => Some(degrees),
        l if l == minus => Some(-degrees),
        _ => None,
    }
}

/// Degrees, minutes and seconds (fewer parts are allowed: "dd mm.mmmm" is common) as decimal
/// degrees; `None` unless every part is a finite, non-negative number below its unit's bound.
fn unsigned_degrees(value: &Value) -> Option<f64> {
    let parts: Vec<f64> = match value {
        Value::Rational(v) => v
            .iter()
            .map(|r| ratio(f64::from(r.num), f64::from(r.denom)))
            .collect(),
        Value::SRational(v) => v
            .iter()
            .map(|r| ratio(f64::from(r.num), f64::from(r.denom)))
            .collect(),
        _ => None,
    }?;
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut total = 0.0;
    for (i, part) in parts.into_iter().enumerate() {
        // Sixty is allowed: some writers round 59.9996 seconds up.
        let bound = if i == 0 { 180.0 } else { 60.0 };
        if !(0.0..=bound).contains(&part) {
            return None;
        }
        total += part / [1.0, 60.0, 3600.0][i];
    }
    Some(total)
}

fn ratio(num: f64, denom: f64) -> Option<f64> {
    if denom == 0.0 {
        None
    } else {
        Some(num / denom)
    }
}

fn reference_letter(value: &Value) -> Option<u8> {
    match value {
        Value::Ascii(strings) => strings.first()?.first().copied(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exif::{Rational, SRational};

    fn rationals(parts: &[(u32, u32)]) -> Value {
        Value::Rational(
            parts
                .iter()
                .map(|&(num, denom)| Rational { num, denom })
                .collect(),
        )
    }

    #[test]
    fn degrees_minutes_seconds_add_up() {
        let v = rationals(&[(43, 1), (28, 1), (281_400_000, 100_000_000)]);
        let d = unsigned_degrees(&v).unwrap();
        assert!(
            (d - 43.467_448_333).abs() < 1e-8,
            "43°28'2.814\" is 43.4674483°, got {d}"
        );
        let minutes_only = rationals(&[(31, 1), (13_824, 1000)]);
        let d = unsigned_degrees(&minutes_only).unwrap();
        assert!(
            (d - 31.2304).abs() < 1e-9,
            "31°13.824' is 31.2304°, got {d}"
        );
        let signed = Value::SRational(vec![SRational { num: 60, denom: 1 }]);
        assert_eq!(
            unsigned_degrees(&signed),
            Some(60.0),
            "signed rationals are accepted"
        );
    }

    #[test]
    fn malformed_parts_give_no_position() {
        let cases = [
            ("zero denominator", rationals(&[(43, 0), (28, 1), (0, 1)])),
            ("minutes over 60", rationals(&[(43, 1), (61, 1), (0, 1)])),
            ("degrees over 180", rationals(&[(181, 1)])),
            ("no parts", rationals(&[])),
            ("four parts", rationals(&[(1, 1), (1, 1), (1, 1), (1, 1)])),
            (
                "negative",
                Value::SRational(vec![SRational { num: -43, denom: 1 }]),
            ),
            (
                "negative denominator",
                Value::SRational(vec![SRational { num: 43, denom: -1 }]),
            ),
            ("wrong type", Value::Short(vec![43])),
        ];
        for (why, value) in cases {
            assert_eq!(
                unsigned_degrees(&value),
                None,
                "{why} must not become a position"
            );
        }
    }

    #[test]
    fn reference_letters_are_read_from_ascii_only() {
        assert_eq!(
            reference_letter(&Value::Ascii(vec![b"S".to_vec()])),
            Some(b'S')
        );
        assert_eq!(
            reference_letter(&Value::Ascii(vec![])),
            None,
            "an empty ref is no ref"
        );
        assert_eq!(
            reference_letter(&Value::Byte(vec![b'N'])),
            None,
            "a ref must be ASCII"
        );
    }

    #[test]
    fn garbage_exif_gives_no_position() {
        assert_eq!(
            position_from_exif(Vec::new()),
            None,
            "an empty block has no position"
        );
        assert_eq!(
            position_from_exif(b"II*\0garbage".to_vec()),
            None,
            "a broken TIFF header"
        );
        assert_eq!(
            position_from_exif(vec![0xFF; 300]),
            None,
            "random bytes are not EXIF"
        );
    }
}
