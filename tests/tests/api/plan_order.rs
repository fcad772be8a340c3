//! The order of a plan's exercises (`move_plan_exercise`), which the patient's today
//! follows, and the roster's last check-in, both read by the clinic console.

use fascia::content::builtin_id;
use fascia_tests::{Actor, TestApp, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    admin: Actor,
    therapist: Actor,
    patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Order Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    Cast { admin, therapist, patient }
}

fn every_day() -> Value {
    json!({ "sets": 2, "reps": 8, "hold_seconds": 10, "side": "none", "times_per_day": 1, "days_of_week": [1, 2, 3, 4, 5, 6, 7] })
}

/// A plan starting on the test clock's day with these built-in exercises, in this order.
async fn plan_with(app: &TestApp, therapist: &Actor, patient: &Actor, slugs: &[&str]) -> (String, Value) {
    let t = Some(therapist.access_token.as_str());
    let path = format!("/api/v1/patients/{}/care-plans", patient.patient_id.unwrap());
    let plan = app.post(&path, t, &json!({ "title": "Desk posture", "start_date": "2026-06-01" })).await.expect(201);
    let id = plan["id"].as_str().unwrap().to_owned();
    let mut view = plan;
    for slug in slugs {
        let body = json!({ "exercise_id": builtin_id("exercise", slug), "prescription": every_day() });
        view = app.post(&format!("/api/v1/care-plans/{id}/exercises"), t, &body).await.expect(200);
    }
    (id, view)
}

fn item_ids(view: &Value) -> Vec<String> {
    view["exercises"].as_array().unwrap().iter().map(|e| e["plan_exercise_id"].as_str().unwrap().to_owned()).collect()
}

fn move_path(plan: &str, item: &str) -> String {
    format!("/api/v1/care-plans/{plan}/exercises/{item}/position")
}

#[tokio::test]
async fn a_moved_exercise_takes_its_new_place_in_the_plan_and_in_the_patients_today() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let (plan, before) =
        plan_with(&app, &c.therapist, &c.patient, &["chin-tuck", "cat-cow", "doorway-chest-stretch"]).await;
    let ids = item_ids(&before);

    let moved = app.put(&move_path(&plan, &ids[2]), t, &json!({ "position": 0 })).await.expect(200);

    assert_eq!(item_ids(&moved), [ids[2].clone(), ids[0].clone(), ids[1].clone()]);
    assert_eq!(moved["version"], before["version"].as_i64().unwrap() + 1, "one move is one version");
    let positions: Vec<i64> =
        moved["exercises"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [0, 1, 2]);
    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    let today_ids: Vec<&str> = today["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["prescription"]["plan_exercise_id"].as_str().unwrap())
        .collect();
    assert_eq!(today_ids, [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
}

#[tokio::test]
async fn moving_an_exercise_to_where_it_is_makes_no_new_version() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let (plan, before) = plan_with(&app, &c.therapist, &c.patient, &["chin-tuck", "cat-cow"]).await;
    let ids = item_ids(&before);

    let same = app.put(&move_path(&plan, &ids[1]), t, &json!({ "position": 1 })).await.expect(200);

    assert_eq!(same["version"], before["version"]);
    assert_eq!(item_ids(&same), ids);
}

#[tokio::test]
async fn a_removed_exercise_leaves_no_gap_in_the_order() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let (plan, before) =
        plan_with(&app, &c.therapist, &c.patient, &["chin-tuck", "cat-cow", "doorway-chest-stretch"]).await;
    let ids = item_ids(&before);
    app.delete(&format!("/api/v1/care-plans/{plan}/exercises/{}", ids[0]), t).await.expect(200);

    // Two exercises are left, so 1 is the last place and 2 is past the end.
    let moved = app.put(&move_path(&plan, &ids[1]), t, &json!({ "position": 1 })).await.expect(200);
    app.put(&move_path(&plan, &ids[1]), t, &json!({ "position": 2 })).await.expect_error(422, "validation_failed");

    assert_eq!(item_ids(&moved), [ids[2].clone(), ids[1].clone()]);
    let positions: Vec<i64> =
        moved["exercises"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [0, 1]);
}

