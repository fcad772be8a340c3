//! Two-factor authentication (issue 15): TOTP enrolment with a fixed clock, the second
//! login step, replayed and wrong codes, recovery codes, and the clinic policy.

use chrono::Duration;
use fascia::auth::totp;
use fascia_tests::{Actor, TestApp, spawn_app};
use serde_json::{Value, json};

fn code_now(app: &TestApp, secret: &str) -> String {
    totp::code_at(secret, app.clock_now()).unwrap()
}

/// Enrols and confirms TOTP for `actor`; returns the secret and the recovery codes.
async fn enrolled(app: &TestApp, actor: &Actor) -> (String, Vec<String>) {
    let token = Some(actor.access_token.as_str());
    let enrolment = app.post("/api/v1/me/mfa/totp", token, &json!({})).await.expect(200);
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let confirmed =
        app.post("/api/v1/me/mfa/totp/confirm", token, &json!({ "code": code_now(app, &secret) })).await.expect(200);
    let codes =
        confirmed["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, codes)
}

/// Logs in with the password and expects a second step; returns its body.
async fn second_step(app: &TestApp, actor: &Actor) -> Value {
    app.login(&actor.email, &actor.password).await.expect(202)
}

async fn complete(app: &TestApp, challenge: &Value, proof: Value) -> fascia_tests::Reply {
    let mut body = proof;
    body["challenge"] = challenge["challenge"].clone();
    app.post("/api/v1/auth/mfa", None, &body).await
}

#[tokio::test]
async fn a_confirmed_authenticator_turns_login_into_two_steps() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let (secret, codes) = enrolled(&app, &therapist).await;
    assert_eq!(codes.len(), 10);

    let step = second_step(&app, &therapist).await;
    assert_eq!(step["next"], "totp");
    assert_eq!(step["expires_in"], 300);
    assert!(step.get("access_token").is_none(), "no tokens before the second step: {step}");
    app.clock.advance(Duration::seconds(30));
    let tokens = complete(&app, &step, json!({ "code": code_now(&app, &secret) })).await.expect(200);
    let access = tokens["access_token"].as_str().unwrap();
    let status = app.get("/api/v1/me/mfa", Some(access)).await.expect(200);
    assert_eq!(status, json!({ "totp_enabled": true, "recovery_codes_left": 10, "required_by_clinic": false }));
}

#[tokio::test]
async fn a_code_is_accepted_once_per_time_step() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let (secret, _) = enrolled(&app, &admin).await;
    // The code that confirmed the enrolment was spent in this step.
    let confirmed_with = code_now(&app, &secret);
    let step = second_step(&app, &admin).await;
    complete(&app, &step, json!({ "code": confirmed_with })).await.expect_error(401, "unauthorized");

    app.clock.advance(Duration::seconds(30));
    let fresh = code_now(&app, &secret);
    complete(&app, &step, json!({ "code": fresh })).await.expect(200);
    let again = second_step(&app, &admin).await;
    complete(&app, &again, json!({ "code": fresh })).await.expect_error(401, "unauthorized");
    // The challenge that carried a good code is spent too.
    app.clock.advance(Duration::seconds(30));
    complete(&app, &step, json!({ "code": code_now(&app, &secret) })).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let (_, codes) = enrolled(&app, &therapist).await;
    let step = second_step(&app, &therapist).await;
    // Case and dashes do not matter.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let tokens = complete(&app, &step, json!({ "recovery_code": typed })).await.expect(200);
    let status = app.get("/api/v1/me/mfa", tokens["access_token"].as_str()).await.expect(200);
    assert_eq!(status["recovery_codes_left"], 9);

    let again = second_step(&app, &therapist).await;
    complete(&app, &again, json!({ "recovery_code": codes[3] })).await.expect_error(401, "unauthorized");
    complete(&app, &again, json!({ "recovery_code": codes[4] })).await.expect(200);
}

#[tokio::test]
async fn wrong_codes_are_throttled_with_retry_after() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let (secret, _) = enrolled(&app, &admin).await;
    app.clock.advance(Duration::seconds(60));
    let step = second_step(&app, &admin).await;
    for wrong in ["000000", "111111", "abcdef", "12345", "999999"] {
        let proof = if wrong == code_now(&app, &secret) { "000001" } else { wrong };
        complete(&app, &step, json!({ "code": proof })).await.expect_error(401, "unauthorized");
    }
    let reply = complete(&app, &step, json!({ "code": code_now(&app, &secret) })).await;
    let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0);
    reply.expect_error(429, "too_many_requests");

    // The throttle window passes; the right code then works.
    app.clock.advance(Duration::minutes(16));
    let step = second_step(&app, &admin).await;
    complete(&app, &step, json!({ "code": code_now(&app, &secret) })).await.expect(200);
}

