//! A fake S3-compatible object store on loopback, for the attachment store tests.
//!
//! It checks every request's Signature V4 with its own verifier, written here apart
//! from the server's signer: it rebuilds the canonical request from what actually
//! arrived (method, raw path, query, the headers the request says it signed), checks the
//! credential scope, that `x-amz-date` is within 15 minutes of the wall clock and that
//! `x-amz-content-sha256` is the body's hash, and answers 403 when anything is off.
//! Objects live in memory under path-style URLs `/{bucket}/{key}`. It can be switched to
//! fail (503 to everything) to play a store that is down.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use poem::{
    Body, EndpointExt, Request, Response, Route, Server, handler, http::StatusCode, listener::TcpAcceptor, web::Data,
};
use sha2::{Digest, Sha256};

pub const BUCKET: &str = "fascia-test";
pub const REGION: &str = "eu-test-1";
pub const ACCESS_KEY_ID: &str = "FAKEACCESSKEY";
pub const SECRET_ACCESS_KEY: &str = "fake/secret+access-key";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Why the signature was refused, when it was.
    pub problem: Option<String>,
}

#[derive(Default)]
struct Inner {
    objects: HashMap<String, Vec<u8>>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    failing: Arc<AtomicBool>,
}

pub struct FakeS3 {
    pub endpoint: String,
    shared: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeS3 {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl FakeS3 {
    /// Starts on 127.0.0.1:0.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake s3");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared { inner: Arc::default(), failing: Arc::default() };
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new().at("/*path", serve).data(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            let _ = Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(app, stop, None).await;
        });
        Self { endpoint, shared, shutdown: Some(tx) }
    }

    /// The `FASCIA_*` settings that point the server at this store.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FASCIA_BLOB_STORE", "s3".into()),
            ("FASCIA_S3_ENDPOINT", self.endpoint.clone()),
            ("FASCIA_S3_BUCKET", BUCKET.into()),
            ("FASCIA_S3_REGION", REGION.into()),
            ("FASCIA_S3_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
            ("FASCIA_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.into()),
            ("FASCIA_S3_PREFIX", "attachments/".into()),
        ]
    }

    /// From now on every request is answered 503 (or, switched back, served again).
    pub fn set_failing(&self, failing: bool) {
        self.shared.failing.store(failing, Ordering::SeqCst);
    }

    /// The stored objects by key (the path after the bucket).
    pub fn objects(&self) -> HashMap<String, Vec<u8>> {
        self.shared.inner.lock().unwrap().objects.clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.inner.lock().unwrap().seen.clone()
    }

    /// Requests refused for their signature.
    pub fn refused(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.problem.is_some()).collect()
    }
}

#[handler]
async fn serve(req: &Request, body: Body, shared: Data<&Shared>) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    let (method, path) = (req.method().as_str().to_owned(), req.uri().path().to_owned());
    let problem = verify(req, &body).err();
    let (status, reply) = if let Some(problem) = &problem {
        (StatusCode::FORBIDDEN, error_xml("SignatureDoesNotMatch", problem))
    } else if shared.failing.load(Ordering::SeqCst) {
        (StatusCode::SERVICE_UNAVAILABLE, error_xml("SlowDown", "the fake store is switched to fail"))
    } else {
        handle(&shared, &method, &path, body)
    };
    let mut inner = shared.inner.lock().unwrap();
    inner.seen.push(Seen { method, path, status: status.as_u16(), problem });
    Response::builder().status(status).body(reply)
}

/// PUT / GET / DELETE of an object at `/{bucket}/{key}`.
fn handle(shared: &Shared, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let Some(key) = path.strip_prefix(&format!("/{BUCKET}/")).filter(|k| !k.is_empty()) else {
        return (StatusCode::NOT_FOUND, error_xml("NoSuchBucket", "no such bucket"));
    };
    let mut inner = shared.inner.lock().unwrap();
    match method {
        "PUT" => {
            inner.objects.insert(key.to_owned(), body);
            (StatusCode::OK, Vec::new())
        }
        "GET" => match inner.objects.get(key) {
            Some(bytes) => (StatusCode::OK, bytes.clone()),
            None => (StatusCode::NOT_FOUND, error_xml("NoSuchKey", "no such key")),
        },
        "DELETE" => {
            inner.objects.remove(key);
            (StatusCode::NO_CONTENT, Vec::new())
        }
        _ => (StatusCode::METHOD_NOT_ALLOWED, error_xml("MethodNotAllowed", method)),
    }
}

fn error_xml(code: &str, message: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>")
        .into_bytes()
}

/// Checks the request's SigV4 `Authorization` header against what arrived.
fn verify(req: &Request, body: &[u8]) -> Result<(), String> {
    let header = |name: &str| -> Option<String> {
        let values: Vec<&str> = req.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.iter().map(|v| collapse(v)).collect::<Vec<_>>().join(","))
    };
    let authorization = header("authorization").ok_or("no Authorization header")?;
    let fields = authorization.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("not AWS4-HMAC-SHA256")?;
    let mut parts: HashMap<&str, &str> = HashMap::new();
    for field in fields.split(',') {
        let (name, value) = field.trim().split_once('=').ok_or("malformed Authorization field")?;
        parts.insert(name, value);
    }
    let credential = parts.get("Credential").ok_or("no Credential")?;
    let signed_headers = parts.get("SignedHeaders").ok_or("no SignedHeaders")?;
    let signature = parts.get("Signature").ok_or("no Signature")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, day, region, service, terminator] = scope[..] else { return Err("malformed Credential".into()) };
    if key_id != ACCESS_KEY_ID || region != REGION || service != "s3" || terminator != "aws4_request" {
        return Err(format!("unexpected credential scope {credential}"));
    }
    let date = header("x-amz-date").ok_or("no x-amz-date")?;
    let at = NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ").map_err(|_| "malformed x-amz-date")?.and_utc();
    if !date.starts_with(day) || (Utc::now() - at).num_minutes().abs() > 15 {
        return Err(format!("x-amz-date {date} is not today's {day} or is too far from now"));
    }
    let body_hash = hex(&Sha256::digest(body));
    if header("x-amz-content-sha256").as_deref() != Some(body_hash.as_str()) {
        return Err("x-amz-content-sha256 is not the body's hash".into());
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    for required in ["host", "x-amz-content-sha256", "x-amz-date"] {
        if !names.contains(&required) {
            return Err(format!("{required} is not signed"));
        }
    }
    let mut canonical_headers = String::new();
    for name in &names {
        let value = header(name).ok_or_else(|| format!("signed header {name} is missing"))?;
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let mut query: Vec<&str> = req.uri().query().unwrap_or("").split('&').filter(|p| !p.is_empty()).collect();
    query.sort_unstable();
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{body_hash}",
        req.method().as_str(),
        req.uri().path(),
        query.join("&")
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{day}/{region}/s3/aws4_request\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = mac(format!("AWS4{SECRET_ACCESS_KEY}").as_bytes(), day.as_bytes());
    for part in [region, "s3", "aws4_request"] {
        key = mac(&key, part.as_bytes());
    }
    if hex(&mac(&key, to_sign.as_bytes())) != *signature {
        return Err("signature does not match".into());
    }
    Ok(())
}

/// A header value as canonicalised: trimmed, runs of spaces made one.
fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
