//! The reminder dispatcher, driven step by step with a fixed clock against a fake push
//! service that verifies and decrypts every message: local times in several zones, DST
//! gaps and folds, quiet hours, skip-if-done, retries, expiry, leases.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use fascia::reminders::dispatch;
use fascia_tests::{
    Actor, TestApp,
    fake_push::{FakePushService, Scripted},
    spawn_app_with,
};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

async fn app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

/// A patient in `zone` with a plan of one exercise (once a day) and a subscribed device.
struct Patient {
    actor: Actor,
    endpoint: String,
    plan_exercise_id: Uuid,
}

async fn patient_in(app: &TestApp, therapist: &Actor, zone: &str, fake: &FakePushService) -> Patient {
    let actor = app.patient(therapist).await;
    app.patch("/api/v1/me", Some(&actor.access_token), &json!({ "timezone": zone })).await.expect(200);
    let t = Some(therapist.access_token.as_str());
    let pid = actor.patient_id.unwrap();
    let plan = app
        .post(&format!("/api/v1/patients/{pid}/care-plans"), t, &json!({ "title": "Plan", "start_date": "2026-01-01" }))
        .await
        .expect(201);
    let chin_tuck = fascia::content::builtin_id("exercise", "chin-tuck");
    let prescription = json!({ "sets": 1, "reps": 5, "hold_seconds": 5, "side": "none", "times_per_day": 1 });
    let plan = app
        .post(
            &format!("/api/v1/care-plans/{}/exercises", plan["id"].as_str().unwrap()),
            t,
            &json!({ "exercise_id": chin_tuck, "prescription": prescription }),
        )
        .await
        .expect(200);
    let plan_exercise_id = plan["exercises"][0]["plan_exercise_id"].as_str().unwrap().parse().unwrap();
    let (_, endpoint) = app.subscribe(&actor, fake).await;
    Patient { actor, endpoint, plan_exercise_id }
}

async fn rules(app: &TestApp, patient: &Actor) -> Vec<Value> {
    app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await.expect(200).as_array().unwrap().clone()
}

/// Sets the patient's rule of `kind` to `time` and turns the other kinds off.
async fn only_rule(app: &TestApp, patient: &Actor, kind: &str, time: &str) {
    for rule in rules(app, patient).await {
        let body = if rule["kind"] == kind { json!({ "local_time": time }) } else { json!({ "enabled": false }) };
        let path = format!("/api/v1/me/reminder-rules/{}", rule["id"].as_str().unwrap());
        app.patch(&path, Some(&patient.access_token), &body).await.expect(200);
    }
}

/// One dispatcher step at `at`, with the app's clock (and so the VAPID `exp` check) there too.
async fn step(app: &TestApp, at: DateTime<Utc>) -> fascia::reminders::Report {
    app.clock.set(at);
    app.run_reminders(at).await
}

fn delivered_to(fake: &FakePushService, endpoint: &str) -> Vec<Value> {
    let id = endpoint.rsplit('/').next().unwrap();
    fake.delivered().into_iter().filter(|r| r.subscription == id).map(|r| r.payload.unwrap()).collect()
}

#[tokio::test]
async fn default_rules_come_with_the_care_plan() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    let rules = rules(&app, &p.actor).await;
    let by_kind: HashMap<&str, &Value> = rules.iter().map(|r| (r["kind"].as_str().unwrap(), r)).collect();
    assert_eq!(by_kind.len(), 6);
    assert_eq!(by_kind["exercises"]["local_time"], "18:00");
    assert_eq!(by_kind["lesson"]["local_time"], "19:00");
    assert_eq!(by_kind["check_in"]["local_time"], "20:00");
    assert_eq!(by_kind["appointment_24h"]["session_offset_minutes"], -1440);
    assert_eq!(by_kind["appointment_2h"]["session_offset_minutes"], -120);
    assert_eq!(by_kind["post_session"]["session_offset_minutes"], 180);
    assert!(rules.iter().all(|r| r["enabled"] == true && r["timezone"] == "Europe/Berlin"));
    // The therapist sees and edits the same rules; another clinic's therapist does not.
    let path = format!("/api/v1/patients/{}/reminder-rules", p.actor.patient_id.unwrap());
    let seen = app.get(&path, Some(&w.therapist_x.access_token)).await.expect(200);
    assert_eq!(seen.as_array().unwrap().len(), 6);
    app.get(&path, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");
    let rule_path = format!("{path}/{}", by_kind["exercises"]["id"].as_str().unwrap());
    let changed = app.patch(&rule_path, Some(&w.therapist_x.access_token), &json!({ "local_time": "07:45" })).await;
    assert_eq!(changed.expect(200)["local_time"], "07:45");
    let bad = app.patch(&rule_path, Some(&w.therapist_x.access_token), &json!({ "local_time": "24:00" })).await;
    bad.expect_error(422, "validation_failed");
}

