//! A red flag is never lost: each way one used to be dropped now stores it, answers with
//! tiered guidance and alerts (or re-alerts) the therapist; replays raise nothing new;
//! urgent alerts nobody acknowledges are escalated; the catalogue is served for offline use.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{alert, audit_event, check_in, red_flag_report};
use fascia_tests::{Actor, TestApp, fake_push::FakePushService, spawn_app, spawn_app_with};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    admin: Actor,
    therapist: Actor,
    patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Red Flag Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    Cast { admin, therapist, patient }
}

async fn push_app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

async fn send(app: &TestApp, patient: &Actor, items: Vec<Value>) -> Value {
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &json!({ "items": items })).await.expect(200)
}

async fn red_flag_alerts(app: &TestApp, patient: &Actor) -> Vec<alert::Model> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .filter(alert::Column::Kind.eq("red_flag"))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn flags_of(alert: &alert::Model) -> Vec<String> {
    alert.flags.0.0.clone()
}

async fn reports(app: &TestApp, patient: &Actor) -> Vec<red_flag_report::Model> {
    red_flag_report::Entity::find()
        .filter(red_flag_report::Column::PatientId.eq(patient.patient_id.unwrap()))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn check_ins_stored(app: &TestApp, patient: &Actor) -> u64 {
    check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient.patient_id.unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn push_alerts(app: &TestApp, at: DateTime<Utc>) -> usize {
    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());
    fascia::services::alerts::push_pending(db, push, at, url).await.unwrap()
}

async fn escalate(app: &TestApp, at: DateTime<Utc>) -> fascia::workers::escalation::Report {
    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());
    fascia::workers::escalation::run_once(db, push, at, url).await.unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_red_flag_with_no_pain_or_stress_is_stored_guided_and_alerted() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = Uuid::new_v4();

    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": id, "recorded_at": "2026-06-01T11:00:00Z",
        "red_flags": ["chest_pain"] })],
    )
    .await;

    assert_eq!(reply["results"][0]["status"], 201, "{reply}");
    assert_eq!(reply["results"][0]["check_in"]["red_flags"], json!(["chest_pain"]));
    let guidance = &reply["red_flag_guidance"];
    assert_eq!(guidance["tier"], "emergency_now");
    assert!(guidance["headline"].as_str().unwrap().starts_with("Call emergency services now"));
    assert_eq!(guidance["flags"][0]["flag"], "chest_pain");
    assert_eq!(guidance["therapist_alerted"], true);
    assert!(reply["guidance"].as_str().unwrap().ends_with("Your therapist has been alerted."));
    let alerts = red_flag_alerts(&app, &c.patient).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(flags_of(&alerts[0]), ["chest_pain"]);
    assert_eq!(alerts[0].tier, Some(entity::alert::Tier::EmergencyNow));
    assert_eq!(alerts[0].source_id, Some(id));
}

#[tokio::test]
async fn a_phone_clock_ten_minutes_ahead_is_stored_as_sent_with_its_skew_shown() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // The server clock says 12:00; the phone says 12:10.
    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T12:10:00Z",
        "pain": 4, "red_flags": ["calf_swelling_redness"] })],
    )
    .await;

    let stored = &reply["results"][0];
    assert_eq!(stored["status"], 201, "{reply}");
    assert_eq!(stored["check_in"]["recorded_at"], "2026-06-01T12:10:00+00:00");
    assert_eq!(stored["check_in"]["received_at"], "2026-06-01T12:00:00+00:00");
    assert_eq!(stored["check_in"]["clock_skew_seconds"], 600);
    assert_eq!(reply["red_flag_guidance"]["tier"], "same_day");
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["calf_swelling_redness"]);

    // More than a day ahead is refused as a check-in, but its red flag is still kept.
    let far = send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-03T12:00:00Z",
        "pain": 4, "red_flags": ["hot_swollen_joint"] })],
    )
    .await;
    assert_eq!(far["results"][0]["status"], 422);
    assert_eq!(far["results"][0]["error"]["details"][0]["field"], "recorded_at");
    assert_eq!(far["results"][0]["red_flags"], json!(["hot_swollen_joint"]));
    assert_eq!(far["red_flag_guidance"]["therapist_alerted"], true);
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["calf_swelling_redness", "hot_swollen_joint"]);
}

