//! Turning untrusted bytes into pixels, their orientation and their EXIF block, with every limit
//! checked before memory is committed.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::{MAX_INPUT_BYTES, PhotoError, jpeg_structure};

/// Longest side we agree to decode: 108-megapixel phone sensors save 12000x9000.
pub(super) const MAX_SIDE: u32 = 12_000;
/// Ceiling for the decoder's allocations; a 12000x12000 RGB picture needs 432 MB.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// A decoded picture as stored: `orientation` still has to be applied to `image`.
#[derive(Debug)]
pub(super) struct Decoded {
    pub image: DynamicImage,
    pub orientation: Orientation,
    /// The raw EXIF (TIFF) block, if the file has one.
    pub exif: Option<Vec<u8>>,
}

pub(super) fn decode(bytes: &[u8]) -> Result<Decoded, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    // Refuse before any parsing: the size alone is enough to know.
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge { bytes: bytes.len() });
    }
    if let Some(kind) = iso_media_kind(bytes) {
        return Err(kind);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg) => {
            jpeg_structure::check_complete(bytes).map_err(PhotoError::Corrupt)?
        }
        Some(ImageFormat::Png) => {}
        Some(
            format @ (ImageFormat::WebP
            | ImageFormat::Gif
            | ImageFormat::Tiff
            | ImageFormat::Bmp
            | ImageFormat::Avif),
        ) => {
            return Err(PhotoError::Unsupported {
                format: format!("{format:?}").to_uppercase(),
            });
        }
        _ => return Err(PhotoError::NotAnImage),
    }

    // The dimension limits are enforced by hand below, after the header is read, so the error
    // can say how big the picture is; the decoder only gets the allocation ceiling here.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(header_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| from_image_error(e, None))?;

    let (width, height) = decoder.dimensions();
    let dims = Some((width, height));
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_ALLOC {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "it claims to be {width}x{height} pixels"
        )));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    decoder
        .set_limits(limits)
        .map_err(|e| from_image_error(e, dims))?;

    // Unreadable metadata must not cost the rider the photo: treat it as absent.
    let exif = decoder.exif_metadata().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "photo EXIF unreadable; ignoring it");
        None
    });
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| from_image_error(e, dims))?;
    Ok(Decoded {
        image,
        orientation,
        exif,
    })
}

/// HEIC (iPhones' default), AVIF and videos share the ISO media container; `image` cannot read
/// them, and they deserve a better answer than "not a photo".
fn iso_media_kind(bytes: &[u8]) -> Option<PhotoError> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let brand = bytes.get(8..12)?;
    let format = match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" | b"mif1"
        | b"msf1" => "HEIC",
        b"avif" | b"avis" => "AVIF",
        _ => return Some(PhotoError::NotAnImage),
    };
    Some(PhotoError::Unsupported {
        format: format.to_owned(),
    })
}

fn from_image_error(e: ImageError, dims: Option<(u32, u32)>) -> PhotoError {
    match (e, dims) {
        (ImageError::Limits(_), Some((width, height))) => {
            PhotoError::TooManyPixels { width, height }
        }
        (ImageError::Unsupported(u), _) => PhotoError::Unsupported {
            format: format!("this kind of picture ({u})"),
        },
        (e, _) => PhotoError::Corrupt(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_media_brands_are_named() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert!(
            matches!(iso_media_kind(heic), Some(PhotoError::Unsupported { format }) if format == "HEIC"),
            "an iPhone HEIC must be named so the rider knows to switch the camera to JPEG"
        );
        let video = b"\0\0\0\x18ftypisom\0\0\0\0";
        assert!(
            matches!(iso_media_kind(video), Some(PhotoError::NotAnImage)),
            "an MP4 is not a photo"
        );
        assert!(
            iso_media_kind(b"\xFF\xD8\xFF\xE0").is_none(),
            "a JPEG is not ISO media"
        );
    }

    #[test]
    fn other_known_formats_are_unsupported_not_garbage() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert!(
            matches!(decode(gif), Err(PhotoError::Unsupported { format }) if format == "GIF"),
            "a GIF is a picture we cannot read, not a broken file"
        );
    }
}
