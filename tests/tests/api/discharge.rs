//! Discharge: the summary (goal results, outcomes first → last with their MCID flags,
//! home programme), the plan closed for good, and no reminder sent after it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fascia_tests::{Actor, TestApp, World, spawn_app_with};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

/// Patient A's plan from June 1 with two goals and one daily exercise: (plan id, goal ids).
async fn plan(app: &TestApp, w: &World) -> (String, [String; 2]) {
    let t = Some(w.therapist_x.access_token.as_str());
    let pid = w.patient_a.patient_id.unwrap();
    let plan = app
        .post(&format!("/api/v1/patients/{pid}/care-plans"), t, &json!({ "title": "Knee", "start_date": "2026-06-01" }))
        .await
        .expect(201);
    let id = plan["id"].as_str().unwrap().to_owned();
    let goals = format!("/api/v1/care-plans/{id}/goals");
    app.post(&goals, t, &json!({ "activity": "Climb stairs", "baseline": 3, "target": 8 })).await.expect(200);
    let view =
        app.post(&goals, t, &json!({ "activity": "Kneel to garden", "baseline": 4, "target": 9 })).await.expect(200);
    let dose = json!({ "sets": 1, "reps": 5, "hold_seconds": 5, "side": "none", "times_per_day": 1 });
    let exercise = json!({ "exercise_id": fascia::content::builtin_id("exercise", "chin-tuck"), "prescription": dose });
    app.post(&format!("/api/v1/care-plans/{id}/exercises"), t, &exercise).await.expect(200);
    let goal = |activity: &str| {
        let g = view["goals"].as_array().unwrap().iter().find(|g| g["activity"] == activity).unwrap();
        g["id"].as_str().unwrap().to_owned()
    };
    (id, [goal("Climb stairs"), goal("Kneel to garden")])
}

fn discharge_body(goals: &[String; 2], ratings: [i64; 2]) -> Value {
    json!({
        "reason": "goals_met",
        "goals": [{ "goal_id": goals[0], "rating": ratings[0] }, { "goal_id": goals[1], "rating": ratings[1] }],
        "home_programme": "  Stairs twice a day; quad sets morning and evening.  ",
    })
}

async fn discharge(app: &TestApp, who: &Actor, plan: &str, body: &Value) -> fascia_tests::Reply {
    app.post(&format!("/api/v1/care-plans/{plan}/discharge"), Some(&who.access_token), body).await
}

async fn check_in(app: &TestApp, patient: &Actor, at: &str, pain: i64) {
    let items = json!({ "items": [{ "id": Uuid::now_v7(), "recorded_at": at, "pain": pain }] });
    let reply = app.post("/api/v1/me/check-ins", Some(&patient.access_token), &items).await;
    assert!(reply.status.is_success(), "{}", reply.body);
}

async fn answer(app: &TestApp, patient: &Actor, instrument: &str, at: &str, answers: Value) {
    let body = json!({ "id": Uuid::now_v7(), "instrument": instrument, "recorded_at": at, "answers": answers });
    app.post("/api/v1/me/measure-responses", Some(&patient.access_token), &body).await.expect(201);
}

