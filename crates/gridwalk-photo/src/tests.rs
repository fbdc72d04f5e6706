//! The pipeline against real camera files from `shared/testdata/photos` (see its README);
//! hand-made input is in `synthetic`.

use std::path::PathBuf;
use std::time::Instant;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use super::*;

mod synthetic;

fn photo_dir(sub: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/photos"
    ))
    .join(sub)
}

fn read(rel: &str) -> Vec<u8> {
    let path = photo_dir(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test photo {} must exist: {e}", path.display()))
}

fn files_in(sub: &str) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(photo_dir(sub))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{sub}/ must hold test photos");
    names
        .into_iter()
        .map(|n| (n.clone(), read(&format!("{sub}/{n}"))))
        .collect()
}

fn process_ok(name: &str, bytes: &[u8]) -> ProcessedPhoto {
    process_photo(bytes).unwrap_or_else(|e| panic!("{name} is a valid photo but failed: {e}"))
}

fn pixels(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory(jpeg)
        .expect("our own output must decode")
        .into_rgb8()
}

/// The markers of a JPEG's header segments, up to the first scan.
fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    markers
}

/// Asserts that `jpeg` carries nothing but pixels: JFIF, tables, frame and scan.
fn assert_no_metadata(name: &str, jpeg: &[u8]) {
    assert!(is_jpeg(jpeg), "{name}: the output must be a JPEG");
    let markers = header_markers(jpeg);
    assert_eq!(
        markers.last(),
        Some(&0xDA),
        "{name}: the header walk must reach the scan"
    );
    for m in markers {
        assert!(
            matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDA),
            "{name}: segment 0xFF{m:02X} in the output could carry metadata (APP1 = EXIF/XMP)"
        );
    }
    let contains = |needle: &[u8]| jpeg.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(b"Exif\0\0"),
        "{name}: no EXIF header may survive anywhere"
    );
    assert!(
        !contains(b"ns.adobe.com/xap"),
        "{name}: no XMP packet may survive anywhere"
    );
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(jpeg));
    assert!(
        exif.is_err(),
        "{name}: an EXIF reader must find nothing in the output"
    );
}

/// A 16x16 greyscale fingerprint, normalised to zero mean and unit spread: small enough to ignore
/// JPEG noise and the digit printed on each test picture, big enough to tell a picture from its
/// mirror image. The normalising matters because the `_1` files were exported noticeably brighter
/// than `_2`..`_8` (mean grey 97 against 84).
fn fingerprint(img: &RgbImage) -> Vec<f32> {
    let grey = DynamicImage::ImageRgb8(img.clone()).into_luma8();
    let small = image::imageops::resize(&grey, 16, 16, image::imageops::FilterType::Triangle);
    let values: Vec<f32> = small.into_raw().into_iter().map(f32::from).collect();
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n)
        .sqrt()
        .max(1.0);
    values.into_iter().map(|v| (v - mean) / spread).collect()
}

fn mean_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}

const ALL_ORIENTATIONS: [Orientation; 8] = [
    Orientation::NoTransforms,
    Orientation::Rotate90,
    Orientation::Rotate180,
    Orientation::Rotate270,
    Orientation::FlipHorizontal,
    Orientation::FlipVertical,
    Orientation::Rotate90FlipH,
    Orientation::Rotate270FlipH,
];

#[test]
fn every_exif_orientation_comes_out_upright() {
    for kind in ["landscape", "portrait"] {
        let reference = process_ok(kind, &read(&format!("orientation/{kind}_1.jpg")));
        let upright = pixels(&reference.full);
        // What the output would look like had any of the eight transforms been applied on top
        // of the right one: only "none" may match.
        let candidates: Vec<(Orientation, Vec<f32>)> = ALL_ORIENTATIONS
            .iter()
            .map(|&o| {
                let mut img = DynamicImage::ImageRgb8(upright.clone());
                img.apply_orientation(o);
                (o, fingerprint(&img.into_rgb8()))
            })
            .collect();
        for n in 1..=8 {
            let name = format!("{kind}_{n}.jpg");
            let out = process_ok(&name, &read(&format!("orientation/{name}")));
            assert_eq!(
                kind == "landscape",
                out.width > out.height,
                "{name} came out {}x{}: EXIF orientation {n} was not applied",
                out.width,
                out.height
            );
            assert_eq!(
                (out.width, out.height),
                (reference.width, reference.height),
                "{name}"
            );
            assert_no_metadata(&name, &out.full);
            let got = fingerprint(&pixels(&out.full));
            let diffs: Vec<(Orientation, f32)> = candidates
                .iter()
                .map(|(o, fp)| (*o, mean_abs_diff(&got, fp)))
                .collect();
            let same = diffs[0].1;
            // Measured: about 0.06 upright, at least 0.5 under any wrong rotation or flip.
            assert!(
                same < 0.2,
                "{name} must look like {kind}_1 (difference {same:.2})"
            );
            for &(o, diff) in &diffs[1..] {
                assert!(
                    diff > 0.4 && diff > 4.0 * same,
                    "{name} is about as close to {kind}_1 under {o:?} ({diff:.2}) as upright \
                     ({same:.2}): a rotation or flip went wrong"
                );
            }
        }
    }
}

