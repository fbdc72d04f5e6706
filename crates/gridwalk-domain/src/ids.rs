//! Identifiers. Each is a newtype so a grid code can never be passed where a
//! blob hash is expected, and each parses strictly because they all arrive from
//! other devices.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("not a valid id (expected a UUID): {0:?}")]
    BadUuid(String),
    #[error("not a valid grid code {0:?}: use 1–64 characters of a–z, 0–9 and '-'")]
    BadGrid(String),
    #[error("not a valid photo hash {0:?}: expected 64 lowercase hex digits (SHA-256)")]
    BadHash(String),
}

/// The immutable id of one Automerge document (one record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocId(Uuid);

/// One installation of the app. Also the Automerge actor of its edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceId(Uuid);

/// A person with an account on the sync server (one per person, many devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(Uuid);

/// Serde goes through text: `parse` on the way in, `Display` on the way out,
/// so nothing from another device skips validation.
macro_rules! text_conversions {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$t> for String {
            fn from(id: $t) -> String {
                id.to_string()
            }
        }
    };
}

macro_rules! uuid_id {
    ($t:ident) => {
        impl $t {
            /// Wraps freshly generated random bytes; the caller owns the randomness
            /// because domain does no I/O.
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            pub fn parse(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| IdError::BadUuid(s.to_owned()))
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        text_conversions!($t);
    };
}

/// Text, serde and `Display` for a string id whose only constructor is `parse`.
macro_rules! string_id {
    ($t:ident) => {
        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        text_conversions!($t);
    };
}

/// A member inside a household: random, so two devices adding members at
/// the same time never pick the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberId(Uuid);

/// One step in a work order's event list: random, so every device orders
/// events of the same instant alike, and a step is never counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventId(Uuid);

uuid_id!(DocId);
uuid_id!(DeviceId);
uuid_id!(UserId);
uuid_id!(MemberId);
uuid_id!(EventId);

/// The grid (网格) a record belongs to: the unit of partial sync and of
/// authorisation. A short code from the grid tree, e.g. `demo-grid-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridId(String);

impl GridId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadGrid(s.to_owned()))
        }
    }
}

string_id!(GridId);

/// SHA-256 of a stored photo, as 64 lowercase hex digits. Photos are
/// content-addressed, so the hash is both the name and the integrity check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobHash(String);

impl BlobHash {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadHash(s.to_owned()))
        }
    }

    /// Builds the hash from a raw 32-byte digest computed by the caller.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        use fmt::Write;
        let mut s = String::with_capacity(64);
        for b in digest {
            let _ = write!(s, "{b:02x}");
        }
        Self(s)
    }
}

string_id!(BlobHash);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_codes_are_strict() {
        assert!(GridId::parse("demo-grid-1").is_ok());
        for bad in ["", "Grid", "a/b", "网格", &"x".repeat(65)] {
            assert!(
                GridId::parse(bad).is_err(),
                "{bad:?} must be refused as a grid code"
            );
        }
    }

    #[test]
    fn blob_hash_round_trips_a_digest_and_refuses_path_tricks() {
        let h = BlobHash::from_digest(&[0xab; 32]);
        assert_eq!(h.as_str(), "ab".repeat(32));
        assert_eq!(BlobHash::parse(h.as_str()), Ok(h));
        for bad in ["../etc/passwd", &"AB".repeat(32), &"a".repeat(63)] {
            assert!(
                BlobHash::parse(bad).is_err(),
                "{bad:?} must not pass as a hash"
            );
        }
    }

    #[test]
    fn ids_survive_json_and_refuse_garbage() {
        let id = DocId::from_random_bytes([7; 16]);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<DocId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<DocId>("\"not-a-uuid\"").is_err());
    }
}
