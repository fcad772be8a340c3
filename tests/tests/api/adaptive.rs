//! Adaptive reminder timing (issue 17) through the API: hand-made exercise histories, the
//! nightly review (`fascia::workers::adaptive::run_once`) at fixed instants, and the
//! dispatcher against a fake push service that decrypts every message.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fascia_tests::{Actor, TestApp, fake_push::FakePushService, spawn_app_with};
use serde_json::{Value, json};
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

struct Patient {
    actor: Actor,
    endpoint: String,
    plan_exercise_id: Uuid,
}

/// A patient in Europe/Berlin with one exercise a day, a device, and only the exercise
/// reminder on; created at `at`.
async fn patient(app: &TestApp, therapist: &Actor, fake: &FakePushService, at: &str) -> Patient {
    app.clock.set(utc(at));
    let therapist = &fresh(app, therapist).await;
    let actor = app.patient(therapist).await;
    app.patch("/api/v1/me", Some(&actor.access_token), &json!({ "timezone": "Europe/Berlin" })).await.expect(200);
    let t = Some(therapist.access_token.as_str());
    let pid = actor.patient_id.unwrap();
    let plan = app
        .post(&format!("/api/v1/patients/{pid}/care-plans"), t, &json!({ "title": "Plan", "start_date": "2026-01-01" }))
        .await
        .expect(201);
    let prescription = json!({ "sets": 1, "reps": 5, "hold_seconds": 5, "side": "none", "times_per_day": 1 });
    let plan = app
        .post(
            &format!("/api/v1/care-plans/{}/exercises", plan["id"].as_str().unwrap()),
            t,
            &json!({ "exercise_id": fascia::content::builtin_id("exercise", "chin-tuck"), "prescription": prescription }),
        )
        .await
        .expect(200);
    let plan_exercise_id = plan["exercises"][0]["plan_exercise_id"].as_str().unwrap().parse().unwrap();
    let (_, endpoint) = app.subscribe(&actor, fake).await;
    for rule in rules(app, &actor).await.into_iter().filter(|r| r["kind"] != "exercises") {
        patch_rule(app, &actor, &rule, &json!({ "enabled": false })).await.expect(200);
    }
    Patient { actor, endpoint, plan_exercise_id }
}

/// `actor` with an access token valid at the clock's current instant (tests move it).
async fn fresh(app: &TestApp, actor: &Actor) -> Actor {
    Actor { access_token: app.relogin(actor).await, ..actor.clone() }
}

async fn rules(app: &TestApp, patient: &Actor) -> Vec<Value> {
    let token = app.relogin(patient).await;
    app.get("/api/v1/me/reminder-rules", Some(&token)).await.expect(200).as_array().unwrap().clone()
}

async fn exercise_rule(app: &TestApp, patient: &Actor) -> Value {
    rules(app, patient).await.into_iter().find(|r| r["kind"] == "exercises").unwrap()
}

async fn patch_rule(app: &TestApp, patient: &Actor, rule: &Value, body: &Value) -> fascia_tests::Reply {
    let path = format!("/api/v1/me/reminder-rules/{}", rule["id"].as_str().unwrap());
    app.patch(&path, Some(&app.relogin(patient).await), body).await
}

/// Sets the exercise reminder by hand at instant `at`.
async fn set_time_by_hand(app: &TestApp, p: &Patient, at: &str, time: &str) {
    app.clock.set(utc(at));
    let rule = exercise_rule(app, &p.actor).await;
    let changed = patch_rule(app, &p.actor, &rule, &json!({ "local_time": time })).await.expect(200);
    assert_eq!((changed["local_time"].as_str(), changed["chosen_time"].as_str()), (Some(time), Some(time)));
}

/// Logs the exercise at each local (date, HH:MM) in Berlin, posting at `now`.
async fn log_exercises(app: &TestApp, p: &Patient, now: &str, local: &[(NaiveDate, &str)]) {
    app.clock.set(utc(now));
    let items: Vec<Value> = local
        .iter()
        .map(|(date, time)| {
            let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
            // Berlin is UTC+2 from 29 March to 24 October 2026, UTC+1 otherwise.
            let summer = *date >= NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
                && *date < NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
            let at = (date.and_time(t) - Duration::hours(if summer { 2 } else { 1 })).and_utc();
            json!({ "id": Uuid::now_v7(), "plan_exercise_id": p.plan_exercise_id, "performed_at": at, "local_date": date })
        })
        .collect();
    let token = app.relogin(&p.actor).await;
    for chunk in items.chunks(100) {
        let reply = app.post("/api/v1/me/exercise-logs", Some(&token), &json!({ "items": chunk })).await;
        let reply = reply.expect(200);
        assert!(reply["results"].as_array().unwrap().iter().all(|r| r["status"] == 201), "{reply}");
    }
}

fn days(from: &str, to: &str) -> Vec<NaiveDate> {
    let (from, to): (NaiveDate, NaiveDate) = (from.parse().unwrap(), to.parse().unwrap());
    from.iter_days().take_while(|d| *d <= to).collect()
}

