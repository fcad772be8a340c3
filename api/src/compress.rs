//! Response compression. A year of trends is about 120 KB of JSON, most of it repeated
//! field names, and patients fetch it over mobile networks: text bodies of at least
//! [`MIN_BYTES`] go out brotli- or gzip-encoded when the client says it accepts that.
//!
//! Small bodies (a check-in's answer, an error) are sent as they are: compressing them
//! costs more CPU than it saves bytes. Request bodies are never decompressed, so a small
//! compressed upload cannot expand past the body limit.

use std::io::Write;

use poem::{
    Body, Response,
    http::{HeaderMap, HeaderValue, header},
};

/// Bodies shorter than this are not worth compressing.
pub const MIN_BYTES: usize = 1024;
/// Fast settings: responses are made per request, so speed beats the last few percent.
const BROTLI_QUALITY: u32 = 4;
const BROTLI_WINDOW: u32 = 22;
const GZIP_LEVEL: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to use for a request's `Accept-Encoding`: brotli when accepted (smaller),
/// else gzip; none when neither is. `q=0` refuses a coding; `*` stands for any not named.
pub fn negotiate(headers: &HeaderMap) -> Option<Coding> {
    let (mut br, mut gzip, mut star) = (None, None, None);
    let listed = headers.get_all(header::ACCEPT_ENCODING);
    for part in listed.iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
        let mut fields = part.split(';').map(str::trim);
        let name = fields.next().unwrap_or_default().to_ascii_lowercase();
        let q = fields
            .find_map(|f| f.strip_prefix("q=").or_else(|| f.strip_prefix("Q=")))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let accepted = |named: Option<f32>| named.or(star).is_some_and(|q| q > 0.0);
    if accepted(br) {
        Some(Coding::Brotli)
    } else if accepted(gzip) {
        Some(Coding::Gzip)
    } else {
        None
    }
}

fn compressible(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::CONTENT_ENCODING) {
        return false;
    }
    let Some(kind) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or_default().trim();
    kind.starts_with("text/") || kind.ends_with("json") || kind.ends_with("yaml") || kind == "application/javascript"
}

/// Encodes `bytes`; None if the encoder failed (then the body goes out as it is).
fn encode(coding: Coding, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    match coding {
        Coding::Brotli => {
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
            writer.write_all(bytes).ok()?;
            writer.flush().ok()?;
        }
        Coding::Gzip => {
            let mut writer = flate2::write::GzEncoder::new(&mut out, flate2::Compression::new(GZIP_LEVEL));
            writer.write_all(bytes).ok()?;
            writer.finish().ok()?;
        }
    }
    Some(out)
}

/// `response`, compressed with `coding` when its body is text and big enough.
pub async fn apply(response: Response, coding: Option<Coding>) -> Response {
    let Some(coding) = coding else { return response };
    if !compressible(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Whether or not this one is compressed, the representation depends on the header.
    parts.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let bytes = match body.into_bytes().await {
        Ok(bytes) => bytes,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    if bytes.len() < MIN_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let Some(encoded) = encode(coding, &bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    parts.headers.remove(header::CONTENT_LENGTH);
    // A strong validator names exact bytes; the compressed bytes differ, so it becomes weak
    // (`If-None-Match` compares weakly, so revalidation still works).
    if let Some(tag) = parts.headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && !tag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{tag}"))
    {
        parts.headers.insert(header::ETAG, weak);
    }
    Response::from_parts(parts, Body::from(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn brotli_is_preferred_and_q_zero_refuses() {
        assert_eq!(accept("gzip, deflate, br"), Some(Coding::Brotli));
        assert_eq!(accept("gzip"), Some(Coding::Gzip));
        assert_eq!(accept("br;q=0, gzip;q=0.5"), Some(Coding::Gzip));
        assert_eq!(accept("gzip;q=0"), None);
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("*"), Some(Coding::Brotli));
        assert_eq!(accept("br;q=0, *"), Some(Coding::Gzip));
        assert_eq!(accept("deflate, BR"), Some(Coding::Brotli));
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn encoded_bodies_decode_to_the_original() {
        use std::io::Read;
        let json = serde_json::to_vec(&vec![serde_json::json!({"date": "2026-01-01", "pain": 3}); 200]).unwrap();
        let gz = encode(Coding::Gzip, &json).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, json);
        let br = encode(Coding::Brotli, &json).unwrap();
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut back).unwrap();
        assert_eq!(back, json);
        assert!(br.len() < json.len() / 5 && gz.len() < json.len() / 5);
    }
}
