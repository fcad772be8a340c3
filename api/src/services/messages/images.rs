//! What happens to an uploaded image before anything is stored: its format is sniffed
//! from the bytes (the file name and the declared type are ignored), it is decoded
//! within limits, turned upright by its EXIF orientation, and re-encoded. Re-encoding
//! writes pixels only, so EXIF (GPS position, camera serial, time), XMP, IPTC, comments,
//! PNG text chunks and anything else a file carried besides its picture are gone, and a
//! file that only pretends to be an image cannot come back out as one. A thumbnail of
//! at most [`THUMBNAIL_EDGE`] pixels is made from the same pixels.
//!
//! JPEG and PNG are accepted. HEIC (what iPhones save) is refused with its own reason:
//! decoding it needs a C library this server does not carry; phones convert to JPEG when
//! sharing with "Most Compatible", which is what the app should ask for.

use std::io::Cursor;

use entity::message_attachment::ImageKind;
use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::{jpeg::JpegEncoder, png::PngEncoder},
};

/// The largest upload accepted per image.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Thumbnails fit in a square of this many pixels.
pub const THUMBNAIL_EDGE: u32 = 256;
/// Larger than any phone camera's frame, small enough that a crafted header cannot make
/// the decoder allocate gigabytes.
const MAX_EDGE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;
const JPEG_QUALITY: u8 = 90;
const THUMBNAIL_QUALITY: u8 = 80;

/// Why an upload was not accepted as an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("is larger than 10 MB")]
    TooLarge,
    #[error("is a HEIC/HEIF photo; send it as JPEG (on iPhone: share with \"Most Compatible\")")]
    Heic,
    #[error("is not a JPEG or PNG image")]
    NotAnImage,
    #[error("could not be read as the image it claims to be")]
    Unreadable,
    #[error("is larger than 12000 pixels on a side")]
    TooManyPixels,
}

/// An image ready to store: clean bytes, their thumbnail, and what they are.
#[derive(Debug, Clone)]
pub struct CleanImage {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
}

/// The format the bytes are, by their signature.
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, Refusal> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageKind::Png);
    }
    // ISO base media files: a size, then `ftyp` and the major brand.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"].iter().any(|b| brand == *b) {
            return Err(Refusal::Heic);
        }
    }
    Err(Refusal::NotAnImage)
}

/// Sniffs, decodes, strips and re-encodes `bytes`, and makes the thumbnail. CPU-bound:
/// call it from a blocking task.
pub fn clean(bytes: &[u8]) -> Result<CleanImage, Refusal> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Refusal::TooLarge);
    }
    let kind = sniff(bytes)?;
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_EDGE);
    limits.max_image_height = Some(MAX_EDGE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    // A phone stores portrait photos sideways with an orientation tag; the tag goes
    // with the metadata, so the pixels are turned first.
    let orientation = decoder.orientation().map_err(refusal)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    picture.apply_orientation(orientation);
    let (width, height) = (picture.width(), picture.height());
    let bytes = encode(&picture, kind, JPEG_QUALITY)?;
    let small = if width > THUMBNAIL_EDGE || height > THUMBNAIL_EDGE {
        picture.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE)
    } else {
        picture
    };
    let thumbnail = encode(&small, kind, THUMBNAIL_QUALITY)?;
    Ok(CleanImage { kind, bytes, width, height, thumbnail })
}

fn refusal(err: image::ImageError) -> Refusal {
    match err {
        image::ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::Unreadable,
    }
}

/// Pixels only: the encoders write no metadata unless asked to.
fn encode(picture: &DynamicImage, kind: ImageKind, quality: u8) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let written = match kind {
        ImageKind::Jpeg => {
            // JPEG holds grey or RGB; anything else (CMYK decoded to RGB, 16-bit) is
            // brought to 8-bit RGB.
            let flat = match picture {
                DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => picture.clone(),
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            flat.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        }
        ImageKind::Png => picture.write_with_encoder(PngEncoder::new(&mut out)),
    };
    written.map_err(|_| Refusal::Unreadable)?;
    Ok(out)
}

/// The MIME type stored attachments are served with.
pub fn content_type(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Jpeg => "image/jpeg",
        ImageKind::Png => "image/png",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(width, height, image::Rgb([200, 120, 40])))
            .write_with_encoder(PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    #[test]
    fn the_signature_decides_the_format() {
        assert_eq!(sniff(&png(2, 2)), Ok(ImageKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok(ImageKind::Jpeg));
        assert_eq!(sniff(b"<!doctype html><script>alert(1)</script>"), Err(Refusal::NotAnImage));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Err(Refusal::Heic));
        assert_eq!(sniff(b""), Err(Refusal::NotAnImage));
    }

    #[test]
    fn a_large_picture_gets_a_small_thumbnail_and_keeps_its_size() {
        let clean = clean(&png(600, 300)).unwrap();
        assert_eq!((clean.width, clean.height), (600, 300));
        let thumb = image::load_from_memory(&clean.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (256, 128));
    }

    #[test]
    fn a_truncated_png_is_unreadable_not_a_panic() {
        let mut bytes = png(64, 64);
        bytes.truncate(bytes.len() / 2);
        assert_eq!(clean(&bytes).unwrap_err(), Refusal::Unreadable);
    }

    #[test]
    fn a_header_claiming_huge_dimensions_is_refused_before_decoding() {
        let mut bytes = png(1, 1);
        // IHDR width at offset 16: 100000 pixels.
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(matches!(clean(&bytes), Err(Refusal::TooManyPixels | Refusal::Unreadable)));
    }
}
