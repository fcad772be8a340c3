//! Sending one message to one subscription: encrypt (aes128gcm) and sign (VAPID) with the
//! `web-push` crate, POST through one pooled HTTP client, and classify the answer.
//!
//! The VAPID JWT is signed once per push-service origin and reused until it has less than
//! an hour left (it lives 12 hours), instead of one ECDSA signature per message. The
//! client never follows redirects: a redirect could lead anywhere the allowlist forbids.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use chrono::{DateTime, Utc};
use url::Url;
use web_push::{ContentEncoding, SubscriptionInfo, VapidSignature, WebPushMessage, WebPushMessageBuilder};

pub use web_push::Urgency;

use super::{
    endpoint::{EndpointError, EndpointPolicy},
    vapid::VapidKeys,
};

const JWT_LIFETIME_SECS: i64 = 12 * 3600;
const JWT_REFRESH_BEFORE_SECS: i64 = 3600;

/// One message for one subscription.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    /// The JSON the service worker receives.
    pub payload: &'a [u8],
    /// Seconds the push service may hold the message for an offline device.
    pub ttl: u32,
    pub urgency: Urgency,
    /// A newer message with the same topic replaces an undelivered older one.
    pub topic: Option<&'a str>,
}

/// What the push service made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// 2xx: the push service accepted it.
    Delivered { status: u16 },
    /// 404/410: the subscription is gone for good.
    Expired { status: u16 },
    /// 429, 5xx or no answer: try again later, not before `retry_after` if given.
    Retry { status: Option<u16>, retry_after: Option<chrono::Duration> },
    /// 401/403: the push service refused our VAPID credentials; the subscription may be fine.
    Rejected { status: u16 },
    /// Another 4xx, or a message that could not be built; retrying will not help.
    Failed { status: Option<u16> },
    /// The endpoint is not one the server may call; nothing was sent.
    Refused(EndpointError),
}

impl SendResult {
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Delivered { status } | Self::Expired { status } | Self::Rejected { status } => Some(*status),
            Self::Retry { status, .. } | Self::Failed { status } => *status,
            Self::Refused(_) => None,
        }
    }

    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Delivered { .. } => "delivered",
            Self::Expired { .. } => "expired",
            Self::Retry { .. } => "retry",
            Self::Rejected { .. } => "rejected",
            Self::Failed { .. } => "failed",
            Self::Refused(_) => "refused",
        }
    }
}

struct CachedJwt {
    signature: VapidSignature,
    expires_at: DateTime<Utc>,
}

pub struct PushSender {
    client: reqwest::Client,
    keys: VapidKeys,
    policy: EndpointPolicy,
    jwts: Mutex<HashMap<String, CachedJwt>>,
}

