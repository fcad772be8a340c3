//! Password reset by email and the signed-in user's login sessions (issue 15).

use std::collections::HashMap;

use fascia_tests::{Actor, PASSWORD, TestApp, smtp::FakeSmtp, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;

const NEW_PASSWORD: &str = "a brand new long password";

async fn app_with_smtp() -> (TestApp, FakeSmtp) {
    let smtp = FakeSmtp::start().await;
    let url = smtp.url();
    let app =
        spawn_app_with(HashMap::from([("FASCIA_SMTP_URL", url.as_str()), ("FASCIA_MAIL_FROM", "desk@clinic.test")]))
            .await;
    (app, smtp)
}

async fn patient(app: &TestApp) -> (Actor, Actor) {
    let admin = app.clinic_admin("Harbour Clinic").await;
    let therapist = app.therapist(&admin).await;
    (therapist.clone(), app.patient(&therapist).await)
}

async fn ask_reset(app: &TestApp, email: &str) -> fascia_tests::Reply {
    app.post("/api/v1/auth/password-resets", None, &json!({ "email": email })).await
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> fascia_tests::Reply {
    app.post("/api/v1/auth/password-resets/confirm", None, &json!({ "token": token, "new_password": password })).await
}

#[tokio::test]
async fn a_reset_mailed_over_smtp_sets_the_password_once_and_ends_every_session() {
    let (app, mut smtp) = app_with_smtp().await;
    let (_, pat) = patient(&app).await;
    let second_device = app.login(&pat.email, PASSWORD).await.expect(200);

    ask_reset(&app, &pat.email).await.expect(202);
    let mail = smtp.next_mail_with(&pat.email, "/reset-password#").await;

    assert_eq!(mail.to, vec![pat.email.clone()]);
    assert!(mail.raw.contains("Harbour Clinic"), "sent in the clinic's name: {}", mail.raw);
    assert!(mail.raw.contains("desk@clinic.test"));
    assert!(mail.raw.contains("text/plain") && mail.raw.contains("text/html"));
    let token = mail.token();
    assert_eq!(token.len(), 43, "256-bit token in the link");
    confirm(&app, &token, NEW_PASSWORD).await.expect(204);

    app.get("/api/v1/me", Some(&pat.access_token)).await.expect_error(401, "unauthorized");
    let other_access = second_device["access_token"].as_str().unwrap();
    app.get("/api/v1/me", Some(other_access)).await.expect_error(401, "unauthorized");
    app.refresh(&pat.refresh_token).await.expect_error(401, "unauthorized");
    confirm(&app, &token, "yet another long password").await.expect_error(409, "conflict");
    app.login(&pat.email, PASSWORD).await.expect_error(401, "unauthorized");
    app.login(&pat.email, NEW_PASSWORD).await.expect(200);
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let (app, mut smtp) = app_with_smtp().await;
    let (_, pat) = patient(&app).await;

    let unknown = ask_reset(&app, "nobody.here@nowhere.test").await;
    let garbage = ask_reset(&app, "not an email at all").await;
    let known = ask_reset(&app, &pat.email.to_uppercase()).await;

    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.body, known.body);
    assert_eq!(garbage.status.as_u16(), 202);
    // The only mail that ever arrives is the one for the real account.
    let mail = smtp.next_mail_with(&pat.email, "/reset-password#").await;
    assert_eq!(mail.to, vec![pat.email.clone()]);
}

#[tokio::test]
async fn reset_requests_are_throttled_per_email() {
    let app = spawn_app().await;
    let (_, pat) = patient(&app).await;
    for _ in 0..3 {
        ask_reset(&app, &pat.email).await.expect(202);
    }

    let refused = ask_reset(&app, &pat.email).await;

    assert!(refused.headers.get("retry-after").is_some());
    refused.expect_error(429, "too_many_requests");
    // Another address from the same client is still served.
    ask_reset(&app, "someone.else@home.test").await.expect(202);
}

#[tokio::test]
async fn a_reset_link_expires_after_thirty_minutes_and_only_the_newest_works() {
    let (app, mut smtp) = app_with_smtp().await;
    let (_, pat) = patient(&app).await;
    ask_reset(&app, &pat.email).await.expect(202);
    let first = smtp.next_mail_with(&pat.email, "/reset-password#").await.token();
    ask_reset(&app, &pat.email).await.expect(202);
    let second = smtp.next_mail_with(&pat.email, "/reset-password#").await.token();

    confirm(&app, &first, NEW_PASSWORD).await.expect_error(422, "validation_failed");
    app.clock.advance(chrono::Duration::minutes(31));
    confirm(&app, &second, NEW_PASSWORD).await.expect_error(422, "validation_failed");
    app.login(&pat.email, PASSWORD).await.expect(200);
}

#[tokio::test]
async fn bad_reset_input_is_refused_and_changes_nothing() {
    let (app, mut smtp) = app_with_smtp().await;
    let (_, pat) = patient(&app).await;
    ask_reset(&app, &pat.email).await.expect(202);
    let token = smtp.next_mail_with(&pat.email, "/reset-password#").await.token();

    confirm(&app, "bogus", NEW_PASSWORD).await.expect_error(404, "not_found");
    confirm(&app, &token, "short").await.expect_error(422, "validation_failed");
    let extra = json!({ "token": token, "new_password": NEW_PASSWORD, "user_id": pat.user_id });
    app.post("/api/v1/auth/password-resets/confirm", None, &extra).await.expect_error(400, "bad_request");
    app.post("/api/v1/auth/password-resets", None, &json!({ "email": 7 })).await.expect_error(400, "bad_request");
    app.post("/api/v1/auth/password-resets", None, &json!({ "email": "x".repeat(300) })).await.expect(422);

    app.get("/api/v1/me", Some(&pat.access_token)).await.expect(200);
    confirm(&app, &token, NEW_PASSWORD).await.expect(204);
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox_without_health_data() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Outbox Clinic").await;
    let therapist = app.therapist(&admin).await;
    let id = app.patient_record(&therapist, "Olive Outbox").await;
    let t = Some(therapist.access_token.as_str());
    let body = json!({ "diagnosis": "Secret shoulder diagnosis" });
    app.patch(&format!("/api/v1/patients/{id}"), t, &body).await.expect(200);

    let invite = app
        .post(&format!("/api/v1/patients/{id}/invites"), t, &json!({ "email": "olive@home.test" }))
        .await
        .expect(201);

    assert_eq!(invite["emailed"], true);
    let outbox = app.data_dir.join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
    let mails: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let to_olive: Vec<&String> = mails.iter().filter(|m| m.contains("olive@home.test")).collect();
    assert_eq!(to_olive.len(), 1);
    assert!(to_olive[0].contains("Outbox Clinic"));
    assert!(!to_olive[0].contains("Secret shoulder"));
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_reported_and_the_invite_still_stands() {
    let app = spawn_app_with(HashMap::from([("FASCIA_SMTP_URL", "smtp://127.0.0.1:1?tls=none")])).await;
    let admin = app.clinic_admin("Offline Clinic").await;
    let body = json!({ "email": "new.colleague@clinic.test", "display_name": "Nia New" });

    let invite = app.post("/api/v1/therapists/invites", Some(&admin.access_token), &body).await.expect(201);

    assert_eq!(invite["emailed"], false);
    let accept = json!({ "token": invite["token"], "password": PASSWORD });
    app.post("/api/v1/auth/invites/accept", None, &accept).await.expect(200);
}

async fn login_from(app: &TestApp, actor: &Actor, agent: &str) -> serde_json::Value {
    let body = json!({ "email": actor.email, "password": actor.password });
    app.request_with_headers(Method::POST, "/api/v1/auth/login", None, &[("user-agent", agent)], Some(&body))
        .await
        .expect(200)
}

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const LAPTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";

#[tokio::test]
async fn sessions_are_listed_with_their_device_and_the_current_one_marked() {
    let app = spawn_app().await;
    let (_, pat) = patient(&app).await;
    app.clock.advance(chrono::Duration::minutes(5));
    let phone = login_from(&app, &pat, IPHONE).await;
    app.clock.advance(chrono::Duration::minutes(5));
    let laptop = login_from(&app, &pat, LAPTOP).await;

    let listed = app.get("/api/v1/me/sessions", laptop["access_token"].as_str()).await.expect(200);

    let items = listed.as_array().unwrap();
    assert_eq!(items.len(), 3, "invite acceptance, phone, laptop: {listed}");
    assert_eq!(items[0]["device_label"], "Firefox on Linux");
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[0]["address"], "127.0.0.1");
    assert_eq!(items[1]["device_label"], "Safari on iPhone");
    assert_eq!(items[1]["current"], false);
    assert!(items.iter().all(|s| s["created_at"].is_string() && s["last_used_at"].is_string()));
    let _ = phone;
}

#[tokio::test]
async fn ending_a_session_stops_its_tokens_and_others_are_untouched() {
    let app = spawn_app().await;
    let (_, pat) = patient(&app).await;
    let phone = login_from(&app, &pat, IPHONE).await;
    let phone_access = phone["access_token"].as_str().unwrap();
    let listed = app.get("/api/v1/me/sessions", Some(phone_access)).await.expect(200);
    let phone_id = listed.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].clone();

    app.delete(&format!("/api/v1/me/sessions/{}", phone_id.as_str().unwrap()), Some(&pat.access_token))
        .await
        .expect(204);

    app.get("/api/v1/me", Some(phone_access)).await.expect_error(401, "unauthorized");
    app.refresh(phone["refresh_token"].as_str().unwrap()).await.expect_error(401, "unauthorized");
    app.get("/api/v1/me", Some(&pat.access_token)).await.expect(200);
    let again = format!("/api/v1/me/sessions/{}", phone_id.as_str().unwrap());
    app.delete(&again, Some(&pat.access_token)).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn another_users_session_is_not_found() {
    let app = spawn_app().await;
    let (therapist, pat) = patient(&app).await;
    let listed = app.get("/api/v1/me/sessions", Some(&pat.access_token)).await.expect(200);
    let id = listed[0]["id"].as_str().unwrap();

    app.delete(&format!("/api/v1/me/sessions/{id}"), Some(&therapist.access_token))
        .await
        .expect_error(404, "not_found");
    app.delete("/api/v1/me/sessions/not-a-uuid", Some(&pat.access_token)).await.expect(400);

    app.get("/api/v1/me", Some(&pat.access_token)).await.expect(200);
}

#[tokio::test]
async fn ending_all_other_sessions_keeps_this_one() {
    let app = spawn_app().await;
    let (_, pat) = patient(&app).await;
    let phone = login_from(&app, &pat, IPHONE).await;
    let laptop = login_from(&app, &pat, LAPTOP).await;
    let laptop_access = laptop["access_token"].as_str().unwrap();

    app.delete("/api/v1/me/sessions", Some(laptop_access)).await.expect(204);

    app.get("/api/v1/me", Some(phone["access_token"].as_str().unwrap())).await.expect_error(401, "unauthorized");
    app.get("/api/v1/me", Some(&pat.access_token)).await.expect_error(401, "unauthorized");
    let listed = app.get("/api/v1/me/sessions", Some(laptop_access)).await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["current"], true);
}
