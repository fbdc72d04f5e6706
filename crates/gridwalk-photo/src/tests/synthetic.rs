//! The pipeline against hand-made input: positions and orientations written by us, garbage,
//! mangled and oversized files, PNG.

use std::time::Instant;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, RgbImage, RgbaImage};

use super::*;

/// A little-endian EXIF block with an orientation and a GPS position.
fn exif_block(orientation: u16, lat: [u32; 3], lat_ref: u8, lon: [u32; 3], lon_ref: u8) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    };
    let (ascii, short, long, rational) = (2, 3, 4, 5);
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    let data = gps_ifd + 2 + 4 * 12 + 4;
    let mut v = b"II*\0\x08\0\0\0".to_vec();
    v.extend(2u16.to_le_bytes());
    v.extend(entry(0x0112, short, 1, [orientation as u8, 0, 0, 0]));
    v.extend(entry(0x8825, long, 1, (gps_ifd as u32).to_le_bytes()));
    v.extend(0u32.to_le_bytes());
    v.extend(4u16.to_le_bytes());
    v.extend(entry(1, ascii, 2, [lat_ref, 0, 0, 0]));
    v.extend(entry(2, rational, 3, (data as u32).to_le_bytes()));
    v.extend(entry(3, ascii, 2, [lon_ref, 0, 0, 0]));
    v.extend(entry(4, rational, 3, (data as u32 + 24).to_le_bytes()));
    v.extend(0u32.to_le_bytes());
    for part in lat.into_iter().chain(lon) {
        v.extend(part.to_le_bytes());
        v.extend(1u32.to_le_bytes());
    }
    v
}

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 4) as u8, (y * 4) as u8, 128])
    })
}

fn jpeg_with_exif(img: &RgbImage, exif: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
    encoder.set_exif_metadata(exif).unwrap();
    encoder.encode_image(img).unwrap();
    out
}

#[test]
fn southern_and_western_positions_are_negative() {
    // Rio de Janeiro: 22°54'30"S 43°11'47"W, on a picture stored sideways (orientation 6).
    let exif = exif_block(6, [22, 54, 30], b'S', [43, 11, 47], b'W');
    let out = process_ok("rio", &jpeg_with_exif(&gradient(64, 32), exif));
    let at = out.gps.expect("the position must be read");
    assert!(
        (at.lat() + 22.908_333).abs() < 1e-5,
        "S must be negative: {}",
        at.lat()
    );
    assert!(
        (at.lon() + 43.196_389).abs() < 1e-5,
        "W must be negative: {}",
        at.lon()
    );
    assert_eq!(
        (out.width, out.height),
        (32, 64),
        "orientation 6 turns 64x32 into 32x64"
    );
    assert_no_metadata("rio", &out.full);

    let nowhere = exif_block(1, [0, 0, 0], b'N', [0, 0, 0], b'E');
    let out = process_ok("null island", &jpeg_with_exif(&gradient(8, 8), nowhere));
    assert_eq!(
        out.gps, None,
        "0,0 is what phones without a fix write, not a place"
    );
}

/// A tiny xorshift so the "random" bytes are the same on every run.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn garbage_is_refused_with_a_clear_error() {
    assert_eq!(
        process_photo(&[]).unwrap_err().code(),
        gridwalk_domain::ErrorCode::PhotoEmpty
    );
    for seed in 1..20 {
        let err = process_photo(&noise(seed, 5000)).expect_err("random bytes are not a photo");
        assert!(
            !err.to_string().is_empty(),
            "seed {seed}: the error must say something"
        );
    }
    for header in [&b"\xFF\xD8\xFF"[..], b"\x89PNG\r\n\x1a\n"] {
        let fake = [header, &noise(7, 5000)].concat();
        let err = process_photo(&fake).expect_err("a photo header on noise is not a photo");
        assert_eq!(
            err.code(),
            gridwalk_domain::ErrorCode::PhotoCorrupt,
            "noise behind a real header: {err}"
        );
    }
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    assert_eq!(
        process_photo(&heic).unwrap_err().code(),
        gridwalk_domain::ErrorCode::PhotoUnsupported
    );
}