#[test]
fn gps_is_read_from_the_original_and_stripped_from_the_output() {
    for (name, bytes) in files_in("gps") {
        let out = process_ok(&name, &bytes);
        let at = out
            .gps
            .unwrap_or_else(|| panic!("{name} has GPS tags; the position was lost"));
        // All nine were taken within a kilometre of each other in Tuscany.
        assert!(
            (43.4..43.5).contains(&at.lat()),
            "{name}: latitude {} is implausible",
            at.lat()
        );
        assert!(
            (11.8..11.9).contains(&at.lon()),
            "{name}: longitude {} is implausible",
            at.lon()
        );
        assert_no_metadata(&name, &out.full);
        assert_no_metadata(&name, &out.thumb);
    }
    // Values from `exiftool -n`: 43°28'2.814"N 11°53'6.456"E, stored as unsigned rationals;
    // the Nokia stores signed rationals, 60°8'48.14"N 24°54'24.38"E.
    for (file, lat, lon) in [
        ("gps/DSCN0010.jpg", 43.467_448_333, 11.885_126_667),
        ("phone/HMD_Nokia_8.3_5G.jpg", 60.146_705_556, 24.906_772_222),
    ] {
        let at = process_ok(file, &read(file))
            .gps
            .expect("this photo has GPS tags");
        assert!(
            (at.lat() - lat).abs() < 1e-6,
            "{file}: latitude {} != {lat}",
            at.lat()
        );
        assert!(
            (at.lon() - lon).abs() < 1e-6,
            "{file}: longitude {} != {lon}",
            at.lon()
        );
    }
}

#[test]
fn phone_photos_shrink_to_the_stored_size() {
    for (name, bytes) in files_in("phone") {
        let start = Instant::now();
        let out = process_ok(&name, &bytes);
        let took = start.elapsed();
        let original = image::load_from_memory(&bytes).unwrap();
        let (ow, oh) = (original.width(), original.height());
        println!(
            "{name}: {}x{} {} KB -> {}x{} {} KB, thumb {} KB, {took:.0?} ({} build)",
            ow,
            oh,
            bytes.len() / 1024,
            out.width,
            out.height,
            out.full.len() / 1024,
            out.thumb.len() / 1024,
            if cfg!(debug_assertions) {
                "dev"
            } else {
                "release"
            }
        );
        assert_eq!(
            out.width.max(out.height),
            MAX_LONG_SIDE,
            "{name}: long side must be 1600"
        );
        let (ratio_in, ratio_out) = (ow as f64 / oh as f64, out.width as f64 / out.height as f64);
        assert!(
            (ratio_in - ratio_out).abs() < 0.01,
            "{name}: aspect ratio must be kept"
        );
        assert!(
            out.full.len() < 500 * 1024,
            "{name}: {} bytes is too big",
            out.full.len()
        );
        let thumb = pixels(&out.thumb);
        assert_eq!(
            thumb.width().max(thumb.height()),
            THUMB_LONG_SIDE,
            "{name}: thumbnail size"
        );
        assert_no_metadata(&name, &out.full);
        assert_no_metadata(&name, &out.thumb);
    }
}

#[test]
fn a_damaged_file_is_an_error_not_half_a_picture() {
    // Entropy data damaged mid-file (libjpeg: "premature end of data segment"); the lenient
    // decoder would return it with the bottom rows painted grey.
    let err = process_photo(&read("broken/corrupted.jpg")).unwrap_err();
    assert_eq!(
        err.code(),
        gridwalk_domain::ErrorCode::PhotoCorrupt,
        "corrupted.jpg: {err}"
    );
    assert!(
        err.to_string().contains("0xFF9F"),
        "the message must say what is wrong: {err}"
    );

    let whole = read("orientation/landscape_1.jpg");
    for cut in [
        10,
        100,
        whole.len() / 10,
        whole.len() / 2,
        whole.len() - 3,
        whole.len() - 2,
    ] {
        let err = process_photo(&whole[..cut]).expect_err("a truncated photo must be refused");
        assert_eq!(
            err.code(),
            gridwalk_domain::ErrorCode::PhotoCorrupt,
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn photos_whose_metadata_is_not_exif_still_work() {
    // The three "invalid" files of exif-samples are intact JPEGs (libjpeg and exiftool find no
    // fault) whose APP1 segment holds Adobe XMP instead of EXIF. Real photos exported from
    // Adobe tools look like this; refusing them would be a bug.
    for name in ["image00971.jpg", "image01137.jpg", "image02206.jpg"] {
        let out = process_ok(name, &read(&format!("broken/{name}")));
        assert_eq!(out.gps, None, "{name} has no EXIF, so no position");
        assert_no_metadata(name, &out.full);
    }
}

#[test]
fn hashes_name_the_bytes_and_processing_is_deterministic() {
    assert_eq!(
        sha256_hash(b"abc").as_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "the FIPS 180-2 test vector"
    );
    let bytes = read("gps/DSCN0012.jpg");
    let a = process_ok("DSCN0012", &bytes);
    let b = process_ok("DSCN0012", &bytes);
    assert_eq!(
        a.full_hash,
        sha256_hash(&a.full),
        "full_hash must be the hash of `full`"
    );
    assert_eq!(
        a.thumb_hash,
        sha256_hash(&a.thumb),
        "thumb_hash must be the hash of `thumb`"
    );
    assert_eq!(
        a.full, b.full,
        "the same photo must give the same bytes, or uploads duplicate"
    );
    assert_eq!(a.full_hash, b.full_hash);
    assert_ne!(a.full_hash, a.thumb_hash);
}

#[test]
fn is_jpeg_checks_the_magic_bytes() {
    assert!(is_jpeg(&read("gps/DSCN0010.jpg")), "a camera JPEG");
    assert!(!is_jpeg(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(!is_jpeg(b"\xFF\xD8"), "two bytes are not enough");
    assert!(!is_jpeg(&[]), "nothing");
}
