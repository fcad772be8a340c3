use fascia_tests::{PASSWORD, spawn_app};
use sea_orm::ConnectionTrait;
use serde_json::Value;

fn actions(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn logins_refusals_and_patient_record_access_are_audited() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = w.patient_a.patient_id.unwrap();
    app.login(&w.therapist_x.email, "wrong password!").await.expect(401);
    app.get(&format!("/api/v1/patients/{a}"), Some(&w.therapist_x.access_token)).await.expect(200);
    app.get(&format!("/api/v1/patients/{a}"), Some(&w.patient_b.access_token)).await.expect(403);
    // Reuse revokes the whole login session, its access token too: use a second login.
    let second = app.login(&w.admin.email, &w.admin.password).await.expect(200);
    let second_refresh = second["refresh_token"].as_str().unwrap();
    app.refresh(second_refresh).await.expect(200);
    app.refresh(second_refresh).await.expect(401);

    let tok = Some(w.admin.access_token.as_str());
    let reads = app.get(&format!("/api/v1/audit-events?patient_id={a}&action=patient.read"), tok).await.expect(200);
    let read = &reads["items"][0];
    assert_eq!(read["actor_user_id"], w.therapist_x.user_id.to_string());
    assert_eq!(read["actor_role"], "therapist");
    assert_eq!(read["outcome"], "success");
    assert!(read["request_id"].is_string());

    let failures = app.get("/api/v1/audit-events?action=auth.login&outcome=failure", tok).await.expect(200);
    assert_eq!(failures["items"][0]["actor_user_id"], w.therapist_x.user_id.to_string());
    let denied = app.get(&format!("/api/v1/audit-events?actor_user_id={}", w.patient_b.user_id), tok).await.expect(200);
    assert!(actions(&denied).contains(&"authorization.refused".to_owned()));
    let reuse = app.get("/api/v1/audit-events?action=auth.refresh_token_reuse", tok).await.expect(200);
    assert_eq!(reuse["items"].as_array().unwrap().len(), 1);
    let creations = app.get("/api/v1/audit-events?action=patient.create", tok).await.expect(200);
    assert_eq!(creations["items"].as_array().unwrap().len(), 2, "patients A and B of clinic one");
}

#[tokio::test]
async fn filtering_by_an_action_the_server_never_writes_gives_an_empty_page() {
    let app = spawn_app().await;
    let w = app.world().await;
    let tok = Some(w.admin.access_token.as_str());

    let page = app.get("/api/v1/audit-events?action=patient.teleport", tok).await.expect(200);

    assert!(page["items"].as_array().unwrap().is_empty());
    assert!(page.get("next_cursor").is_none());
}

#[tokio::test]
async fn an_admin_sees_only_their_own_clinics_events() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = w.patient_c.patient_id.unwrap();
    app.get(&format!("/api/v1/patients/{c}"), Some(&w.therapist_y.access_token)).await.expect(200);
    let page = app.get(&format!("/api/v1/audit-events?patient_id={c}"), Some(&w.admin.access_token)).await.expect(200);
    assert!(page["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_database_refuses_to_rewrite_or_delete_audit_events() {
    let app = spawn_app().await;
    let _admin = app.clinic_admin("Append Only Clinic").await;
    let db = &app.state.db;
    let before = audit_rows(db).await;
    assert!(before > 0);
    assert!(db.execute_unprepared("UPDATE audit_event SET outcome = 'success'").await.is_err());
    assert!(db.execute_unprepared("DELETE FROM audit_event").await.is_err());
    assert_eq!(audit_rows(db).await, before);
}

async fn audit_rows(db: &sea_orm::DatabaseConnection) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::audit_event::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn the_audit_list_pages_newest_first() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Audit Paging Clinic").await;
    for _ in 0..3 {
        app.login(&admin.email, PASSWORD).await.expect(200);
    }
    let tok = Some(admin.access_token.as_str());
    let first = app.get("/api/v1/audit-events?limit=2", tok).await.expect(200);
    let second = app
        .get(&format!("/api/v1/audit-events?limit=2&cursor={}", first["next_cursor"].as_str().unwrap()), tok)
        .await
        .expect(200);
    let ids: Vec<_> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn check_ins_measures_alerts_sessions_notes_and_trends_are_audited_with_the_patient() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = w.patient_a.patient_id.unwrap();
    let (p, t) = (Some(w.patient_a.access_token.as_str()), Some(w.therapist_x.access_token.as_str()));
    let check_in = serde_json::json!({ "items": [{ "id": uuid::Uuid::new_v4(), "recorded_at": "2026-06-01T10:00:00Z",
        "pain": 9, "red_flags": ["chest_pain"] }] });
    app.post("/api/v1/me/check-ins", p, &check_in).await.expect(200);
    app.get("/api/v1/me/check-ins", p).await.expect(200);
    app.get(&format!("/api/v1/patients/{a}/check-ins"), t).await.expect(200);
    app.post(
        &format!("/api/v1/patients/{a}/measures"),
        t,
        &serde_json::json!({ "instrument": "nprs", "every_days": 7 }),
    )
    .await
    .expect(201);
    let answer = serde_json::json!({ "id": uuid::Uuid::new_v4(), "instrument": "nprs",
        "recorded_at": "2026-06-01T10:00:00Z", "answers": [5] });
    app.post("/api/v1/me/measure-responses", p, &answer).await.expect(201);
    let alerts = app.get("/api/v1/alerts", t).await.expect(200);
    let alert = alerts["items"][0]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/alerts/{alert}/acknowledge"), t, &serde_json::json!({})).await.expect(200);
    let slot = serde_json::json!({ "starts_at": "2026-06-02T09:00:00Z", "ends_at": "2026-06-02T10:00:00Z" });
    let appt = app.post(&format!("/api/v1/patients/{a}/appointments"), t, &slot).await.expect(201);
    let appt = appt["id"].as_str().unwrap();
    app.put(&format!("/api/v1/appointments/{appt}/note"), t, &serde_json::json!({ "subjective": "ok" }))
        .await
        .expect(200);
    app.get(&format!("/api/v1/appointments/{appt}/note"), t).await.expect(200);
    app.get(&format!("/api/v1/patients/{a}/trends"), t).await.expect(200);

    let page = app.get(&format!("/api/v1/audit-events?patient_id={a}&limit=200"), Some(&w.admin.access_token)).await;
    let seen = actions(&page.expect(200));
    for action in [
        "check_in.write",
        "check_in.read",
        "alert.raise",
        "measure_schedule.create",
        "measure_response.write",
        "alert.acknowledge",
        "appointment.create",
        "session_note.write",
        "session_note.read",
        "trends.read",
    ] {
        assert!(seen.iter().any(|s| s == action), "{action} not audited: {seen:?}");
    }
}

#[tokio::test]
async fn a_refused_request_with_a_very_long_path_is_audited_not_a_server_error() {
    let app = spawn_app().await;
    let w = app.world().await;
    // Found by the fuzzer on PostgreSQL: the refusal's audit row quoted the whole path.
    let long = "é".repeat(300);
    let path = format!("/api/v1/patients/{long}/measures/{long}");
    let reply = app.request(reqwest::Method::DELETE, &path, Some(&w.patient_a.access_token), None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);

    let tok = Some(w.admin.access_token.as_str());
    let refused = app.get("/api/v1/audit-events?action=authorization.refused", tok).await.expect(200);
    let resource = refused["items"][0]["resource"].as_str().unwrap();
    assert_eq!(resource.chars().count(), 200);
}
