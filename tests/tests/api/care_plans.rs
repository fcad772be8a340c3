use chrono::{TimeZone, Utc};
use fascia::content::builtin_id;
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    therapist: Actor,
    patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Plan Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    Cast { therapist, patient }
}

fn dose(times_per_day: u8, days: &[u8]) -> Value {
    json!({ "sets": 1, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": times_per_day, "days_of_week": days })
}

async fn new_plan(app: &TestApp, token: &str, patient_id: Uuid, start: &str) -> String {
    let plan = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-plans"),
            Some(token),
            &json!({ "title": "Neck and shoulders", "start_date": start }),
        )
        .await
        .expect(201);
    assert_eq!(plan["version"], 1);
    plan["id"].as_str().unwrap().to_owned()
}

async fn prescribe(app: &TestApp, token: &str, plan: &str, slug: &str, dosage: Value) -> Value {
    let body = json!({ "exercise_id": builtin_id("exercise", slug), "prescription": dosage });
    app.post(&format!("/api/v1/care-plans/{plan}/exercises"), Some(token), &body).await.expect(200)
}

fn log(item: &str, local_date: &str, performed_at: &str) -> Value {
    json!({ "id": Uuid::now_v7(), "plan_exercise_id": item, "local_date": local_date, "performed_at": performed_at })
}

#[tokio::test]
async fn a_therapist_builds_a_plan_and_every_change_bumps_its_version() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = c.therapist.access_token.as_str();
    let plan = new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-06-01").await;

    app.post(
        &format!("/api/v1/care-plans/{plan}/goals"),
        Some(t),
        &json!({ "activity": "Check the blind spot", "baseline": 3, "target": 8 }),
    )
    .await
    .expect(200);
    prescribe(&app, t, &plan, "chin-tuck", dose(3, &[1, 2, 3, 4, 5])).await;
    let lesson = json!({ "lesson_id": builtin_id("lesson", "sitting-and-desk-setup") });
    let view = app.post(&format!("/api/v1/care-plans/{plan}/lessons"), Some(t), &lesson).await.expect(200);

    assert_eq!(view["version"], 4);
    assert_eq!(view["goals"][0]["activity"], "Check the blind spot");
    assert_eq!(view["exercises"][0]["title"], "Chin tuck");
    assert_eq!(view["exercises"][0]["days_of_week"], json!([1, 2, 3, 4, 5]));
    assert_eq!(view["lessons"][0]["unlock_date"], "2026-06-01");

    let second = app
        .post(
            &format!("/api/v1/patients/{}/care-plans", c.patient.patient_id.unwrap()),
            Some(t),
            &json!({ "title": "x", "start_date": "2026-06-01" }),
        )
        .await;
    second.expect_error(409, "conflict");
    let paused =
        app.patch(&format!("/api/v1/care-plans/{plan}"), Some(t), &json!({ "status": "paused" })).await.expect(200);
    assert_eq!((paused["status"].as_str(), paused["version"].as_i64()), (Some("paused"), Some(5)));
    new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-06-02").await;
}

/// The library row behind a prescribed exercise is read with the day; when a stored value
/// of it does not read back, the day is a server error, not an exercise shown as deleted.
#[tokio::test]
async fn a_corrupt_library_row_behind_todays_exercise_is_a_server_error() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = c.therapist.access_token.as_str();
    let plan = new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-05-01").await;
    prescribe(&app, t, &plan, "chin-tuck", dose(1, &[1, 2, 3, 4, 5, 6, 7])).await;
    app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    let corrupted = entity::exercise::Entity::update_many()
        .col_expr(entity::exercise::Column::Regions, Expr::value(",neck,elbowish,"))
        .filter(entity::exercise::Column::Id.eq(builtin_id("exercise", "chin-tuck")))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(corrupted.rows_affected, 1);

    app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect_error(500, "internal");
}

