//! Invites by email (list, resend, revoke, admin invites) and the staff lifecycle
//! (disable, re-enable, the last admin) of issue 15.

use std::collections::HashMap;

use fascia_tests::{Actor, PASSWORD, TestApp, smtp::FakeSmtp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn accept(app: &TestApp, token: &str) -> fascia_tests::Reply {
    app.post("/api/v1/auth/invites/accept", None, &json!({ "token": token, "password": PASSWORD })).await
}

fn invite_path(id: &Value) -> String {
    format!("/api/v1/invites/{}", id.as_str().unwrap())
}

#[tokio::test]
async fn a_patient_invite_is_emailed_resent_with_a_new_link_and_revoked() {
    let mut smtp = FakeSmtp::start().await;
    let url = smtp.url();
    let app = spawn_app_with(HashMap::from([("FASCIA_SMTP_URL", url.as_str())])).await;
    let admin = app.clinic_admin("Lakeside Clinic").await;
    let therapist = app.therapist(&admin).await;
    let t = Some(therapist.access_token.as_str());
    let id = app.patient_record(&therapist, "Rosa Resend").await;

    let created =
        app.post(&format!("/api/v1/patients/{id}/invites"), t, &json!({ "email": "rosa@home.test" })).await.expect(201);
    let first = smtp.next_mail_to("rosa@home.test").await;
    let resent = app.post(&format!("{}/resend", invite_path(&created["invite_id"])), t, &json!({})).await.expect(200);
    let second = smtp.next_mail_to("rosa@home.test").await;

    assert_eq!(created["emailed"], true);
    assert_eq!(first.to, vec!["rosa@home.test".to_owned()]);
    assert_eq!(first.token(), created["token"].as_str().unwrap());
    assert!(first.raw.contains("Lakeside Clinic"));
    assert_eq!(resent["invite_id"], created["invite_id"]);
    assert_eq!(second.token(), resent["token"].as_str().unwrap());
    assert_ne!(first.token(), second.token());
    accept(&app, &first.token()).await.expect_error(404, "not_found");

    app.delete(&invite_path(&created["invite_id"]), t).await.expect(204);

    accept(&app, &second.token()).await.expect_error(409, "conflict");
    let path = format!("{}/resend", invite_path(&created["invite_id"]));
    app.post(&path, t, &json!({})).await.expect_error(409, "conflict");
    let listed = app.get("/api/v1/invites", t).await.expect(200);
    let rosa = listed["items"].as_array().unwrap().iter().find(|i| i["email"] == "rosa@home.test").unwrap().clone();
    assert_eq!(rosa["status"], "revoked");
    assert_eq!(rosa["patient_id"], id.to_string());
}

#[tokio::test]
async fn an_accepted_invite_can_be_neither_resent_nor_revoked() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Accepted Clinic").await;
    let body = json!({ "email": "done@clinic.test", "display_name": "Dana Done" });
    let invite = app.post("/api/v1/therapists/invites", Some(&admin.access_token), &body).await.expect(201);
    accept(&app, invite["token"].as_str().unwrap()).await.expect(200);
    let a = Some(admin.access_token.as_str());

    app.post(&format!("{}/resend", invite_path(&invite["invite_id"])), a, &json!({}))
        .await
        .expect_error(409, "conflict");
    app.delete(&invite_path(&invite["invite_id"]), a).await.expect_error(409, "conflict");

    let listed = app.get("/api/v1/invites", a).await.expect(200);
    assert_eq!(listed["items"][0]["status"], "accepted");
}

#[tokio::test]
async fn an_expired_invite_can_be_resent() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Late Clinic").await;
    let body = json!({ "email": "late@clinic.test", "display_name": "Lee Late" });
    let invite = app.post("/api/v1/therapists/invites", Some(&admin.access_token), &body).await.expect(201);
    app.clock.advance(chrono::Duration::days(8));
    let a = Some(admin.access_token.as_str());
    let admin_token = app.relogin(&admin).await;

    let listed = app.get("/api/v1/invites", Some(&admin_token)).await.expect(200);
    assert_eq!(listed["items"][0]["status"], "expired");
    let resent = app
        .post(&format!("{}/resend", invite_path(&invite["invite_id"])), Some(&admin_token), &json!({}))
        .await
        .expect(200);

    accept(&app, resent["token"].as_str().unwrap()).await.expect(200);
    let _ = a;
}

