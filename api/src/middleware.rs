//! Cross-cutting request handling: a request id on every request (task-local, echoed in
//! `x-request-id`, carried by error bodies and audit events), a tracing span that names
//! method, route and status but never bodies or query strings (they can hold health
//! data), the client address (see `client_addr`), the per-address rate limit (see
//! `rate_limit`), request metrics by operation id (see `metrics`), and security headers
//! on every response: `Allow` on a 405 (from the spec's
//! paths), `WWW-Authenticate` on a 401, and HSTS when the public URL is https.

use std::{sync::Arc, time::Instant};

use poem::{
    Body, Endpoint, IntoResponse, Request, Response, Result,
    http::{HeaderValue, StatusCode, header},
};
use uuid::Uuid;

use crate::{
    client_addr::{self, ClientAddr, TrustedProxies},
    error::ApiError,
    metrics::{Metrics, OperationIndex},
    outage::Refusals,
    rate_limit::RateLimits,
};

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
];

fn is_acceptable_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the edge needs to know about the deployment and the API.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    pub max_body_bytes: usize,
    /// Send `Strict-Transport-Security`: only when the public URL is https, since a
    /// browser told to insist on https for a plain-http deployment would lock users out.
    pub hsts: bool,
    pub methods: MethodIndex,
    /// Requests refused with 503 because the database was unavailable.
    pub refusals: Arc<Refusals>,
    /// Operation ids by path template, for the metrics' labels.
    pub operations: OperationIndex,
    pub metrics: Arc<Metrics>,
    pub rate_limits: Arc<RateLimits>,
    pub trusted_proxies: TrustedProxies,
}

/// Which methods each path template of the API answers, read from the spec, so a 405
/// can say what is allowed.
#[derive(Debug, Clone, Default)]
pub struct MethodIndex(Vec<(Vec<String>, String)>);

impl MethodIndex {
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let paths = spec["paths"].as_object().into_iter().flatten();
        Self(
            paths
                .map(|(template, ops)| {
                    let segments = template.split('/').map(str::to_owned).collect();
                    let mut methods: Vec<String> = ops
                        .as_object()
                        .into_iter()
                        .flat_map(|o| o.keys())
                        .filter(|m| matches!(m.as_str(), "get" | "put" | "post" | "delete" | "patch"))
                        .map(|m| m.to_uppercase())
                        .collect();
                    methods.sort();
                    (segments, methods.join(", "))
                })
                .collect(),
        )
    }

    /// The `Allow` value for a concrete path, if it matches a template.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(template, methods)| {
            let fits = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s);
            fits.then_some(methods.as_str())
        })
    }
}

/// Outermost middleware: request id, client address, rate limit per address, logging,
/// metrics, security headers.
pub async fn edge<E: Endpoint>(next: E, mut req: Request, config: &EdgeConfig) -> Result<Response> {
    let max_body_bytes = config.max_body_bytes;
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let is_api = path.starts_with("/api/");

    let client = client_addr::of(&req, &config.trusted_proxies);
    if let Some(ip) = client {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    let operation = config.operations.operation(method.as_str(), &path).to_owned();
    let limited = config.rate_limits.check_address(client);
    let limit = body_limit(&method, &path, max_body_bytes);
    let handled = crate::request_id::scope(request_id.clone(), async move {
        if let Some(retry_after) = limited {
            return Ok(ApiError::rate_limited(retry_after).into_response());
        }
        next.call(limit_body(req, limit).await?).await.map(IntoResponse::into_response)
    });
    let result = client_addr::scope(client, handled).await;
    let mut response = match result {
        Ok(resp) => resp.into_response(),
        Err(err) => {
            crate::request_id::scope(request_id.clone(), async move { crate::error::error_response(err) }).await
        }
    };

    let status = response.status();
    // The spec and docs need no database, so only operations count.
    if path.starts_with("/api/v1/") {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            config.refusals.refused();
        } else if status.is_success() {
            config.refusals.served();
        }
    }
    let no_store = is_api || is_error_status(status);
    let headers = response.headers_mut();
    if status == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = config.methods.allowed(&path).and_then(|a| HeaderValue::from_str(a).ok())
    {
        headers.insert(header::ALLOW, allow);
    }
    if status == StatusCode::UNAUTHORIZED && !headers.contains_key(header::WWW_AUTHENTICATE) {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"fascia\""));
    }
    if config.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    for (name, value) in SECURITY_HEADERS {
        // A page that set a stricter policy of its own (the web app, the shared report)
        // keeps it; both also forbid framing.
        if *name == "content-security-policy" && headers.contains_key(*name) {
            continue;
        }
        headers.insert(*name, HeaderValue::from_static(value));
    }
    // A successful response that chose its own caching (the red-flag catalogue, which
    // holds no health data) keeps it; everything else is never stored.
    let chose_caching = headers.contains_key("cache-control") && !is_error_status(status);
    if no_store && !chose_caching {
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", v);
    }
    config.metrics.observe(&operation, response.status().as_u16(), started.elapsed());
    tracing::info!(
        request_id = %request_id,
        method = %method,
        path = %redact_ids(&path),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(response)
}

fn is_error_status(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Message sends carry up to four images of 10 MB each (and the multipart framing around
/// them); every other request keeps the configured limit.
fn body_limit(method: &poem::http::Method, path: &str, configured: usize) -> usize {
    use crate::services::messages::{MAX_ATTACHMENTS, images::MAX_IMAGE_BYTES};
    let sends_message = *method == poem::http::Method::POST
        && (path == "/api/v1/me/messages"
            || (path.starts_with("/api/v1/patients/")
                && path.ends_with("/messages")
                && path.matches('/').count() == 5));
    if sends_message { configured.max(MAX_ATTACHMENTS * MAX_IMAGE_BYTES + 1024 * 1024) } else { configured }
}

/// Buffers the body up to the limit, so an oversized one is refused before any handler
/// runs, whether or not the client declared its length.
async fn limit_body(mut req: Request, max: usize) -> Result<Request> {
    let too_large = || poem::Error::from_string("request body is too large", StatusCode::PAYLOAD_TOO_LARGE);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let bytes = req.take_body().into_bytes_limit(max).await.map_err(|_| too_large())?;
    req.set_body(Body::from_bytes(bytes));
    Ok(req)
}

/// Paths carry object ids only, but logs keep even those out: a patient id next to a
/// route name says who was looked at.
fn redact_ids(path: &str) -> String {
    path.split('/').map(|seg| if Uuid::parse_str(seg).is_ok() { ":id" } else { seg }).collect::<Vec<_>>().join("/")
}