async fn review(app: &TestApp, at: &str) -> fascia::workers::adaptive::Report {
    app.clock.set(utc(at));
    fascia::workers::adaptive::run_once(&app.state.db, utc(at)).await.expect("adaptive review")
}

async fn step(app: &TestApp, at: &str) -> fascia::reminders::Report {
    app.clock.set(utc(at));
    app.run_reminders(utc(at)).await
}

fn delivered_to(fake: &FakePushService, endpoint: &str) -> Vec<Value> {
    let id = endpoint.rsplit('/').next().unwrap();
    fake.delivered().into_iter().filter(|r| r.subscription == id).map(|r| r.payload.unwrap()).collect()
}

#[tokio::test]
async fn the_reminder_moves_before_a_routine_that_spans_a_dst_change_and_arrives_at_the_new_time() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    let rule = exercise_rule(&app, &p.actor).await;
    assert_eq!(rule["adapt_to_routine"], true, "new patients are opted in");
    set_time_by_hand(&app, &p, "2026-03-01T10:00:00Z", "09:00").await;
    // 14 mornings around 08:00 Berlin time, across the switch to summer time on 29 March
    // (07:00Z before, 06:00Z after); a second, later log on some days does not count.
    let mut history: Vec<(NaiveDate, &str)> = days("2026-03-20", "2026-04-02")
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d, if i % 2 == 0 { "07:55" } else { "08:05" }))
        .collect();
    history.extend(days("2026-03-25", "2026-03-31").into_iter().map(|d| (d, "21:00")));
    log_exercises(&app, &p, "2026-04-02T20:00:00Z", &history).await;

    let report = review(&app, "2026-04-03T01:00:00Z").await;

    assert_eq!(report.moved, 1);
    let rule = exercise_rule(&app, &p.actor).await;
    assert_eq!((rule["local_time"].as_str(), rule["chosen_time"].as_str()), (Some("07:30"), Some("09:00")));
    let why = &rule["adaptation"];
    assert_eq!(why["moved_from"], "09:00");
    assert_eq!(why["moved_to"], "07:30");
    assert_eq!(why["usual_time"], "08:00");
    assert_eq!(why["observed_days"], 14);
    assert_eq!(why["window_days"], 21);
    assert_eq!(why["changed_on"], "2026-04-03");
    assert_eq!(why["explanation"], "Moved to 07:30: you usually stretch around 08:00.");
    // 07:30 CEST is 05:30Z; the reminder goes then and not before, and decrypts.
    step(&app, "2026-04-03T05:29:00Z").await;
    assert!(delivered_to(&fake, &p.endpoint).is_empty());
    step(&app, "2026-04-03T05:30:00Z").await;
    let got = delivered_to(&fake, &p.endpoint);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["title"], "Time for your stretches");
}

#[tokio::test]
async fn adaptation_moves_at_most_two_hours_once_a_week() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    let history: Vec<(NaiveDate, &str)> = days("2026-03-12", "2026-04-20").into_iter().map(|d| (d, "08:30")).collect();
    log_exercises(&app, &p, "2026-04-21T00:00:00Z", &history).await;
    let mut times = Vec::new();
    for night in days("2026-04-03", "2026-04-17") {
        // 03:00 Berlin summer time.
        review(&app, &format!("{night}T01:00:00Z")).await;
        times.push(exercise_rule(&app, &p.actor).await["local_time"].as_str().unwrap().to_owned());
    }
    let mut expected = vec!["16:00"; 7];
    expected.extend(vec!["14:00"; 7]);
    expected.push("12:00");
    assert_eq!(times, expected);
}

#[tokio::test]
async fn adaptation_never_goes_inside_quiet_hours_or_before_seven() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let late_sleeper = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    let quiet = json!({ "quiet_hours": { "start": "22:00", "end": "08:30" } });
    let token = app.relogin(&late_sleeper.actor).await;
    app.put("/api/v1/me/reminder-preferences", Some(&token), &quiet).await.expect(200);
    set_time_by_hand(&app, &late_sleeper, "2026-03-01T10:00:00Z", "09:00").await;
    let early_bird = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    set_time_by_hand(&app, &early_bird, "2026-03-01T10:00:00Z", "08:00").await;
    let window = days("2026-03-20", "2026-04-02");
    let at = |time: &'static str| window.iter().map(|d| (*d, time)).collect::<Vec<_>>();
    log_exercises(&app, &late_sleeper, "2026-04-02T20:00:00Z", &at("08:30")).await;
    log_exercises(&app, &early_bird, "2026-04-02T20:00:00Z", &at("06:15")).await;

    review(&app, "2026-04-03T01:00:00Z").await;

    // 08:00 would be inside quiet hours, which end at 08:30.
    assert_eq!(exercise_rule(&app, &late_sleeper.actor).await["local_time"], "08:30");
    // 05:45 would be before 07:00.
    assert_eq!(exercise_rule(&app, &early_bird.actor).await["local_time"], "07:00");
}

