//! Values the domain's tests share.

use crate::ids::BlobHash;
use crate::report::PhotoRef;

/// A processed photo as a report references it.
pub fn photo_ref() -> PhotoRef {
    PhotoRef {
        hash: BlobHash::from_digest(&[1; 32]),
        thumb: BlobHash::from_digest(&[2; 32]),
        bytes: 1000,
        mime: "image/jpeg".into(),
        width: 1600,
        height: 1200,
    }
}

/// The vocabulary the app ships.
pub fn vocabulary() -> crate::vocabulary::Vocabulary {
    crate::vocabulary::Vocabulary::parse_json(include_str!("../../../assets/vocabulary.json"))
        .expect("assets/vocabulary.json parses")
}

/// `first17` and the check character it calls for, whatever its region
/// or date.
pub fn id_number(first17: &str) -> String {
    let check = crate::id_number::check_char(first17).expect("17 digits");
    format!("{first17}{check}")
}