#[tokio::test]
async fn malformed_and_hostile_moves_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let (plan, before) = plan_with(&app, &c.therapist, &c.patient, &["chin-tuck", "cat-cow"]).await;
    let ids = item_ids(&before);
    let other_patient = app.patient(&c.therapist).await;
    let (other_plan, other_view) = plan_with(&app, &c.therapist, &other_patient, &["chin-tuck"]).await;
    let stranger_admin = app.clinic_admin("Another Clinic").await;
    let stranger = app.therapist(&stranger_admin).await;

    let path = move_path(&plan, &ids[0]);
    for body in [
        json!({ "position": -1 }),
        json!({ "position": "first" }),
        json!({ "position": 0, "plan_id": plan }),
        json!({}),
    ] {
        app.put(&path, t, &body).await.expect_error(400, "bad_request");
    }
    app.put(&path, t, &json!({ "position": 5 })).await.expect_error(422, "validation_failed");
    app.put(&path, t, &json!({ "position": 100_000 })).await.expect_error(422, "validation_failed");
    // An item of another plan, an unknown item, and someone else's plan all answer 404.
    let foreign_item = &item_ids(&other_view)[0];
    app.put(&move_path(&plan, foreign_item), t, &json!({ "position": 0 })).await.expect_error(404, "not_found");
    app.put(&move_path(&other_plan, &ids[0]), t, &json!({ "position": 0 })).await.expect_error(404, "not_found");
    app.put(&move_path(&plan, &Uuid::now_v7().to_string()), t, &json!({ "position": 0 }))
        .await
        .expect_error(404, "not_found");
    app.put(&path, Some(&stranger.access_token), &json!({ "position": 1 })).await.expect_error(404, "not_found");
    app.put(&path, Some(&c.patient.access_token), &json!({ "position": 1 })).await.expect_error(403, "forbidden");

    let after = app.get(&format!("/api/v1/care-plans/{plan}"), Some(&c.admin.access_token)).await.expect(200);
    assert_eq!(after["version"], before["version"]);
    assert_eq!(item_ids(&after), ids);
}

fn check_in(at: &str, pain: i64) -> Value {
    json!({ "items": [{ "id": Uuid::now_v7(), "recorded_at": at, "pain": pain, "context": "daily" }] })
}

#[tokio::test]
async fn the_roster_shows_each_patients_newest_check_in_and_skips_withdrawn_ones() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let quiet = app.patient(&c.therapist).await;
    let p = Some(c.patient.access_token.as_str());
    let older = app.post("/api/v1/me/check-ins", p, &check_in("2026-06-01T07:30:00Z", 4)).await.expect(200);
    assert_eq!(older["results"][0]["status"], 201);
    let newer = app.post("/api/v1/me/check-ins", p, &check_in("2026-06-01T11:15:00Z", 3)).await.expect(200);
    let newer_id = newer["results"][0]["check_in"]["id"].as_str().unwrap().to_owned();

    let roster = app.get("/api/v1/patients", Some(&c.therapist.access_token)).await.expect(200);
    let last = |roster: &Value, id: Uuid| {
        let row = roster["items"].as_array().unwrap().iter().find(|r| r["id"] == id.to_string()).unwrap().clone();
        row.get("last_check_in_at").and_then(Value::as_str).map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    };
    let at = |s: &str| Some(s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    assert_eq!(last(&roster, c.patient.patient_id.unwrap()), at("2026-06-01T11:15:00Z"));
    assert_eq!(last(&roster, quiet.patient_id.unwrap()), None, "no check-in, no field");

    app.delete(&format!("/api/v1/me/check-ins/{newer_id}"), p).await.expect(204);
    let roster = app.get("/api/v1/patients", Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(last(&roster, c.patient.patient_id.unwrap()), at("2026-06-01T07:30:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_moves_leave_every_exercise_in_one_place_without_gaps() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let slugs = ["chin-tuck", "cat-cow", "doorway-chest-stretch", "shoulder-rolls"];
    let (plan, before) = plan_with(&app, &c.therapist, &c.patient, &slugs).await;
    let ids = item_ids(&before);
    let app = &app;

    let moves = (0..8).map(|i| {
        let path = move_path(&plan, &ids[i % 4]);
        let body = json!({ "position": (i * 3) % 4 });
        async move { app.put(&path, t, &body).await }
    });
    for reply in futures::future::join_all(moves).await {
        reply.expect(200);
    }

    let after = app.get(&format!("/api/v1/care-plans/{plan}"), t).await.expect(200);
    let positions: Vec<i64> =
        after["exercises"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [0, 1, 2, 3]);
    let mut moved = item_ids(&after);
    moved.sort();
    let mut original = ids.clone();
    original.sort();
    assert_eq!(moved, original, "every exercise is still there exactly once");
}
