//! A fake push service on loopback that plays the browser's side of Web Push.
//!
//! For each subscription it makes, it holds what a browser would: a P-256 key pair and a
//! 16-byte auth secret. For every message it receives it checks the VAPID header (ES256
//! signature against the server's served public key, `aud` = this origin, `exp` at most
//! 24 h ahead, `sub` a mailto:/https: contact), the TTL / Topic / Urgency /
//! Content-Encoding headers, and decrypts the body (RFC 8291 over RFC 8188 aes128gcm)
//! with its own implementation, independent of the sender's. A message counts as
//! delivered only when all of that holds. Answers can be scripted (201, 410, 429 +
//! Retry-After, ...). In sink mode it only counts, for benchmarks.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use aes_gcm::{Aes128Gcm, KeyInit, Nonce, aead::Aead};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::{PublicKey, SecretKey, elliptic_curve::sec1::ToEncodedPoint};
use poem::{
    Body, EndpointExt, Response, Route, Server, handler,
    http::{HeaderMap, StatusCode},
    listener::TcpAcceptor,
    web::{Data, Path},
};
use serde_json::Value;
use sha2::Sha256;

/// The keys a browser keeps for one subscription.
#[derive(Clone)]
pub struct BrowserKeys {
    secret: SecretKey,
    auth: [u8; 16],
}

impl BrowserKeys {
    fn random() -> Self {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Self { secret: SecretKey::random(&mut rand::rngs::OsRng), auth }
    }
    pub fn p256dh(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }
    pub fn auth(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.auth)
    }
}

/// One message as the fake service saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub subscription: String,
    /// What the fake answered.
    pub status: u16,
    /// Every check passed and the body decrypted.
    pub verified: bool,
    pub problems: Vec<String>,
    pub payload: Option<Value>,
    pub ttl: Option<u32>,
    pub topic: Option<String>,
    pub urgency: Option<String>,
    /// The JWT as sent, to see whether it was reused.
    pub jwt: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct Scripted {
    pub status: u16,
    pub retry_after: Option<u32>,
}

#[derive(Default)]
struct Inner {
    browsers: HashMap<String, BrowserKeys>,
    /// Answers to give, per subscription, before falling back to 201.
    script: HashMap<String, VecDeque<Scripted>>,
    received: Vec<Received>,
    sink_count: u64,
}

type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    vapid_public_key: Vec<u8>,
    origin: String,
    now: Now,
    sink: bool,
}

pub struct FakePushService {
    shared: Shared,
    pub origin: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakePushService {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl FakePushService {
    /// Starts on 127.0.0.1:0. `vapid_public_key` is the server's served key (base64url);
    /// `now` is the clock the JWT's `exp` is judged by.
    pub async fn start(vapid_public_key: &str, now: Now) -> Self {
        Self::start_with(vapid_public_key, now, false).await
    }

    /// A sink: answers 201 to everything and only counts (no checks, no decryption).
    pub async fn start_sink() -> Self {
        Self::start_with("", Arc::new(Utc::now), true).await
    }

    async fn start_with(vapid_public_key: &str, now: Now, sink: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake push service");
        let addr = listener.local_addr().unwrap();
        let origin = format!("http://{addr}");
        let shared = Shared {
            inner: Arc::default(),
            vapid_public_key: URL_SAFE_NO_PAD.decode(vapid_public_key).unwrap_or_default(),
            origin: origin.clone(),
            now,
            sink,
        };
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new().at("/push/:id", poem::post(receive)).data(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    app,
                    async move {
                        let _ = rx.await;
                    },
                    None,
                )
                .await;
        });
        Self { shared, origin, shutdown: Some(tx) }
    }

    /// A new browser subscription: (endpoint, keys).
    pub fn subscription(&self) -> (String, BrowserKeys) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let keys = BrowserKeys::random();
        self.shared.inner.lock().unwrap().browsers.insert(id.clone(), keys.clone());
        (format!("{}/push/{id}", self.origin), keys)
    }

    /// The body of `POST /api/v1/me/push-subscriptions` for a new browser subscription.
    pub fn subscription_json(&self) -> (String, Value) {
        let (endpoint, keys) = self.subscription();
        let body = serde_json::json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": keys.p256dh(), "auth": keys.auth() },
            "device_label": "Test phone",
        });
        (endpoint, body)
    }

    /// Answers the next messages to `endpoint` with these, in order.
    pub fn script(&self, endpoint: &str, answers: &[Scripted]) {
        let id = endpoint.rsplit('/').next().unwrap().to_owned();
        self.shared.inner.lock().unwrap().script.entry(id).or_default().extend(answers.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.inner.lock().unwrap().received.clone()
    }

    /// Messages that passed every check and decrypted, and were answered 2xx.
    pub fn delivered(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.verified && (200..300).contains(&r.status)).collect()
    }

    /// How many messages passed every check and were answered 2xx (cheap to poll).
    pub fn delivered_count(&self) -> usize {
        let inner = self.shared.inner.lock().unwrap();
        inner.received.iter().filter(|r| r.verified && (200..300).contains(&r.status)).count()
    }

    pub fn sink_count(&self) -> u64 {
        self.shared.inner.lock().unwrap().sink_count
    }
}