#[tokio::test]
async fn therapists_see_only_their_patients_invites_and_other_clinics_see_none() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = app.patient_record(&w.therapist_x, "Ivy Invite").await;
    let x = Some(w.therapist_x.access_token.as_str());
    let invite =
        app.post(&format!("/api/v1/patients/{id}/invites"), x, &json!({ "email": "ivy@home.test" })).await.expect(201);
    let other_admin = app.clinic_admin("Third Clinic").await;
    let other = Some(other_admin.access_token.as_str());
    let y = Some(w.therapist_y.access_token.as_str());

    let as_x = app.get("/api/v1/invites", x).await.expect(200);
    let as_y = app.get("/api/v1/invites", y).await.expect(200);
    let as_admin = app.get("/api/v1/invites", Some(&w.admin.access_token)).await.expect(200);

    let emails = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| i["email"].clone()).collect::<Vec<_>>();
    assert!(emails(&as_x).contains(&json!("ivy@home.test")));
    assert!(!emails(&as_x).iter().any(|e| e.as_str().unwrap().starts_with("therapist.")), "no staff invites");
    assert!(!emails(&as_y).contains(&json!("ivy@home.test")));
    assert!(emails(&as_admin).contains(&json!("ivy@home.test")));
    let path = format!("{}/resend", invite_path(&invite["invite_id"]));
    app.post(&path, other, &json!({})).await.expect_error(404, "not_found");
    app.post(&path, y, &json!({})).await.expect_error(404, "not_found");
    app.delete(&invite_path(&invite["invite_id"]), other).await.expect_error(404, "not_found");
    app.delete("/api/v1/invites/00000000-0000-0000-0000-000000000000", x).await.expect_error(404, "not_found");
    app.get("/api/v1/invites?cursor=garbage", x).await.expect_error(422, "validation_failed");
    accept(&app, invite["token"].as_str().unwrap()).await.expect(200);
}

#[tokio::test]
async fn an_admin_invite_makes_a_clinic_admin() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Two Admins").await;
    let body = json!({ "email": "second.admin@clinic.test", "display_name": "Sam Second" });

    let invite = app.post("/api/v1/therapists/admin-invites", Some(&admin.access_token), &body).await.expect(201);
    let tokens = accept(&app, invite["token"].as_str().unwrap()).await.expect(200);

    let me = app.get("/api/v1/me", tokens["access_token"].as_str()).await.expect(200);
    assert_eq!(me["role"], "admin");
    app.get("/api/v1/audit-events", tokens["access_token"].as_str()).await.expect(200);
}

async fn disable(app: &TestApp, admin: &Actor, who: &Actor) -> fascia_tests::Reply {
    app.post(&format!("/api/v1/therapists/{}/disable", who.user_id), Some(&admin.access_token), &json!({})).await
}

#[tokio::test]
async fn a_disabled_therapists_valid_token_is_refused_at_once() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Leaving Clinic").await;
    let leaving = app.therapist(&admin).await;
    let t = Some(leaving.access_token.as_str());
    app.get("/api/v1/patients", t).await.expect(200);

    let staff = disable(&app, &admin, &leaving).await.expect(200);

    assert!(staff["disabled_at"].is_string());
    app.get("/api/v1/patients", t).await.expect_error(401, "unauthorized");
    app.refresh(&leaving.refresh_token).await.expect_error(401, "unauthorized");
    app.login(&leaving.email, PASSWORD).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn a_disabled_therapists_patients_need_a_therapist_until_reassigned() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Handover Clinic").await;
    let leaving = app.therapist(&admin).await;
    let staying = app.therapist(&admin).await;
    let id = app.patient_record(&leaving, "Hana Handover").await;
    let a = Some(admin.access_token.as_str());
    disable(&app, &admin, &leaving).await.expect(200);

    let roster = app.get("/api/v1/patients", a).await.expect(200);
    assert_eq!(roster["items"][0]["needs_therapist"], true);
    let patient = format!("/api/v1/patients/{id}");
    app.patch(&patient, a, &json!({ "display_name": "Hana H." })).await.expect(200);
    app.patch(&patient, a, &json!({ "primary_therapist_id": staying.user_id })).await.expect(200);

    let roster = app.get("/api/v1/patients", a).await.expect(200);
    assert_eq!(roster["items"][0]["needs_therapist"], false);
    let theirs = app.get("/api/v1/patients", Some(&staying.access_token)).await.expect(200);
    assert_eq!(theirs["items"][0]["id"], id.to_string());
}

