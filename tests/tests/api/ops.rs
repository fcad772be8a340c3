//! Operations (issue 15): `/metrics` on its own listener, `X-Forwarded-For` only from
//! trusted proxies, rate limits with `Retry-After`, the probes in the spec, log format.

use std::collections::HashMap;

use fascia::config::Settings;
use fascia_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;

async fn scrape(app: &TestApp) -> String {
    let at = app.metrics_addr.expect("metrics listener");
    let resp = app.client.get(format!("http://{at}/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    resp.text().await.unwrap()
}

/// The samples of an exposition: (name, labels, value); comment lines must be HELP/TYPE.
fn parse(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .filter_map(|line| {
            if line.starts_with('#') {
                assert!(line.starts_with("# HELP ") || line.starts_with("# TYPE "), "{line}");
                return None;
            }
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), HashMap::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line}"));
                    let labels = body
                        .split(',')
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap();
                            (k.to_owned(), v.trim_matches('"').to_owned())
                        })
                        .collect();
                    (name.to_owned(), labels)
                }
            };
            Some((name, labels, value))
        })
        .collect()
}

fn value(samples: &[(String, HashMap<String, String>, f64)], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, _, v)| *v)
}

#[tokio::test]
async fn metrics_are_scraped_from_their_own_listener_after_traffic() {
    let app =
        spawn_app_with(HashMap::from([("FASCIA_METRICS_ADDR", "127.0.0.1:0"), ("FASCIA_PUSH_ALLOW_LOOPBACK", "true")]))
            .await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    let fake = app.fake_push().await;
    let (device, _) = app.subscribe(&therapist, &fake).await;
    let test_push = format!("/api/v1/me/push-subscriptions/{device}/test");
    app.post(&test_push, Some(&therapist.access_token), &json!({})).await.expect(200);
    let stranger = uuid::Uuid::new_v4();
    app.get(&format!("/api/v1/patients/{stranger}"), Some(&therapist.access_token)).await.expect(404);
    app.get("/api/v1/me", None).await.expect(401);
    let flag = json!({ "items": [{ "id": uuid::Uuid::new_v4(), "recorded_at": "2026-06-01T10:00:00Z", "red_flags": ["chest_pain"] }] });
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &flag).await.expect(200);

    let text = scrape(&app).await;
    let samples = parse(&text);
    assert!(
        value(&samples, "fascia_http_requests_total", &[("operation", "get_me"), ("status", "200")]).unwrap() >= 3.0
    );
    assert_eq!(value(&samples, "fascia_http_requests_total", &[("operation", "get_me"), ("status", "401")]), Some(1.0));
    assert_eq!(
        value(&samples, "fascia_http_requests_total", &[("operation", "get_patient"), ("status", "404")]),
        Some(1.0)
    );
    let count = value(&samples, "fascia_http_request_duration_seconds_count", &[("operation", "get_me")]).unwrap();
    let inf =
        value(&samples, "fascia_http_request_duration_seconds_bucket", &[("operation", "get_me"), ("le", "+Inf")]);
    assert_eq!(inf, Some(count));
    assert_eq!(value(&samples, "fascia_alerts_open", &[]), Some(1.0));
    for gauge in ["fascia_db_pool_connections", "fascia_writer_queue_depth", "fascia_reminder_backlog"] {
        assert!(value(&samples, gauge, &[]).is_some(), "{gauge} missing:\n{text}");
    }
    assert_eq!(value(&samples, "fascia_metrics_database_up", &[]), Some(1.0));
    let delivered = [("outcome", "delivered"), ("status", "201")];
    assert_eq!(value(&samples, "fascia_push_deliveries_total", &delivered), Some(1.0), "{text}");
    // No record id and no email in any label.
    assert!(!text.contains(&stranger.to_string()) && !text.contains(&device.to_string()), "{text}");
    assert!(!text.contains('@'), "{text}");
    // The public port does not serve them.
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn without_a_metrics_address_there_is_no_listener() {
    let app = spawn_app().await;
    assert!(app.metrics_addr.is_none());
}

/// Requests a patient lookup as coming through `forwarded_for`; answers the status.
async fn from(app: &TestApp, forwarded_for: &str) -> u16 {
    let reply =
        app.request_with_headers(Method::GET, "/api/v1/me", None, &[("x-forwarded-for", forwarded_for)], None).await;
    reply.status.as_u16()
}

