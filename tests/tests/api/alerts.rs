use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::alert;
use fascia::{content::builtin_id, services::alerts::evaluate};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn alerts_of(app: &TestApp, patient: &Actor, kind: &str) -> Vec<alert::Model> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .filter(alert::Column::Kind.eq(kind))
        .order_by_asc(alert::Column::CreatedAt)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn check_in(app: &TestApp, patient: &Actor, recorded_at: &str, pain: i64) -> Uuid {
    let id = Uuid::new_v4();
    let body = json!({ "items": [{ "id": id, "recorded_at": recorded_at, "pain": pain }] });
    let reply = app.post("/api/v1/me/check-ins", Some(&patient.access_token), &body).await.expect(200);
    assert_eq!(reply["results"][0]["status"], 201, "{reply}");
    id
}

async fn staff(app: &TestApp) -> Actor {
    let admin = app.clinic_admin("Alert Clinic").await;
    app.therapist(&admin).await
}

#[tokio::test]
async fn pain_three_above_baseline_on_two_check_ins_in_a_row_raises_one_spike_alert() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    let patient_id = patient.patient_id.unwrap();
    app.patch(&format!("/api/v1/patients/{patient_id}"), Some(&therapist.access_token), &json!({ "baseline_pain": 4 }))
        .await
        .expect(200);

    // Baseline 4: 7 is three above it. 7, 6, 7 has no two in a row; the next 7 does.
    for (i, pain) in [5, 7, 6, 7].into_iter().enumerate() {
        check_in(&app, &patient, &format!("2026-06-01T0{i}:00:00Z"), pain).await;
        assert!(alerts_of(&app, &patient, "pain_spike").await.is_empty(), "after reading {i}");
    }
    let spike = check_in(&app, &patient, "2026-06-01T05:00:00Z", 7).await;
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(spike));
    // Still high, alert still open: no second alert.
    check_in(&app, &patient, "2026-06-01T06:00:00Z", 7).await;
    check_in(&app, &patient, "2026-06-01T07:00:00Z", 9).await;
    assert_eq!(alerts_of(&app, &patient, "pain_spike").await.len(), 1);
}

#[tokio::test]
async fn severe_pain_alone_raises_a_spike_alert() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    check_in(&app, &patient, "2026-06-01T08:00:00Z", 3).await;
    assert!(alerts_of(&app, &patient, "pain_spike").await.is_empty());
    let severe = check_in(&app, &patient, "2026-06-01T09:00:00Z", 8).await;
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(severe));
    assert!(raised[0].details.contains("8/10"));
}