#[tokio::test]
async fn an_over_long_note_and_an_unknown_field_beside_a_red_flag_keep_the_flag_and_report_each_problem() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = Uuid::new_v4();

    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": id, "recorded_at": "2026-06-01T11:00:00Z", "pain": 5,
        "red_flags": ["saddle_numbness"], "note": "x".repeat(2500), "mood": "low" })],
    )
    .await;

    let result = &reply["results"][0];
    assert_eq!(result["status"], 422, "{reply}");
    assert_eq!(result["id"], id.to_string());
    let fields: Vec<&str> =
        result["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["mood", "note"], "every problem, unknown fields first");
    assert_eq!(result["red_flags"], json!(["saddle_numbness"]));
    assert_eq!(reply["red_flag_guidance"]["tier"], "emergency_now");
    assert_eq!(check_ins_stored(&app, &c.patient).await, 0, "the rest of the item changes nothing");
    let kept = reports(&app, &c.patient).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].check_in_id, Some(id));
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["saddle_numbness"]);

    // Without the unknown field the note itself is named.
    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": id, "recorded_at": "2026-06-01T11:00:00Z", "pain": 5,
        "red_flags": ["saddle_numbness"], "note": "x".repeat(2500) })],
    )
    .await;
    assert_eq!(reply["results"][0]["error"]["details"][0]["field"], "note");
}

#[tokio::test]
async fn a_second_red_flag_while_one_is_open_is_added_to_the_alert_and_pushed_again() {
    let app = push_app().await;
    let c = cast(&app).await;
    let fake = app.fake_push().await;
    app.subscribe(&c.therapist, &fake).await;
    send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z",
        "pain": 3, "red_flags": ["saddle_numbness"] })],
    )
    .await;
    assert_eq!(push_alerts(&app, app.clock_now()).await, 1);

    app.clock.set(at("2026-06-01T12:10:00Z"));
    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T12:09:00Z",
        "stress": 3, "red_flags": ["chest_pain"] })],
    )
    .await;

    assert_eq!(reply["red_flag_guidance"]["therapist_alerted"], true);
    let alerts = red_flag_alerts(&app, &c.patient).await;
    assert_eq!(alerts.len(), 1, "one open red-flag alert per patient");
    assert_eq!(flags_of(&alerts[0]), ["saddle_numbness", "chest_pain"]);
    assert_eq!(alerts[0].updated_at, Some(at("2026-06-01T12:10:00Z")));
    assert_eq!(push_alerts(&app, app.clock_now()).await, 1, "the new flag notifies again");
    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 2);
    for d in &delivered {
        assert_eq!(d.urgency.as_deref(), Some("high"));
        let payload = d.payload.as_ref().unwrap().to_string();
        assert!(!payload.contains("chest") && !payload.contains("saddle"), "no health data: {payload}");
    }
}

#[tokio::test]
async fn a_batch_of_100_with_one_red_flag_among_invalid_items_keeps_the_flag_and_stores_the_valid_ones() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let items: Vec<Value> = (0..100)
        .map(|i| {
            let at = format!("2026-05-{:02}T{:02}:00:00Z", 1 + i / 24, i % 24);
            match i {
                // The red flag sits in an item that is itself invalid twice over.
                57 => json!({ "id": Uuid::new_v4(), "recorded_at": at, "pain": 11, "pain_sites": "neck",
                    "red_flags": ["symptoms_in_both_arms_or_legs"] }),
                i if i % 3 == 0 => json!({ "id": Uuid::new_v4(), "recorded_at": at, "pain": "bad" }),
                i if i % 10 == 1 => json!({ "recorded_at": at, "pain": 2 }),
                _ => json!({ "id": Uuid::new_v4(), "recorded_at": at, "pain": i % 11 }),
            }
        })
        .collect();
    let expected_valid = (0..100).filter(|i| *i != 57 && i % 3 != 0 && i % 10 != 1).count();

    let reply = send(&app, &c.patient, items).await;

    let results = reply["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    assert_eq!(results[57]["status"], 422);
    assert_eq!(results[57]["error"]["details"].as_array().unwrap().len(), 2);
    assert_eq!(results[57]["red_flags"], json!(["symptoms_in_both_arms_or_legs"]));
    assert!(results[1]["id"].is_null());
    assert_eq!(results.iter().filter(|r| r["status"] == 201).count(), expected_valid);
    assert_eq!(reply["red_flag_guidance"]["tier"], "same_day");
    assert_eq!(check_ins_stored(&app, &c.patient).await, expected_valid as u64);
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["symptoms_in_both_arms_or_legs"]);
}

