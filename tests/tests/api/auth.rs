use chrono::Duration;
use fascia_tests::{PASSWORD, spawn_app};
use serde_json::json;

#[tokio::test]
async fn an_invited_patient_accepts_logs_in_refreshes_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Reuse Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;

    let login = app.login(&patient.email, PASSWORD).await.expect(200);
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["expires_in"], 900);
    let first = login["refresh_token"].as_str().unwrap().to_owned();

    let second = app.refresh(&first).await.expect(200);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second_refresh, "refresh tokens rotate on every use");

    // The old token shows up again: someone copied it. The whole family dies.
    app.refresh(&first).await.expect_error(401, "unauthorized");
    app.refresh(&second_refresh).await.expect_error(401, "unauthorized");

    // Another login is a separate family and unaffected.
    let me = app.get("/api/v1/me", Some(&patient.access_token)).await.expect(200);
    assert_eq!(me["role"], "patient");
    assert_eq!(me["patient_id"], patient.patient_id.unwrap().to_string());
    app.refresh(&patient.refresh_token).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_refreshes_with_one_token_let_exactly_one_succeed() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Race Clinic").await;
    let token = admin.refresh_token.clone();

    let attempts = (0..8).map(|_| app.refresh(&token));
    let replies = futures::future::join_all(attempts).await;

    let ok = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies.iter().filter(|r| r.status == 401).count();
    assert_eq!((ok, refused), (1, 7), "statuses: {:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
}

#[tokio::test]
async fn logout_revokes_the_session_family() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Logout Clinic").await;
    let next = app.refresh(&admin.refresh_token).await.expect(200);
    let current = next["refresh_token"].as_str().unwrap();

    let reply = app.post("/api/v1/auth/logout", None, &json!({ "refresh_token": current })).await;
    assert_eq!(reply.status, 204);

    app.refresh(current).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn logout_ends_the_access_token_at_once() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Logout Now Clinic").await;
    let other = app.login(&admin.email, PASSWORD).await.expect(200);
    app.get("/api/v1/me", Some(&admin.access_token)).await.expect(200);

    let body = json!({ "refresh_token": admin.refresh_token });
    app.post("/api/v1/auth/logout", None, &body).await.expect(204);

    app.get("/api/v1/me", Some(&admin.access_token)).await.expect_error(401, "unauthorized");
    // Another login of the same account is another session, and goes on.
    app.get("/api/v1/me", other["access_token"].as_str()).await.expect(200);
}

#[tokio::test]
async fn logout_refuses_a_body_that_is_not_a_refresh_token() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Logout Body Clinic").await;
    for body in [json!({ "refresh_token": false }), json!({ "refresh_token": 12345 }), json!(12345), json!({})] {
        let reply = app.post("/api/v1/auth/logout", None, &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    // Nothing was logged out by them.
    app.refresh(&admin.refresh_token).await.expect(200);
}

#[tokio::test]
async fn a_token_issued_in_the_same_second_as_a_password_change_stops_working() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Same Second Clinic").await;
    // No clock advance: the token, the change and the check share one second.
    let body = json!({ "current_password": PASSWORD, "new_password": "a brand new password" });
    app.post("/api/v1/auth/password", Some(&admin.access_token), &body).await.expect(204);

    app.get("/api/v1/me", Some(&admin.access_token)).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn changing_the_password_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Password Clinic").await;
    let other_session = app.login(&admin.email, PASSWORD).await.expect(200);
    app.clock.advance(Duration::seconds(5));

    let body = json!({ "current_password": PASSWORD, "new_password": "a brand new password" });
    let reply = app.post("/api/v1/auth/password", Some(&admin.access_token), &body).await;
    assert_eq!(reply.status, 204);

    app.refresh(&admin.refresh_token).await.expect(401);
    app.refresh(other_session["refresh_token"].as_str().unwrap()).await.expect(401);
    app.get("/api/v1/me", Some(&admin.access_token)).await.expect(401);
    app.login(&admin.email, PASSWORD).await.expect(401);
    app.login(&admin.email, "a brand new password").await.expect(200);
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Wrong Password Clinic").await;
    let body = json!({ "current_password": "not my password", "new_password": "a brand new password" });
    app.post("/api/v1/auth/password", Some(&admin.access_token), &body).await.expect_error(422, "validation_failed");
    app.login(&admin.email, PASSWORD).await.expect(200);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Throttle Clinic").await;
    for _ in 0..5 {
        app.login(&admin.email, "wrong password!").await.expect(401);
    }

    let reply = app.login(&admin.email, PASSWORD).await;
    let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    reply.expect_error(429, "too_many_requests");
    assert!((1..=900).contains(&retry_after));

    app.clock.advance(Duration::minutes(16));
    app.login(&admin.email, PASSWORD).await.expect(200);
}