#[tokio::test]
async fn a_re_enabled_therapist_logs_in_again_but_old_sessions_stay_ended() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Return Clinic").await;
    let back = app.therapist(&admin).await;
    disable(&app, &admin, &back).await.expect(200);

    let path = format!("/api/v1/therapists/{}/enable", back.user_id);
    let staff = app.post(&path, Some(&admin.access_token), &json!({})).await.expect(200);

    assert!(staff.get("disabled_at").is_none_or(Value::is_null));
    app.get("/api/v1/patients", Some(&back.access_token)).await.expect_error(401, "unauthorized");
    app.login(&back.email, PASSWORD).await.expect(200);
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_disabled() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Solo Clinic").await;
    let solo = Actor { ..admin.clone() };

    disable(&app, &admin, &solo).await.expect_error(409, "conflict");

    let body = json!({ "email": "backup.admin@clinic.test", "display_name": "Bo Backup" });
    let invite = app.post("/api/v1/therapists/admin-invites", Some(&admin.access_token), &body).await.expect(201);
    let tokens = accept(&app, invite["token"].as_str().unwrap()).await.expect(200);
    let backup_token = tokens["access_token"].as_str().unwrap().to_owned();
    disable(&app, &admin, &solo).await.expect(200);
    app.get("/api/v1/therapists", Some(&admin.access_token)).await.expect_error(401, "unauthorized");
    let me = app.get("/api/v1/me", Some(&backup_token)).await.expect(200);
    let path = format!("/api/v1/therapists/{}/disable", me["id"].as_str().unwrap());
    app.post(&path, Some(&backup_token), &json!({})).await.expect_error(409, "conflict");
}

#[tokio::test]
async fn staff_of_another_clinic_are_not_found_and_patients_cannot_be_disabled() {
    let app = spawn_app().await;
    let w = app.world().await;

    disable(&app, &w.admin, &w.therapist_y).await.expect_error(404, "not_found");
    disable(&app, &w.admin, &w.patient_a).await.expect_error(404, "not_found");
    let path = format!("/api/v1/therapists/{}/enable", w.therapist_y.user_id);
    app.post(&path, Some(&w.admin.access_token), &json!({})).await.expect_error(404, "not_found");
    app.post("/api/v1/therapists/nope/disable", Some(&w.admin.access_token), &json!({})).await.expect(400);
    disable(&app, &w.therapist_x, &w.therapist_x).await.expect_error(403, "forbidden");

    app.get("/api/v1/patients", Some(&w.therapist_y.access_token)).await.expect(200);
}

#[tokio::test]
async fn two_admins_disabling_each_other_at_once_leave_one_enabled() {
    let app = spawn_app().await;
    let first = app.clinic_admin("Race Clinic").await;
    let body = json!({ "email": "racing.admin@clinic.test", "display_name": "Rae Racer" });
    let invite = app.post("/api/v1/therapists/admin-invites", Some(&first.access_token), &body).await.expect(201);
    let tokens = accept(&app, invite["token"].as_str().unwrap()).await.expect(200);
    let second_token = tokens["access_token"].as_str().unwrap();
    let second_id = app.get("/api/v1/me", Some(second_token)).await.expect(200)["id"].as_str().unwrap().to_owned();

    let (to_second, to_first) =
        (format!("/api/v1/therapists/{second_id}/disable"), format!("/api/v1/therapists/{}/disable", first.user_id));
    let empty = json!({});
    let (a, b) = tokio::join!(
        app.post(&to_second, Some(&first.access_token), &empty),
        app.post(&to_first, Some(second_token), &empty),
    );

    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    // One wins; the other is refused (409 as the last admin, or 401 if its own account
    // was disabled before its request was checked).
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert!(statuses[1] == 409 || statuses[1] == 401, "{statuses:?}");
}