impl PushSender {
    pub fn new(keys: VapidKeys, policy: EndpointPolicy, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            // Push endpoints are public hosts; an operator's HTTP(S)_PROXY must not divert them.
            .no_proxy()
            .user_agent(concat!("fascia/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, keys, policy, jwts: Mutex::default() })
    }

    /// The pooled HTTP client (no redirects, no proxy, the push timeout), shared with the
    /// object store client so the process keeps one pool.
    pub fn http_client(&self) -> reqwest::Client {
        self.client.clone()
    }

    pub fn keys(&self) -> &VapidKeys {
        &self.keys
    }

    pub fn policy(&self) -> EndpointPolicy {
        self.policy
    }

    /// The VAPID signature for the endpoint's origin, signed at most once per ~11 hours.
    fn vapid_for(&self, endpoint: &Url, info: &SubscriptionInfo, now: DateTime<Utc>) -> Option<VapidSignature> {
        let origin = endpoint.origin().ascii_serialization();
        let mut cache = self.jwts.lock().expect("vapid cache lock");
        if let Some(cached) = cache.get(&origin)
            && (cached.expires_at - now).num_seconds() > JWT_REFRESH_BEFORE_SECS
        {
            return Some(cached.signature.clone());
        }
        let expires_at = now + chrono::Duration::seconds(JWT_LIFETIME_SECS);
        let mut builder = self.keys.signer().add_sub_info(info);
        // `aud` is the origin with its port (the crate's default leaves a port out).
        builder.add_claim("aud", origin.clone());
        builder.add_claim("sub", self.keys.subject().to_owned());
        builder.add_claim("exp", expires_at.timestamp());
        let signature = builder.build().ok()?;
        tracing::debug!(origin = %origin, "signed a VAPID token");
        cache.insert(origin, CachedJwt { signature: signature.clone(), expires_at });
        Some(signature)
    }

    /// Checks the endpoint and builds the encrypted, signed message without sending it.
    pub fn build(&self, now: DateTime<Utc>, out: &Outgoing<'_>) -> Result<(Url, WebPushMessage), SendResult> {
        let (url, sealing) = self.prepare(now, out)?;
        Ok((url, sealing.seal()?))
    }

    /// The endpoint checked and the VAPID signature found (both cheap): what is left of
    /// building the message is the encryption, which owns its inputs.
    fn prepare(&self, now: DateTime<Utc>, out: &Outgoing<'_>) -> Result<(Url, Sealing), SendResult> {
        let url = self.policy.check(out.endpoint).map_err(SendResult::Refused)?;
        let info = SubscriptionInfo::new(out.endpoint, out.p256dh, out.auth);
        let signature = self.vapid_for(&url, &info, now).ok_or(SendResult::Failed { status: None })?;
        let sealing = Sealing {
            info,
            payload: out.payload.to_vec(),
            ttl: out.ttl,
            urgency: out.urgency,
            topic: out.topic.map(str::to_owned),
            signature,
        };
        Ok((url, sealing))
    }

    pub async fn send(&self, now: DateTime<Utc>, out: &Outgoing<'_>) -> SendResult {
        let (url, sealing) = match self.prepare(now, out) {
            Ok(prepared) => prepared,
            Err(result) => return result,
        };
        // The encryption (an ECDH agreement and AES-GCM, about 0.2 ms) is most of a
        // message's CPU. Callers send a batch from one task, so run it as a task of its
        // own: the runtime's other workers pick it up and a batch uses every core.
        let message = match tokio::spawn(async move { sealing.seal() }).await {
            Ok(Ok(message)) => message,
            Ok(Err(result)) => return result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled: the runtime is shutting down. Nothing was sent; a later step
            // sends it, so this must not count as a failure of the message.
            Err(_) => return SendResult::Retry { status: None, retry_after: None },
        };
        let mut request = self.client.post(url).header("TTL", message.ttl.to_string());
        if let Some(urgency) = message.urgency {
            request = request.header("Urgency", urgency.to_string());
        }
        if let Some(topic) = message.topic {
            request = request.header("Topic", topic);
        }
        if let Some(payload) = message.payload {
            request = request
                .header("Content-Encoding", payload.content_encoding.to_str())
                .header("Content-Type", "application/octet-stream");
            for (name, value) in payload.crypto_headers {
                request = request.header(name, value);
            }
            request = request.body(payload.content);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                tracing::warn!(error = %e.without_url(), "push service unreachable");
                return SendResult::Retry { status: None, retry_after: None };
            }
        };
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now));
        // Drain the (small) body so the connection goes back to the pool.
        let _ = response.bytes().await;
        classify(status, retry_after)
    }
}

/// A message ready to encrypt, owning what it needs so it can move to another task.
struct Sealing {
    info: SubscriptionInfo,
    payload: Vec<u8>,
    ttl: u32,
    urgency: Urgency,
    topic: Option<String>,
    signature: VapidSignature,
}

impl Sealing {
    fn seal(self) -> Result<WebPushMessage, SendResult> {
        let mut builder = WebPushMessageBuilder::new(&self.info);
        builder.set_payload(ContentEncoding::Aes128Gcm, &self.payload);
        builder.set_ttl(self.ttl);
        builder.set_urgency(self.urgency);
        if let Some(topic) = self.topic {
            builder.set_topic(topic);
        }
        builder.set_vapid_signature(self.signature);
        builder.build().map_err(|_| SendResult::Failed { status: None })
    }
}

fn classify(status: u16, retry_after: Option<chrono::Duration>) -> SendResult {
    match status {
        200..=299 => SendResult::Delivered { status },
        404 | 410 => SendResult::Expired { status },
        401 | 403 => SendResult::Rejected { status },
        429 | 500..=599 => SendResult::Retry { status: Some(status), retry_after },
        _ => SendResult::Failed { status: Some(status) },
    }
}

/// `Retry-After` as delay-seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<chrono::Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u32>() {
        return Some(chrono::Duration::seconds(i64::from(secs)));
    }
    let at: DateTime<Utc> = httpdate::parse_http_date(value).ok()?.into();
    Some((at - now).max(chrono::Duration::zero()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        assert_eq!(parse_retry_after("120", now), Some(chrono::Duration::seconds(120)));
        assert_eq!(parse_retry_after("Mon, 01 Jun 2026 12:05:00 GMT", now), Some(chrono::Duration::seconds(300)));
        assert_eq!(parse_retry_after("Mon, 01 Jun 2026 11:00:00 GMT", now), Some(chrono::Duration::zero()));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_map_to_what_the_dispatcher_does_next() {
        assert_eq!(classify(201, None), SendResult::Delivered { status: 201 });
        assert_eq!(classify(410, None), SendResult::Expired { status: 410 });
        assert_eq!(classify(403, None), SendResult::Rejected { status: 403 });
        assert!(matches!(classify(503, None), SendResult::Retry { .. }));
        assert_eq!(classify(413, None), SendResult::Failed { status: Some(413) });
    }
}