#[tokio::test]
async fn replaying_red_flag_check_ins_raises_and_pushes_nothing_new() {
    let app = push_app().await;
    let c = cast(&app).await;
    let fake = app.fake_push().await;
    app.subscribe(&c.therapist, &fake).await;
    let batch = json!({ "items": [
        { "id": Uuid::new_v4(), "recorded_at": "2026-06-01T10:00:00Z", "pain": 6, "red_flags": ["chest_pain"] },
        { "id": Uuid::new_v4(), "recorded_at": "2026-06-01T10:05:00Z", "red_flags": ["double_vision"], "x": 1 },
    ] });
    let token = Some(c.patient.access_token.as_str());
    app.post("/api/v1/me/check-ins", token, &batch).await.expect(200);
    assert_eq!(push_alerts(&app, app.clock_now()).await, 1);
    let before = red_flag_alerts(&app, &c.patient).await;

    for minutes in [1, 2, 3] {
        app.clock.set(at("2026-06-01T12:00:00Z") + Duration::minutes(minutes));
        let replay = app.post("/api/v1/me/check-ins", token, &batch).await.expect(200);
        assert_eq!(replay["results"][0]["status"], 200);
        assert_eq!(replay["results"][1]["status"], 422);
        assert_eq!(replay["red_flag_guidance"]["therapist_alerted"], true);
        assert_eq!(push_alerts(&app, app.clock_now()).await, 0);
    }

    assert_eq!(red_flag_alerts(&app, &c.patient).await, before, "the alert is untouched");
    assert_eq!(reports(&app, &c.patient).await.len(), 1);
    assert_eq!(fake.delivered().len(), 1);

    // Acknowledged, then replayed: still nothing new, and the patient is told the truth.
    app.post(&format!("/api/v1/alerts/{}/acknowledge", before[0].id), Some(&c.therapist.access_token), &json!({}))
        .await
        .expect(200);
    let replay = app.post("/api/v1/me/check-ins", token, &batch).await.expect(200);
    assert_eq!(replay["red_flag_guidance"]["therapist_alerted"], true);
    assert_eq!(red_flag_alerts(&app, &c.patient).await.len(), 1);
}

#[tokio::test]
async fn a_clashing_id_with_a_red_flag_is_a_conflict_that_still_guides_and_alerts() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = Uuid::new_v4();
    send(&app, &c.patient, vec![json!({ "id": id, "recorded_at": "2026-06-01T10:00:00Z", "pain": 3 })]).await;

    let other = json!({ "id": id, "recorded_at": "2026-06-01T10:00:00Z", "pain": 3, "red_flags": ["slurred_speech"] });
    let reply = send(&app, &c.patient, vec![other.clone()]).await;

    assert_eq!(reply["results"][0]["status"], 409);
    assert_eq!(reply["results"][0]["red_flags"], json!(["slurred_speech"]));
    assert_eq!(reply["red_flag_guidance"]["tier"], "emergency_now");
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["slurred_speech"]);
    send(&app, &c.patient, vec![other]).await;
    assert_eq!(reports(&app, &c.patient).await.len(), 1, "resending the clash keeps one report");
}

#[tokio::test]
async fn without_a_therapist_account_the_patient_is_not_told_the_therapist_was_alerted() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let therapist = entity::user::Entity::find_by_id(c.therapist.user_id).one(&app.state.db).await.unwrap().unwrap();
    let mut disabled: entity::user::ActiveModel = therapist.into();
    disabled.disabled_at = Set(Some(app.clock_now()));
    disabled.update(&app.state.db).await.unwrap();
    let settings = json!({ "clinic_phone": "+49 30 5550", "escalation_delay_seconds": 7200 });
    app.put("/api/v1/clinic/settings", Some(&c.admin.access_token), &settings).await.expect(200);

    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z",
        "red_flags": ["unexplained_weight_loss"] })],
    )
    .await;

    assert_eq!(reply["red_flag_guidance"]["tier"], "soon");
    assert_eq!(reply["red_flag_guidance"]["therapist_alerted"], false);
    let text = reply["guidance"].as_str().unwrap();
    assert!(!text.contains("alerted") && text.contains("your clinic on +49 30 5550"), "{text}");
    assert_eq!(red_flag_alerts(&app, &c.patient).await.len(), 1, "the clinic still sees the alert");
}

