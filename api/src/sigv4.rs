//! AWS Signature Version 4 for the requests the object store client sends (HMAC-SHA256
//! over a canonical form of the request, with a key derived per day, region and
//! service).
//!
//! Only what a header-signed request without a query string needs: the caller hands
//! over the method, the path already URI-encoded ([`encode_path`]), every header it
//! wants signed (which must include `host`, `x-amz-date` and `x-amz-content-sha256`)
//! and the payload's SHA-256; [`authorization`] gives the `Authorization` header value.
//! This is a leaf module: it knows nothing of S3 beyond the signing rules.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Who signs, and for which region and service.
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// The parts of a request that are signed.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, URI-encoded once.
    pub path: &'a str,
    /// Header names in lower case with their values; order does not matter.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lower-case hex SHA-256 of the body (the value of `x-amz-content-sha256`).
    pub payload_sha256: &'a str,
}

/// `YYYYMMDDTHHMMSSZ`, the form of `x-amz-date`.
pub fn amz_date(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Percent-encodes everything in a path but the unreserved characters and `/`, as S3
/// expects (encoded once, not twice as other services do).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Signer<'_> {
    /// The `Authorization` header value for `request` signed at `at`.
    pub fn authorization(&self, at: DateTime<Utc>, request: &Request<'_>) -> String {
        let mut headers: Vec<(&str, &str)> = request.headers.to_vec();
        headers.sort_by(|a, b| a.0.cmp(b.0));
        let signed_headers = headers.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(";");
        let canonical_headers: String =
            headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
        // No query string: the empty line stands for it.
        let canonical_request = format!(
            "{}\n{}\n\n{canonical_headers}\n{signed_headers}\n{}",
            request.method, request.path, request.payload_sha256
        );
        let day = at.format("%Y%m%d").to_string();
        let scope = format!("{day}/{}/{}/aws4_request", self.region, self.service);
        let string_to_sign =
            format!("{ALGORITHM}\n{}\n{scope}\n{}", amz_date(at), sha256_hex(canonical_request.as_bytes()));
        let mut key = hmac(format!("AWS4{}", self.secret_access_key).as_bytes(), day.as_bytes());
        for part in [self.region, self.service, "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
        format!(
            "{ALGORITHM} Credential={}/{scope},SignedHeaders={signed_headers},Signature={signature}",
            self.access_key_id
        )
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// AWS's published example for S3 header signing: a GET of the first ten bytes of
    /// `test.txt` in `examplebucket`, with the documentation's example credentials.
    #[test]
    fn the_published_s3_get_example_signs_to_the_documented_signature() {
        let signer = Signer {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            service: "s3",
        };
        let at = Utc.with_ymd_and_hms(2013, 5, 24, 0, 0, 0).unwrap();
        let empty = sha256_hex(b"");
        assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let date = amz_date(at);
        assert_eq!(date, "20130524T000000Z");
        let headers = [
            ("host", "examplebucket.s3.amazonaws.com"),
            ("range", "bytes=0-9"),
            ("x-amz-content-sha256", empty.as_str()),
            ("x-amz-date", date.as_str()),
        ];
        let request = Request { method: "GET", path: "/test.txt", headers: &headers, payload_sha256: &empty };
        assert_eq!(
            signer.authorization(at, &request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn header_order_does_not_change_the_signature_but_any_signed_value_does() {
        let signer = Signer { access_key_id: "id", secret_access_key: "secret", region: "eu-west-1", service: "s3" };
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let hash = sha256_hex(b"bytes");
        let sign = |headers: &[(&str, &str)], path: &str| {
            signer.authorization(at, &Request { method: "PUT", path, headers, payload_sha256: &hash })
        };
        let a = sign(&[("host", "h"), ("x-amz-date", "d")], "/b/k");
        assert_eq!(a, sign(&[("x-amz-date", "d"), ("host", "h")], "/b/k"));
        assert_ne!(a, sign(&[("host", "h2"), ("x-amz-date", "d")], "/b/k"));
        assert_ne!(a, sign(&[("host", "h"), ("x-amz-date", "d")], "/b/k2"));
    }

    #[test]
    fn paths_keep_slashes_and_unreserved_characters_and_encode_the_rest() {
        assert_eq!(encode_path("/bucket/a b/ü~x.y"), "/bucket/a%20b/%C3%BC~x.y");
    }
}
