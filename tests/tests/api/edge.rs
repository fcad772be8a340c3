//! The API edge: one error body for every failure, no 5xx from bad input, headers.

use fascia_tests::{spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_the_error_body() {
    let app = spawn_app().await;
    app.get("/api/v1/no-such-thing", None).await.expect_error(404, "not_found");
    app.request(Method::DELETE, "/api/v1/auth/login", None, None).await.expect_error(405, "method_not_allowed");
}

#[tokio::test]
async fn a_wrong_method_is_told_which_methods_the_path_allows() {
    let app = spawn_app().await;
    let reply = app.request(Method::DELETE, "/api/v1/auth/login", None, None).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
    let id = uuid::Uuid::now_v7();
    let reply = app.request(Method::POST, &format!("/api/v1/patients/{id}"), None, Some(&json!({}))).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "GET, PATCH");
}

#[tokio::test]
async fn a_401_says_how_to_authenticate() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/me", None).await;
    assert_eq!(reply.status, 401);
    assert!(reply.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let reply = app.get("/api/v1/me", Some("not.a.token")).await;
    assert!(reply.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let plain = spawn_app_with(HashMap::from([("FASCIA_PUBLIC_URL", "http://127.0.0.1:8080")])).await;
    assert!(plain.get("/health", None).await.headers.get("strict-transport-security").is_none());
    let https = spawn_app_with(HashMap::from([("FASCIA_PUBLIC_URL", "https://app.example.org")])).await;
    let reply = https.get("/health", None).await;
    assert!(reply.headers["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

#[tokio::test]
async fn malformed_bodies_get_a_4xx_with_the_error_body_never_a_5xx() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Edge Clinic").await;
    let t = Some(admin.access_token.as_str());
    let raw = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/patients"))
            .bearer_auth(&admin.access_token)
            .header("content-type", "application/json")
            .body(body)
    };
    for body in [
        "{",
        "[]",
        "null",
        "\"text\"",
        "{\"display_name\": {\"first\": \"x\"}}",
        "{\"display_name\": \"x\", \"baseline_pain\": \"high\"}",
        "\u{0}",
    ] {
        let reply = fascia_tests::TestApp::read(raw(body).send().await.unwrap()).await;
        assert_eq!(reply.status, 400, "{body:?}: {}", reply.body);
        assert_eq!(reply.body["code"], "bad_request");
        assert!(reply.body["request_id"].is_string());
    }
    let wrong_type = app
        .client
        .post(app.url("/api/v1/patients"))
        .bearer_auth(&admin.access_token)
        .header("content-type", "text/plain")
        .body("hi");
    let reply = fascia_tests::TestApp::read(wrong_type.send().await.unwrap()).await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    assert!(reply.body["code"].is_string());

    app.post(
        "/api/v1/patients",
        t,
        &json!({ "display_name": "Ok", "clinic_id": "00000000-0000-0000-0000-000000000000" }),
    )
    .await
    .expect_error(400, "bad_request");
    app.post("/api/v1/patients", t, &json!({ "display_name": "   " })).await.expect_error(422, "validation_failed");
    app.post("/api/v1/patients", t, &json!({ "display_name": "Ok", "baseline_pain": 11 }))
        .await
        .expect_error(422, "validation_failed");
    app.post("/api/v1/patients", t, &json!({ "display_name": "Ok", "icd10_codes": ["DROP TABLE"] }))
        .await
        .expect_error(422, "validation_failed");
    app.get("/api/v1/patients/not-a-uuid", t).await.expect_error(400, "bad_request");
    app.get("/api/v1/patients?limit=abc", t).await.expect_error(400, "bad_request");
    app.get("/api/v1/patients?cursor=%%%", t).await.expect_error(422, "validation_failed");

    let list = app.get("/api/v1/patients", t).await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "no bad request created a patient");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_before_any_handler() {
    let app = spawn_app_with(HashMap::from([("FASCIA_MAX_BODY_BYTES", "4096")])).await;
    let admin = app.clinic_admin("Big Body Clinic").await;
    let huge = json!({ "display_name": "x".repeat(10_000) });
    app.post("/api/v1/patients", Some(&admin.access_token), &huge).await.expect_error(413, "payload_too_large");

    // Without a declared length (chunked), the limit holds too.
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(vec![b' '; 8192])]);
    let req = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream));
    let reply = fascia_tests::TestApp::read(req.send().await.unwrap()).await;
    assert_eq!(reply.status, 413);
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for path in ["/health", "/api/v1/me", "/api/openapi.json", "/nope"] {
        let reply = app.get(path, None).await;
        let h = &reply.headers;
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    let reply = app.get("/api/v1/me", None).await;
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.headers["x-request-id"].to_str().unwrap(), reply.body["request_id"].as_str().unwrap());
}

#[tokio::test]
async fn health_and_ready_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health", None).await.expect(200)["status"], "ok");
    assert_eq!(app.get("/ready", None).await.expect(200)["status"], "ready");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = spawn_app_with(HashMap::from([("FASCIA_CORS_ORIGINS", "https://pwa.example.test")])).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://pwa.example.test").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://pwa.example.test");
    let refused = preflight("https://evil.example.test").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn with_the_database_gone_the_api_answers_503_with_retry_after_not_500() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Outage Clinic").await;
    app.state.db.close_by_ref().await.expect("pool closes");

    // `/me` could answer from the briefly remembered account; the staff list must read.
    for reply in [
        app.get("/api/v1/therapists", Some(&admin.access_token)).await,
        app.login(&admin.email, fascia_tests::PASSWORD).await,
    ] {
        assert_eq!(reply.status, 503, "{}", reply.body);
        assert_eq!(reply.body["code"], "unavailable");
        assert!(reply.headers["retry-after"].to_str().unwrap().parse::<u64>().is_ok());
    }
}
