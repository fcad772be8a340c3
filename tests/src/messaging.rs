//! Helpers for the messaging operations (issue 17): multipart sends with images, and
//! fixture images made in code (a JPEG with an EXIF GPS block written by hand).

use image::{
    DynamicImage, ImageEncoder, RgbImage,
    codecs::{jpeg::JpegEncoder, png::PngEncoder},
};
use uuid::Uuid;

use crate::{Actor, Reply, TestApp};

/// One file of a multipart upload: (file name, declared type, bytes).
pub type Part<'a> = (&'a str, &'a str, Vec<u8>);

/// A PNG of the given size with a gradient, so it compresses like a picture.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let pixels = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    PngEncoder::new(&mut out).write_image(pixels.as_raw(), width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

/// A rational in the hand-made GPS block that appears nowhere else in a JPEG.
pub const GPS_MARK: [u8; 4] = [0x2A, 0x1B, 0x3C, 0x4D];

/// A 16×16 JPEG with an EXIF APP1 segment, written by hand, holding a GPS IFD with a
/// latitude whose seconds are the bytes of [`GPS_MARK`].
pub fn jpeg_with_gps() -> Vec<u8> {
    let mut plain = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::from_pixel(16, 16, image::Rgb([10, 200, 30])))
        .write_with_encoder(JpegEncoder::new_with_quality(&mut plain, 90))
        .unwrap();
    // TIFF (big-endian): IFD0 at 8 with one entry pointing at the GPS IFD at 26; the GPS
    // IFD has LatitudeRef "N" and Latitude (three rationals at 56).
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08");
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 26);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 56);
    for (num, den) in [(52u32, 1u32), (31, 1), (u32::from_be_bytes(GPS_MARK), 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The JPEG markers before the image data starts (SOS).
pub fn jpeg_header_markers(bytes: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        at += 2 + len;
    }
    markers
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl TestApp {
    /// Sends a message as multipart (`id`, `text`, `attachments`) the way a browser's
    /// `FormData` does.
    pub async fn send_multipart(&self, who: &Actor, path: &str, id: Uuid, text: &str, files: &[Part<'_>]) -> Reply {
        let boundary = format!("fascia-test-{}", Uuid::new_v4().simple());
        let mut body = Vec::new();
        let mut field = |name: &str, extra: &str, value: &[u8]| {
            let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n");
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        };
        field("id", "", id.to_string().as_bytes());
        field("text", "", text.as_bytes());
        for (name, declared, bytes) in files {
            field("attachments", &format!("; filename=\"{name}\"\r\nContent-Type: {declared}"), bytes);
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(&who.access_token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("request reaches the server");
        Self::read(resp).await
    }
}
