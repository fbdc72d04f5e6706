//! The sync wire contract between a device and the sync server.
//!
//! Sync is a change feed: one `POST /v1/sync` carries the device's unsent
//! Automerge changes (its outbox) and the cursor of what it has already pulled;
//! the answer acknowledges what was stored and returns the next page of
//! changes after the cursor. The server decodes and checks every change
//! itself before storing it.
//!
//! Two encodings carry the same contract: the app's compact binary body
//! (`gridwalk_core::sync_wire`: a short header naming the protocol, then
//! DEFLATE over a varint encoding, change bytes raw) and JSON with change
//! bytes in base64, for people with curl and for tests.

use crate::ids::{DeviceId, DocId, GridId};
use serde::{Deserialize, Serialize};

/// Bumped when the contract changes incompatibly; the server refuses others
/// with "update the app". 2: acks became a count, the answer names the
/// directory version, and the binary body.
pub const PROTOCOL_VERSION: u32 = 2;
/// At most this many changes in one push; a larger outbox goes in batches.
pub const MAX_CHANGES_PER_PUSH: usize = 2000;
/// One Automerge change may be at most this large (photos never travel inside).
pub const MAX_CHANGE_BYTES: usize = 256 * 1024;
/// The sync request body limit; base64 makes a full batch ~4/3 of its bytes.
pub const MAX_SYNC_BODY_BYTES: usize = 8 * 1024 * 1024;
/// A push carries changes of at most this many bytes in all (at least one
/// change, whatever its size): its body stays under both limits.
pub const MAX_PUSH_CHANGE_BYTES: usize = 4 * 1024 * 1024;
/// A compressed body may inflate to at most this much; past it the reader
/// stops and refuses, so a small body cannot make anyone allocate gigabytes.
pub const MAX_INFLATED_BYTES: usize = 16 * 1024 * 1024;
/// The server fills a page with changes of at most this many bytes in all
/// (at least one), so every answer inflates well under the cap.
pub const MAX_PAGE_CHANGE_BYTES: usize = 8 * 1024 * 1024;
/// A stored photo or thumbnail is at most this large.
pub const MAX_BLOB_BYTES: usize = 8 * 1024 * 1024;
/// The server answers at most this many changes per sync; `more` says to ask again.
pub const PULL_PAGE_CHANGES: usize = 2000;

/// The `Content-Type` of the binary body, both ways. Errors stay JSON.
pub const SYNC_MEDIA_TYPE: &str = "application/vnd.gridwalk.sync";

/// One Automerge change of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireChange {
    pub doc: DocId,
    pub scope: GridId,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u32,
    pub device: DeviceId,
    /// The server sequence number of the last change this device has applied.
    pub cursor: u64,
    pub changes: Vec<WireChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// How many of the pushed changes, from the first, are durably stored
    /// (new or already known): the device may drop them from its outbox.
    /// A push is stored all or nothing, so on success this is all of them.
    pub acked: u32,
    /// Changes after the request's cursor, oldest first.
    pub changes: Vec<WireChange>,
    /// Store this cursor in the same transaction that applies `changes`.
    pub cursor: u64,
    /// More changes wait after `cursor`: sync again.
    pub more: bool,
    /// The server's clock when it answered (Unix ms): devices stamp work
    /// order steps with their clock corrected by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
    /// Grows whenever the grid tree, its people or their grids change: a
    /// device asks for `/v1/me` again only when this differs from what it
    /// last saw, so a quiet sync is one round trip.
    #[serde(default)]
    pub directory: u64,
    /// Names this server's feed; it changes when the server is restored
    /// from a backup. A device that sees it change pulls again from the
    /// start and pushes its own changes again, in case the backup lacks
    /// them (0: the server does not say).
    #[serde(default)]
    pub epoch: u64,
}

/// The one error shape every server route answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: crate::ErrorCode,
    pub message: String,
}

mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Base64 in JSON; raw bytes in the binary body.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&STANDARD.encode(bytes))
        } else {
            s.serialize_bytes(bytes)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if !d.is_human_readable() {
            return d.deserialize_byte_buf(Raw);
        }
        // Borrowed when the input allows it, owned otherwise (e.g. from a Value).
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        // Refuse before decoding, so a hostile string cannot make us allocate.
        if s.len() > super::MAX_CHANGE_BYTES.div_ceil(3) * 4 {
            return Err(serde::de::Error::custom("change bytes over the size limit"));
        }
        STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }

    /// Raw change bytes, refused over the limit before they are copied.
    struct Raw;

    impl serde::de::Visitor<'_> for Raw {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "at most {} bytes", super::MAX_CHANGE_BYTES)
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            if v.len() > super::MAX_CHANGE_BYTES {
                return Err(E::custom("change bytes over the size limit"));
            }
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            self.visit_bytes(&v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(bytes: Vec<u8>) -> WireChange {
        WireChange {
            doc: DocId::from_random_bytes([3; 16]),
            scope: GridId::parse("demo-grid-1").unwrap(),
            bytes,
        }
    }

    #[test]
    fn requests_round_trip_through_json() {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device: DeviceId::from_random_bytes([9; 16]),
            cursor: 42,
            changes: vec![change(vec![0, 1, 2, 255])],
        };
        let json = serde_json::to_string(&req).unwrap();
        assert_eq!(serde_json::from_str::<SyncRequest>(&json).unwrap(), req);
    }

    #[test]
    fn oversized_or_non_base64_change_bytes_are_refused() {
        let big = serde_json::to_string(&change(vec![0; MAX_CHANGE_BYTES + 3])).unwrap();
        assert!(serde_json::from_str::<WireChange>(&big).is_err());
        let bad = r#"{"doc":"03030303-0303-4303-8303-030303030303","scope":"g","bytes":"!!"}"#;
        assert!(serde_json::from_str::<WireChange>(bad).is_err());
    }
}