#[tokio::test]
async fn exercise_reminders_arrive_at_the_local_time_in_each_zone() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let cases = [
        ("Asia/Tokyo", "2026-06-01T09:00:00Z"),
        ("Europe/Berlin", "2026-06-01T16:00:00Z"),
        ("America/New_York", "2026-06-01T22:00:00Z"),
    ];
    let mut patients = Vec::new();
    for (zone, due) in cases {
        let p = patient_in(&app, &w.therapist_x, zone, &fake).await;
        only_rule(&app, &p.actor, "exercises", "18:00").await;
        patients.push((p, utc(due)));
    }
    for (p, due) in &patients {
        step(&app, *due - Duration::minutes(1)).await;
        assert!(delivered_to(&fake, &p.endpoint).is_empty(), "not before 18:00 local");
        step(&app, *due).await;
        let got = delivered_to(&fake, &p.endpoint);
        assert_eq!(got.len(), 1, "one reminder at 18:00 local ({due})");
        assert_eq!(got[0]["title"], "Time for your stretches");
        assert_eq!(got[0]["navigate"], "https://app.fascia.test/today");
        assert!(got[0]["occurrence_id"].is_string());
    }
    let first = &fake.delivered()[0];
    assert_eq!(
        (first.topic.as_deref(), first.urgency.as_deref(), first.ttl),
        (Some("exercises"), Some("normal"), Some(14400))
    );
    step(&app, utc("2026-06-02T00:00:00Z")).await;
    assert_eq!(fake.delivered().len(), 3, "nothing sent twice");
}

/// The check-in rule at a local time that DST skips or repeats fires exactly once, at
/// the instant the policy gives.
async fn fires_once_at(zone: &str, local_time: &str, expected: &str) {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, zone, &fake).await;
    only_rule(&app, &p.actor, "check_in", local_time).await;
    let expected = utc(expected);
    let mut at = expected - Duration::hours(3);
    while at <= expected + Duration::hours(3) {
        step(&app, at).await;
        let sent = delivered_to(&fake, &p.endpoint).len();
        assert_eq!(sent, usize::from(at >= expected), "{zone} {local_time} at {at}");
        at += Duration::minutes(15);
    }
}

#[tokio::test]
async fn a_new_york_time_in_the_spring_gap_fires_once_after_the_gap() {
    fires_once_at("America/New_York", "02:30", "2026-03-08T07:30:00Z").await;
}

#[tokio::test]
async fn a_new_york_time_in_the_fall_fold_fires_once_at_its_first_occurrence() {
    fires_once_at("America/New_York", "01:30", "2026-11-01T05:30:00Z").await;
}

#[tokio::test]
async fn a_berlin_time_in_the_spring_gap_fires_once_after_the_gap() {
    fires_once_at("Europe/Berlin", "02:30", "2026-03-29T01:30:00Z").await;
}

#[tokio::test]
async fn a_berlin_time_in_the_fall_fold_fires_once_at_its_first_occurrence() {
    fires_once_at("Europe/Berlin", "02:30", "2026-10-25T00:30:00Z").await;
}

#[tokio::test]
async fn quiet_hours_hold_a_reminder_until_they_end() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    only_rule(&app, &p.actor, "check_in", "22:30").await;
    let quiet = json!({ "quiet_hours": { "start": "22:00", "end": "07:00" } });
    app.request(Method::PUT, "/api/v1/me/reminder-preferences", Some(&p.actor.access_token), Some(&quiet))
        .await
        .expect(200);
    let report = step(&app, utc("2026-06-01T20:30:00Z")).await;
    assert_eq!(report.held, 1);
    step(&app, utc("2026-06-02T04:59:00Z")).await;
    assert!(delivered_to(&fake, &p.endpoint).is_empty(), "still quiet at 06:59 local");
    step(&app, utc("2026-06-02T05:00:00Z")).await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 1, "sent when quiet hours end at 07:00 local");
}

#[tokio::test]
async fn an_exercise_reminder_is_skipped_when_todays_exercises_are_done() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    only_rule(&app, &p.actor, "exercises", "18:00").await;
    let log = json!({ "items": [{ "id": Uuid::now_v7(), "plan_exercise_id": p.plan_exercise_id,
        "performed_at": "2026-06-01T11:00:00Z", "local_date": "2026-06-01" }] });
    app.post("/api/v1/me/exercise-logs", Some(&p.actor.access_token), &log).await.expect(200);
    step(&app, utc("2026-06-01T15:59:00Z")).await;
    let report = step(&app, utc("2026-06-01T16:00:00Z")).await;
    assert_eq!((report.skipped, report.sent), (1, 0));
    assert!(fake.received().is_empty());
    // The next day nothing is logged, so the reminder goes out.
    step(&app, utc("2026-06-02T15:59:00Z")).await;
    step(&app, utc("2026-06-02T16:00:00Z")).await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 1);
}

