use chrono::{Duration, TimeZone, Utc};
use entity::{alert, check_in};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    therapist: Actor,
    patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Check-in Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    Cast { therapist, patient }
}

fn item(id: Uuid, at: &str, pain: i64) -> Value {
    json!({
        "id": id, "recorded_at": at, "pain": pain, "stress": 4, "sleep_quality": 6, "medication": "non_opioid",
        "pain_sites": [
            { "region": "neck", "intensity": pain, "qualities": ["stiff", "aching"] },
            { "region": "shoulder", "side": "left", "intensity": 3, "qualities": ["tingling"] }
        ],
        "context": "daily", "note": "after work"
    })
}

async fn stored_rows(app: &TestApp, patient: &Actor) -> u64 {
    check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient.patient_id.unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn alerts_of(app: &TestApp, patient: &Actor, kind: &str) -> Vec<alert::Model> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .filter(alert::Column::Kind.eq(kind))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_offline_batch_replayed_three_times_and_concurrently_is_stored_once_per_id() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = c.patient.access_token.as_str();
    let items: Vec<Value> =
        (0..20).map(|i| item(Uuid::new_v4(), &format!("2026-05-{:02}T18:00:00Z", 10 + i), (i % 7) as i64)).collect();
    let batch = json!({ "items": items });

    let first = app.post("/api/v1/me/check-ins", Some(token), &batch).await.expect(200);
    assert!(first["results"].as_array().unwrap().iter().all(|r| r["status"] == 201));
    for _ in 0..3 {
        let replay = app.post("/api/v1/me/check-ins", Some(token), &batch).await.expect(200);
        for (sent, result) in items.iter().zip(replay["results"].as_array().unwrap()) {
            assert_eq!(result["status"], 200, "{result}");
            assert_eq!(result["check_in"]["id"], sent["id"]);
            assert_eq!(result["check_in"]["pain"], sent["pain"]);
        }
    }
    let concurrent = (0..4).map(|_| app.post("/api/v1/me/check-ins", Some(token), &batch));
    for reply in futures::future::join_all(concurrent).await {
        let body = reply.expect(200);
        assert!(body["results"].as_array().unwrap().iter().all(|r| r["status"] == 200));
    }
    assert_eq!(stored_rows(&app, &c.patient).await, 20);

    // A fresh batch sent four times at once: still one row per id.
    let fresh: Vec<Value> =
        (0..10).map(|i| item(Uuid::new_v4(), &format!("2026-05-{:02}T07:00:00Z", 10 + i), 2)).collect();
    let fresh_batch = json!({ "items": fresh });
    let racing = (0..4).map(|_| app.post("/api/v1/me/check-ins", Some(token), &fresh_batch));
    let replies: Vec<Value> = futures::future::join_all(racing).await.into_iter().map(|r| r.expect(200)).collect();
    for i in 0..10 {
        let created = replies.iter().filter(|r| r["results"][i]["status"] == 201).count();
        assert_eq!(created, 1, "item {i} created {created} times");
    }
    assert_eq!(stored_rows(&app, &c.patient).await, 30);
}

#[tokio::test]
async fn the_same_id_with_another_body_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let id = Uuid::new_v4();
    app.post("/api/v1/me/check-ins", token, &json!({ "items": [item(id, "2026-06-01T08:00:00Z", 5)] }))
        .await
        .expect(200);
    let changed = app
        .post("/api/v1/me/check-ins", token, &json!({ "items": [item(id, "2026-06-01T08:00:00Z", 6)] }))
        .await
        .expect(200);
    assert_eq!(changed["results"][0]["status"], 409);
    assert_eq!(changed["results"][0]["error"]["code"], "conflict");
    let listed = app.get("/api/v1/me/check-ins?from=2026-06-01&to=2026-06-01", token).await.expect(200);
    assert_eq!(listed["items"][0]["pain"], 5);

    // Another patient sending the same id does not reach or reveal this check-in.
    let other = app.patient(&c.therapist).await;
    let theirs = app
        .post(
            "/api/v1/me/check-ins",
            Some(&other.access_token),
            &json!({ "items": [item(id, "2026-06-01T08:00:00Z", 5)] }),
        )
        .await
        .expect(200);
    assert_eq!(theirs["results"][0]["status"], 409);
    assert!(theirs["results"][0]["check_in"].is_null());
    assert_eq!(stored_rows(&app, &other).await, 0);
}