#[test]
fn mangled_jpegs_never_panic() {
    // `process` (not `process_photo`) so that a panic fails the test instead of being caught.
    let good = jpeg_with_exif(
        &gradient(48, 40),
        exif_block(6, [1, 2, 3], b'N', [4, 5, 6], b'E'),
    );
    for i in 0..good.len() {
        for value in [0x00, 0xFF, good[i] ^ 0x55] {
            let mut bad = good.clone();
            bad[i] = value;
            let _ = process(&bad);
        }
        let _ = process(&good[..i]);
    }
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    // A valid photo followed by padding: decodable, so only the size check can refuse it.
    let mut big = read("orientation/landscape_1.jpg");
    big.resize(MAX_INPUT_BYTES + 1, 0);
    let start = Instant::now();
    let err = process_photo(&big).unwrap_err();
    assert!(
        matches!(err, PhotoError::TooLarge { bytes } if bytes == MAX_INPUT_BYTES + 1),
        "{err}"
    );
    assert!(
        start.elapsed().as_millis() < 50,
        "refusing by size must not read the picture"
    );

    // 60000x60000 claimed in the frame header: refused from the header, before allocating.
    let mut huge = jpeg_with_exif(&gradient(16, 16), Vec::new());
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let err = process_photo(&huge).unwrap_err();
    assert!(
        matches!(
            err,
            PhotoError::TooManyPixels {
                width: 60000,
                height: 60000
            }
        ),
        "{err}"
    );

    let mut wide_png = Vec::new();
    let row = vec![0u8; 13_000 * 3];
    PngEncoder::new(&mut wide_png)
        .write_image(&row, 13_000, 1, image::ExtendedColorType::Rgb8)
        .unwrap();
    let err = process_photo(&wide_png).unwrap_err();
    assert_eq!(
        err.code(),
        gridwalk_domain::ErrorCode::PhotoTooManyPixels,
        "a 13000-pixel-wide PNG: {err}"
    );
}

#[test]
fn png_works_and_transparency_becomes_white() {
    let rgba = RgbaImage::from_fn(40, 30, |x, _| {
        image::Rgba([200, 0, 0, if x < 20 { 0 } else { 255 }])
    });
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(rgba.as_raw(), 40, 30, image::ExtendedColorType::Rgba8)
        .unwrap();
    let out = process_ok("png", &png);
    assert_eq!(
        (out.width, out.height),
        (40, 30),
        "a small picture must not be enlarged"
    );
    let thumb = pixels(&out.thumb);
    assert_eq!(thumb.dimensions(), (40, 30), "nor its thumbnail");
    let full = pixels(&out.full);
    let [r, g, b] = full.get_pixel(5, 15).0;
    assert!(
        r > 240 && g > 240 && b > 240,
        "transparent must turn white, got {r},{g},{b}"
    );
    let [r, g, _] = full.get_pixel(35, 15).0;
    assert!(r > 170 && g < 40, "opaque red must stay red, got {r},{g}");
    assert_no_metadata("png", &out.full);
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        PhotoError::Empty,
        PhotoError::TooLarge { bytes: 1 },
        PhotoError::NotAnImage,
        PhotoError::Unsupported {
            format: "HEIC".into(),
        },
        PhotoError::Corrupt("x".into()),
        PhotoError::TooManyPixels {
            width: 1,
            height: 1,
        },
        PhotoError::Encode("x".into()),
    ];
    let mut codes: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(
        codes.len(),
        errors.len(),
        "the UI tells errors apart by code"
    );
    assert!(codes.iter().all(|c| c.starts_with("photo.")), "{codes:?}");
}
