//! Crash safety of the reminder worker, at process level: the real `fascia` binary runs
//! `serve --worker-only` against the test's database and sends to the fake push
//! service, which counts what it could verify and decrypt.
//!
//! The worker uses the system clock, so the occurrences are created due a minute ago.
//! Its rules are disabled, so it materialises nothing else.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::reminder_occurrence;
use fascia_tests::{TestApp, fake_push::FakePushService, spawn_app_with};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

const BATCH: u64 = 20;

struct Worker {
    child: Child,
    sent: Arc<AtomicU64>,
}

/// Starts a worker process; `sent` adds up what its steps report as sent.
fn start_worker(app: &TestApp, batch: u64, lease_secs: u64) -> Worker {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fascia-under-test"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("FASCIA_")) {
        command.env_remove(key);
    }
    let mut child = command
        .args(["serve", "--worker-only"])
        .env("FASCIA_DATABASE_URL", app.state.settings.database_url.expose())
        .env("FASCIA_DATA_DIR", &app.data_dir)
        .env("FASCIA_DB_MAX_CONNECTIONS", "8")
        .env("FASCIA_PUSH_ALLOW_LOOPBACK", "true")
        .env("FASCIA_PUSH_LEASE_SECONDS", lease_secs.to_string())
        .env("FASCIA_PUSH_BATCH", batch.to_string())
        .env("FASCIA_REMINDER_INTERVAL_MS", "50")
        // The fake push service runs inside a test process shared with the whole suite on
        // two cores; a short timeout would turn its slow answers into retries, which are
        // at-least-once duplicates rather than the lease behaviour under test.
        .env("FASCIA_PUSH_TIMEOUT_SECONDS", "120")
        .env("FASCIA_LOG", "fascia=info,warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fascia binary");
    let sent = Arc::new(AtomicU64::new(0));
    let stderr = child.stderr.take().unwrap();
    let counter = sent.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("sent: ").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                counter.fetch_add(digits.parse().unwrap_or(0), Ordering::Relaxed);
            }
        }
    });
    Worker { child, sent }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A patient with one subscribed device at `fake`, and `count` check-in occurrences due
/// a minute ago (one per local date, as the unique key demands).
async fn due_reminders(app: &TestApp, fake: &FakePushService, count: usize) {
    let w = app.world().await;
    let patient = &w.patient_a;
    app.subscribe(patient, fake).await;
    let rules = app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await.expect(200);
    let mut check_in = None;
    for rule in rules.as_array().unwrap() {
        let path = format!("/api/v1/me/reminder-rules/{}", rule["id"].as_str().unwrap());
        app.patch(&path, Some(&patient.access_token), &json!({ "enabled": false })).await.expect(200);
        if rule["kind"] == "check_in" {
            check_in = Some(rule["id"].as_str().unwrap().parse::<Uuid>().unwrap());
        }
    }
    app.seed_due_reminders(patient, check_in.unwrap(), Utc::now() - chrono::Duration::minutes(1), count).await;
}

async fn sent_in_db(app: &TestApp) -> u64 {
    reminder_occurrence::Entity::find()
        .filter(reminder_occurrence::Column::Status.eq("sent"))
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn wait_for(what: &str, deadline: Instant, mut done: impl AsyncFnMut() -> bool) {
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (distinct occurrences delivered, duplicate deliveries).
fn tally(fake: &FakePushService) -> (usize, usize) {
    let delivered = fake.delivered();
    let mut ids: Vec<String> =
        delivered.iter().map(|r| r.payload.as_ref().unwrap()["occurrence_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids.dedup();
    (ids.len(), delivered.len() - ids.len())
}

async fn app() -> TestApp {
    spawn_app_with(std::collections::HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_worker_again_and_again_loses_no_reminder_and_duplicates_at_most_a_batch_per_kill() {
    let app = app().await;
    let key = app.get("/api/v1/push/vapid-public-key", None).await.expect(200);
    // The worker process signs with the system clock.
    let fake = FakePushService::start(key["application_server_key"].as_str().unwrap(), Arc::new(Utc::now)).await;
    const TOTAL: usize = 1000;
    due_reminders(&app, &fake, TOTAL).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    let kills = 5;
    for _ in 0..kills {
        let before = fake.delivered_count();
        let mut worker = start_worker(&app, BATCH, 2);
        // Kill it mid-flight: once it has delivered some more, wherever it is.
        wait_for("deliveries before the kill", deadline, async || fake.delivered_count() >= before + 60).await;
        worker.child.kill().unwrap();
        worker.child.wait().unwrap();
    }
    let _last = start_worker(&app, BATCH, 2);
    wait_for("every reminder sent", deadline, async || sent_in_db(&app).await == TOTAL as u64).await;
    let (distinct, duplicates) = tally(&fake);
    println!("crash test: {kills} kills, {distinct} distinct reminders delivered, {duplicates} duplicates");
    assert_eq!(distinct, TOTAL, "no reminder lost");
    assert!(duplicates as u64 <= kills * BATCH, "{duplicates} duplicates for {kills} kills of batch {BATCH}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_postgresql_share_ten_thousand_reminders_without_loss_or_duplicates() {
    if std::env::var("FASCIA_TEST_DATABASE_URL").is_err() {
        println!("skipped: two concurrent worker processes need PostgreSQL (set FASCIA_TEST_DATABASE_URL)");
        return;
    }
    let app = app().await;
    let key = app.get("/api/v1/push/vapid-public-key", None).await.expect(200);
    let fake = FakePushService::start(key["application_server_key"].as_str().unwrap(), Arc::new(Utc::now)).await;
    const TOTAL: usize = 10_000;
    due_reminders(&app, &fake, TOTAL).await;
    // A guard against a hang, not a speed target: on a 2-core machine busy with builds
    // the two processes have needed more than two minutes.
    let deadline = Instant::now() + Duration::from_secs(300);
    // No worker dies here, so no lease should ever be taken over: the lease outlasts the
    // slowest batch even when the whole suite starves the fake push service of CPU (with
    // a 60 s lease, a stalled live worker's batch was taken over and sent twice).
    let workers = [start_worker(&app, 50, 900), start_worker(&app, 50, 900)];
    wait_for("every reminder sent", deadline, async || sent_in_db(&app).await == TOTAL as u64).await;
    // Let the last log lines arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (distinct, duplicates) = tally(&fake);
    let shares: Vec<u64> = workers.iter().map(|w| w.sent.load(Ordering::Relaxed)).collect();
    println!("two workers: {distinct} distinct, {duplicates} duplicates, sent per worker {shares:?}");
    assert_eq!(distinct, TOTAL, "no reminder lost");
    let retries = entity::push_delivery::Entity::find()
        .filter(entity::push_delivery::Column::Outcome.eq("retry"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(duplicates, 0, "{retries} sends were retried after an error or timeout");
    assert!(shares.iter().all(|s| *s > 0), "both workers did part of the work: {shares:?}");
}