#[tokio::test]
async fn a_red_flag_check_in_answers_with_guidance_and_alerts_the_therapist_once() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let flagged = json!({ "items": [{
        "id": Uuid::new_v4(), "recorded_at": "2026-06-01T09:00:00Z", "pain": 6,
        "red_flags": ["new_numbness_or_weakness", "saddle_numbness"]
    }] });

    let reply = app.post("/api/v1/me/check-ins", token, &flagged).await.expect(200);

    let guidance = reply["guidance"].as_str().expect("guidance in the response");
    assert!(guidance.contains("Call emergency services now") && guidance.contains("alerted"), "{guidance}");
    assert_eq!(reply["red_flag_guidance"]["tier"], "emergency_now");
    assert_eq!(reply["results"][0]["check_in"]["red_flags"], json!(["new_numbness_or_weakness", "saddle_numbness"]));
    let alerts = alerts_of(&app, &c.patient, "red_flag").await;
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].details.contains("saddle_numbness"));

    // While that alert is open, another red flag joins it rather than piling up a second one.
    let again = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T10:00:00Z", "stress": 3,
        "red_flags": ["chest_pain"] }] });
    let reply = app.post("/api/v1/me/check-ins", token, &again).await.expect(200);
    assert!(reply["guidance"].is_string());
    assert_eq!(alerts_of(&app, &c.patient, "red_flag").await.len(), 1);

    // Once acknowledged, a new red flag raises a new alert.
    let id = alerts[0].id;
    let acked =
        app.post(&format!("/api/v1/alerts/{id}/acknowledge"), Some(&c.therapist.access_token), &json!({})).await;
    assert_eq!(acked.expect(200)["acknowledged_by"], c.therapist.user_id.to_string());
    let third = json!({ "items": [{ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 2,
        "red_flags": ["fever_with_back_pain"] }] });
    app.post("/api/v1/me/check-ins", token, &third).await.expect(200);
    assert_eq!(alerts_of(&app, &c.patient, "red_flag").await.len(), 2);

    // A check-in without red flags carries no guidance.
    let calm = json!({ "items": [item(Uuid::new_v4(), "2026-06-01T11:30:00Z", 2)] });
    assert!(app.post("/api/v1/me/check-ins", token, &calm).await.expect(200)["guidance"].is_null());
}

#[tokio::test]
async fn bad_check_ins_are_refused_with_the_error_body_and_nothing_is_stored() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let base = || item(Uuid::new_v4(), "2026-06-01T08:00:00Z", 4);
    let with = |key: &str, value: Value| {
        let mut v = base();
        v[key] = value;
        v
    };
    // Readable or not, each item is answered on its own with 422 and every problem.
    let per_item = [
        with("pain", json!(11)),
        with("stress", json!(-1)),
        with("sleep_quality", json!(12)),
        with("recorded_at", json!("2026-06-02T12:00:01Z")),
        with("recorded_at", json!("last tuesday")),
        with("pain_sites", json!([{ "region": "lower_back", "side": "left", "intensity": 3 }])),
        with("pain_sites", json!([{ "region": "knee", "intensity": 3 }])),
        with("pain_sites", json!([{ "region": "neck", "intensity": 11 }])),
        with("pain_sites", json!([{ "region": "neck", "intensity": 2 }, { "region": "neck", "intensity": 3 }])),
        with("pain_sites", json!([{ "region": "tail", "intensity": 3 }])),
        with("pain_sites", json!([{ "region": "neck", "intensity": 3, "qualities": ["itchy"] }])),
        with("red_flags", json!(["hiccups"])),
        with("medication", json!("cannabis")),
        with("medications", json!([{ "class": "opioid", "name": "x".repeat(101) }])),
        with("context", json!("weekly")),
        with("patient_id", json!(Uuid::new_v4())),
        with("note", json!("x".repeat(2001))),
        with("pain", json!("high")),
        json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T08:00:00Z", "sleep_quality": 5 }),
        json!("not an item"),
    ];
    for bad in per_item {
        let reply = app.post("/api/v1/me/check-ins", token, &json!({ "items": [bad.clone()] })).await.expect(200);
        assert_eq!(reply["results"][0]["status"], 422, "{bad}: {reply}");
        assert_eq!(reply["results"][0]["error"]["code"], "validation_failed");
        assert!(!reply["results"][0]["error"]["details"].as_array().unwrap().is_empty());
        assert!(reply["guidance"].is_null());
    }
    // Not a batch at all: the whole request is refused with the error body.
    for bad in [json!({ "items": [] }), json!([base()]), json!({ "items": "many" }), json!("x"), json!(null)] {
        let reply = app.post("/api/v1/me/check-ins", token, &bad).await;
        reply.expect_error(422, "validation_failed");
    }
    let not_json = app
        .client
        .post(app.url("/api/v1/me/check-ins"))
        .bearer_auth(&c.patient.access_token)
        .header("content-type", "application/json")
        .body("{\"items\": [")
        .send()
        .await
        .unwrap();
    TestApp::read(not_json).await.expect_error(400, "bad_request");
    // Over the batch limit: the first 100 are answered, the rest are reported once.
    let many = json!({ "items": (0..101).map(|_| with("pain", json!(12))).collect::<Vec<_>>() });
    let reply = app.post("/api/v1/me/check-ins", token, &many).await.expect(200);
    assert_eq!(reply["results"].as_array().unwrap().len(), 100);
    assert_eq!(reply["problems"][0]["field"], "items");
    assert_eq!(stored_rows(&app, &c.patient).await, 0);
}

