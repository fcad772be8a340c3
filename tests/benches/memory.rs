//! Memory of the server alone: the real `fascia` binary in its own process (so the load
//! generator's memory is not counted), on the database the test harness set up. Prints
//! the server's peak (VmHWM) and current (VmRSS) resident memory, the latter split into
//! what it allocated and the pages of its own binary it has touched, after start-up, after
//! 200 patients log in (argon2id, 19 MiB each), after a check-in load from those 200
//! patients, and after a load of one-year trends.
//!
//! `cargo bench -p fascia-tests --bench memory` (SQLite), or with
//! `FASCIA_TEST_DATABASE_URL=postgres://...`. `FASCIA_BENCH_SECS` sets the length of
//! each load phase (default 5). Everything stays on 127.0.0.1.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration as StdDuration, Instant},
};

use chrono::Duration;
use fascia_tests::{
    Actor, TestApp,
    load::{get_with, load, post_check_ins, print_header, print_row},
    spawn_app_with,
};
use serde_json::{Value, json};
use uuid::Uuid;

const PATIENTS: usize = 200;

/// The server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    fn start(app: &TestApp) -> (Self, String) {
        // A free port: bind, read it, let go (nothing else on this machine races for it
        // between here and the server binding it a moment later).
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_fascia-under-test"));
        // The server gets its settings from here alone, except the database ones a run
        // may vary to compare (pool size, writer lanes).
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("FASCIA_")) {
            if !matches!(key.as_str(), "FASCIA_DB_MAX_CONNECTIONS" | "FASCIA_DB_WRITERS") {
                command.env_remove(key);
            }
        }
        let child = command
            .arg("serve")
            .env("FASCIA_ADDR", format!("127.0.0.1:{port}"))
            .env("FASCIA_DATABASE_URL", app.state.settings.database_url.expose())
            .env("FASCIA_DATA_DIR", &app.data_dir)
            .env("FASCIA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the fascia binary");
        (Self(child), format!("http://127.0.0.1:{port}"))
    }

    /// Peak (VmHWM), current (VmRSS), and the current split into memory the process
    /// allocated (RssAnon) and pages of files it maps, mostly its own code (RssFile), in MB.
    fn memory(&self) -> (f64, f64, f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap_or_default();
        let kb = |name: &str| -> f64 {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        (kb("VmHWM:") / 1024.0, kb("VmRSS:") / 1024.0, kb("RssAnon:") / 1024.0, kb("RssFile:") / 1024.0)
    }
}

fn report(server: &Server, when: &str) {
    let (peak, now, anon, file) = server.memory();
    println!("{when:<44} peak {peak:>6.1} MB, now {now:>6.1} MB ({anon:.1} allocated, {file:.1} mapped files)");
}

async fn ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while Instant::now() < deadline {
        if client.get(format!("{base}/ready")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

async fn login(client: &reqwest::Client, base: &str, actor: &Actor) -> String {
    let reply: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": actor.email, "password": actor.password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"].as_str().expect("a login").to_owned()
}

fn main() {
    let secs: u64 = std::env::var("FASCIA_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let backend = if std::env::var("FASCIA_TEST_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
        let app = spawn_app_with([("FASCIA_ALERT_INTERVAL", "0")].into()).await;
        let admin = app.clinic_admin("Memory Clinic").await;
        let therapist = app.therapist(&admin).await;
        let mut patients = Vec::with_capacity(PATIENTS);
        for _ in 0..PATIENTS {
            patients.push(app.patient(&therapist).await);
        }
        // A year of history, three check-ins a day, for the trends phase.
        let now = app.clock_now();
        let items: Vec<Value> = (0..365 * 3)
            .map(|k| {
                json!({ "id": Uuid::new_v4(), "recorded_at": now - Duration::hours(8 * k), "pain": 2 + k % 5,
                "stress": k % 7, "sleep_quality": 6 })
            })
            .collect();
        for chunk in items.chunks(100) {
            app.post("/api/v1/me/check-ins", Some(&patients[0].access_token), &json!({ "items": chunk }))
                .await
                .expect(200);
        }

        let (server, base) = Server::start(&app);
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        ready(&client, &base).await;
        println!("Fascia server memory — {backend}, the release binary in its own process, loopback");
        report(&server, "started");
        let mut tokens = Vec::with_capacity(PATIENTS);
        for p in &patients {
            tokens.push(login(&client, &base, p).await);
        }
        report(&server, &format!("after {PATIENTS} logins"));
        let today = now.date_naive();
        let trends = format!("{base}/api/v1/me/trends?from={}&to={today}", today - Duration::days(364));
        let check_ins = load(post_check_ins(format!("{base}/api/v1/me/check-ins"), tokens.clone(), now, 1), secs).await;
        report(&server, "after the check-in load (64 connections)");
        let year = load(get_with(trends, Some(tokens[0].clone())), secs).await;
        report(&server, "after the trends load (64 connections)");
        print_header();
        print_row("POST 1 check-in, 200 patients", &check_ins);
        print_row("GET trends, 365 days", &year);
    });
}