#[tokio::test]
async fn unknown_emails_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Enumeration Clinic").await;
    let unknown = app.login("nobody@nowhere.test", PASSWORD).await.expect(401);
    let wrong = app.login(&admin.email, "wrong password!").await.expect(401);
    assert_eq!(unknown["message"], wrong["message"]);
}

#[tokio::test]
async fn access_tokens_expire_after_fifteen_minutes_and_refresh_tokens_after_idling() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Expiry Clinic").await;

    app.clock.advance(Duration::minutes(16));
    app.get("/api/v1/me", Some(&admin.access_token)).await.expect_error(401, "unauthorized");
    let renewed = app.refresh(&admin.refresh_token).await.expect(200);

    app.clock.advance(Duration::days(15));
    app.refresh(renewed["refresh_token"].as_str().unwrap()).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn an_invite_works_once_and_not_after_it_expires() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Invite Clinic").await;
    let therapist = app.therapist(&admin).await;
    let id = app.patient_record(&therapist, "Ivy Invitee").await;
    let invite_path = format!("/api/v1/patients/{id}/invites");

    let stale =
        app.post(&invite_path, Some(&therapist.access_token), &json!({ "email": "ivy@home.test" })).await.expect(201);
    assert!(stale["accept_url"].as_str().unwrap().starts_with("https://app.fascia.test/invite#token="));
    app.clock.advance(Duration::days(8));
    let accept = |token: &serde_json::Value| json!({ "token": token, "password": PASSWORD });
    app.post("/api/v1/auth/invites/accept", None, &accept(&stale["token"]))
        .await
        .expect_error(422, "validation_failed");

    let relogin = app.login(&therapist.email, PASSWORD).await.expect(200);
    let fresh = app
        .post(&invite_path, relogin["access_token"].as_str(), &json!({ "email": "ivy@home.test" }))
        .await
        .expect(201);
    app.post("/api/v1/auth/invites/accept", None, &accept(&fresh["token"])).await.expect(200);
    app.post("/api/v1/auth/invites/accept", None, &accept(&fresh["token"])).await.expect_error(409, "conflict");
    app.post("/api/v1/auth/invites/accept", None, &accept(&json!("not-a-token"))).await.expect_error(404, "not_found");

    let record = app.get(&format!("/api/v1/patients/{id}"), relogin["access_token"].as_str()).await.expect(200);
    assert_eq!(record["has_account"], true);
}

#[tokio::test]
async fn a_weak_password_is_refused_when_accepting_an_invite() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Weak Clinic").await;
    let invite = app
        .post(
            "/api/v1/therapists/invites",
            Some(&admin.access_token),
            &json!({ "email": "weak@clinic.test", "display_name": "W" }),
        )
        .await
        .expect(201);
    let body =
        app.post("/api/v1/auth/invites/accept", None, &json!({ "token": invite["token"], "password": "short" })).await;
    let body = body.expect_error(422, "validation_failed");
    assert_eq!(body["details"][0]["field"], "password");
    // Nothing was used up: the same invite still works with a good password.
    app.post("/api/v1/auth/invites/accept", None, &json!({ "token": invite["token"], "password": PASSWORD }))
        .await
        .expect(200);
}