#[tokio::test]
async fn x_forwarded_for_is_honoured_only_from_a_trusted_proxy() {
    let limits = [("FASCIA_RATE_LIMIT_PER_ADDRESS", "2"), ("FASCIA_RATE_LIMIT_EXEMPT", "none")];
    let proxied =
        spawn_app_with(HashMap::from([limits[0], limits[1], ("FASCIA_TRUSTED_PROXIES", "127.0.0.1/32")])).await;
    // Through the trusted proxy each client has its own allowance; the client cannot
    // pick its address by writing hops to the left of the one the proxy added.
    assert_eq!((from(&proxied, "203.0.113.5").await, from(&proxied, "203.0.113.5").await), (401, 401));
    assert_eq!(from(&proxied, "203.0.113.5").await, 429);
    assert_eq!(from(&proxied, "198.51.100.7, 203.0.113.5").await, 429);
    assert_eq!(from(&proxied, "203.0.113.6").await, 401);

    // From an untrusted peer the header is ignored: every request is the peer's.
    let direct = spawn_app_with(HashMap::from(limits)).await;
    assert_eq!((from(&direct, "203.0.113.5").await, from(&direct, "203.0.113.6").await), (401, 401));
    assert_eq!(from(&direct, "203.0.113.7").await, 429);
}

#[tokio::test]
async fn the_login_throttle_counts_the_forwarded_client() {
    let app = spawn_app_with(HashMap::from([("FASCIA_TRUSTED_PROXIES", "127.0.0.1")])).await;
    let login = |email: String, hop: &'static str| {
        let app = &app;
        async move {
            let body = json!({ "email": email, "password": "wrong password" });
            let headers = [("x-forwarded-for", hop)];
            app.request_with_headers(Method::POST, "/api/v1/auth/login", None, &headers, Some(&body)).await.status
        }
    };
    // 20 failures from one address (spread over accounts) throttle that address only.
    for i in 0..20 {
        assert_eq!(login(format!("u{i}@x.test"), "203.0.113.5").await, 401);
    }
    assert_eq!(login("fresh@x.test".into(), "203.0.113.5").await, 429);
    assert_eq!(login("fresh@x.test".into(), "203.0.113.9").await, 401);
}

#[tokio::test]
async fn a_user_over_the_limit_gets_429_with_retry_after_and_others_do_not() {
    let app = spawn_app_with(HashMap::from([
        ("FASCIA_RATE_LIMIT_PER_USER", "6"),
        ("FASCIA_RATE_LIMIT_PER_ADDRESS", "0"),
        ("FASCIA_RATE_LIMIT_EXEMPT", "none"),
    ]))
    .await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let mut limited = None;
    for _ in 0..8 {
        let reply = app.get("/api/v1/patients", Some(&therapist.access_token)).await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        reply.expect(200);
    }
    let reply = limited.expect("the limit was reached");
    let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let body = reply.expect_error(429, "too_many_requests");
    assert!(body["message"].as_str().unwrap().contains("too many requests"));
    app.get("/api/v1/patients", Some(&admin.access_token)).await.expect(200);
}

#[tokio::test]
async fn loopback_clients_are_exempt_by_default() {
    let app = spawn_app_with(HashMap::from([("FASCIA_RATE_LIMIT_PER_ADDRESS", "1")])).await;
    for _ in 0..5 {
        app.get("/api/v1/me", None).await.expect(401);
    }
}

#[tokio::test]
async fn health_and_ready_are_operations_of_the_spec() {
    let app = spawn_app().await;
    let spec = app.get("/api/openapi.json", None).await.expect(200);
    assert_eq!(spec["paths"]["/health"]["get"]["operationId"], "get_health");
    assert_eq!(spec["paths"]["/ready"]["get"]["operationId"], "get_readiness");
    assert!(spec["paths"]["/ready"]["get"]["responses"]["503"].is_object());
    assert_eq!(app.get("/ready", None).await.expect(200), json!({ "status": "ready" }));
}

#[test]
fn ops_settings_parse_and_refuse_nonsense() {
    let with = |pairs: &[(&str, &str)]| {
        Settings::from_map(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    };
    let defaults = with(&[]).unwrap().ops;
    assert!(defaults.metrics_addr.is_none() && !defaults.log_json && defaults.trusted_proxies.is_empty());
    let set = with(&[
        ("FASCIA_LOG_FORMAT", "json"),
        ("FASCIA_METRICS_ADDR", "127.0.0.1:9464"),
        ("FASCIA_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
        ("FASCIA_RATE_LIMIT_PER_USER", "0"),
    ])
    .unwrap()
    .ops;
    assert!(set.log_json && set.metrics_addr.is_some() && !set.trusted_proxies.is_empty());
    assert_eq!(set.rate_limits.per_user_per_minute, 0);
    for bad in [
        ("FASCIA_LOG_FORMAT", "xml"),
        ("FASCIA_METRICS_ADDR", "localhost"),
        ("FASCIA_TRUSTED_PROXIES", "proxy.internal"),
        ("FASCIA_RATE_LIMIT_PER_ADDRESS", "-1"),
        ("FASCIA_RATE_LIMIT_EXEMPT", "everyone"),
    ] {
        assert!(with(&[bad]).is_err(), "{bad:?}");
    }
}