#[tokio::test]
async fn no_check_in_for_the_set_days_raises_one_disengaged_alert_per_silence() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    check_in(&app, &patient, "2026-06-01T08:00:00Z", 3).await;
    let db = &app.state.db;

    evaluate(db, at("2026-06-04T07:59:00Z")).await.unwrap();
    assert!(alerts_of(&app, &patient, "disengaged").await.is_empty());
    let report = evaluate(db, at("2026-06-04T08:00:00Z")).await.unwrap();
    assert_eq!(report.raised.len(), 1);
    evaluate(db, at("2026-06-04T09:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "disengaged").await.len(), 1);

    // Acknowledged, still silent: the same silence does not alert again.
    let id = alerts_of(&app, &patient, "disengaged").await[0].id;
    app.clock.set(at("2026-06-04T10:00:00Z"));
    let token = app.relogin(&therapist).await;
    app.post(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&token), &json!({})).await.expect(200);
    evaluate(db, at("2026-06-06T10:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "disengaged").await.len(), 1);

    // A new check-in ends the silence; three quiet days later a new alert follows.
    app.clock.set(at("2026-06-06T10:00:00Z"));
    let patient_token = app.relogin(&patient).await;
    let body = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-06T09:00:00Z", "stress": 2 }] });
    app.post("/api/v1/me/check-ins", Some(&patient_token), &body).await.expect(200);
    evaluate(db, at("2026-06-09T08:59:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "disengaged").await.len(), 1);
    evaluate(db, at("2026-06-09T09:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "disengaged").await.len(), 2);
}

#[tokio::test]
async fn the_disengagement_window_is_a_per_patient_setting() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    let patient_id = patient.patient_id.unwrap();
    let path = format!("/api/v1/patients/{patient_id}");
    app.patch(&path, Some(&therapist.access_token), &json!({ "disengaged_after_days": 0 }))
        .await
        .expect_error(422, "validation_failed");
    let updated =
        app.patch(&path, Some(&therapist.access_token), &json!({ "disengaged_after_days": 7 })).await.expect(200);
    assert_eq!(updated["disengaged_after_days"], 7);
    // Never checked in: the silence counts from when the account was made (the clock's start).
    evaluate(&app.state.db, at("2026-06-08T11:59:00Z")).await.unwrap();
    assert!(alerts_of(&app, &patient, "disengaged").await.is_empty());
    evaluate(&app.state.db, at("2026-06-08T12:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "disengaged").await.len(), 1);
}

async fn daily_plan(app: &TestApp, therapist: &Actor, patient: &Actor) -> String {
    let patient_id = patient.patient_id.unwrap();
    let t = Some(therapist.access_token.as_str());
    let plan = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-plans"),
            t,
            &json!({ "title": "Daily", "start_date": "2026-05-20" }),
        )
        .await
        .expect(201);
    let id = plan["id"].as_str().unwrap();
    let dose = json!({ "sets": 1, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 2,
        "days_of_week": [1, 2, 3, 4, 5, 6, 7] });
    let body = json!({ "exercise_id": builtin_id("exercise", "chin-tuck"), "prescription": dose });
    let plan = app.post(&format!("/api/v1/care-plans/{id}/exercises"), t, &body).await.expect(200);
    plan["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned()
}

async fn log_days(app: &TestApp, patient: &Actor, plan_exercise: &str, days: &[u32]) {
    let items: Vec<_> = days
        .iter()
        .map(|d| {
            json!({ "id": Uuid::new_v4(), "plan_exercise_id": plan_exercise,
                "performed_at": format!("2026-05-{d}T10:00:00Z"), "local_date": format!("2026-05-{d}") })
        })
        .collect();
    app.post("/api/v1/me/exercise-logs", Some(&patient.access_token), &json!({ "items": items })).await.expect(200);
}

#[tokio::test]
async fn under_half_of_last_weeks_exercises_raises_one_low_adherence_alert() {
    let app = spawn_app().await;
    // The plan must be in force on the days measured, so it is made before them.
    app.clock.set(at("2026-05-20T08:00:00Z"));
    let therapist = staff(&app).await;
    let mut low = app.patient(&therapist).await;
    let mut half = app.patient(&therapist).await;
    for p in [&low, &half] {
        app.patch("/api/v1/me", Some(&p.access_token), &json!({ "timezone": "UTC" })).await.expect(200);
    }
    let low_item = daily_plan(&app, &therapist, &low).await;
    let half_item = daily_plan(&app, &therapist, &half).await;
    app.clock.set(at("2026-06-01T12:00:00Z"));
    low.access_token = app.relogin(&low).await;
    half.access_token = app.relogin(&half).await;
    // May 25–31: 14 prescribed. 6 done (42.9 %) is low; 7 done (50 %) is not.
    log_days(&app, &low, &low_item, &[25, 25, 26, 27, 28, 29]).await;
    log_days(&app, &half, &half_item, &[25, 25, 26, 27, 28, 29, 31]).await;

    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    evaluate(&app.state.db, now).await.unwrap();
    evaluate(&app.state.db, now + Duration::hours(1)).await.unwrap();

    let raised = alerts_of(&app, &low, "low_adherence").await;
    assert_eq!(raised.len(), 1);
    assert!(raised[0].details.contains("6 of 14"), "{}", raised[0].details);
    assert!(alerts_of(&app, &half, "low_adherence").await.is_empty());
}

#[tokio::test]
async fn therapists_list_filter_and_acknowledge_their_patients_alerts_and_the_roster_counts_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    for p in [&w.patient_a, &w.patient_c] {
        let body = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T09:00:00Z", "pain": 9,
            "red_flags": ["chest_pain"] }] });
        app.post("/api/v1/me/check-ins", Some(&p.access_token), &body).await.expect(200);
    }
    let x = Some(w.therapist_x.access_token.as_str());
    let open = app.get("/api/v1/alerts?status=open", x).await.expect(200);
    let kinds: Vec<&str> = open["items"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "red flag and pain spike for patient A only: {open}");
    assert!(kinds.contains(&"red_flag") && kinds.contains(&"pain_spike"));
    let patient_a = w.patient_a.patient_id.unwrap().to_string();
    assert!(open["items"].as_array().unwrap().iter().all(|a| a["patient_id"] == patient_a.as_str()));

    let roster = app.get("/api/v1/patients", x).await.expect(200);
    let row = roster["items"].as_array().unwrap().iter().find(|p| p["id"] == patient_a.as_str()).unwrap().clone();
    assert_eq!(row["open_alerts"], 2);

    let red = app.get("/api/v1/alerts?kind=red_flag", x).await.expect(200);
    let id = red["items"][0]["id"].as_str().unwrap().to_owned();
    // Therapist Y (another clinic) cannot see or acknowledge it.
    app.post(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&w.therapist_y.access_token), &json!({}))
        .await
        .expect_error(404, "not_found");
    app.post(&format!("/api/v1/alerts/{id}/acknowledge"), x, &json!({})).await.expect(200);
    let again = app.post(&format!("/api/v1/alerts/{id}/acknowledge"), x, &json!({})).await.expect(200);
    assert_eq!(again["acknowledged_by"], w.therapist_x.user_id.to_string());
    let acked = app.get("/api/v1/alerts?status=acknowledged", x).await.expect(200);
    assert_eq!(acked["items"].as_array().unwrap().len(), 1);
    let roster = app.get("/api/v1/patients", x).await.expect(200);
    let row = roster["items"].as_array().unwrap().iter().find(|p| p["id"] == patient_a.as_str()).unwrap().clone();
    assert_eq!(row["open_alerts"], 1);
    app.get("/api/v1/alerts?kind=sneezing", x).await.expect_error(400, "bad_request");
}

#[tokio::test]
async fn a_red_flag_alert_is_pushed_once_to_the_therapists_devices_without_health_data() {
    let app = fascia_tests::spawn_app_with([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")].into()).await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    let fake = app.fake_push().await;
    app.subscribe(&therapist, &fake).await;
    let body = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 3,
        "red_flags": ["saddle_numbness"] }] });
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &body).await.expect(200);

    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());
    let now = app.clock_now();
    assert_eq!(fascia::services::alerts::push_pending(db, push, now, url).await.unwrap(), 1);
    // Another worker (or the next tick) finds nothing left to push.
    assert_eq!(fascia::services::alerts::push_pending(db, push, now, url).await.unwrap(), 0);

    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 1);
    let payload = delivered[0].payload.clone().expect("decrypted");
    let alert = &alerts_of(&app, &patient, "red_flag").await[0];
    assert_eq!(payload["title"], "Urgent patient alert");
    assert!(payload["navigate"].as_str().unwrap().ends_with(&format!("/alerts/{}", alert.id)));
    assert!(!payload.to_string().contains("saddle"), "no symptom in the push: {payload}");
    assert_eq!(delivered[0].urgency.as_deref(), Some("high"));
    // It passed the fake's VAPID, header and decryption checks.
    assert!(delivered.iter().all(|d| d.verified));
}