#[handler]
async fn receive(Path(id): Path<String>, headers: &HeaderMap, body: Body, shared: Data<&Shared>) -> Response {
    let bytes = body.into_vec().await.unwrap_or_default();
    if shared.sink {
        shared.inner.lock().unwrap().sink_count += 1;
        return Response::builder().status(StatusCode::CREATED).finish();
    }
    let (browser, answer) = {
        let mut inner = shared.inner.lock().unwrap();
        let answer = inner.script.get_mut(&id).and_then(VecDeque::pop_front);
        (inner.browsers.get(&id).cloned(), answer)
    };
    let answer = answer.unwrap_or(Scripted { status: 201, retry_after: None });
    let mut problems = Vec::new();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let ttl = header("ttl").and_then(|v| v.parse().ok());
    if ttl.is_none() {
        problems.push("TTL header missing".to_owned());
    }
    if header("content-encoding").as_deref() != Some("aes128gcm") {
        problems.push("Content-Encoding is not aes128gcm".to_owned());
    }
    let jwt = check_vapid(&shared, header("authorization").as_deref(), &mut problems);
    let payload = match browser {
        None => {
            problems.push("unknown subscription".to_owned());
            None
        }
        Some(keys) => match decrypt(&keys, &bytes) {
            Ok(plain) => {
                serde_json::from_slice::<Value>(&plain).map_err(|e| problems.push(format!("payload: {e}"))).ok()
            }
            Err(e) => {
                problems.push(format!("decryption failed: {e}"));
                None
            }
        },
    };
    let received = Received {
        subscription: id,
        status: answer.status,
        verified: problems.is_empty(),
        problems,
        payload,
        ttl,
        topic: header("topic"),
        urgency: header("urgency"),
        jwt,
    };
    shared.inner.lock().unwrap().received.push(received);
    let mut response = Response::builder().status(StatusCode::from_u16(answer.status).unwrap());
    if let Some(secs) = answer.retry_after {
        response = response.header("retry-after", secs.to_string());
    }
    response.finish()
}

/// Checks `Authorization: vapid t=<jwt>, k=<key>`; returns the JWT.
fn check_vapid(shared: &Shared, value: Option<&str>, problems: &mut Vec<String>) -> Option<String> {
    let Some(rest) = value.and_then(|v| v.strip_prefix("vapid ")) else {
        problems.push("Authorization is not a vapid header".to_owned());
        return None;
    };
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.to_owned()),
            Some(("k", v)) => k = Some(v.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(k)) = (t, k) else {
        problems.push("vapid header lacks t or k".to_owned());
        return None;
    };
    if URL_SAFE_NO_PAD.decode(&k).ok().as_deref() != Some(shared.vapid_public_key.as_slice()) {
        problems.push("k is not the served VAPID public key".to_owned());
    }
    let key = &shared.vapid_public_key;
    if key.len() != 65 {
        problems.push("no VAPID key to check against".to_owned());
        return Some(t);
    }
    let decoding =
        DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(&key[1..33]), &URL_SAFE_NO_PAD.encode(&key[33..]))
            .expect("served key components");
    let mut validation = Validation::new(Algorithm::ES256);
    // exp and aud are judged below against the test's clock and this origin.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    match jsonwebtoken::decode::<Value>(&t, &decoding, &validation) {
        Err(e) => problems.push(format!("VAPID JWT signature: {e}")),
        Ok(data) => {
            let claims = data.claims;
            if claims["aud"].as_str() != Some(shared.origin.as_str()) {
                problems.push(format!("aud {} is not {}", claims["aud"], shared.origin));
            }
            let now = (shared.now)().timestamp();
            match claims["exp"].as_i64() {
                Some(exp) if exp > now && exp <= now + 24 * 3600 => {}
                other => problems.push(format!("exp {other:?} not within 24 h of {now}")),
            }
            let sub = claims["sub"].as_str().unwrap_or("");
            if !(sub.starts_with("mailto:") || sub.starts_with("https:")) {
                problems.push(format!("sub {sub:?} is not a contact"));
            }
        }
    }
    Some(t)
}

/// RFC 8291 message decryption as a browser does it.
pub fn decrypt(keys: &BrowserKeys, body: &[u8]) -> Result<Vec<u8>, String> {
    if body.len() < 21 {
        return Err("body shorter than the aes128gcm header".into());
    }
    let salt = &body[..16];
    let record_size = u32::from_be_bytes(body[16..20].try_into().unwrap()) as usize;
    let id_len = body[20] as usize;
    let sender_key = body.get(21..21 + id_len).ok_or("truncated key id")?;
    let ciphertext = &body[21 + id_len..];
    if ciphertext.len() > record_size {
        return Err("more than one record".into());
    }
    let sender = PublicKey::from_sec1_bytes(sender_key).map_err(|_| "key id is not a P-256 point")?;
    let shared = p256::ecdh::diffie_hellman(keys.secret.to_nonzero_scalar(), sender.as_affine());
    let ua_public = keys.secret.public_key().to_encoded_point(false);
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public.as_bytes());
    key_info.extend_from_slice(sender_key);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| "hkdf ikm")?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).map_err(|_| "hkdf cek")?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce).map_err(|_| "hkdf nonce")?;
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| "cek length")?;
    let mut plain = cipher.decrypt(&Nonce::from(nonce), ciphertext).map_err(|_| "AES-GCM tag mismatch")?;
    // The last (only) record ends with a 0x02 delimiter followed by zero padding.
    while plain.last() == Some(&0) {
        plain.pop();
    }
    if plain.pop() != Some(2) {
        return Err("missing last-record delimiter".into());
    }
    Ok(plain)
}
