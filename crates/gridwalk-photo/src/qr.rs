//! Reading a door QR code from a photo of it (taken through the camera app,
//! or a picture on a desktop): the same hostile-input decoding as any
//! photo, shrunk to a size the detector handles quickly, then every code
//! found in it is tried.

use image::DynamicImage;

use crate::{PhotoError, decode, fit_within};

/// Long side the picture is shrunk to before looking for codes: a door
/// code filling a tenth of a phone photo still has ~5 pixels a module.
const SCAN_LONG_SIDE: u32 = 1600;

/// The text of the first QR code in the picture, if there is one.
pub fn read_qr(original: &[u8]) -> Result<Option<String>, PhotoError> {
    std::panic::catch_unwind(|| scan(original)).unwrap_or_else(|_| {
        tracing::error!(bytes = original.len(), "QR scan panicked");
        Err(PhotoError::Corrupt("the QR reader failed on it".to_owned()))
    })
}

fn scan(original: &[u8]) -> Result<Option<String>, PhotoError> {
    let decode::Decoded {
        image, orientation, ..
    } = decode::decode(original)?;
    let (w, h) = fit_within(image.width(), image.height(), SCAN_LONG_SIDE);
    let mut small = if (w, h) == (image.width(), image.height()) {
        image
    } else {
        image.thumbnail_exact(w, h)
    };
    small.apply_orientation(orientation);
    let grey = DynamicImage::ImageLuma8(small.to_luma8()).to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(grey);
    Ok(prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, RgbImage};

    /// A phone-like JPEG: a door code of `payload` pasted small and off
    /// centre into a 3000×2000 picture of a wall.
    fn photo_of_door(payload: &str) -> Vec<u8> {
        let code = qrcode::QrCode::new(payload.as_bytes()).unwrap();
        let qr: GrayImage = code.render::<Luma<u8>>().min_dimensions(420, 420).build();
        let mut wall = RgbImage::from_fn(3000, 2000, |x, y| {
            let t = ((x / 7 + y / 5) % 40) as u8;
            image::Rgb([170 + t, 160 + t, 140 + t])
        });
        for (x, y, p) in qr.enumerate_pixels() {
            let v = p.0[0];
            wall.put_pixel(1900 + x, 700 + y, image::Rgb([v, v, v]));
        }
        let mut out = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(wall)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_photo_of_a_door_code_reads_back_its_payload() {
        let uri = "gridwalk://household/0d3c1f0e-7b1a-4c55-9a41-5e0c8f1a0001";
        assert_eq!(read_qr(&photo_of_door(uri)).unwrap().as_deref(), Some(uri));
    }

    #[test]
    fn a_photo_without_a_code_reads_as_none_and_garbage_is_refused() {
        let plain = crate::sample_picture([100, 120, 140]).unwrap();
        assert_eq!(read_qr(&plain).unwrap(), None);
        assert!(read_qr(b"not a picture").is_err());
    }
}