#[tokio::test]
async fn opting_out_keeps_or_restores_the_chosen_time() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let adapted = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    set_time_by_hand(&app, &adapted, "2026-03-01T10:00:00Z", "09:00").await;
    let opted_out = patient(&app, &w.therapist_x, &fake, "2026-03-01T10:00:00Z").await;
    let rule = exercise_rule(&app, &opted_out.actor).await;
    let off = patch_rule(&app, &opted_out.actor, &rule, &json!({ "adapt_to_routine": false })).await.expect(200);
    assert_eq!((off["adapt_to_routine"].as_bool(), off["local_time"].as_str()), (Some(false), Some("18:00")));
    let window = days("2026-03-20", "2026-04-02");
    for p in [&adapted, &opted_out] {
        log_exercises(&app, p, "2026-04-02T20:00:00Z", &window.iter().map(|d| (*d, "08:00")).collect::<Vec<_>>()).await;
    }

    review(&app, "2026-04-03T01:00:00Z").await;

    assert_eq!(exercise_rule(&app, &opted_out.actor).await["local_time"], "18:00");
    assert!(exercise_rule(&app, &opted_out.actor).await.get("adaptation").is_none());
    let rule = exercise_rule(&app, &adapted.actor).await;
    assert_eq!(rule["local_time"], "07:30");
    let back = patch_rule(&app, &adapted.actor, &rule, &json!({ "adapt_to_routine": false })).await.expect(200);
    assert_eq!((back["local_time"].as_str(), back["adapt_to_routine"].as_bool()), (Some("09:00"), Some(false)));
    assert!(back.get("adaptation").is_none());
    review(&app, "2026-04-11T01:00:00Z").await;
    assert_eq!(exercise_rule(&app, &adapted.actor).await["local_time"], "09:00");
}

#[tokio::test]
async fn three_ignored_days_back_off_to_every_other_day_until_the_patient_exercises() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient(&app, &w.therapist_x, &fake, "2026-06-01T10:00:00Z").await;
    // 18:00 Berlin is 16:00Z in June.
    for day in ["2026-06-01", "2026-06-02", "2026-06-03"] {
        step(&app, &format!("{day}T16:00:00Z")).await;
    }
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 3);
    review(&app, "2026-06-04T01:00:00Z").await;
    assert_eq!(exercise_rule(&app, &p.actor).await["backing_off_since"], "2026-06-04");

    step(&app, "2026-06-04T16:00:00Z").await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 3, "off day");
    review(&app, "2026-06-05T01:00:00Z").await;
    step(&app, "2026-06-05T16:00:00Z").await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 4, "every other day");
    let evening = [(NaiveDate::from_ymd_opt(2026, 6, 5).unwrap(), "19:00")];
    log_exercises(&app, &p, "2026-06-05T18:00:00Z", &evening).await;
    review(&app, "2026-06-06T01:00:00Z").await;

    assert!(exercise_rule(&app, &p.actor).await.get("backing_off_since").is_none(), "recovered");
    step(&app, "2026-06-06T16:00:00Z").await;
    step(&app, "2026-06-07T16:00:00Z").await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 6, "daily again");
}

#[tokio::test]
async fn another_patients_settings_are_not_found_and_bad_switches_are_refused() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient(&app, &w.therapist_x, &fake, "2026-06-01T10:00:00Z").await;
    let rule = exercise_rule(&app, &p.actor).await;
    let id = rule["id"].as_str().unwrap();
    let switch = json!({ "adapt_to_routine": false });
    // Another patient, through their own path.
    let other =
        app.patch(&format!("/api/v1/me/reminder-rules/{id}"), Some(&app.relogin(&w.patient_a).await), &switch).await;
    other.expect_error(404, "not_found");
    // Another clinic's therapist.
    let path = format!("/api/v1/patients/{}/reminder-rules/{id}", p.actor.patient_id.unwrap());
    app.patch(&path, Some(&app.relogin(&w.therapist_y).await), &switch).await.expect_error(404, "not_found");
    // The patient's own therapist may switch it.
    let done = app.patch(&path, Some(&app.relogin(&w.therapist_x).await), &switch).await.expect(200);
    assert_eq!(done["adapt_to_routine"], false);
    // Garbage and session kinds are refused and change nothing.
    let garbage = patch_rule(&app, &p.actor, &rule, &json!({ "adapt_to_routine": "yes" })).await;
    assert!(garbage.status.is_client_error());
    let session = rules(&app, &p.actor).await.into_iter().find(|r| r["kind"] == "appointment_2h").unwrap();
    assert!(session.get("adapt_to_routine").is_none());
    patch_rule(&app, &p.actor, &session, &json!({ "adapt_to_routine": true }))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(exercise_rule(&app, &p.actor).await["adapt_to_routine"], false);
}