#[tokio::test]
async fn thoughts_of_self_harm_get_crisis_guidance_with_the_clinics_crisis_line() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let settings = json!({ "emergency_number": "112", "crisis_line": "the crisis line on 0800 111 0111",
        "escalation_delay_seconds": 3600 });
    app.put("/api/v1/clinic/settings", Some(&c.admin.access_token), &settings).await.expect(200);

    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z",
        "stress": 9, "red_flags": ["self_harm_thoughts"] })],
    )
    .await;

    let line = reply["red_flag_guidance"]["flags"][0]["guidance"].as_str().unwrap();
    assert!(line.contains("call 112 now") && line.contains("the crisis line on 0800 111 0111"), "{line}");
}

/// Therapist and admin with devices on one fake push service; a second therapist who
/// sees the patient (an appointment) with a device too.
async fn escalation_cast(app: &TestApp, fake: &FakePushService, therapist_device: bool) -> (Cast, Actor) {
    let c = cast(app).await;
    let colleague = app.therapist(&c.admin).await;
    let patient_id = c.patient.patient_id.unwrap();
    let slot = json!({ "starts_at": "2026-06-03T09:00:00Z", "ends_at": "2026-06-03T10:00:00Z",
        "therapist_id": colleague.user_id });
    app.post(&format!("/api/v1/patients/{patient_id}/appointments"), Some(&c.admin.access_token), &slot)
        .await
        .expect(201);
    if therapist_device {
        app.subscribe(&c.therapist, fake).await;
    }
    app.subscribe(&c.admin, fake).await;
    app.subscribe(&colleague, fake).await;
    (c, colleague)
}

#[tokio::test]
async fn an_urgent_alert_unacknowledged_for_the_clinic_delay_is_escalated_once_to_admins_and_colleagues() {
    let app = push_app().await;
    let fake = app.fake_push().await;
    let (c, _colleague) = escalation_cast(&app, &fake, true).await;
    let settings = json!({ "escalation_delay_seconds": 3600 });
    app.put("/api/v1/clinic/settings", Some(&c.admin.access_token), &settings).await.expect(200);
    let t0 = app.clock_now();
    send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:59:00Z",
        "red_flags": ["bladder_or_bowel_change"] })],
    )
    .await;
    assert_eq!(push_alerts(&app, t0).await, 1);
    let to_therapist = fake.delivered().len();

    assert!(escalate(&app, t0 + Duration::minutes(59)).await.escalated.is_empty());
    let report = escalate(&app, t0 + Duration::minutes(60)).await;
    assert_eq!(report.escalated.len(), 1);
    assert_eq!(report.delivered, 2, "the admin's and the colleague's devices");
    assert!(escalate(&app, t0 + Duration::hours(3)).await.escalated.is_empty(), "once only");

    let escalations: Vec<_> = fake.delivered().into_iter().skip(to_therapist).collect();
    assert_eq!(escalations.len(), 2);
    for e in &escalations {
        assert!(e.verified);
        assert_eq!(e.urgency.as_deref(), Some("high"));
        let payload = e.payload.clone().unwrap();
        assert_eq!(payload["title"], "Urgent patient alert not yet seen");
        assert!(!payload.to_string().contains("bladder"));
    }
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("alert.escalate"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn escalation_is_immediate_without_a_therapist_device_and_never_for_soon_or_acknowledged_alerts() {
    let app = push_app().await;
    let fake = app.fake_push().await;
    let (c, _colleague) = escalation_cast(&app, &fake, false).await;
    let t0 = app.clock_now();
    send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:59:00Z",
        "red_flags": ["severe_night_pain"] })],
    )
    .await;
    assert!(escalate(&app, t0 + Duration::days(1)).await.escalated.is_empty(), "soon tier does not escalate");

    send(
        &app,
        &c.patient,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:59:30Z",
        "red_flags": ["hot_swollen_joint"] })],
    )
    .await;
    let report = escalate(&app, t0).await;
    assert_eq!(report.escalated.len(), 1, "no device to reach the therapist: at once");
    assert_eq!(fake.delivered().len(), 2);

    // A second patient's urgent alert acknowledged in time is never escalated.
    let other = app.patient(&c.therapist).await;
    send(
        &app,
        &other,
        vec![json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:59:00Z",
        "red_flags": ["chest_pain"] })],
    )
    .await;
    let id = red_flag_alerts(&app, &other).await[0].id;
    app.post(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&c.therapist.access_token), &json!({}))
        .await
        .expect(200);
    assert!(escalate(&app, t0 + Duration::hours(5)).await.escalated.is_empty());
}

