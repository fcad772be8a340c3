//! The plan of care on a care plan: frequency and duration, goals with target dates,
//! re-evaluation, the physician's certification and recertification, and the roster's
//! flags.

use chrono::{DateTime, Utc};
use fascia_tests::{Actor, TestApp, spawn_app};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn plan(app: &TestApp, therapist: &Actor, patient: &Actor, extra: Value) -> String {
    let mut body = json!({ "title": "Neck, plan of care", "start_date": "2026-06-01" });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let path = format!("/api/v1/patients/{}/care-plans", patient.patient_id.unwrap());
    app.post(&path, Some(&therapist.access_token), &body).await.expect(201)["id"].as_str().unwrap().to_owned()
}

async fn certify(app: &TestApp, token: &str, plan: &str, by: &str, on: &str, until: &str) -> Value {
    let body = json!({ "certified_by": by, "certified_on": on, "valid_until": until });
    app.put(&format!("/api/v1/care-plans/{plan}/certification"), Some(token), &body).await.expect(200)
}

async fn roster(app: &TestApp, token: &str) -> Vec<Value> {
    app.get("/api/v1/patients", Some(token)).await.expect(200)["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_plan_of_care_keeps_frequency_duration_reevaluation_and_goal_target_dates() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let extra = json!({ "sessions_per_week": 2, "duration_weeks": 3, "reevaluation_due": "2026-06-19" });
    let id = plan(&app, &w.therapist_x, &w.patient_a, extra).await;
    let goal = json!({ "activity": "Check the blind spot", "baseline": 3, "target": 8, "target_date": "2026-06-22" });
    let with_goal = app.post(&format!("/api/v1/care-plans/{id}/goals"), t, &goal).await.expect(200);
    let goal_id = with_goal["goals"][0]["id"].as_str().unwrap();

    let read = app.get(&format!("/api/v1/care-plans/{id}"), t).await.expect(200);

    assert_eq!(read["sessions_per_week"], 2);
    assert_eq!(read["duration_weeks"], 3);
    assert_eq!(read["reevaluation_due"], "2026-06-19");
    assert_eq!(read["goals"][0]["baseline"], 3);
    assert_eq!(read["goals"][0]["target"], 8);
    assert_eq!(read["goals"][0]["target_date"], "2026-06-22");
    assert!(read.get("certification").is_none());
    // Changes: a later re-evaluation, the target date cleared, frequency kept.
    let url = format!("/api/v1/care-plans/{id}");
    let patched =
        app.patch(&url, t, &json!({ "reevaluation_due": "2026-06-26", "duration_weeks": null })).await.expect(200);
    assert_eq!(patched["reevaluation_due"], "2026-06-26");
    assert!(patched.get("duration_weeks").is_none());
    assert_eq!(patched["sessions_per_week"], 2);
    let goal_url = format!("/api/v1/care-plans/{id}/goals/{goal_id}");
    let patched = app.patch(&goal_url, t, &json!({ "target_date": null })).await.expect(200);
    assert!(patched["goals"][0].get("target_date").is_none());
}

#[tokio::test]
async fn plans_without_a_plan_of_care_answer_as_before() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = plan(&app, &w.therapist_x, &w.patient_a, json!({})).await;

    let read = app.get(&format!("/api/v1/care-plans/{id}"), Some(&w.therapist_x.access_token)).await.expect(200);

    for field in ["sessions_per_week", "duration_weeks", "reevaluation_due", "certification"] {
        assert!(read.get(field).is_none(), "{field} in {read}");
    }
}

#[tokio::test]
async fn a_recertification_replaces_the_certification_and_history_keeps_the_first() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = plan(&app, &w.therapist_x, &w.patient_a, json!({ "sessions_per_week": 2 })).await;
    let first = certify(&app, &w.therapist_x.access_token, &id, "Dr. Anna Brandt", "2026-06-01", "2026-06-21").await;
    assert_eq!(
        first["certification"],
        json!({ "certified_by": "Dr. Anna Brandt", "certified_on": "2026-06-01", "valid_until": "2026-06-21" })
    );

    app.clock.set(at("2026-06-22T09:00:00Z"));
    let token = app.relogin(&w.therapist_x).await;
    let second = certify(&app, &token, &id, "Dr. Omar Haddad", "2026-06-22", "2026-07-20").await;

    assert_eq!(second["certification"]["certified_by"], "Dr. Omar Haddad");
    assert_eq!(second["certification"]["valid_until"], "2026-07-20");
    assert_eq!(second["version"], first["version"].as_i64().unwrap() + 1);
    let earlier =
        app.get(&format!("/api/v1/care-plans/{id}/prescribed?date=2026-06-10"), Some(&token)).await.expect(200);
    assert_eq!(earlier["certification"]["certified_by"], "Dr. Anna Brandt");
    assert_eq!(earlier["sessions_per_week"], 2);
    let events = app
        .get("/api/v1/audit-events?action=care_plan.update&limit=200", Some(&app.relogin(&w.admin).await))
        .await
        .expect(200);
    let changes: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["resource"].as_str())
        .filter(|r| r.starts_with(&format!("care_plan:{id}:")) && r.contains("certified"))
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
}

