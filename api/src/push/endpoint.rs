//! Which push endpoints the server will ever call, and what a subscription's keys must be.
//!
//! An endpoint is a URL a client hands us and the server later POSTs to, so it is an SSRF
//! vector. It is parsed with the `url` crate (which normalises decimal, hex and octal IPv4
//! forms and IPv6 into IP hosts, lower-cases and punycodes names, and drops a default
//! port), then must be `https`, port 443, without userinfo, and its host must be a domain
//! name equal to or under one of the known push services. IP literals never pass. The
//! same check runs when subscribing and again before every send. A test setting widens it
//! to `http(s)://127.0.0.1:<port>` only; production refuses that setting.

use std::net::{IpAddr, Ipv4Addr};

use base64::{
    Engine,
    engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD},
};
use url::{Host, Url};

/// Hosts of the browsers' push services; subdomains of these are accepted too.
pub const PUSH_SERVICE_DOMAINS: [&str; 5] = [
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
];

const MAX_ENDPOINT_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("is not an absolute URL")]
    NotAUrl,
    #[error("is longer than 2048 characters")]
    TooLong,
    #[error("must use https")]
    NotHttps,
    #[error("must not carry a user name or password")]
    UserInfo,
    #[error("must use port 443")]
    Port,
    #[error("must name a host, not an IP address")]
    IpLiteral,
    #[error("is not a known push service")]
    UnknownHost,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct EndpointPolicy {
    allow_loopback: bool,
}

impl EndpointPolicy {
    pub fn new(allow_loopback: bool) -> Self {
        Self { allow_loopback }
    }

    /// The parsed endpoint, if the server may call it.
    pub fn check(&self, raw: &str) -> Result<Url, EndpointError> {
        if raw.len() > MAX_ENDPOINT_LEN {
            return Err(EndpointError::TooLong);
        }
        let url = Url::parse(raw).map_err(|_| EndpointError::NotAUrl)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointError::UserInfo);
        }
        let loopback = matches!(url.host(), Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST);
        if self.allow_loopback && loopback && matches!(url.scheme(), "http" | "https") {
            return Ok(url);
        }
        if url.scheme() != "https" {
            return Err(EndpointError::NotHttps);
        }
        if url.port_or_known_default() != Some(443) {
            return Err(EndpointError::Port);
        }
        let host = match url.host() {
            Some(Host::Domain(host)) => host,
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => return Err(EndpointError::IpLiteral),
            None => return Err(EndpointError::UnknownHost),
        };
        // A name that parses as an address anyway (the url crate leaves some forms alone).
        if host.parse::<IpAddr>().is_ok() {
            return Err(EndpointError::IpLiteral);
        }
        // Every label must be a real DNS label: `..push.apple.com` has an empty one, and a
        // suffix match alone would accept it.
        if !host.split('.').all(is_dns_label) {
            return Err(EndpointError::UnknownHost);
        }
        let known = PUSH_SERVICE_DOMAINS
            .iter()
            .any(|d| host == *d || host.strip_suffix(d).is_some_and(|prefix| prefix.ends_with('.')));
        if known { Ok(url) } else { Err(EndpointError::UnknownHost) }
    }
}

/// 1 to 63 of `a-z`, `0-9` and `-`, not starting or ending with `-` (the url crate has
/// already lower-cased and punycoded the name).
fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The browser's key material, checked: `p256dh` an uncompressed point on P-256, `auth`
/// 16 bytes. Both base64url with or without padding; stored without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("p256dh must be a base64url uncompressed P-256 public key (65 bytes)")]
    P256dh,
    #[error("auth must be a base64url 16-byte secret")]
    Auth,
}

fn decode_base64url(value: &str) -> Option<Vec<u8>> {
    let value = value.trim();
    if value.contains('=') { URL_SAFE.decode(value).ok() } else { URL_SAFE_NO_PAD.decode(value).ok() }
}

impl SubscriptionKeys {
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, KeyError> {
        let point = decode_base64url(p256dh).ok_or(KeyError::P256dh)?;
        if point.len() != 65 || point[0] != 4 || p256::PublicKey::from_sec1_bytes(&point).is_err() {
            return Err(KeyError::P256dh);
        }
        let secret = decode_base64url(auth).ok_or(KeyError::Auth)?;
        if secret.len() != 16 {
            return Err(KeyError::Auth);
        }
        Ok(Self { p256dh: URL_SAFE_NO_PAD.encode(point), auth: URL_SAFE_NO_PAD.encode(secret) })
    }
}