#[tokio::test]
async fn the_catalogue_lists_every_flag_with_clinic_numbers_and_revalidates_with_its_etag() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let get = |token: String, etag: Option<String>| {
        let mut req = app.client.get(app.url("/api/v1/red-flags")).bearer_auth(token);
        if let Some(etag) = etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        req.send()
    };

    let first = get(c.patient.access_token.clone(), None).await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let body: Value = first.json().await.unwrap();
    let flags = body["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 26);
    assert!(flags.iter().all(|f| f["tier"].is_string() && f["label"].is_string() && f["guidance"].is_string()));
    assert!(flags.iter().any(|f| f["flag"] == "new_numbness_or_weakness"), "old values keep working");
    assert_eq!(body["tiers"][0]["tier"], "emergency_now");
    assert!(!body.to_string().contains('{') || !body.to_string().contains("{emergency}"));

    let again = get(c.therapist.access_token.clone(), Some(etag.clone())).await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[ETAG].to_str().unwrap(), etag);

    app.put(
        "/api/v1/clinic/settings",
        Some(&c.admin.access_token),
        &json!({ "emergency_number": "112",
        "escalation_delay_seconds": 7200 }),
    )
    .await
    .expect(200);
    let changed = get(c.patient.access_token.clone(), Some(etag.clone())).await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()[ETAG].to_str().unwrap(), etag);
    let body: Value = changed.json().await.unwrap();
    assert!(body["tiers"][0]["headline"].as_str().unwrap().starts_with("Call 112 now"));

    app.get("/api/v1/red-flags", None).await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn clinic_settings_are_validated_and_default_to_a_two_hour_delay() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let admin = Some(c.admin.access_token.as_str());
    let defaults = app.get("/api/v1/clinic/settings", admin).await.expect(200);
    // Unset numbers are left out of the answer (never sent as null).
    assert_eq!(defaults, json!({ "escalation_delay_seconds": 7200, "late_note_days": 3 }));
    for bad in [
        json!({ "escalation_delay_seconds": 10 }),
        json!({ "escalation_delay_seconds": 100000 }),
        json!({ "emergency_number": "{emergency}", "escalation_delay_seconds": 3600 }),
        json!({ "emergency_number": "1".repeat(61), "escalation_delay_seconds": 3600 }),
    ] {
        let reply = app.put("/api/v1/clinic/settings", admin, &bad).await;
        assert!(reply.status.is_client_error(), "{bad}: {}", reply.status);
        assert!(reply.body["code"].is_string());
    }
    app.put("/api/v1/clinic/settings", admin, &json!({ "escalation_delay_seconds": 3600, "pager": "x" }))
        .await
        .expect_error(400, "bad_request");
    let saved = app
        .put(
            "/api/v1/clinic/settings",
            admin,
            &json!({ "emergency_number": " 911 ", "clinic_phone": "",
            "escalation_delay_seconds": 1800 }),
        )
        .await
        .expect(200);
    assert_eq!(saved["emergency_number"], "911");
    assert!(saved["clinic_phone"].is_null());
    assert_eq!(app.get("/api/v1/clinic/settings", admin).await.expect(200), saved);
}

#[tokio::test]
async fn hostile_check_in_bodies_get_clear_client_errors_and_never_a_server_error() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/me/check-ins"))
            .bearer_auth(&c.patient.access_token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not json at all".to_vec(), "application/json"),
        (b"".to_vec(), "application/json"),
        (deep.into_bytes(), "application/json"),
        (vec![0xff, 0xfe, 0x00], "application/json"),
        (b"{\"items\": [{}]}".to_vec(), "text/plain"),
        // Over the body limit.
        (format!("{{\"items\": [{}]}}", vec!["{}"; 100_000].join(",")).into_bytes(), "application/json"),
    ];
    for (body, content_type) in cases {
        let reply = TestApp::read(raw(body, content_type).await.unwrap()).await;
        assert!(reply.status.is_client_error(), "{} for {content_type}", reply.status);
        assert!(reply.body["code"].is_string(), "{}", reply.body);
    }
    // Readable JSON of the wrong shape inside items: answered per item.
    let weird = json!({ "items": [1, "a", null, [], { "id": null, "red_flags": { "chest_pain": true } },
        { "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "red_flags": ["chest_pain", "hiccups", 7],
          "pain": 1e300, "pain_sites": [{ "region": 5 }], "medications": [{ "class": "magic" }] }] });
    let reply = app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &weird).await.expect(200);
    assert!(reply["results"].as_array().unwrap().iter().all(|r| r["status"] == 422), "{reply}");
    assert_eq!(reply["results"][5]["red_flags"], json!(["chest_pain"]));
    assert_eq!(reply["red_flag_guidance"]["tier"], "emergency_now");
    // A huge array of flagged items past the limit: the flags are kept, the answer stays small.
    let many: Vec<Value> = (0..3000).map(|_| json!({ "red_flags": ["drop_attacks"] })).collect();
    let reply = app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": many })).await;
    let body = reply.expect(200);
    assert_eq!(body["results"].as_array().unwrap().len(), 100);
    assert!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]).contains(&"drop_attacks".to_owned()));
}