#[tokio::test]
async fn correcting_a_check_in_up_to_severe_pain_raises_the_spike_alert() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    let id = check_in(&app, &patient, "2026-06-01T08:00:00Z", 2).await;
    let corrected = json!({ "id": id, "recorded_at": "2026-06-01T08:00:00Z", "pain": 9 });
    app.put(&format!("/api/v1/me/check-ins/{id}"), Some(&patient.access_token), &corrected).await.expect(200);
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(id));
}

async fn acknowledge_all(app: &TestApp, therapist: &Actor, patient: &Actor, kind: &str) {
    let token = app.relogin(therapist).await;
    for a in alerts_of(app, patient, kind).await.into_iter().filter(|a| a.acknowledged_at.is_none()) {
        app.post(&format!("/api/v1/alerts/{}/acknowledge", a.id), Some(&token), &json!({})).await.expect(200);
    }
}

#[tokio::test]
async fn two_high_readings_count_as_in_a_row_only_within_48_hours() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let mut patient = app.patient(&therapist).await;
    let patient_id = patient.patient_id.unwrap();
    app.patch(&format!("/api/v1/patients/{patient_id}"), Some(&therapist.access_token), &json!({ "baseline_pain": 4 }))
        .await
        .expect(200);
    app.clock.set(at("2026-06-05T12:00:00Z"));
    patient.access_token = app.relogin(&patient).await;

    // Baseline 4, so 7 is high. June 1 08:00 and June 3 09:00 are 49 h apart: no spike.
    check_in(&app, &patient, "2026-06-01T08:00:00Z", 7).await;
    check_in(&app, &patient, "2026-06-03T09:00:00Z", 7).await;
    assert!(alerts_of(&app, &patient, "pain_spike").await.is_empty());
    // June 3 09:00 and June 5 09:00 are exactly 48 h apart: a spike.
    let second = check_in(&app, &patient, "2026-06-05T09:00:00Z", 7).await;
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(second));
}