/// Endpoints that must never be called, whatever the configuration: used by the unit test
/// here and by the integration tests (at subscribe and at send time).
pub const HOSTILE_ENDPOINTS: &[&str] = &[
    "http://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com:8443/fcm/send/abc",
    "https://fcm.googleapis.com:80/fcm/send/abc",
    "https://user:pass@fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com@evil.example/fcm/send/abc",
    "https://fcm.googleapis.com.evil.example/fcm/send/abc",
    "https://evilfcm.googleapis.com.example/x",
    "https://notfcm.googleapis.com/x",
    "https://googleapis.com/x",
    "https://..push.apple.com/x",
    "https://a..push.apple.com/x",
    "https://-a.push.apple.com/x",
    "https://evil.example/fcm.googleapis.com/send",
    "https://evil.example/?u=https://fcm.googleapis.com/",
    "https://127.0.0.1/push",
    "https://127.0.0.1:443/push",
    "https://localhost/push",
    "https://[::1]/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://[0:0:0:0:0:0:0:1]/push",
    "https://2130706433/push",
    "https://0x7f000001/push",
    "https://0177.0.0.1/push",
    "https://017700000001/push",
    "https://127.1/push",
    "https://0/push",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.0.0.1/push",
    "https://192.168.1.1/push",
    "https://[fd00::1]/push",
    "file:///etc/passwd",
    "gopher://fcm.googleapis.com/x",
    "ftp://fcm.googleapis.com/x",
    "ws://fcm.googleapis.com/x",
    "data:text/plain,hello",
    "javascript:alert(1)",
    "//fcm.googleapis.com/fcm/send/abc",
    "fcm.googleapis.com/fcm/send/abc",
    "",
    "https://",
    "https://.push.apple.com/x",
    "https://push.apple.com.evil.example/x",
    "https://web.push.apple.com:444/x",
    "https://wns2-par02p.notify.windows.com.evil.example/w",
    "https://updates.push.services.mozilla.com.evil.example/wpush",
    "http://127.0.0.2:8080/push",
    "http://localhost:8080/push",
    "http://[::1]:8080/push",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_push_services_are_accepted() {
        let policy = EndpointPolicy::new(false);
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://android.googleapis.com/gcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
            "https://web.push.apple.com/QGx",
            "https://wns2-par02p.notify.windows.com/w/?token=abc",
            "https://FCM.googleapis.com:443/fcm/send/x",
        ] {
            assert!(policy.check(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn every_hostile_endpoint_is_refused_with_or_without_loopback() {
        assert!(HOSTILE_ENDPOINTS.len() >= 30);
        for bad in HOSTILE_ENDPOINTS {
            assert!(EndpointPolicy::new(false).check(bad).is_err(), "{bad:?} must be refused");
        }
        // With the test-only loopback setting, the only addition is 127.0.0.1 itself
        // (however it is spelled); everything else stays refused.
        for bad in HOSTILE_ENDPOINTS {
            let is_127_0_0_1 = Url::parse(bad).is_ok_and(|u| u.host() == Some(Host::Ipv4(Ipv4Addr::LOCALHOST)));
            if !is_127_0_0_1 {
                assert!(EndpointPolicy::new(true).check(bad).is_err(), "{bad:?} must be refused with loopback on");
            }
        }
    }

    #[test]
    fn loopback_is_only_allowed_when_configured_and_only_on_127_0_0_1() {
        assert!(EndpointPolicy::new(false).check("http://127.0.0.1:9000/p").is_err());
        assert!(EndpointPolicy::new(true).check("http://127.0.0.1:9000/p").is_ok());
        assert!(EndpointPolicy::new(true).check("https://127.0.0.1:9000/p").is_ok());
    }

    #[test]
    fn keys_must_be_a_point_on_the_curve_and_a_16_byte_secret() {
        let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = secret.public_key().to_encoded_point(false);
        let p256dh = URL_SAFE_NO_PAD.encode(point.as_bytes());
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        let padded = URL_SAFE.encode([7u8; 16]);
        assert_eq!(SubscriptionKeys::parse(&p256dh, &padded).unwrap().auth, auth);
        assert!(SubscriptionKeys::parse(&p256dh, &URL_SAFE_NO_PAD.encode([7u8; 15])).is_err());
        let mut off_curve = point.as_bytes().to_vec();
        off_curve[64] ^= 1;
        assert_eq!(SubscriptionKeys::parse(&URL_SAFE_NO_PAD.encode(off_curve), &auth), Err(KeyError::P256dh));
        let compressed = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(true).as_bytes());
        assert_eq!(SubscriptionKeys::parse(&compressed, &auth), Err(KeyError::P256dh));
        assert_eq!(SubscriptionKeys::parse("not base64!", &auth), Err(KeyError::P256dh));
    }
}
