//! The photo pipeline: what a rider's or grid worker's camera hands us becomes a small, upright,
//! metadata-free JPEG plus a thumbnail, both content-addressed, before anything is stored or
//! sent.
//!
//! Order matters. The GPS position is read from the original's EXIF first (it prefills the
//! report's location); then the picture is decoded under limits, shrunk, turned upright and
//! re-encoded, which drops every byte of metadata — position, device, owner — so nothing personal
//! leaves the phone by accident. Shrinking happens before the EXIF rotation because rotating a
//! 1600-pixel picture is a fraction of the work and memory of rotating a 12-megapixel one, and
//! the long side is the same either way.
//!
//! The input is treated as hostile: it is size-checked before parsing, JPEGs are checked for
//! completeness (see `jpeg_structure`), the decoder runs under `image::Limits`, and a panic inside
//! the third-party decoders becomes an error for that photo.

mod decode;
mod gps;
mod jpeg_structure;
mod qr;

pub use qr::read_qr;
#[cfg(test)]
mod tests;

use gridwalk_domain::ErrorCode;
use gridwalk_domain::{BlobHash, Coordinates};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, GenericImageView, RgbImage};
use sha2::{Digest, Sha256};

/// Long side of the stored photo: enough to read a house number on a door, ~300 KB as JPEG.
pub const MAX_LONG_SIDE: u32 = 1600;
/// Long side of the list thumbnail.
pub const THUMB_LONG_SIDE: u32 = 320;
pub const JPEG_QUALITY: u8 = 80;
/// The largest original accepted; phone JPEGs are 2–15 MB, 108 MP ones up to ~30 MB.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;

/// A photo ready to store and upload.
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    /// Upright JPEG without any metadata, long side at most `MAX_LONG_SIDE` (never enlarged).
    pub full: Vec<u8>,
    /// SHA-256 of `full`: its name in the blob store.
    pub full_hash: BlobHash,
    pub width: u32,
    pub height: u32,
    /// Upright JPEG, long side at most `THUMB_LONG_SIDE`.
    pub thumb: Vec<u8>,
    pub thumb_hash: BlobHash,
    /// Where the original says it was taken, if its EXIF holds a valid GPS position.
    pub gps: Option<Coordinates>,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty (0 bytes): take it again")]
    Empty,
    #[error(
        "the photo is {bytes} bytes, more than the {max} MiB allowed: take it at a lower \
         resolution or pick a smaller file",
        max = MAX_INPUT_BYTES / (1024 * 1024)
    )]
    TooLarge { bytes: usize },
    #[error("this file is not a photo: pick a JPEG or PNG picture")]
    NotAnImage,
    #[error(
        "{format} cannot be read: save the photo as an ordinary JPEG (on iPhone: Settings → \
         Camera → Formats → Most Compatible) or pick another picture"
    )]
    Unsupported { format: String },
    #[error(
        "the photo file is damaged or incomplete ({0}): take the photo again, or copy the file \
         again if it came from elsewhere"
    )]
    Corrupt(String),
    #[error(
        "the photo is {width}x{height} pixels, more than the {max} pixels a side this app reads: \
         take it at a lower resolution",
        max = decode::MAX_SIDE
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("could not write the shrunk photo ({0}): try again, and report it if it keeps failing")]
    Encode(String),
}

impl PhotoError {
    /// A stable code for the UI to match on; the message is for people and may change.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::PhotoEmpty,
            Self::TooLarge { .. } => ErrorCode::PhotoTooLarge,
            Self::NotAnImage => ErrorCode::PhotoNotImage,
            Self::Unsupported { .. } => ErrorCode::PhotoUnsupported,
            Self::Corrupt(_) => ErrorCode::PhotoCorrupt,
            Self::TooManyPixels { .. } => ErrorCode::PhotoTooManyPixels,
            Self::Encode(_) => ErrorCode::PhotoEncode,
        }
    }
}

/// Shrinks, turns upright and strips `original` (JPEG or PNG), and reads its GPS position.
pub fn process_photo(original: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    // The decoders are third-party code fed hostile bytes; should one of them panic, that is one
    // unreadable photo, not a crashed app. (This only works where panics unwind, Rust's
    // default; a `panic = "abort"` profile would lose it.)
    std::panic::catch_unwind(|| process(original)).unwrap_or_else(|_| {
        tracing::error!(bytes = original.len(), "photo decoder panicked");
        Err(PhotoError::Corrupt("the decoder failed on it".to_owned()))
    })
}

fn process(original: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    let decode::Decoded {
        image,
        orientation,
        exif,
    } = decode::decode(original)?;
    let gps = exif.and_then(gps::position_from_exif);

    let stored = DynamicImage::ImageRgb8(flatten(image));
    let (w, h) = fit_within(stored.width(), stored.height(), MAX_LONG_SIDE);
    // Area averaging: every source pixel counts once, so no aliasing, and it is three to four
    // times faster than a Triangle or CatmullRom resize, with no difference visible at q80.
    // (The `DynamicImage` methods, unlike the generic `imageops` functions, run as compiled
    // inside `image`, which is optimised even in dev builds.)
    let mut upright = if (w, h) == stored.dimensions() {
        stored
    } else {
        stored.thumbnail_exact(w, h)
    };
    upright.apply_orientation(orientation);

    let (tw, th) = fit_within(upright.width(), upright.height(), THUMB_LONG_SIDE);
    let thumb_image = upright.thumbnail_exact(tw, th);

    let full = encode_jpeg(&upright)?;
    let thumb = encode_jpeg(&thumb_image)?;
    tracing::debug!(
        original = original.len(),
        full = full.len(),
        thumb = thumb.len(),
        width = upright.width(),
        height = upright.height(),
        has_gps = gps.is_some(),
        "photo processed"
    );
    Ok(ProcessedPhoto {
        full_hash: sha256_hash(&full),
        thumb_hash: sha256_hash(&thumb),
        width: upright.width(),
        height: upright.height(),
        full,
        thumb,
        gps,
    })
}

/// JPEG has no alpha channel: transparent pixels are laid on white (a screenshot's or a
/// sticker's background), not left to whatever colour they happen to hold, which is often black.
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            // Exact: (c·a + 255·(255 − a)) / 255 ≤ 255, rounded.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

/// The size that fits `width`x`height` within `max` on the long side, keeping the aspect ratio;
/// never larger than the input.
fn fit_within(width: u32, height: u32, max: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max).max(1)
    };
    (scale(width), scale(height))
}

/// Encodes with `image`'s own encoder, which writes only a JFIF header: no EXIF, no ICC, no XMP.
fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(image.as_bytes().len() / 8);
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// The content address of a blob: lowercase hex SHA-256.
pub fn sha256_hash(bytes: &[u8]) -> BlobHash {
    BlobHash::from_digest(&Sha256::digest(bytes).into())
}

/// Whether `bytes` starts like a JPEG (SOI followed by a marker). A cheap first vet for blobs
/// from the network; it says nothing about whether the rest is intact.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// A soft diagonal gradient in `rgb`, as PNG: a recognisable stand-in for
/// demo records, since no real photo ships with the app.
pub fn sample_picture(rgb: [u8; 3]) -> Result<Vec<u8>, PhotoError> {
    let img = image::ImageBuffer::from_fn(640, 480, |x, y| {
        let t = ((x + y) % 256) as u16;
        image::Rgb(rgb.map(|c| ((c as u16 * 3 + t) / 4) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out.into_inner())
}