#[tokio::test]
async fn a_clinic_requiring_mfa_makes_staff_enrol_before_any_token() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    let policy = json!({ "staff_required": true });
    app.put("/api/v1/clinic/mfa-policy", Some(&admin.access_token), &policy).await.expect(200);
    assert_eq!(app.get("/api/v1/clinic/mfa-policy", Some(&admin.access_token)).await.expect(200), policy);

    let step = second_step(&app, &therapist).await;
    assert_eq!(step["next"], "enrol_totp");
    // The enrolment challenge is not a login challenge, nor an access token.
    complete(&app, &step, json!({ "code": "123456" })).await.expect_error(401, "unauthorized");
    let token = step["challenge"].as_str().unwrap();
    app.get("/api/v1/me", Some(token)).await.expect_error(401, "unauthorized");

    let enrolment =
        app.post("/api/v1/auth/mfa/enrolment", None, &json!({ "challenge": step["challenge"] })).await.expect(200);
    assert!(enrolment["provisioning_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let secret = enrolment["secret"].as_str().unwrap();
    let body = json!({ "challenge": step["challenge"], "code": code_now(&app, secret) });
    let done = app.post("/api/v1/auth/mfa/enrolment/confirm", None, &body).await.expect(200);
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    let access = done["session"]["access_token"].as_str().unwrap();
    let status = app.get("/api/v1/me/mfa", Some(access)).await.expect(200);
    assert_eq!(status["required_by_clinic"], true);
    // The challenge is spent, and staff cannot turn MFA off while the clinic requires it.
    app.post("/api/v1/auth/mfa/enrolment/confirm", None, &body).await.expect_error(401, "unauthorized");
    app.clock.advance(Duration::seconds(30));
    let off = json!({ "code": code_now(&app, secret) });
    app.post("/api/v1/me/mfa/totp/disable", Some(access), &off).await.expect_error(409, "conflict");
    assert_eq!(second_step(&app, &therapist).await["next"], "totp");
    // Patients are not staff: the policy does not apply to them.
    app.login(&patient.email, &patient.password).await.expect(200);
}

#[tokio::test]
async fn patients_may_enrol_and_turn_it_off_with_a_code() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    let (secret, _) = enrolled(&app, &patient).await;
    assert_eq!(second_step(&app, &patient).await["next"], "totp");
    let token = Some(patient.access_token.as_str());
    app.post("/api/v1/me/mfa/totp", token, &json!({})).await.expect_error(409, "conflict");
    app.post("/api/v1/me/mfa/totp/disable", token, &json!({ "code": "000000" }))
        .await
        .expect_error(422, "validation_failed");
    app.clock.advance(Duration::seconds(30));
    app.post("/api/v1/me/mfa/totp/disable", token, &json!({ "code": code_now(&app, &secret) })).await.expect(204);
    app.login(&patient.email, &patient.password).await.expect(200);
    app.post("/api/v1/me/mfa/totp/disable", token, &json!({ "code": "000000" })).await.expect_error(409, "conflict");
}

#[tokio::test]
async fn malformed_and_hostile_second_steps_change_nothing() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Clinic One").await;
    let therapist = app.therapist(&admin).await;
    let token = Some(therapist.access_token.as_str());
    // Nothing to confirm before enrolling.
    app.post("/api/v1/me/mfa/totp/confirm", token, &json!({ "code": "123456" })).await.expect_error(409, "conflict");
    let (secret, _) = enrolled(&app, &therapist).await;
    let step = second_step(&app, &therapist).await;
    for (body, status, code) in [
        (json!({ "challenge": "bogus", "code": "123456" }), 401, "unauthorized"),
        (json!({ "challenge": step["challenge"] }), 422, "validation_failed"),
        (json!({ "challenge": step["challenge"], "code": "1", "recovery_code": "x" }), 422, "validation_failed"),
        (json!({ "challenge": step["challenge"], "code": 123456 }), 400, "bad_request"),
        (json!({ "challenge": step["challenge"], "code": "1".repeat(17) }), 422, "validation_failed"),
        (json!({ "challenge": step["challenge"], "code": "123456", "role": "admin" }), 400, "bad_request"),
    ] {
        app.post("/api/v1/auth/mfa", None, &body).await.expect_error(status, code);
    }
    // A login challenge does not start an enrolment, and expires.
    let enrol = json!({ "challenge": step["challenge"] });
    app.post("/api/v1/auth/mfa/enrolment", None, &enrol).await.expect_error(401, "unauthorized");
    app.clock.advance(Duration::minutes(6));
    complete(&app, &step, json!({ "code": code_now(&app, &secret) })).await.expect_error(401, "unauthorized");

    // The secret is stored sealed, never in clear.
    use sea_orm::EntityTrait;
    let row = entity::mfa_totp::Entity::find_by_id(therapist.user_id).one(&app.state.db).await.unwrap().unwrap();
    assert!(row.secret_sealed.starts_with("v1:") && !row.secret_sealed.contains(&secret));
}