#[tokio::test]
async fn today_follows_the_patients_local_day_across_time_zones() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Zones Clinic").await;
    let therapist = app.therapist(&admin).await;
    let t = therapist.access_token.as_str();
    // 2026-06-01 12:00 UTC is Monday morning in Los Angeles and already Tuesday in Auckland.
    let mut patients = Vec::new();
    for zone in ["America/Los_Angeles", "Pacific/Auckland"] {
        let p = app.patient(&therapist).await;
        app.patch("/api/v1/me", Some(&p.access_token), &json!({ "timezone": zone })).await.expect(200);
        let plan = new_plan(&app, t, p.patient_id.unwrap(), "2026-05-01").await;
        prescribe(&app, t, &plan, "chin-tuck", dose(2, &[1])).await;
        patients.push(p);
    }

    let la = app.get("/api/v1/me/today", Some(&patients[0].access_token)).await.expect(200);
    assert_eq!((la["date"].as_str(), la["timezone"].as_str()), (Some("2026-06-01"), Some("America/Los_Angeles")));
    assert_eq!(la["exercises"].as_array().unwrap().len(), 1, "Monday-only stretch is due on Monday");
    assert_eq!(la["exercises"][0]["remaining"], 2);

    let akl = app.get("/api/v1/me/today", Some(&patients[1].access_token)).await.expect(200);
    assert_eq!(akl["date"], "2026-06-02");
    assert!(akl["exercises"].as_array().unwrap().is_empty(), "not due on Tuesday");
    let monday = app.get("/api/v1/me/today?date=2026-06-01", Some(&patients[1].access_token)).await.expect(200);
    assert_eq!(monday["exercises"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_batch_replayed_three_times_and_concurrently_is_stored_once() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let plan = new_plan(&app, &c.therapist.access_token, c.patient.patient_id.unwrap(), "2026-05-01").await;
    let view = prescribe(&app, &c.therapist.access_token, &plan, "chin-tuck", dose(3, &[1, 2, 3, 4, 5, 6, 7])).await;
    let item = view["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();
    let batch = json!({ "items": (0..20).map(|i| {
        let mut l = log(&item, "2026-06-01", "2026-06-01T09:00:00Z");
        l["pain_during"] = json!(i % 11);
        l
    }).collect::<Vec<_>>() });
    let p = Some(c.patient.access_token.as_str());

    let first = app.post("/api/v1/me/exercise-logs", p, &batch).await.expect(200);
    assert!(first["results"].as_array().unwrap().iter().all(|r| r["status"] == 201));
    for _ in 0..2 {
        let again = app.post("/api/v1/me/exercise-logs", p, &batch).await.expect(200);
        assert!(again["results"].as_array().unwrap().iter().all(|r| r["status"] == 200));
        assert_eq!(again["results"][3]["log"], first["results"][3]["log"], "a replay returns the stored record");
    }
    let concurrent = futures::future::join_all((0..4).map(|_| app.post("/api/v1/me/exercise-logs", p, &batch))).await;
    for reply in concurrent {
        assert!(reply.expect(200)["results"].as_array().unwrap().iter().all(|r| r["status"] == 200));
    }
    assert_eq!(entity::exercise_log::Entity::find().count(&app.state.db).await.unwrap(), 20);

    let mut changed = batch["items"][0].clone();
    changed["note"] = json!("edited");
    let reply = app.post("/api/v1/me/exercise-logs", p, &json!({ "items": [changed] })).await.expect(200);
    assert_eq!(reply["results"][0]["status"], 409);
    assert_eq!(entity::exercise_log::Entity::find().count(&app.state.db).await.unwrap(), 20);
}

#[tokio::test]
async fn adherence_matches_a_hand_computed_week() {
    let app = spawn_app().await;
    // Everyone exists from Sunday 2026-05-24 on; the plan runs from Monday the 25th.
    app.clock.set(Utc.with_ymd_and_hms(2026, 5, 24, 8, 0, 0).unwrap());
    let c = cast(&app).await;
    let t = c.therapist.access_token.clone();
    let plan = new_plan(&app, &t, c.patient.patient_id.unwrap(), "2026-05-25").await;
    let daily = prescribe(&app, &t, &plan, "chin-tuck", dose(2, &[1, 2, 3, 4, 5, 6, 7])).await;
    let mwf = prescribe(&app, &t, &plan, "cat-cow", dose(1, &[1, 3, 5])).await;
    let e1 = daily["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();
    let e2 = mwf["exercises"][1]["plan_exercise_id"].as_str().unwrap().to_owned();

    app.clock.set(Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap());
    let p = app.relogin(&c.patient).await;
    // Done per day (Mon 25 … Sun 31). E1 is due twice daily, E2 once on Mon/Wed/Fri.
    let e1_done = [("25", 2), ("26", 3), ("27", 1), ("28", 0), ("29", 2), ("30", 2), ("31", 2)];
    let e2_done = [("25", 1), ("26", 1), ("29", 1)];
    let mut items = Vec::new();
    for (item, days) in [(&e1, &e1_done[..]), (&e2, &e2_done[..])] {
        for (day, times) in days {
            for _ in 0..*times {
                items.push(log(item, &format!("2026-05-{day}"), &format!("2026-05-{day}T10:00:00Z")));
            }
        }
    }
    let reply = app.post("/api/v1/me/exercise-logs", Some(&p), &json!({ "items": items })).await.expect(200);
    assert!(reply["results"].as_array().unwrap().iter().all(|r| r["status"] == 201));

    let path = format!("/api/v1/patients/{}/adherence?from=2026-05-25&to=2026-05-31", c.patient.patient_id.unwrap());
    let t = app.relogin(&c.therapist).await;
    let a = app.get(&path, Some(&t)).await.expect(200);
    // E1: 14 due, 2+2+1+0+2+2+2 = 11 done (the third log on the 26th is capped).
    // E2: 3 due (25, 27, 29), 2 done (the 26th was not a scheduled day).
    assert_eq!((a["prescribed"].as_i64(), a["done"].as_i64()), (Some(17), Some(13)));
    assert_eq!(a["percent"], 76.5);
    assert_eq!(a["streak_days"], 3, "Fri, Sat and Sun complete; Thursday missed");
    let per: Vec<(i64, i64)> = a["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["prescribed"].as_i64().unwrap(), e["done"].as_i64().unwrap()))
        .collect();
    assert_eq!(per, vec![(14, 11), (3, 2)]);
    assert_eq!(a["days"][3], json!({ "date": "2026-05-28", "prescribed": 2, "done": 0 }));

    let mine = app.get("/api/v1/me/adherence?from=2026-05-25&to=2026-05-31", Some(&p)).await.expect(200);
    assert_eq!(mine["percent"], 76.5);
    let roster = app.get("/api/v1/patients", Some(&t)).await.expect(200);
    let row = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == c.patient.patient_id.unwrap().to_string())
        .unwrap()
        .clone();
    // Last 7 days = May 26 … June 1: E1 2+1+0+2+2+2+0 = 9 of 14, E2 1 of 3 (27, 29, June 1):
    // 10 of 17.
    assert_eq!(row["adherence_7d"], 58.8);
}

#[tokio::test]
async fn plan_history_answers_what_was_prescribed_on_a_given_day() {
    let app = spawn_app().await;
    // Everyone exists from Sunday 2026-05-24 on; the plan runs from Monday the 25th.
    app.clock.set(Utc.with_ymd_and_hms(2026, 5, 24, 8, 0, 0).unwrap());
    let c = cast(&app).await;
    let t = c.therapist.access_token.clone();
    let plan = new_plan(&app, &t, c.patient.patient_id.unwrap(), "2026-05-25").await;
    let view = prescribe(&app, &t, &plan, "chin-tuck", dose(2, &[1, 2, 3, 4, 5, 6, 7])).await;
    let item = view["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();

    // Wednesday the 27th, 17:00 Berlin: twice a day becomes three times.
    app.clock.set(Utc.with_ymd_and_hms(2026, 5, 27, 15, 0, 0).unwrap());
    let t = app.relogin(&c.therapist).await;
    app.request(
        reqwest::Method::PUT,
        &format!("/api/v1/care-plans/{plan}/exercises/{item}"),
        Some(&t),
        Some(&dose(3, &[1, 2, 3, 4, 5, 6, 7])),
    )
    .await
    .expect(200);
    app.request(reqwest::Method::DELETE, &format!("/api/v1/care-plans/{plan}/exercises/{item}"), Some(&t), None)
        .await
        .expect(200);

    let on = |date: &'static str| {
        let (app, t, plan) = (&app, t.clone(), plan.clone());
        async move { app.get(&format!("/api/v1/care-plans/{plan}/prescribed?date={date}"), Some(&t)).await }
    };
    assert_eq!(on("2026-05-26").await.expect(200)["exercises"][0]["times_per_day"], 2);
    let wednesday = on("2026-05-27").await.expect(200);
    assert!(wednesday["exercises"].as_array().unwrap().is_empty(), "removed the same day: the end of the day counts");
    on("2026-05-23").await.expect_error(404, "not_found");
    let now = app.get(&format!("/api/v1/care-plans/{plan}"), Some(&t)).await.expect(200);
    assert!(now["exercises"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_prescriptions_and_bad_logs_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = c.therapist.access_token.as_str();
    let plan = new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-05-01").await;
    let add = |body: Value| {
        let (app, plan) = (&app, plan.clone());
        async move { app.post(&format!("/api/v1/care-plans/{plan}/exercises"), Some(t), &body).await }
    };
    let chin = builtin_id("exercise", "chin-tuck");
    for bad in [
        json!({ "sets": 1, "reps": 10, "hold_seconds": 601, "side": "none", "times_per_day": 1 }),
        json!({ "sets": 1, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 11 }),
        json!({ "sets": 1, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 1, "days_of_week": [] }),
        json!({ "sets": 1, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 1, "days_of_week": [8] }),
    ] {
        add(json!({ "exercise_id": chin, "prescription": bad })).await.expect_error(422, "validation_failed");
    }
    // Another clinic's own exercise cannot be prescribed here.
    let other_admin = app.clinic_admin("Other Clinic").await;
    let theirs = app
        .post(
            "/api/v1/exercises",
            Some(&other_admin.access_token),
            &json!({
            "title": "Secret", "summary": "s", "regions": ["neck"], "steps": ["a"],
            "default_dosage": { "sets": 1, "reps": 1, "hold_seconds": 0, "side": "none", "times_per_day": 1 } }),
        )
        .await
        .expect(201);
    add(json!({ "exercise_id": theirs["id"], "prescription": dose(1, &[1]) }))
        .await
        .expect_error(422, "validation_failed");
    let view = app.get(&format!("/api/v1/care-plans/{plan}"), Some(t)).await.expect(200);
    assert!(view["exercises"].as_array().unwrap().is_empty());
    assert_eq!(view["version"], 1, "refused changes leave no version behind");

    let view = prescribe(&app, t, &plan, "chin-tuck", dose(1, &[1, 2, 3, 4, 5, 6, 7])).await;
    let item = view["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();
    let other_patient = app.patient(&c.therapist).await;
    let p = Some(c.patient.access_token.as_str());
    let future = log(&item, "2026-06-02", "2026-06-02T12:00:00Z");
    let mut painful = log(&item, "2026-06-01", "2026-06-01T10:00:00Z");
    painful["pain_during"] = json!(11);
    let reply = app.post("/api/v1/me/exercise-logs", p, &json!({ "items": [future, painful] })).await.expect(200);
    assert_eq!(reply["results"][0]["status"], 422);
    assert_eq!(reply["results"][1]["error"]["details"][0]["field"], "pain_during");
    let foreign = app
        .post(
            "/api/v1/me/exercise-logs",
            Some(&other_patient.access_token),
            &json!({ "items": [log(&item, "2026-06-01", "2026-06-01T10:00:00Z")] }),
        )
        .await
        .expect(200);
    assert_eq!(foreign["results"][0]["status"], 404, "another patient's plan");
    let too_many: Vec<Value> = (0..101).map(|_| log(&item, "2026-06-01", "2026-06-01T10:00:00Z")).collect();
    app.post("/api/v1/me/exercise-logs", p, &json!({ "items": too_many })).await.expect_error(422, "validation_failed");
    assert_eq!(entity::exercise_log::Entity::find().count(&app.state.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_patient_reads_a_lesson_answers_its_questions_and_syncs() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = c.therapist.access_token.as_str();
    let plan = new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-05-01").await;
    let lesson_id = builtin_id("lesson", "sitting-and-desk-setup");
    app.post(&format!("/api/v1/care-plans/{plan}/lessons"), Some(t), &json!({ "lesson_id": lesson_id }))
        .await
        .expect(200);
    let later = builtin_id("lesson", "lifting-with-a-hip-hinge");
    app.post(
        &format!("/api/v1/care-plans/{plan}/lessons"),
        Some(t),
        &json!({ "lesson_id": later, "unlock_date": "2026-07-01" }),
    )
    .await;
    let p = Some(c.patient.access_token.as_str());

    let sync = app.get("/api/v1/me/sync", p).await.expect(200);
    assert_eq!(sync["plan"]["id"], plan);
    let cursor = sync["next_cursor"].as_str().unwrap().to_owned();

    let lesson = app.get(&format!("/api/v1/me/lessons/{lesson_id}"), p).await.expect(200);
    assert!(lesson["questions"][0].get("correct").is_none(), "answers are not shown before answering");
    app.get(&format!("/api/v1/me/lessons/{later}"), p).await.expect_error(404, "not_found");
    let answers: Vec<u8> = vec![1; lesson["questions"].as_array().unwrap().len()];
    let body = json!({ "id": Uuid::now_v7(), "completed_at": "2026-06-01T11:00:00Z", "local_date": "2026-06-01", "answers": answers });
    let path = format!("/api/v1/me/lessons/{lesson_id}/completions");
    let done = app.post(&path, p, &body).await.expect(201);
    assert_eq!(done["feedback"].as_array().unwrap().len(), answers.len());
    assert_eq!(app.post(&path, p, &body).await.expect(200)["id"], done["id"]);
    let today = app.get("/api/v1/me/today", p).await.expect(200);
    assert_eq!(today["lessons"].as_array().unwrap().len(), 1, "the later lesson is still locked");
    assert_eq!(today["lessons"][0]["completed"], true);

    app.clock.advance(chrono::Duration::minutes(5));
    let next = app.get(&format!("/api/v1/me/sync?since={cursor}"), p).await.expect(200);
    assert_eq!(next["lesson_completions"].as_array().unwrap().len(), 1);
    app.get("/api/v1/me/sync?since=garbage", p).await.expect_error(422, "validation_failed");
}

#[tokio::test]
async fn a_log_for_an_exercise_removed_from_the_plan_is_kept_but_flagged() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = c.therapist.access_token.as_str();
    let plan = new_plan(&app, t, c.patient.patient_id.unwrap(), "2026-05-01").await;
    let view = prescribe(&app, t, &plan, "chin-tuck", dose(1, &[1, 2, 3, 4, 5, 6, 7])).await;
    let item = view["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();
    let p = Some(c.patient.access_token.as_str());
    let before = log(&item, "2026-06-01", "2026-06-01T08:00:00Z");
    app.request(reqwest::Method::DELETE, &format!("/api/v1/care-plans/{plan}/exercises/{item}"), Some(t), None)
        .await
        .expect(200);
    // Synced after the removal: done offline before it (kept, counts), and after it (kept, flagged).
    let after = log(&item, "2026-06-01", "2026-06-01T12:00:00Z");
    let reply = app.post("/api/v1/me/exercise-logs", p, &json!({ "items": [before, after] })).await.expect(200);
    assert_eq!(reply["results"][0]["status"], 201);
    assert_eq!(reply["results"][0]["log"]["off_plan"], false);
    assert_eq!(reply["results"][1]["status"], 201);
    assert_eq!(reply["results"][1]["log"]["off_plan"], true);
    let logs = app.get("/api/v1/me/exercise-logs?from=2026-06-01&to=2026-06-01", p).await.expect(200);
    assert_eq!(logs["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn today_names_the_next_scheduled_session_not_a_past_cancelled_or_other_patients_one() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let other = app.patient(&c.therapist).await;
    let t = Some(c.therapist.access_token.as_str());
    let slot = |patient: Uuid, starts: &str, ends: &str| {
        (format!("/api/v1/patients/{patient}/appointments"), json!({ "starts_at": starts, "ends_at": ends }))
    };
    let book = |(path, body): (String, Value)| {
        let app = &app;
        async move { app.post(&path, t, &body).await.expect(201)["id"].as_str().unwrap().to_owned() }
    };
    let me = c.patient.patient_id.unwrap();
    // The clock stands at 2026-06-01 12:00Z.
    book(slot(me, "2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")).await;
    let cancelled = book(slot(me, "2026-06-02T08:00:00Z", "2026-06-02T09:00:00Z")).await;
    app.patch(&format!("/api/v1/appointments/{cancelled}"), t, &json!({ "status": "cancelled" })).await.expect(200);
    book(slot(other.patient_id.unwrap(), "2026-06-02T10:00:00Z", "2026-06-02T11:00:00Z")).await;
    let later = book(slot(me, "2026-06-09T08:00:00Z", "2026-06-09T09:00:00Z")).await;
    let next = book(slot(me, "2026-06-03T08:00:00Z", "2026-06-03T09:00:00Z")).await;

    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(today["next_appointment"]["id"], next.as_str());
    assert_eq!(today["check_in_done"], false);
    assert!(today["plan"].is_null() && today["measures_due"].as_array().unwrap().is_empty());

    app.patch(&format!("/api/v1/appointments/{next}"), t, &json!({ "status": "cancelled" })).await.expect(200);
    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(today["next_appointment"]["id"], later.as_str());
    let theirs = app.get("/api/v1/me/today", Some(&other.access_token)).await.expect(200);
    assert_ne!(theirs["next_appointment"]["id"], later.as_str());
    assert!(theirs["next_appointment"]["starts_at"].as_str().unwrap().starts_with("2026-06-02T10:00:00"));
}

#[tokio::test]
async fn the_roster_gives_each_patient_on_a_page_their_own_last_week_in_their_own_zone() {
    let app = spawn_app().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 5, 24, 8, 0, 0).unwrap());
    let admin = app.clinic_admin("Roster Clinic").await;
    let therapist = app.therapist(&admin).await;
    let t = therapist.access_token.clone();
    let steady = app.patient(&therapist).await;
    let patchy = app.patient(&therapist).await;
    let no_account = app.patient_record(&therapist, "Nora No-App").await;
    let no_plan = app.patient_record(&therapist, "Nils No-Plan").await;
    // Auckland is UTC+12 in June: at noon UTC on June 1 its today is June 2.
    app.patch("/api/v1/me", Some(&patchy.access_token), &json!({ "timezone": "Pacific/Auckland" })).await.expect(200);
    let mut items = Vec::new();
    for (patient_id, done_days) in [
        (steady.patient_id.unwrap(), &["26", "27", "28", "29", "30", "31"][..]),
        (patchy.patient_id.unwrap(), &["27", "29", "31"][..]),
        (no_account, &[][..]),
    ] {
        let plan = new_plan(&app, &t, patient_id, "2026-05-25").await;
        let daily = prescribe(&app, &t, &plan, "chin-tuck", dose(1, &[1, 2, 3, 4, 5, 6, 7])).await;
        let item = daily["exercises"][0]["plan_exercise_id"].as_str().unwrap().to_owned();
        items.push((patient_id, item, done_days));
    }

    app.clock.set(Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap());
    for (actor, (_, item, days)) in [&steady, &patchy].into_iter().zip(&items) {
        let token = app.relogin(actor).await;
        let logs: Vec<Value> =
            days.iter().map(|d| log(item, &format!("2026-05-{d}"), &format!("2026-05-{d}T10:00:00Z"))).collect();
        app.post("/api/v1/me/exercise-logs", Some(&token), &json!({ "items": logs })).await.expect(200);
    }
    let t = app.relogin(&therapist).await;
    let roster = app.get("/api/v1/patients", Some(&t)).await.expect(200);

    let row = |id: Uuid| {
        roster["items"].as_array().unwrap().iter().find(|r| r["id"] == id.to_string()).unwrap()["adherence_7d"].clone()
    };
    // May 26 … June 1 in UTC: 6 of 7 days.
    assert_eq!(row(steady.patient_id.unwrap()), 85.7);
    // May 27 … June 2 in Auckland: 3 of 7.
    assert_eq!(row(patchy.patient_id.unwrap()), 42.9);
    assert_eq!(row(no_account), 0.0);
    assert_eq!(row(no_plan), Value::Null, "nothing prescribed: absent");
    // The same numbers as each patient's own adherence over their week.
    for (id, from, to) in [
        (steady.patient_id.unwrap(), "2026-05-26", "2026-06-01"),
        (patchy.patient_id.unwrap(), "2026-05-27", "2026-06-02"),
    ] {
        let one = app.get(&format!("/api/v1/patients/{id}/adherence?from={from}&to={to}"), Some(&t)).await.expect(200);
        assert_eq!(one["percent"], row(id));
    }
}