#[tokio::test]
async fn a_discharge_rates_the_goals_and_flags_meaningful_changes_first_to_last() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let (t, pid) = (Some(w.therapist_x.access_token.as_str()), w.patient_a.patient_id.unwrap());
    for (instrument, every) in [("nprs", 7), ("peg", 7)] {
        let body = json!({ "instrument": instrument, "every_days": every, "starts_on": "2026-06-01" });
        app.post(&format!("/api/v1/patients/{pid}/measures"), t, &body).await.expect(201);
    }
    app.clock.set(utc("2026-06-22T10:00:00Z"));
    // Access tokens live 15 minutes: sign in again at the new time.
    let p = &Actor { access_token: app.relogin(&w.patient_a).await, ..w.patient_a.clone() };
    let therapist = Actor { access_token: app.relogin(&w.therapist_x).await, ..w.therapist_x.clone() };
    let t = Some(therapist.access_token.as_str());
    // Pain: first week June 1 (7) and June 2 (6) → 6.5; last week June 20 (3), June 21 (2) → 2.5.
    for (at, pain) in [
        ("2026-06-01T18:00:00Z", 7),
        ("2026-06-02T18:00:00Z", 6),
        ("2026-06-20T18:00:00Z", 3),
        ("2026-06-21T18:00:00Z", 2),
    ] {
        check_in(&app, p, at, pain).await;
    }
    answer(&app, p, "nprs", "2026-06-01T18:05:00Z", json!([7])).await;
    answer(&app, p, "nprs", "2026-06-21T18:05:00Z", json!([3])).await;
    answer(&app, p, "peg", "2026-06-01T18:06:00Z", json!([6, 6, 6])).await;
    answer(&app, p, "peg", "2026-06-21T18:06:00Z", json!([5, 5, 6])).await;

    let d = discharge(&app, &therapist, &plan, &discharge_body(&goals, [8, 5])).await.expect(201);

    assert_eq!((d["reason"].as_str(), d["discharge_date"].as_str()), (Some("goals_met"), Some("2026-06-22")));
    assert_eq!(d["home_programme"], "Stairs twice a day; quad sets morning and evening.");
    let goal = |i: usize| &d["goals"][i];
    assert_eq!((goal(0)["activity"].as_str(), goal(0)["status"].as_str()), (Some("Climb stairs"), Some("met")));
    assert_eq!((goal(0)["change"].as_i64(), goal(0)["clinically_meaningful"].as_bool()), (Some(5), Some(true)));
    assert_eq!((goal(1)["status"].as_str(), goal(1)["change"].as_i64()), (Some("partly_met"), Some(1)));
    assert_eq!(goal(1)["clinically_meaningful"], false);
    let outcome = |m: &str| d["outcomes"].as_array().unwrap().iter().find(|o| o["measure"] == m).unwrap().clone();
    let pain = outcome("pain");
    assert_eq!(
        (pain["first"].as_f64(), pain["last"].as_f64(), pain["change"].as_f64()),
        (Some(6.5), Some(2.5), Some(-4.0))
    );
    assert_eq!((pain["direction"].as_str(), pain["clinically_meaningful"].as_bool()), (Some("improved"), Some(true)));
    assert_eq!((pain["first_on"].as_str(), pain["last_on"].as_str()), (Some("2026-06-01"), Some("2026-06-21")));
    let nprs = outcome("nprs");
    assert_eq!(
        (nprs["first"].as_f64(), nprs["last"].as_f64(), nprs["clinically_meaningful"].as_bool()),
        (Some(7.0), Some(3.0), Some(true))
    );
    // PEG 6 → 5.33: under 2 points and under 30 %.
    let peg = outcome("peg");
    assert_eq!((peg["last"].as_f64(), peg["clinically_meaningful"].as_bool()), (Some(5.33), Some(false)));
    // The summary reads back as stored.
    let read = app.get(&format!("/api/v1/care-plans/{plan}/discharge"), t).await.expect(200);
    assert_eq!(read, d);
}

#[tokio::test]
async fn discharge_closes_the_plan_with_a_new_version_and_is_audited() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let t = Some(w.therapist_x.access_token.as_str());
    let before = app.get(&format!("/api/v1/care-plans/{plan}"), t).await.expect(200);

    discharge(&app, &w.therapist_x, &plan, &discharge_body(&goals, [8, 5])).await.expect(201);

    let after = app.get(&format!("/api/v1/care-plans/{plan}"), t).await.expect(200);
    assert_eq!(after["status"], "completed");
    assert_eq!(after["version"].as_i64(), before["version"].as_i64().map(|v| v + 1));
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("care_plan.discharge"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].patient_id, w.patient_a.patient_id);
    // Closed for good: it cannot be made active again.
    let reopen = app.patch(&format!("/api/v1/care-plans/{plan}"), t, &json!({ "status": "active" })).await;
    reopen.expect_error(409, "conflict");
}

#[tokio::test]
async fn discharging_twice_is_a_conflict_and_keeps_the_first_summary() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let first = discharge(&app, &w.therapist_x, &plan, &discharge_body(&goals, [8, 5])).await.expect(201);

    let mut again = discharge_body(&goals, [2, 2]);
    again["reason"] = json!("plateau");
    discharge(&app, &w.admin, &plan, &again).await.expect_error(409, "conflict");

    let read = app.get(&format!("/api/v1/care-plans/{plan}/discharge"), Some(&w.admin.access_token)).await;
    assert_eq!(read.expect(200), first);
}

