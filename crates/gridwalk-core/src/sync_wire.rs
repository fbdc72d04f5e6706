//! The binary sync body: `GWS`, one byte naming the protocol, then a raw
//! DEFLATE stream of the message in postcard's varint encoding (change
//! bytes raw, not base64). A batch of changes from one device repeats its
//! actor, author and grid in every change; DEFLATE takes those out, which is
//! most of why a one-field edit costs tens of bytes instead of hundreds.
//!
//! The protocol byte comes before anything is inflated, so an older app is
//! told to update instead of being misread. Inflating stops at
//! `MAX_INFLATED_BYTES`: a small body that would inflate to gigabytes costs
//! the reader at most that much memory and is refused.

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use gridwalk_domain::sync::{MAX_INFLATED_BYTES, PROTOCOL_VERSION};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{Read, Write};

const MAGIC: &[u8; 3] = b"GWS";
const HEADER_LEN: usize = MAGIC.len() + 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the body is not a Gridwalk sync body")]
    NotBinary,
    #[error("protocol {0} is not supported (this build speaks {PROTOCOL_VERSION}): update the app")]
    Protocol(u32),
    #[error("the body inflates to more than {} MiB; send fewer changes at a time", MAX_INFLATED_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("the body does not decode: {0}")]
    Malformed(String),
}

/// Whether `body` starts like a binary sync body, and which protocol it names.
pub fn protocol_of(body: &[u8]) -> Option<u32> {
    (body.len() >= HEADER_LEN && body.starts_with(MAGIC)).then(|| u32::from(body[MAGIC.len()]))
}

pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(MAGIC);
    // The protocol fits a byte for a long while yet; a test pins it.
    out.push(PROTOCOL_VERSION as u8);
    let plain = postcard::to_stdvec(message).unwrap_or_default();
    let mut deflate = DeflateEncoder::new(out, Compression::default());
    // Writing into a Vec cannot fail.
    let _ = deflate.write_all(&plain);
    deflate.finish().unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    match protocol_of(body) {
        None => return Err(WireError::NotBinary),
        Some(v) if v != PROTOCOL_VERSION => return Err(WireError::Protocol(v)),
        Some(_) => {}
    }
    let plain = inflate(&body[HEADER_LEN..])?;
    let (message, rest) =
        postcard::take_from_bytes(&plain).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Malformed(format!(
            "{} bytes after the message",
            rest.len()
        )));
    }
    Ok(message)
}

/// Inflates at most `MAX_INFLATED_BYTES` (one more byte says it was more).
fn inflate(deflated: &[u8]) -> Result<Vec<u8>, WireError> {
    let mut plain = Vec::new();
    DeflateDecoder::new(deflated)
        .take(MAX_INFLATED_BYTES as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| WireError::Malformed(e.to_string()))?;
    if plain.len() > MAX_INFLATED_BYTES {
        return Err(WireError::TooLarge);
    }
    Ok(plain)
}

/// A valid body of about `inflated_mib` KiB that inflates to `inflated_mib`
/// MiB of zeros (DEFLATE's best ratio is about 1,000 to 1): one sync-flushed
/// segment of a MiB of zeros, repeated, then an empty final block. Built
/// without ever holding the inflated bytes; for tests of the cap.
pub fn inflation_bomb(inflated_mib: usize) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::best());
    let _ = enc.write_all(&vec![0u8; 1 << 20]);
    let _ = enc.flush();
    let segment = enc.get_ref().clone();
    let mut body = MAGIC.to_vec();
    body.push(PROTOCOL_VERSION as u8);
    for _ in 0..inflated_mib {
        body.extend_from_slice(&segment);
    }
    body.extend_from_slice(&[0x03, 0x00]);
    body
}

#[cfg(test)]
mod tests;