#[tokio::test]
async fn recent_check_ins_can_be_corrected_or_withdrawn_by_their_patient_only() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let id = Uuid::new_v4();
    app.post("/api/v1/me/check-ins", token, &json!({ "items": [item(id, "2026-06-01T08:00:00Z", 5)] }))
        .await
        .expect(200);

    let corrected = app.put(&format!("/api/v1/me/check-ins/{id}"), token, &item(id, "2026-06-01T08:00:00Z", 3)).await;
    assert_eq!(corrected.expect(200)["check_in"]["pain"], 3);
    let mismatched =
        app.put(&format!("/api/v1/me/check-ins/{id}"), token, &item(Uuid::new_v4(), "2026-06-01T08:00:00Z", 3)).await;
    mismatched.expect_error(422, "validation_failed");

    let other = app.patient(&c.therapist).await;
    app.put(&format!("/api/v1/me/check-ins/{id}"), Some(&other.access_token), &item(id, "2026-06-01T08:00:00Z", 9))
        .await
        .expect_error(404, "not_found");
    app.delete(&format!("/api/v1/me/check-ins/{id}"), Some(&other.access_token)).await.expect_error(404, "not_found");

    // The sync feed carries the correction; a withdrawn check-in leaves lists and
    // reaches sync with deleted_at.
    app.delete(&format!("/api/v1/me/check-ins/{id}"), token).await.expect(204);
    let listed = app.get("/api/v1/me/check-ins?from=2026-06-01&to=2026-06-01", token).await.expect(200);
    assert!(listed["items"].as_array().unwrap().is_empty());
    let synced = app.get("/api/v1/me/sync", token).await.expect(200);
    assert!(synced["check_ins"][0]["deleted_at"].is_string());
    app.delete(&format!("/api/v1/me/check-ins/{id}"), token).await.expect_error(404, "not_found");

    // After a week, a check-in is part of the record.
    let old = Uuid::new_v4();
    app.post("/api/v1/me/check-ins", token, &json!({ "items": [item(old, "2026-05-20T08:00:00Z", 5)] }))
        .await
        .expect(200);
    app.put(&format!("/api/v1/me/check-ins/{old}"), token, &item(old, "2026-05-20T08:00:00Z", 1))
        .await
        .expect_error(409, "conflict");
    app.delete(&format!("/api/v1/me/check-ins/{old}"), token).await.expect_error(409, "conflict");
}

#[tokio::test]
async fn check_ins_list_by_local_date_with_a_cursor_for_patient_and_therapist() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    let items: Vec<Value> =
        (0..5).map(|i| item(Uuid::new_v4(), &format!("2026-05-3{}T0{}:00:00Z", i % 2, i + 1), i)).collect();
    app.post("/api/v1/me/check-ins", token, &json!({ "items": items })).await.expect(200);

    let first = app.get("/api/v1/me/check-ins?from=2026-05-30&to=2026-05-31&limit=3", token).await.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/me/check-ins?from=2026-05-30&to=2026-05-31&cursor={cursor}"), token).await;
    let rest = rest.expect(200);
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    let instants: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|c| c["recorded_at"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = instants.clone();
    sorted.sort();
    assert_eq!(instants, sorted, "listed in recorded order");

    let patient_id = c.patient.patient_id.unwrap();
    let path = format!("/api/v1/patients/{patient_id}/check-ins?from=2026-05-30&to=2026-05-31");
    let seen = app.get(&path, Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(seen["items"].as_array().unwrap().len(), 5);
    let today = app.get("/api/v1/me/today?date=2026-05-31", token).await.expect(200);
    assert_eq!(today["check_in_done"], true);
    let today = app.get("/api/v1/me/today?date=2026-06-01", token).await.expect(200);
    assert_eq!(today["check_in_done"], false);
}

#[tokio::test]
async fn the_local_date_comes_from_the_patients_time_zone() {
    let app = spawn_app().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap() + Duration::zero());
    let c = cast(&app).await;
    let token = Some(c.patient.access_token.as_str());
    app.patch("/api/v1/me", token, &json!({ "timezone": "Pacific/Auckland" })).await.expect(200);
    // 20:00 UTC on May 31 is already June 1 in Auckland (UTC+12).
    let reply = app
        .post("/api/v1/me/check-ins", token, &json!({ "items": [item(Uuid::new_v4(), "2026-05-31T20:00:00Z", 4)] }))
        .await
        .expect(200);
    assert_eq!(reply["results"][0]["check_in"]["local_date"], "2026-06-01");
}