#[tokio::test]
async fn a_410_expires_the_subscription_and_it_is_not_used_again() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "UTC", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    let subs = app.get("/api/v1/me/push-subscriptions", Some(&p.actor.access_token)).await.expect(200);
    fake.script(&p.endpoint, &[Scripted { status: 410, retry_after: None }]);
    step(&app, utc("2026-06-01T19:59:00Z")).await;
    let report = step(&app, utc("2026-06-01T20:00:00Z")).await;
    assert_eq!(report.failed, 1);
    let stored = fascia_subscription(&app, subs[0]["id"].as_str().unwrap()).await;
    assert!(stored.expired_at.is_some());
    step(&app, utc("2026-06-02T19:59:00Z")).await;
    let report = step(&app, utc("2026-06-02T20:00:00Z")).await;
    assert_eq!(report.skipped, 1, "no active subscription left");
    assert_eq!(fake.received().len(), 1);
}

async fn fascia_subscription(app: &TestApp, id: &str) -> entity::push_subscription::Model {
    use sea_orm::EntityTrait;
    entity::push_subscription::Entity::find_by_id(id.parse::<Uuid>().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_429_is_retried_no_sooner_than_retry_after() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "UTC", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    fake.script(&p.endpoint, &[Scripted { status: 429, retry_after: Some(600) }]);
    step(&app, utc("2026-06-01T19:59:00Z")).await;
    let report = step(&app, utc("2026-06-01T20:00:00Z")).await;
    assert_eq!(report.retrying, 1);
    step(&app, utc("2026-06-01T20:05:00Z")).await;
    step(&app, utc("2026-06-01T20:09:59Z")).await;
    assert_eq!(fake.received().len(), 1, "not retried before Retry-After");
    let report = step(&app, utc("2026-06-01T20:10:00Z")).await;
    assert_eq!(report.sent, 1);
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 1);
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "UTC", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    fake.script(
        &p.endpoint,
        &[Scripted { status: 503, retry_after: None }, Scripted { status: 500, retry_after: None }],
    );
    step(&app, utc("2026-06-01T19:59:00Z")).await;
    step(&app, utc("2026-06-01T20:00:00Z")).await;
    step(&app, utc("2026-06-01T20:01:00Z")).await;
    step(&app, utc("2026-06-01T20:02:59Z")).await;
    assert_eq!(fake.received().len(), 2, "second retry waits two minutes");
    step(&app, utc("2026-06-01T20:03:00Z")).await;
    assert_eq!(delivered_to(&fake, &p.endpoint).len(), 1);
}

#[tokio::test]
async fn a_401_or_403_keeps_the_subscription() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "UTC", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    let subs = app.get("/api/v1/me/push-subscriptions", Some(&p.actor.access_token)).await.expect(200);
    let id = subs[0]["id"].as_str().unwrap().to_owned();
    fake.script(
        &p.endpoint,
        &[Scripted { status: 403, retry_after: None }, Scripted { status: 401, retry_after: None }],
    );
    step(&app, utc("2026-06-01T19:59:00Z")).await;
    assert_eq!(step(&app, utc("2026-06-01T20:00:00Z")).await.failed, 1);
    step(&app, utc("2026-06-02T19:59:00Z")).await;
    assert_eq!(step(&app, utc("2026-06-02T20:00:00Z")).await.failed, 1);
    let stored = fascia_subscription(&app, &id).await;
    assert!(stored.expired_at.is_none());
    assert_eq!(stored.consecutive_failures, 2);
    step(&app, utc("2026-06-03T19:59:00Z")).await;
    assert_eq!(step(&app, utc("2026-06-03T20:00:00Z")).await.sent, 1);
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_token_acknowledges_nothing() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "UTC", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    let db = &app.state.db;
    let due = utc("2026-06-01T20:00:00Z");
    fascia::reminders::materialise::materialise(db, due - Duration::minutes(1), Duration::minutes(30)).await.unwrap();
    let first = dispatch::lease(db, due, Duration::seconds(60), 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(dispatch::lease(db, due + Duration::seconds(30), Duration::seconds(60), 10).await.unwrap().is_empty());
    let second = dispatch::lease(db, due + Duration::seconds(61), Duration::seconds(60), 10).await.unwrap();
    assert_eq!(second.len(), 1, "expired lease taken over");
    let now = due + Duration::seconds(62);
    assert!(!dispatch::acknowledge(db, now, &first[0], &dispatch::Ack::Sent).await.unwrap(), "stale token");
    let skipped = dispatch::Ack::Skipped("test");
    assert!(dispatch::acknowledge(db, now, &second[0], &skipped).await.unwrap());
    use sea_orm::EntityTrait;
    let row = entity::reminder_occurrence::Entity::find_by_id(second[0].occurrence.id).one(db).await.unwrap().unwrap();
    assert_eq!(row.status, "skipped");
    assert_eq!(row.attempts, 2);
}

