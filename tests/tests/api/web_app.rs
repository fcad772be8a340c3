//! The web app served by the binary (issue 16): pages, assets and their caching, the
//! strict page CSP, and browser sessions in an HttpOnly cookie with a CSRF guard.

use fascia_tests::{PASSWORD, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn page(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("request reaches the server")
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The refresh cookie a browser-session answer sets, as `name=value`.
fn cookie_of(headers: &reqwest::header::HeaderMap) -> String {
    let set = headers.get("set-cookie").expect("a Set-Cookie header").to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

const APP: &[(&str, &str)] = &[("x-fascia-client", "web")];

#[tokio::test]
async fn the_patient_app_and_console_are_served_with_a_strict_csp_and_no_cache() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/today",
        "/check-in",
        "/invite",
        "/trends",
        "/settings",
        "/messages",
        "/appointments",
        "/lessons/x",
        "/play/x",
        "/clinic/",
        "/clinic/patients/0193a5b2-4c00-7000-8000-000000000001/messages",
    ] {
        let resp = page(&app, path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(header(&resp, "content-type").starts_with("text/html"), "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        let csp = header(&resp, "content-security-policy");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("/assets/") && !html.contains("%ASSETS%"), "{path} names the hashed assets");
    }
}

#[tokio::test]
async fn assets_under_the_current_hash_are_immutable_and_other_hashes_are_not_found() {
    let app = spawn_app().await;
    let html = page(&app, "/").await.text().await.unwrap();
    let start = html.find("/assets/").unwrap();
    let src = &html[start..start + html[start..].find('"').unwrap()];
    assert!(src.ends_with("/app.css") || src.ends_with(".svg") || src.ends_with(".png") || src.ends_with(".js"));
    let resp = page(&app, src).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "cache-control"), "public, max-age=31536000, immutable");

    assert_eq!(page(&app, "/assets/000000000000/app.js").await.status(), StatusCode::NOT_FOUND);
    let hash = src.split('/').nth(2).unwrap();
    assert_eq!(page(&app, &format!("/assets/{hash}/no-such-file.js")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(page(&app, &format!("/assets/{hash}/../Cargo.toml")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_manifest_and_service_worker_point_at_the_current_build() {
    let app = spawn_app().await;
    let manifest = page(&app, "/manifest.webmanifest").await;
    assert_eq!(header(&manifest, "cache-control"), "no-cache");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    assert_eq!(manifest["display"], "standalone");
    let sizes: Vec<&str> = manifest["icons"].as_array().unwrap().iter().filter_map(|i| i["sizes"].as_str()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"));
    let sw = page(&app, "/sw.js").await;
    assert!(header(&sw, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    assert!(!sw.text().await.unwrap().contains("%HASH%"));
}

#[tokio::test]
async fn api_responses_keep_their_own_csp() {
    let app = spawn_app().await;
    let resp = page(&app, "/api/v1/red-flags").await;
    assert_eq!(header(&resp, "content-security-policy"), "frame-ancestors 'none'");
}

#[tokio::test]
async fn a_browser_login_sets_an_http_only_cookie_and_keeps_the_refresh_token_out_of_the_json() {
    let app = spawn_app().await;
    let world = app.world().await;
    let body = json!({ "email": world.patient_a.email, "password": PASSWORD });
    let reply = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["access_token"].is_string());
    assert!(reply.body.get("refresh_token").is_none());
    let set = reply.headers.get("set-cookie").unwrap().to_str().unwrap();
    for part in ["fascia_refresh=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
}

#[tokio::test]
async fn the_cookie_refreshes_once_and_logout_ends_it() {
    let app = spawn_app().await;
    let world = app.world().await;
    let body = json!({ "email": world.patient_a.email, "password": PASSWORD });
    let login = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    let first = cookie_of(&login.headers);
    let with = |cookie: &str| [("x-fascia-client", "web"), ("cookie", cookie)].map(|(n, v)| (n, v.to_owned()));

    let headers = with(&first);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let refreshed = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &headers, None).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    let token = refreshed.body["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/me", Some(&token)).await.expect(200);
    let second = cookie_of(&refreshed.headers);
    assert_ne!(first, second, "the refresh token rotates");

    let reused = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &headers, None).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "a spent cookie does not work twice");

    // Reuse revoked the family; a fresh login, then logout, ends that one too.
    let login = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    let third = with(&cookie_of(&login.headers));
    let third: Vec<(&str, &str)> = third.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let out = app.request_with_headers(Method::POST, "/api/v1/auth/browser/logout", None, &third, None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    let after = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &third, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn session_calls_without_the_client_header_or_from_another_origin_are_refused() {
    let app = spawn_app().await;
    let world = app.world().await;
    let body = json!({ "email": world.patient_a.email, "password": PASSWORD });
    let bare = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, &[], Some(&body)).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert!(bare.headers.get("set-cookie").is_none());

    let cross = [("x-fascia-client", "web"), ("origin", "https://evil.example")];
    let forged = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, &cross, Some(&body)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let site = [("x-fascia-client", "web"), ("sec-fetch-site", "cross-site"), ("cookie", "fascia_refresh=whatever")];
    let refresh = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &site, None).await;
    assert_eq!(refresh.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_refresh_without_a_cookie_or_with_garbage_is_unauthorized() {
    let app = spawn_app().await;
    for cookie in ["", "fascia_refresh=", "fascia_refresh=garbage; other=1", "other=1"] {
        let headers = [("x-fascia-client", "web"), ("cookie", cookie)];
        let reply = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &headers, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "cookie {cookie:?}");
    }
}

#[tokio::test]
async fn the_json_login_is_unchanged_for_other_clients() {
    let app = spawn_app().await;
    let world = app.world().await;
    let reply = app.login(&world.patient_a.email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["refresh_token"].is_string());
    assert!(reply.headers.get("set-cookie").is_none());
}

/// A patient record of a fresh therapist with an invite; returns the invite's token.
async fn patient_invite(app: &TestApp) -> String {
    let admin = app.clinic_admin("Browser Invite Clinic").await;
    let therapist = app.therapist(&admin).await;
    let id = app.patient_record(&therapist, "Bea Browser").await;
    let email = format!("bea.{}@home.test", uuid::Uuid::new_v4().simple());
    let invite = app
        .post(&format!("/api/v1/patients/{id}/invites"), Some(&therapist.access_token), &json!({ "email": email }))
        .await
        .expect(201);
    invite["token"].as_str().unwrap().to_owned()
}

const INVITE_PATH: &str = "/api/v1/auth/browser/invites/accept";

#[tokio::test]
async fn accepting_an_invite_in_the_browser_signs_in_with_the_cookie_only() {
    let app = spawn_app().await;
    let token = patient_invite(&app).await;
    let body = json!({ "token": token, "password": PASSWORD });

    let reply = app.request_with_headers(Method::POST, INVITE_PATH, None, APP, Some(&body)).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.get("refresh_token").is_none());
    let access = reply.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.expect(200)["role"], "patient");
    let cookie = cookie_of(&reply.headers);
    let headers = [("x-fascia-client", "web"), ("cookie", cookie.as_str())];
    let refreshed = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &headers, None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "the cookie carries the new session");
}

#[tokio::test]
async fn a_browser_invite_from_another_origin_is_refused_and_leaves_the_invite_unused() {
    let app = spawn_app().await;
    let token = patient_invite(&app).await;
    let body = json!({ "token": token, "password": PASSWORD });
    let cross = [("x-fascia-client", "web"), ("origin", "https://evil.example")];
    let site = [("x-fascia-client", "web"), ("sec-fetch-site", "cross-site")];

    for headers in [&[][..], &cross[..], &site[..]] {
        let reply = app.request_with_headers(Method::POST, INVITE_PATH, None, headers, Some(&body)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(reply.headers.get("set-cookie").is_none());
    }

    let reply = app.request_with_headers(Method::POST, INVITE_PATH, None, APP, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "the refused attempts used nothing up");
}

#[tokio::test]
async fn a_browser_invite_with_a_bad_token_a_weak_password_or_used_twice_is_a_clear_4xx() {
    let app = spawn_app().await;
    let token = patient_invite(&app).await;
    let send = |body: serde_json::Value| {
        let app = &app;
        async move { app.request_with_headers(Method::POST, INVITE_PATH, None, APP, Some(&body)).await }
    };

    let forged = send(json!({ "token": "not-a-token", "password": PASSWORD })).await;
    assert_eq!((forged.status, forged.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let weak = send(json!({ "token": token, "password": "short" })).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let extra = send(json!({ "token": token, "password": PASSWORD, "role": "admin" })).await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST, "unknown fields are refused");
    let huge = send(json!({ "token": "x".repeat(5000), "password": PASSWORD })).await;
    assert!(huge.status.is_client_error(), "{}", huge.status);

    assert_eq!(send(json!({ "token": token, "password": PASSWORD })).await.status, StatusCode::OK);
    let again = send(json!({ "token": token, "password": PASSWORD })).await;
    assert_eq!((again.status, again.body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    assert!(again.headers.get("set-cookie").is_none());
}

const MFA_PATH: &str = "/api/v1/auth/browser/mfa";

/// Turns on TOTP for the account behind `token` and returns its secret.
async fn with_totp(app: &TestApp, token: &str) -> String {
    let enrolment = app.post("/api/v1/me/mfa/totp", Some(token), &json!({})).await.expect(200);
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let code = fascia::auth::totp::code_at(&secret, app.clock_now()).unwrap();
    app.post("/api/v1/me/mfa/totp/confirm", Some(token), &json!({ "code": code })).await.expect(200);
    // A code counts once per 30-second step: the login's code comes from the next one.
    app.clock.advance(chrono::Duration::seconds(30));
    secret
}

#[tokio::test]
async fn a_two_step_browser_login_ends_with_the_cookie_and_never_a_refresh_token_in_json() {
    let app = spawn_app().await;
    let world = app.world().await;
    let secret = with_totp(&app, &world.therapist_x.access_token).await;
    let body = json!({ "email": world.therapist_x.email, "password": PASSWORD });

    let login = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    assert_eq!(login.status, StatusCode::ACCEPTED);
    assert!(login.headers.get("set-cookie").is_none(), "no session before the second step");
    assert_eq!(login.body["next"], "totp");
    let code = fascia::auth::totp::code_at(&secret, app.clock_now()).unwrap();
    let step = json!({ "challenge": login.body["challenge"], "code": code });
    let done = app.request_with_headers(Method::POST, MFA_PATH, None, APP, Some(&step)).await;

    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.get("refresh_token").is_none());
    app.get("/api/v1/me", done.body["access_token"].as_str()).await.expect(200);
    let cookie = [("x-fascia-client", "web"), ("cookie", cookie_of(&done.headers).leak() as &str)];
    let refreshed = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &cookie, None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "the cookie from the second step is a live session");
}

#[tokio::test]
async fn a_browser_second_step_refuses_other_origins_wrong_codes_and_malformed_bodies() {
    let app = spawn_app().await;
    let world = app.world().await;
    let secret = with_totp(&app, &world.therapist_x.access_token).await;
    let body = json!({ "email": world.therapist_x.email, "password": PASSWORD });
    let login = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    let challenge = login.body["challenge"].clone();
    let code = fascia::auth::totp::code_at(&secret, app.clock_now()).unwrap();
    let send = |headers: &'static [(&'static str, &'static str)], body: serde_json::Value| {
        let app = &app;
        async move { app.request_with_headers(Method::POST, MFA_PATH, None, headers, Some(&body)).await }
    };

    let bare = send(&[], json!({ "challenge": challenge, "code": code })).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN, "no app header: a cross-site form");
    let cross = send(
        &[("x-fascia-client", "web"), ("origin", "https://evil.example")],
        json!({ "challenge": challenge, "code": code }),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "another origin");
    let wrong = send(APP, json!({ "challenge": challenge, "code": "000000" })).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let forged = send(APP, json!({ "challenge": "not-a-challenge", "code": code })).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let both = send(APP, json!({ "challenge": challenge, "code": code, "recovery_code": "x" })).await;
    assert!(both.status.is_client_error(), "{}", both.status);
    let extra = send(APP, json!({ "challenge": challenge, "code": code, "role": "admin" })).await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST);
    for refused in [&bare, &cross, &wrong, &forged, &both, &extra] {
        assert!(refused.headers.get("set-cookie").is_none());
    }

    // None of the refusals spent the challenge: the right code still signs in.
    let done = send(APP, json!({ "challenge": challenge, "code": code })).await;
    assert_eq!(done.status, StatusCode::OK);
}

const ENROL_PATH: &str = "/api/v1/auth/browser/mfa/enrolment/confirm";

#[tokio::test]
async fn a_required_enrolment_in_the_browser_ends_with_the_cookie_and_never_a_refresh_token_in_json() {
    let app = spawn_app().await;
    let world = app.world().await;
    let policy = json!({ "staff_required": true });
    app.put("/api/v1/clinic/mfa-policy", Some(&world.admin.access_token), &policy).await.expect(200);
    let body = json!({ "email": world.therapist_x.email, "password": PASSWORD });
    let login = app.request_with_headers(Method::POST, "/api/v1/auth/browser/login", None, APP, Some(&body)).await;
    assert_eq!((login.status, login.body["next"].as_str()), (StatusCode::ACCEPTED, Some("enrol_totp")));
    let challenge = login.body["challenge"].clone();
    let enrolment = app.post("/api/v1/auth/mfa/enrolment", None, &json!({ "challenge": challenge })).await.expect(200);
    let secret = enrolment["secret"].as_str().unwrap();
    let code = fascia::auth::totp::code_at(secret, app.clock_now()).unwrap();
    let send = |headers: &'static [(&'static str, &'static str)], body: serde_json::Value| {
        let app = &app;
        async move { app.request_with_headers(Method::POST, ENROL_PATH, None, headers, Some(&body)).await }
    };

    // Refusals first: none spends the challenge or sets a cookie.
    let bare = send(&[], json!({ "challenge": challenge, "code": code })).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN, "no app header: a cross-site form");
    let cross = send(
        &[("x-fascia-client", "web"), ("origin", "https://evil.example")],
        json!({ "challenge": challenge, "code": code }),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "another origin");
    let wrong = send(APP, json!({ "challenge": challenge, "code": "000000" })).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let forged = send(APP, json!({ "challenge": "not-a-challenge", "code": code })).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let extra = send(APP, json!({ "challenge": challenge, "code": code, "role": "admin" })).await;
    assert_eq!(extra.status, StatusCode::BAD_REQUEST);
    let huge = send(APP, json!({ "challenge": "x".repeat(5000), "code": code })).await;
    assert!(huge.status.is_client_error(), "{}", huge.status);
    for refused in [&bare, &cross, &wrong, &forged, &extra, &huge] {
        assert!(refused.headers.get("set-cookie").is_none());
    }

    let done = send(APP, json!({ "challenge": challenge, "code": code })).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.body["recovery_codes"].as_array().unwrap().len(), 10);
    assert!(done.body["session"].get("refresh_token").is_none(), "the refresh token never reaches script");
    app.get("/api/v1/me/mfa", done.body["session"]["access_token"].as_str()).await.expect(200);
    let cookie = [("x-fascia-client", "web"), ("cookie", cookie_of(&done.headers).leak() as &str)];
    let refreshed = app.request_with_headers(Method::POST, "/api/v1/auth/browser/refresh", None, &cookie, None).await;
    assert_eq!(refreshed.status, StatusCode::OK, "the cookie from the enrolment is a live session");
    // The challenge is spent.
    assert_eq!(send(APP, json!({ "challenge": challenge, "code": code })).await.status, StatusCode::UNAUTHORIZED);
}