/// Patients saving at the same moment share the writer's calls (one insert for all of
/// them); each is still answered as if it had been alone: its own rows, a replay as a
/// replay, an id another patient took as a conflict that reveals nothing, a severe
/// reading alerted, and an audit row naming its own request.
#[tokio::test]
async fn patients_checking_in_at_the_same_moment_are_each_answered_as_if_alone() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut patients = vec![c.patient];
    for _ in 0..11 {
        patients.push(app.patient(&c.therapist).await);
    }
    let at = "2026-06-02T08:00:00Z";
    let fresh: Vec<Uuid> = (0..patients.len()).map(|_| Uuid::new_v4()).collect();
    let shared = Uuid::new_v4();
    let mut sends: Vec<(usize, Value)> = (0..patients.len())
        .map(|i| (i, json!({ "items": [item(fresh[i], at, if i == 5 { 9 } else { 2 })] })))
        .collect();
    // Two patients race one id with the same body; patient 2 sends its batch twice.
    sends.push((0, json!({ "items": [item(shared, at, 3)] })));
    sends.push((1, json!({ "items": [item(shared, at, 3)] })));
    sends.push((2, json!({ "items": [item(fresh[2], at, 2)] })));
    let replies: Vec<Value> = futures::future::join_all(
        sends.iter().map(|(i, body)| app.post("/api/v1/me/check-ins", Some(&patients[*i].access_token), body)),
    )
    .await
    .into_iter()
    .map(|r| r.expect(200))
    .collect();
    let status = |k: usize| replies[k]["results"][0]["status"].as_i64().unwrap();
    for i in (0..patients.len()).filter(|i| *i != 2) {
        assert_eq!(status(i), 201, "patient {i}: {}", replies[i]);
        assert_eq!(replies[i]["results"][0]["check_in"]["id"], json!(fresh[i]));
    }
    let mut twice = [status(2), status(patients.len() + 2)];
    twice.sort_unstable();
    assert_eq!(twice, [200, 201], "one send stores, the other is a replay");
    let mut raced = [status(patients.len()), status(patients.len() + 1)];
    raced.sort_unstable();
    assert_eq!(raced, [201, 409], "one patient gets the id, the other a conflict");
    let loser = if status(patients.len()) == 409 { patients.len() } else { patients.len() + 1 };
    assert!(replies[loser]["results"][0]["check_in"].is_null(), "a conflict reveals nothing");

    let mut rows = 0;
    for p in &patients {
        rows += stored_rows(&app, p).await;
    }
    assert_eq!(rows, patients.len() as u64 + 1);
    assert_eq!(alerts_of(&app, &patients[5], "pain_spike").await.len(), 1, "the severe reading is alerted");
    assert!(alerts_of(&app, &patients[4], "pain_spike").await.is_empty());

    app.state.audit.flush().await.unwrap();
    let writes = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("check_in.write"))
        .all(&app.state.db)
        .await
        .unwrap();
    // Whether a request shared the writer's call or ran alone, it leaves one row, with
    // how many check-ins it stored (a replay or a clash stores none).
    assert_eq!(writes.len(), sends.len(), "one audit row per request");
    let stored: usize = writes
        .iter()
        .map(|w| w.resource.as_deref().and_then(|r| r.strip_prefix("check_ins:")).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(stored, patients.len() + 1, "the rows count what was stored");
    let mut ids: Vec<&str> = writes.iter().map(|w| w.request_id.as_deref().expect("the request's id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), writes.len(), "each audit row names its own request");
}