#[tokio::test]
async fn a_check_in_reminder_is_skipped_when_a_check_in_is_logged_that_day() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    only_rule(&app, &p.actor, "check_in", "20:00").await;
    let check_in = json!({ "items": [{ "id": Uuid::now_v7(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 3 }] });
    let reply = app.post("/api/v1/me/check-ins", Some(&p.actor.access_token), &check_in).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    step(&app, utc("2026-06-01T17:59:00Z")).await;
    let report = step(&app, utc("2026-06-01T18:00:00Z")).await;
    assert_eq!((report.skipped, report.sent), (1, 0));
    assert!(fake.received().is_empty());
}

/// Dispatch reads the batch's check-in days with one query over its patients and dates:
/// a check-in of one patient, or on another day, must not silence anyone else's reminder.
#[tokio::test]
async fn in_one_batch_only_the_patient_who_checked_in_that_day_is_skipped() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let done = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    let other_day = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    for p in [&done, &other_day] {
        only_rule(&app, &p.actor, "check_in", "20:00").await;
    }
    for (p, at) in [(&done, "2026-06-01T11:00:00Z"), (&other_day, "2026-05-31T11:00:00Z")] {
        let check_in = json!({ "items": [{ "id": Uuid::now_v7(), "recorded_at": at, "pain": 3 }] });
        let reply = app.post("/api/v1/me/check-ins", Some(&p.actor.access_token), &check_in).await;
        assert!(reply.status.is_success(), "{}", reply.body);
    }
    step(&app, utc("2026-06-01T17:59:00Z")).await;
    let report = step(&app, utc("2026-06-01T18:00:00Z")).await;
    assert_eq!((report.skipped, report.sent), (1, 1));
    assert!(delivered_to(&fake, &done.endpoint).is_empty());
    assert_eq!(delivered_to(&fake, &other_day.endpoint).len(), 1);
}

#[tokio::test]
async fn session_reminders_come_a_day_and_two_hours_before_and_a_check_in_prompt_after() {
    let app = app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let p = patient_in(&app, &w.therapist_x, "Europe/Berlin", &fake).await;
    for rule in rules(&app, &p.actor).await {
        let keep = rule["session_offset_minutes"].is_number();
        let path = format!("/api/v1/me/reminder-rules/{}", rule["id"].as_str().unwrap());
        app.patch(&path, Some(&p.actor.access_token), &json!({ "enabled": keep })).await.expect(200);
    }
    let pid = p.actor.patient_id.unwrap();
    let t = Some(w.therapist_x.access_token.as_str());
    let session = json!({ "starts_at": "2026-06-03T08:00:00Z", "ends_at": "2026-06-03T09:00:00Z" });
    app.post(&format!("/api/v1/patients/{pid}/appointments"), t, &session).await.expect(201);
    let cancelled = json!({ "starts_at": "2026-06-05T08:00:00Z", "ends_at": "2026-06-05T09:00:00Z" });
    let cancelled = app.post(&format!("/api/v1/patients/{pid}/appointments"), t, &cancelled).await.expect(201);
    let titles = || -> Vec<String> {
        delivered_to(&fake, &p.endpoint).iter().map(|m| m["title"].as_str().unwrap().to_owned()).collect()
    };
    for (at, expected) in [
        ("2026-06-02T07:59:00Z", 0),
        ("2026-06-02T08:00:00Z", 1),
        ("2026-06-03T05:59:00Z", 1),
        ("2026-06-03T06:00:00Z", 2),
        ("2026-06-03T11:59:00Z", 2),
        ("2026-06-03T12:00:00Z", 3),
    ] {
        step(&app, utc(at)).await;
        assert_eq!(titles().len(), expected, "at {at}: {:?}", titles());
    }
    assert_eq!(
        titles(),
        ["Your session is tomorrow", "Your session starts soon", "How do you feel after your session?"]
    );
    // A session cancelled after its reminder was materialised is not announced.
    step(&app, utc("2026-06-04T07:50:00Z")).await;
    app.clock.set(fascia_tests::start_instant());
    let token = app.relogin(&w.therapist_x).await;
    let path = format!("/api/v1/appointments/{}", cancelled["id"].as_str().unwrap());
    app.patch(&path, Some(&token), &json!({ "status": "cancelled" })).await.expect(200);
    let report = step(&app, utc("2026-06-04T08:00:00Z")).await;
    assert_eq!(report.skipped, 1);
    assert_eq!(titles().len(), 3);
}