#[tokio::test]
async fn another_clinic_s_plan_is_not_found_and_patients_cannot_discharge() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let body = discharge_body(&goals, [8, 5]);
    let path = format!("/api/v1/care-plans/{plan}/discharge");

    discharge(&app, &w.therapist_y, &plan, &body).await.expect_error(404, "not_found");
    discharge(&app, &w.patient_a, &plan, &body).await.expect_error(403, "forbidden");
    app.get(&path, Some(&w.therapist_x.access_token)).await.expect_error(404, "not_found");
    discharge(&app, &w.therapist_x, &plan, &body).await.expect(201);
    app.get(&path, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");
    app.get(&path, Some(&w.patient_a.access_token)).await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn every_goal_needs_one_rating_and_a_refused_discharge_changes_nothing() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let one_goal = json!({ "reason": "plateau", "goals": [{ "goal_id": goals[0], "rating": 5 }] });
    let twice = json!({ "reason": "plateau", "goals": [{ "goal_id": goals[0], "rating": 5 }, { "goal_id": goals[0], "rating": 6 }] });
    let stranger = json!({ "reason": "plateau", "goals": [{ "goal_id": goals[0], "rating": 5 }, { "goal_id": Uuid::now_v7(), "rating": 6 }] });

    let err = discharge(&app, &w.therapist_x, &plan, &one_goal).await.expect_error(422, "validation_failed");
    assert_eq!(err["details"][0]["field"], "goals");
    let err = discharge(&app, &w.therapist_x, &plan, &twice).await.expect_error(422, "validation_failed");
    assert_eq!(err["details"][0]["field"], "goals[1].goal_id");
    discharge(&app, &w.therapist_x, &plan, &stranger).await.expect_error(422, "validation_failed");
    discharge(&app, &w.therapist_x, &plan, &discharge_body(&goals, [11, 5]))
        .await
        .expect_error(422, "validation_failed");
    let mut unknown_reason = discharge_body(&goals, [8, 5]);
    unknown_reason["reason"] = json!("bored");
    discharge(&app, &w.therapist_x, &plan, &unknown_reason).await.expect_error(400, "bad_request");

    let t = Some(w.therapist_x.access_token.as_str());
    assert_eq!(app.get(&format!("/api/v1/care-plans/{plan}"), t).await.expect(200)["status"], "active");
    app.get(&format!("/api/v1/care-plans/{plan}/discharge"), t).await.expect_error(404, "not_found");
}

fn delivered(fake: &fascia_tests::fake_push::FakePushService) -> Vec<String> {
    fake.delivered().into_iter().map(|r| r.payload.unwrap()["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn no_reminder_is_sent_after_discharge_until_a_new_plan_starts() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let fake = app.fake_push().await;
    app.subscribe(&w.patient_a, &fake).await;
    let step = |at: &str| {
        let at = utc(at);
        app.clock.set(at);
        app.run_reminders(at)
    };
    // June 2 in Berlin: exercises at 18:00 (16:00 UTC) and the check-in at 20:00 (18:00 UTC).
    step("2026-06-02T15:59:00Z").await;
    step("2026-06-02T16:00:00Z").await;
    // The lesson reminder (19:00 local) finds no lesson and is skipped before and after.
    step("2026-06-02T17:00:00Z").await;
    step("2026-06-02T18:00:00Z").await;
    assert_eq!(delivered(&fake), ["Time for your stretches", "How was your day?"]);

    let therapist = Actor { access_token: app.relogin(&w.therapist_x).await, ..w.therapist_x.clone() };
    discharge(&app, &therapist, &plan, &discharge_body(&goals, [8, 5])).await.expect(201);
    step("2026-06-03T15:59:00Z").await;
    let exercises = step("2026-06-03T16:00:00Z").await;
    step("2026-06-03T17:00:00Z").await;
    let check_in = step("2026-06-03T18:00:00Z").await;

    assert_eq!((exercises.sent, exercises.skipped), (0, 1));
    assert_eq!((check_in.sent, check_in.skipped), (0, 1));
    assert_eq!(delivered(&fake).len(), 2);

    // A new course of care brings the daily check-in back.
    let pid = w.patient_a.patient_id.unwrap();
    let body = json!({ "title": "Next course", "start_date": "2026-06-04" });
    let token = app.relogin(&w.therapist_x).await;
    app.post(&format!("/api/v1/patients/{pid}/care-plans"), Some(&token), &body).await.expect(201);
    step("2026-06-04T17:59:00Z").await;
    let back = step("2026-06-04T18:00:00Z").await;
    assert_eq!(back.sent, 1);
}

#[tokio::test]
async fn silence_after_discharge_raises_no_disengaged_alert() {
    let app = app().await;
    let w = app.world().await;
    let (plan, goals) = plan(&app, &w).await;
    let disengaged = |patient: &Actor| {
        entity::alert::Entity::find()
            .filter(entity::alert::Column::PatientId.eq(patient.patient_id.unwrap()))
            .filter(entity::alert::Column::Kind.eq(entity::alert::Kind::Disengaged))
            .all(&app.state.db)
    };
    discharge(&app, &w.therapist_x, &plan, &discharge_body(&goals, [8, 5])).await.expect(201);

    // Patient B (no plan) and patient A (discharged) both stay silent for ten days.
    fascia::services::alerts::evaluate(&app.state.db, utc("2026-06-11T12:00:00Z")).await.unwrap();

    assert!(disengaged(&w.patient_a).await.unwrap().is_empty());
    assert_eq!(disengaged(&w.patient_b).await.unwrap().len(), 1);
}
