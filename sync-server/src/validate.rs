//! Every byte a device sends is checked here before anything is stored.
//!
//! Changes are decoded with automerge's change parser only — never its sync
//! protocol — inside `catch_unwind`, so a crafted change that trips a bug in
//! the parser becomes a 400 for that request instead of a dead worker.

use automerge::Change;
use gridwalk_core::sync_wire::{self, WireError};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::sync::{
    MAX_CHANGE_BYTES, MAX_CHANGES_PER_PUSH, PROTOCOL_VERSION, SyncRequest, WireChange,
};

use crate::storage::CheckedChange;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RejectReason {
    #[error("the request is not a valid sync request: {0}")]
    Malformed(String),
    #[error(
        "protocol {0} is not supported (this server speaks {PROTOCOL_VERSION}): update the app"
    )]
    Protocol(u32),
    #[error("{0} changes in one request; send at most {MAX_CHANGES_PER_PUSH} at a time")]
    TooManyChanges(usize),
    #[error("{0}")]
    BodyTooLarge(WireError),
    #[error("change #{index} is {len} bytes; at most {MAX_CHANGE_BYTES} are allowed")]
    ChangeTooLarge { index: usize, len: usize },
    #[error("change #{index} for document {doc} is not a valid Automerge change: {reason}")]
    BadChange {
        index: usize,
        doc: String,
        reason: String,
    },
}

impl RejectReason {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Malformed(_) => ErrorCode::SyncMalformed,
            Self::Protocol(_) => ErrorCode::SyncProtocol,
            Self::TooManyChanges(_) => ErrorCode::SyncTooManyChanges,
            Self::ChangeTooLarge { .. } => ErrorCode::SyncChangeTooLarge,
            Self::BodyTooLarge(_) => ErrorCode::SyncBodyTooLarge,
            Self::BadChange { .. } => ErrorCode::SyncBadChange,
        }
    }
}

/// Reads a request in either encoding: the binary body when it starts like
/// one, JSON otherwise.
pub fn parse_request(body: &[u8]) -> Result<SyncRequest, RejectReason> {
    if sync_wire::protocol_of(body).is_none() {
        return serde_json::from_slice(body).map_err(|e| RejectReason::Malformed(e.to_string()));
    }
    sync_wire::decode(body).map_err(|e| match e {
        WireError::Protocol(v) => RejectReason::Protocol(v),
        WireError::TooLarge => RejectReason::BodyTooLarge(e),
        WireError::NotBinary | WireError::Malformed(_) => RejectReason::Malformed(e.to_string()),
    })
}

/// Parses and checks a whole request; one bad change rejects all of it.
pub fn check_request(body: &[u8]) -> Result<(SyncRequest, Vec<CheckedChange>), RejectReason> {
    let req = parse_request(body)?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(RejectReason::Protocol(req.protocol));
    }
    if req.changes.len() > MAX_CHANGES_PER_PUSH {
        return Err(RejectReason::TooManyChanges(req.changes.len()));
    }
    let mut checked = Vec::with_capacity(req.changes.len());
    for (index, wire) in req.changes.iter().enumerate() {
        if wire.bytes.len() > MAX_CHANGE_BYTES {
            return Err(RejectReason::ChangeTooLarge {
                index,
                len: wire.bytes.len(),
            });
        }
        let change =
            CheckedChange::decode(wire.clone()).map_err(|reason| RejectReason::BadChange {
                index,
                doc: wire.doc.to_string(),
                reason,
            })?;
        checked.push(change);
    }
    Ok((req, checked))
}

/// Offset of the chunk type in an Automerge chunk: after the 4-byte magic
/// and the 4-byte checksum.
const CHUNK_TYPE_AT: usize = 8;
/// A DEFLATE-compressed change chunk. automerge inflates these without any
/// limit, so 256 KiB could become hundreds of MiB; devices send raw changes.
const COMPRESSED_CHUNK: u8 = 2;

/// Decodes one change, refusing empty and compressed ones.
pub fn decode_change(bytes: &[u8]) -> Result<Change, String> {
    if bytes.get(CHUNK_TYPE_AT) == Some(&COMPRESSED_CHUNK) {
        return Err(
            "it is a compressed change, which is not accepted: send the change's raw bytes".into(),
        );
    }
    let owned = bytes.to_vec();
    match std::panic::catch_unwind(move || Change::from_bytes(owned)) {
        Ok(Ok(change)) if change.is_empty() => Err("it contains no operations".into()),
        Ok(Ok(change)) => Ok(change),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the change parser failed on it".into()),
    }
}

impl CheckedChange {
    /// Decodes `wire`'s bytes, once for every check that follows.
    pub fn decode(wire: WireChange) -> Result<Self, String> {
        let change = decode_change(&wire.bytes)?;
        Ok(Self {
            hash: change.hash().to_string(),
            change,
            wire,
        })
    }
}

/// Decodes one change and returns its hash (hex), computed by us.
pub fn decode_change_hash(bytes: &[u8]) -> Result<String, String> {
    decode_change(bytes).map(|c| c.hash().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_with_the_reason() {
        assert!(matches!(
            check_request(b"not json"),
            Err(RejectReason::Malformed(_))
        ));
        let body = br#"{"protocol":99,"device":"03030303-0303-4303-8303-030303030303","cursor":0,"changes":[]}"#;
        assert_eq!(check_request(body).unwrap_err(), RejectReason::Protocol(99));
        for bad in [&b""[..], b"\x85\x6f\x4a\x83", &[0u8; 64]] {
            assert!(
                decode_change_hash(bad).is_err(),
                "{bad:?} must not decode as a change"
            );
        }
    }

    #[test]
    fn compressed_changes_are_refused_before_anything_is_inflated() {
        let device = gridwalk_domain::DeviceId::from_random_bytes([3; 16]);
        // Repetitive and over automerge's 256-byte threshold, so `bytes()` is
        // the DEFLATE-compressed chunk.
        let body = serde_json::json!({"description": "井盖".repeat(400)});
        let (_, mut change) =
            gridwalk_records::create_untyped(&device, "report", &body, 0).unwrap();
        let raw = change.raw_bytes().to_vec();
        let compressed = change.bytes().to_vec();
        assert!(
            compressed.len() < raw.len(),
            "the test needs a compressed chunk"
        );
        assert_eq!(compressed[CHUNK_TYPE_AT], COMPRESSED_CHUNK);
        assert!(decode_change_hash(&raw).is_ok(), "the raw change is fine");
        let err = decode_change_hash(&compressed).unwrap_err();
        assert!(err.contains("compressed"), "{err}");
    }
}
