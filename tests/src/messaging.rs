//! Helpers for the messaging operations (issue 17): multipart sends with images, and
//! fixture images made in code.

use image::{ImageEncoder, RgbImage, codecs::png::PngEncoder};
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
