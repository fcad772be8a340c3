//! Push benchmark, printed as figures (not a timed test):
//!
//! 1. reminders delivered per second by the dispatcher (`run_due`) to a loopback sink
//!    that answers 201 without checking, for 10,000 due reminders, next to the cost of
//!    building one message alone (aes128gcm encryption with a cached VAPID token), so the
//!    share of crypto in the total is visible;
//! 2. occurrence materialisation with 1,000 reminders due among 10,000 and among 100,000
//!    patients: it should cost about the same, growing with what is due.
//!
//! `cargo bench -p fascia-tests --bench push` (SQLite), or with
//! `FASCIA_TEST_DATABASE_URL=postgres://...` for PostgreSQL. Everything stays on 127.0.0.1.

use std::{collections::HashMap, time::Instant};

use chrono::{DateTime, Duration, Utc};
use entity::{patient, reminder_rule};
use fascia::push::{Outgoing, Urgency};
use fascia_tests::{TestApp, fake_push::FakePushService, spawn_app_with};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use uuid::Uuid;

async fn app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

fn now() -> DateTime<Utc> {
    "2026-06-01T16:00:00Z".parse().unwrap()
}

async fn dispatch_throughput() {
    const TOTAL: usize = 10_000;
    let app = app().await;
    let sink = FakePushService::start_sink().await;
    let admin = app.clinic_admin("Bench Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    let (endpoint, body) = sink.subscription_json();
    app.post("/api/v1/me/push-subscriptions", Some(&patient.access_token), &body).await.expect(201);
    let rules = app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await.expect(200);
    let rule_id: Uuid = rules[0]["id"].as_str().unwrap().parse().unwrap();
    app.seed_due_reminders(&patient, rule_id, now(), TOTAL).await;
    app.clock.set(now());
    let started = Instant::now();
    let mut sent = 0;
    while sent < TOTAL as u64 {
        let report = app.run_reminders(now()).await;
        assert!(report.leased > 0, "dispatcher stalled at {sent}");
        sent += report.sent;
    }
    let elapsed = started.elapsed();
    assert_eq!(sink.sink_count(), TOTAL as u64);

    // The same message building alone: encryption and header assembly, VAPID token cached.
    let keys = json!(body["keys"]);
    let payload = br#"{"title":"How was your day?","body":"A quick check-in takes less than a minute.","navigate":"https://app.fascia.test/check-in","tag":"fascia-check_in","occurrence_id":"0190f5d2-0000-7000-8000-000000000000"}"#;
    let out = Outgoing {
        endpoint: &endpoint,
        p256dh: keys["p256dh"].as_str().unwrap(),
        auth: keys["auth"].as_str().unwrap(),
        payload,
        ttl: 3600,
        urgency: Urgency::Normal,
        topic: Some("check-in"),
    };
    const BUILDS: u32 = 2_000;
    let t = Instant::now();
    for _ in 0..BUILDS {
        std::hint::black_box(app.state.push.build(now(), &out).expect("message builds"));
    }
    let per_message = t.elapsed() / BUILDS;
    let rate = TOTAL as f64 / elapsed.as_secs_f64();
    println!(
        "dispatch: {TOTAL} due reminders delivered to a loopback sink in {:.2} s = {rate:.0} reminders/s",
        elapsed.as_secs_f64()
    );
    println!(
        "encryption alone: {:.0} µs per message (aes128gcm + headers, VAPID token cached) = {:.0}% of the {:.0} µs per delivered reminder",
        per_message.as_secs_f64() * 1e6,
        100.0 * per_message.as_secs_f64() / (elapsed.as_secs_f64() / TOTAL as f64),
        elapsed.as_secs_f64() / TOTAL as f64 * 1e6
    );
}

/// `patients` patients in Europe/Berlin with one exercise rule each; 1,000 of them at
/// 18:00, the rest spread over the other minutes of the day outside the window.
async fn materialisation(patients: usize) {
    const DUE: usize = 1_000;
    let app = app().await;
    let admin = app.clinic_admin("Bench Clinic").await;
    let therapist = app.therapist(&admin).await;
    let me = app.get("/api/v1/me", Some(&therapist.access_token)).await.expect(200);
    let clinic_id: Uuid = me["clinic_id"].as_str().unwrap().parse().unwrap();
    let t0 = now();
    let (mut records, mut rules) = (Vec::new(), Vec::new());
    for i in 0..patients {
        let id = Uuid::now_v7();
        records.push(patient::ActiveModel {
            id: Set(id),
            clinic_id: Set(clinic_id),
            user_id: Set(None),
            primary_therapist_id: Set(therapist.user_id),
            display_name: Set(format!("Patient {i}")),
            search_name: Set(format!("patient {i}")),
            referring_physician_name: Set(None),
            referring_physician_contact: Set(None),
            diagnosis: Set(None),
            icd10_codes: Set(String::new()),
            precautions: Set(None),
            baseline_pain: Set(None),
            disengaged_after_days: Set(7),
            consent_reminders: Set(true),
            consent_physician_sharing: Set(false),
            archived_at: Set(None),
            created_at: Set(t0),
            updated_at: Set(t0),
        });
        // 17:50–18:30 local is the window; 1,000 rules at 18:00, the others elsewhere.
        let minute = if i < DUE { 18 * 60 } else { ((18 * 60 + 31) + (i * 7) % (24 * 60 - 41)) % (24 * 60) };
        rules.push(reminder_rule::ActiveModel {
            id: Set(Uuid::now_v7()),
            patient_id: Set(id),
            kind: Set(entity::reminder_kind::ReminderKind::Exercises),
            local_minute: Set(minute as i16),
            days_mask: Set(0x7f),
            enabled: Set(true),
            timezone: Set("Europe/Berlin".into()),
            created_at: Set(t0),
            updated_at: Set(t0),
        });
    }
    for chunk in records.chunks(500) {
        patient::Entity::insert_many(chunk.to_vec()).exec_without_returning(&app.state.db).await.unwrap();
    }
    for chunk in rules.chunks(500) {
        reminder_rule::Entity::insert_many(chunk.to_vec()).exec_without_returning(&app.state.db).await.unwrap();
    }
    let started = Instant::now();
    let created =
        fascia::reminders::materialise::materialise(&app.state.db, now(), Duration::minutes(30)).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(created, DUE as u64);
    println!("materialise: {DUE} due among {patients} patients in {:.1} ms", elapsed.as_secs_f64() * 1e3);
}

#[tokio::main]
async fn main() {
    let backend = if std::env::var("FASCIA_TEST_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
    println!(
        "push benchmark on {backend}, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    dispatch_throughput().await;
    materialisation(10_000).await;
    materialisation(100_000).await;
}