#[tokio::test]
async fn bad_plans_of_care_and_certifications_are_refused_with_their_field() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let path = format!("/api/v1/patients/{}/care-plans", w.patient_a.patient_id.unwrap());
    for (extra, field) in [
        (json!({ "sessions_per_week": 8 }), "sessions_per_week"),
        (json!({ "sessions_per_week": 0 }), "sessions_per_week"),
        (json!({ "duration_weeks": -2 }), "duration_weeks"),
    ] {
        let mut body = json!({ "title": "Plan", "start_date": "2026-06-01" });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let e = app.post(&path, t, &body).await.expect_error(422, "validation_failed");
        assert_eq!(e["details"][0]["field"], field);
    }
    let id = plan(&app, &w.therapist_x, &w.patient_a, json!({})).await;
    let url = format!("/api/v1/care-plans/{id}/certification");
    let backwards = json!({ "certified_by": "Dr. Lee", "certified_on": "2026-06-10", "valid_until": "2026-06-09" });
    let e = app.put(&url, t, &backwards).await.expect_error(422, "validation_failed");
    assert_eq!(e["details"][0]["field"], "valid_until");
    let nameless = json!({ "certified_by": "  ", "certified_on": "2026-06-10", "valid_until": "2026-07-09" });
    app.put(&url, t, &nameless).await.expect_error(422, "validation_failed");
    let goal = json!({ "activity": "Reach a shelf", "baseline": 2, "target": 7, "target_date": "June" });
    app.post(&format!("/api/v1/care-plans/{id}/goals"), t, &goal).await.expect_error(400, "bad_request");
    let read = app.get(&format!("/api/v1/care-plans/{id}"), t).await.expect(200);
    assert!(read.get("certification").is_none());
    assert_eq!(read["goals"], json!([]));
}

#[tokio::test]
async fn a_discharged_plan_cannot_be_certified() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = w.therapist_x.access_token.clone();
    let id = plan(&app, &w.therapist_x, &w.patient_a, json!({})).await;
    certify(&app, &t, &id, "Dr. Anna Brandt", "2026-05-01", "2026-06-30").await;
    app.post(&format!("/api/v1/care-plans/{id}/discharge"), Some(&t), &json!({ "reason": "goals_met" }))
        .await
        .expect(201);

    let body = json!({ "certified_by": "Dr. Lee", "certified_on": "2026-06-01", "valid_until": "2026-07-31" });
    app.put(&format!("/api/v1/care-plans/{id}/certification"), Some(&t), &body).await.expect_error(409, "conflict");

    let read = app.get(&format!("/api/v1/care-plans/{id}"), Some(&t)).await.expect(200);
    assert_eq!(read["certification"]["certified_by"], "Dr. Anna Brandt");
}

#[tokio::test]
async fn another_clinic_cannot_certify_a_plan_and_patients_are_refused() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = plan(&app, &w.therapist_x, &w.patient_a, json!({})).await;
    let url = format!("/api/v1/care-plans/{id}/certification");
    let body = json!({ "certified_by": "Dr. Lee", "certified_on": "2026-06-01", "valid_until": "2026-07-01" });

    app.put(&url, Some(&w.therapist_y.access_token), &body).await.expect_error(404, "not_found");
    app.put(&url, Some(&w.patient_a.access_token), &body).await.expect_error(403, "forbidden");

    let read = app.get(&format!("/api/v1/care-plans/{id}"), Some(&w.therapist_x.access_token)).await.expect(200);
    assert!(read.get("certification").is_none());
}

#[tokio::test]
async fn the_roster_flags_reevaluation_due_and_a_lapsed_certification() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = w.therapist_x.access_token.clone();
    // Patient A: re-evaluation due today (1 June in Berlin), certification ended yesterday.
    let a = plan(&app, &w.therapist_x, &w.patient_a, json!({ "reevaluation_due": "2026-06-01" })).await;
    certify(&app, &t, &a, "Dr. Anna Brandt", "2026-05-01", "2026-05-31").await;
    // Patient B: both in the future.
    let b = plan(&app, &w.therapist_x, &w.patient_b, json!({ "reevaluation_due": "2026-06-02" })).await;
    certify(&app, &t, &b, "Dr. Anna Brandt", "2026-05-01", "2026-06-01").await;
    // A patient without a plan.
    let none = app.patient_record(&w.therapist_x, "No Plan Yet").await;

    let listed = roster(&app, &t).await;

    let flags = |id: String| {
        let row = listed.iter().find(|p| p["id"] == id).unwrap();
        (row["reevaluation_due"].as_bool().unwrap(), row["certification_lapsed"].as_bool().unwrap())
    };
    assert_eq!(flags(w.patient_a.patient_id.unwrap().to_string()), (true, true));
    assert_eq!(flags(w.patient_b.patient_id.unwrap().to_string()), (false, false));
    assert_eq!(flags(none.to_string()), (false, false));
    // A day later in the clinic's zone B is due and lapsed too.
    app.clock.set(at("2026-06-01T22:30:00Z"));
    let listed = roster(&app, &app.relogin(&w.therapist_x).await).await;
    let b_row = listed.iter().find(|p| p["id"] == w.patient_b.patient_id.unwrap().to_string()).unwrap();
    assert_eq!(
        (b_row["reevaluation_due"].as_bool(), b_row["certification_lapsed"].as_bool()),
        (Some(true), Some(true))
    );
}
