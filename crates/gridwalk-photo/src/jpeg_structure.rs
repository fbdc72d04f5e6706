//! A walk over a JPEG's segments and picture data that proves the file is whole before it is
//! decoded.
//!
//! `image` runs its JPEG decoder (zune-jpeg) in lenient mode and offers no switch: a file cut off
//! in the middle, or with damaged picture data, decodes "successfully" with the missing part
//! painted grey. A rider whose upload was interrupted would then send half a manhole. So we check
//! the structure ourselves, which costs one pass over the bytes and no allocation: every segment
//! must fit in the file, the picture data may hold only the escapes and restart markers the
//! standard allows (in order), and the image must end with its end-of-image marker. Bytes after
//! that marker are allowed, because phones append motion-photo videos and second pictures there.
//!
//! This cannot see bit errors inside the entropy-coded data that happen to stay well formed; the
//! lenient decoder hides those, and only a strict decoder could report them.

/// Checks that `bytes` is a complete, well-formed JPEG stream; the error says what is wrong.
pub(super) fn check_complete(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err("it does not start like a JPEG file".to_owned());
    }
    let mut pos = 2;
    let mut seen_frame = false;
    let mut seen_scan = false;
    loop {
        let (marker, after) = read_marker(bytes, pos, seen_scan)?;
        pos = after;
        match marker {
            0xD9 if seen_scan => return Ok(()),
            0xD9 => return Err("it ends before any picture data".to_owned()),
            // TEM carries no length; harmless.
            0x01 => {}
            0xD8 => {
                return Err(format!(
                    "a second start-of-image marker at byte {}",
                    pos - 2
                ));
            }
            0xD0..=0xD7 => {
                return Err(format!(
                    "a restart marker outside picture data at byte {}",
                    pos - 2
                ));
            }
            0x00 | 0x02..=0xBF => {
                return Err(format!(
                    "an invalid marker 0xFF{marker:02X} at byte {}",
                    pos - 2
                ));
            }
            _ => {
                let body_end = segment_end(bytes, pos, marker)?;
                if is_frame_header(marker) {
                    seen_frame = true;
                }
                pos = body_end;
                if marker == 0xDA {
                    if !seen_frame {
                        return Err("its picture data comes before the frame header".to_owned());
                    }
                    pos = skip_entropy_data(bytes, pos)?;
                    seen_scan = true;
                }
            }
        }
    }
}

/// Reads the marker at `pos` (after any 0xFF fill bytes) and returns it with the position after.
fn read_marker(bytes: &[u8], pos: usize, seen_scan: bool) -> Result<(u8, usize), String> {
    let cut_short = || {
        if seen_scan {
            "it ends without its end-of-image marker: the file was cut short".to_owned()
        } else {
            "it ends in its header: the file was cut short".to_owned()
        }
    };
    match bytes.get(pos) {
        None => return Err(cut_short()),
        Some(0xFF) => {}
        Some(other) => {
            return Err(format!(
                "byte {pos} is 0x{other:02X} where a segment should start"
            ));
        }
    }
    let mut at = pos;
    while bytes.get(at) == Some(&0xFF) {
        at += 1;
    }
    match bytes.get(at) {
        Some(&marker) => Ok((marker, at + 1)),
        None => Err(cut_short()),
    }
}

/// Returns where the segment whose length field starts at `pos` ends, if it fits in the file.
fn segment_end(bytes: &[u8], pos: usize, marker: u8) -> Result<usize, String> {
    let cut = || {
        format!(
            "its segment 0xFF{marker:02X} at byte {} is cut short",
            pos - 2
        )
    };
    let len_bytes = bytes.get(pos..pos + 2).ok_or_else(cut)?;
    let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    if len < 2 {
        return Err(format!(
            "its segment 0xFF{marker:02X} at byte {} has length {len}",
            pos - 2
        ));
    }
    let end = pos + len;
    if end > bytes.len() {
        return Err(cut());
    }
    Ok(end)
}

/// SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
fn is_frame_header(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Skips one scan's entropy-coded data starting at `pos`; returns the position of the marker
/// that ends it. Inside the data 0xFF may only be followed by 0x00 (an escaped 0xFF byte), by
/// more 0xFF fill, or by RST0..RST7 in strict rotation — a skipped or repeated restart marker
/// means a chunk of the picture is missing or duplicated.
fn skip_entropy_data(bytes: &[u8], mut pos: usize) -> Result<usize, String> {
    let mut next_rst = 0u8;
    loop {
        let Some(offset) = bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
        else {
            return Err("it ends in the middle of its picture data: the file was cut short".into());
        };
        let ff = pos + offset;
        match bytes.get(ff + 1) {
            None => {
                return Err(
                    "it ends in the middle of its picture data: the file was cut short".to_owned(),
                );
            }
            Some(0x00) => pos = ff + 2,
            Some(0xFF) => pos = ff + 1,
            Some(&rst @ 0xD0..=0xD7) => {
                if rst - 0xD0 != next_rst {
                    return Err(format!(
                        "restart marker {} at byte {ff} should be {next_rst}: part of the \
                         picture data is missing or damaged",
                        rst - 0xD0
                    ));
                }
                next_rst = (next_rst + 1) % 8;
                pos = ff + 2;
            }
            Some(_) => return Ok(ff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, a frame header, one scan with two restart intervals, EOI: the smallest shape the
    /// checker has to accept.
    fn minimal() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend([0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        v.extend([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0]);
        v.extend([
            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78,
        ]);
        v.extend([0xFF, 0xD9]);
        v
    }

    #[test]
    fn accepts_a_whole_stream_and_trailing_bytes() {
        assert_eq!(
            check_complete(&minimal()),
            Ok(()),
            "the minimal stream is well formed"
        );
        let mut with_tail = minimal();
        with_tail.extend(b"motion photo video follows");
        assert_eq!(
            check_complete(&with_tail),
            Ok(()),
            "data after EOI must be tolerated"
        );
    }

    #[test]
    fn refuses_every_truncation() {
        let whole = minimal();
        for cut in 0..whole.len() {
            assert!(
                check_complete(&whole[..cut]).is_err(),
                "a stream cut at byte {cut} of {} must be refused",
                whole.len()
            );
        }
    }

    #[test]
    fn refuses_stray_markers_and_skipped_restarts() {
        let whole = minimal();
        let rst1 = whole.iter().rposition(|&b| b == 0xD1).unwrap();
        let mut skipped = whole.clone();
        skipped[rst1] = 0xD2;
        let err = check_complete(&skipped).unwrap_err();
        assert!(
            err.contains("restart marker 2"),
            "RST2 after RST0 means data is lost: {err}"
        );

        let mut stray = whole.clone();
        stray[rst1] = 0x9F;
        let err = check_complete(&stray).unwrap_err();
        assert!(err.contains("0xFF9F"), "0xFF9F is not a JPEG marker: {err}");
    }

    #[test]
    fn refuses_bad_lengths_and_missing_frame() {
        let mut huge = minimal();
        huge[5] = 0xFF; // the frame header now claims 255 + more bytes than the file has
        assert!(
            check_complete(&huge).is_err(),
            "a segment longer than the file is truncation"
        );
        let mut tiny = minimal();
        tiny[4..6].copy_from_slice(&[0, 1]);
        assert!(
            check_complete(&tiny).is_err(),
            "a segment length below 2 is impossible"
        );
        let no_frame: Vec<u8> = [&minimal()[..2], &minimal()[15..]].concat();
        assert!(
            check_complete(&no_frame).is_err(),
            "a scan without a frame cannot be decoded"
        );
    }
}