#[tokio::test]
async fn a_correction_that_cannot_be_stored_still_keeps_its_new_red_flag() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let (recent, old) = (Uuid::new_v4(), Uuid::new_v4());
    send(
        &app,
        &c.patient,
        vec![
            json!({ "id": recent, "recorded_at": "2026-06-01T08:00:00Z", "pain": 3 }),
            json!({ "id": old, "recorded_at": "2026-05-20T08:00:00Z", "pain": 3 }),
        ],
    )
    .await;

    let invalid = json!({ "id": recent, "recorded_at": "2026-06-01T08:00:00Z", "pain": 30,
        "red_flags": ["trouble_swallowing"] });
    let reply = app.put(&format!("/api/v1/me/check-ins/{recent}"), token, &invalid).await;
    let body = reply.expect_error(422, "validation_failed");
    assert_eq!(body["details"][0]["field"], "pain");
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["trouble_swallowing"]);

    // Past the edit window the correction is refused, and its new flag is kept anyway.
    let late = json!({ "id": old, "recorded_at": "2026-05-20T08:00:00Z", "pain": 3, "red_flags": ["clumsy_hands"] });
    app.put(&format!("/api/v1/me/check-ins/{old}"), token, &late).await.expect_error(409, "conflict");
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["trouble_swallowing", "clumsy_hands"]);

    // A valid correction that adds a flag is guided like a new check-in.
    let added = json!({ "id": recent, "recorded_at": "2026-06-01T08:00:00Z", "pain": 3, "red_flags": ["fever_with_neck_pain"] });
    let saved = app.put(&format!("/api/v1/me/check-ins/{recent}"), token, &added).await.expect(200);
    assert_eq!(saved["red_flag_guidance"]["tier"], "same_day");
    assert_eq!(saved["red_flag_guidance"]["therapist_alerted"], true);
    assert_eq!(reports(&app, &c.patient).await.len(), 2);
}

#[tokio::test]
async fn red_flags_sent_at_once_from_two_devices_end_up_on_one_alert() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let names = ["chest_pain", "double_vision", "hot_swollen_joint", "clumsy_hands", "unsteady_walking"];
    let bodies: Vec<Value> = names
        .iter()
        .map(|flag| {
            json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "red_flags": [flag] }] })
        })
        .collect();
    let sends = bodies.iter().map(|body| app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), body));
    for reply in futures::future::join_all(sends).await {
        assert_eq!(reply.expect(200)["results"][0]["status"], 201);
    }
    let alerts = red_flag_alerts(&app, &c.patient).await;
    assert_eq!(alerts.len(), 1);
    let mut flags = flags_of(&alerts[0]);
    flags.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(flags, expected);
    let listed = app.get("/api/v1/alerts?kind=red_flag", Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(listed["items"][0]["tier"], "emergency_now");
    assert_eq!(listed["items"][0]["red_flags"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_nul_character_in_the_note_beside_a_red_flag_keeps_the_flag_and_is_refused_not_a_server_error() {
    // Found by the fuzzer on PostgreSQL, whose text cannot hold NUL: the whole request was a 500.
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = Uuid::new_v4();

    let reply = send(
        &app,
        &c.patient,
        vec![json!({ "id": id, "recorded_at": "2026-06-01T11:00:00Z", "pain": 5,
        "red_flags": ["chest_pain"], "note": "bad\u{0}note" })],
    )
    .await;

    let result = &reply["results"][0];
    assert_eq!(result["status"], 422, "{reply}");
    assert_eq!(result["error"]["details"][0]["field"], "note");
    assert_eq!(reply["red_flag_guidance"]["tier"], "emergency_now");
    assert_eq!(check_ins_stored(&app, &c.patient).await, 0);
    assert_eq!(reports(&app, &c.patient).await.len(), 1);
    assert_eq!(flags_of(&red_flag_alerts(&app, &c.patient).await[0]), ["chest_pain"]);
}