#[tokio::test]
async fn severe_pain_does_not_alert_again_in_the_same_episode_after_acknowledgement_unless_it_rises() {
    let app = spawn_app().await;
    let therapist = staff(&app).await;
    let patient = app.patient(&therapist).await;
    check_in(&app, &patient, "2026-06-01T06:00:00Z", 8).await;
    assert_eq!(alerts_of(&app, &patient, "pain_spike").await.len(), 1);
    acknowledge_all(&app, &therapist, &patient, "pain_spike").await;

    // Still 8/10, same episode: the therapist has already seen 8/10.
    check_in(&app, &patient, "2026-06-01T07:00:00Z", 8).await;
    assert_eq!(alerts_of(&app, &patient, "pain_spike").await.len(), 1);
    // Rising to 9/10 is new.
    let nine = check_in(&app, &patient, "2026-06-01T08:00:00Z", 9).await;
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!((raised.len(), raised[1].source_id), (2, Some(nine)));
    acknowledge_all(&app, &therapist, &patient, "pain_spike").await;
    check_in(&app, &patient, "2026-06-01T09:00:00Z", 9).await;
    assert_eq!(alerts_of(&app, &patient, "pain_spike").await.len(), 2);
    // Back down to 5 ends the episode; 8/10 after that is a new one.
    check_in(&app, &patient, "2026-06-01T10:00:00Z", 5).await;
    let again = check_in(&app, &patient, "2026-06-01T11:00:00Z", 8).await;
    let raised = alerts_of(&app, &patient, "pain_spike").await;
    assert_eq!((raised.len(), raised[2].source_id), (3, Some(again)));
}

#[tokio::test]
async fn exercise_logs_count_as_activity_for_disengagement() {
    let app = spawn_app().await;
    app.clock.set(at("2026-05-20T08:00:00Z"));
    let therapist = staff(&app).await;
    let mut patient = app.patient(&therapist).await;
    app.patch("/api/v1/me", Some(&patient.access_token), &json!({ "timezone": "UTC" })).await.expect(200);
    let item = daily_plan(&app, &therapist, &patient).await;
    app.clock.set(at("2026-06-01T12:00:00Z"));
    patient.access_token = app.relogin(&patient).await;
    // No check-in ever; exercises logged up to May 29 10:00.
    log_days(&app, &patient, &item, &[27, 28, 29]).await;

    // Three days after the last exercise log, not three days after the account began.
    evaluate(&app.state.db, at("2026-06-01T09:59:00Z")).await.unwrap();
    assert!(alerts_of(&app, &patient, "disengaged").await.is_empty());
    evaluate(&app.state.db, at("2026-06-01T10:00:00Z")).await.unwrap();
    let raised = alerts_of(&app, &patient, "disengaged").await;
    assert_eq!(raised.len(), 1);
    assert!(raised[0].details.contains("No check-in or exercise logged for 3 days"), "{}", raised[0].details);
}

#[tokio::test]
async fn no_low_adherence_alert_for_seven_days_after_a_red_flag() {
    let app = spawn_app().await;
    app.clock.set(at("2026-05-20T08:00:00Z"));
    let therapist = staff(&app).await;
    let mut patient = app.patient(&therapist).await;
    app.patch("/api/v1/me", Some(&patient.access_token), &json!({ "timezone": "UTC" })).await.expect(200);
    daily_plan(&app, &therapist, &patient).await;
    app.clock.set(at("2026-06-01T12:00:00Z"));
    patient.access_token = app.relogin(&patient).await;
    // Nothing done May 25–31 (0 of 14: low), and a red flag received June 1 12:00.
    let body = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 3,
        "red_flags": ["chest_pain"] }] });
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &body).await.expect(200);

    evaluate(&app.state.db, at("2026-06-01T12:00:00Z")).await.unwrap();
    evaluate(&app.state.db, at("2026-06-08T11:59:00Z")).await.unwrap();
    assert!(alerts_of(&app, &patient, "low_adherence").await.is_empty());
    // Seven days after it arrived, adherence is judged again (June 1–7: 0 of 14).
    evaluate(&app.state.db, at("2026-06-08T12:00:00Z")).await.unwrap();
    let raised = alerts_of(&app, &patient, "low_adherence").await;
    assert_eq!(raised.len(), 1);
    assert!(raised[0].details.contains("0 of 14"), "{}", raised[0].details);
}

#[tokio::test]
async fn a_red_flag_kept_from_an_item_that_could_not_be_stored_also_holds_the_adherence_alert() {
    let app = spawn_app().await;
    app.clock.set(at("2026-05-20T08:00:00Z"));
    let therapist = staff(&app).await;
    let mut patient = app.patient(&therapist).await;
    app.patch("/api/v1/me", Some(&patient.access_token), &json!({ "timezone": "UTC" })).await.expect(200);
    daily_plan(&app, &therapist, &patient).await;
    app.clock.set(at("2026-06-01T12:00:00Z"));
    patient.access_token = app.relogin(&patient).await;
    // An over-long note makes the item unstorable; its red flag is kept as a report.
    let body = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 3,
        "note": "x".repeat(2500), "red_flags": ["chest_pain"] }] });
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &body).await.expect(200);

    evaluate(&app.state.db, at("2026-06-08T11:59:00Z")).await.unwrap();
    assert!(alerts_of(&app, &patient, "low_adherence").await.is_empty());
    evaluate(&app.state.db, at("2026-06-08T12:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, &patient, "low_adherence").await.len(), 1);
}
