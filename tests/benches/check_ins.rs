//! Check-in benchmark: `POST /api/v1/me/check-ins` (one item and 20 items) from 200
//! patients and `GET /api/v1/me/trends` over 365 days of data at 64 connections, next to
//! bare poem routes in the same run (a GET, and a POST that checks an HS256 JWT and parses
//! the body); then trends latency for the same one-year range on a patient with one year
//! of history and on one with three years, which should match (cost grows with the range
//! asked, not with the history). Every id is fresh, and the rows stored are counted after
//! each phase: they must equal the check-ins answered 2xx.
//!
//! `cargo bench -p fascia-tests --bench check_ins` (SQLite), or with
//! `FASCIA_TEST_DATABASE_URL=postgres://...` for PostgreSQL. `FASCIA_BENCH_SECS` sets the
//! length of each load phase (default 5). Everything stays on 127.0.0.1.

use std::{collections::HashMap, time::Instant};

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use chrono::{Duration, Utc};
use fascia_tests::{
    Actor, TestApp,
    load::{
        CONNECTIONS, bare_jwt_post_server, bare_server, get_with, load, post_check_ins, print_header, print_row,
        sequential, server_db_settings,
    },
    spawn_app_with,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// Three check-ins a day for `days` days up to the test clock's "now".
async fn history(app: &TestApp, patient: &Actor, days: i64) {
    let now = app.clock_now();
    let mut items: Vec<Value> = Vec::new();
    for d in 0..days {
        for (h, pain) in [(8, 3 + d % 3), (13, 2 + d % 4), (20, 4 + d % 2)] {
            let at = now - Duration::days(d) - Duration::hours(h);
            items.push(json!({ "id": Uuid::new_v4(), "recorded_at": at, "pain": pain, "stress": (d + h) % 7,
                "sleep_quality": 6, "medication": "none" }));
        }
    }
    for chunk in items.chunks(100) {
        app.post("/api/v1/me/check-ins", Some(&patient.access_token), &json!({ "items": chunk })).await.expect(200);
    }
}

/// Patients this benchmark writes as.
const PATIENTS: usize = 200;

async fn stored(app: &TestApp) -> u64 {
    entity::check_in::Entity::find().count(&app.state.db).await.unwrap()
}

/// Fails loudly when a phase's stored rows differ from its acknowledged check-ins.
fn assert_counted(phase: &str, acknowledged: u64, rows: u64) {
    println!("{phase}: {acknowledged} check-ins acknowledged, {rows} rows stored");
    assert_eq!(acknowledged, rows, "{phase}: every acknowledged check-in is stored once");
}

fn main() {
    let secs: u64 = std::env::var("FASCIA_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let backend = if std::env::var("FASCIA_TEST_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
        let db = server_db_settings();
        let mut vars: HashMap<&str, &str> = db.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.insert("FASCIA_ALERT_INTERVAL", "0");
        let app = spawn_app_with(vars).await;
        let admin = app.clinic_admin("Bench Clinic").await;
        let therapist = app.therapist(&admin).await;
        let one_year = app.patient(&therapist).await;
        let three_years = app.patient(&therapist).await;
        let mut writers = Vec::with_capacity(PATIENTS);
        for _ in 0..PATIENTS {
            writers.push(app.patient(&therapist).await.access_token);
        }
        let seeding = Instant::now();
        history(&app, &one_year, 365).await;
        history(&app, &three_years, 3 * 365).await;
        let seeded = seeding.elapsed();
        // A running database has planner statistics; this one was created a moment ago and
        // autovacuum would gather them only about a minute after the seeding. Without them
        // PostgreSQL guesses `deleted_at IS NULL` to match 0.5 % of rows and reads every
        // check-in of a patient to find their first day, instead of the first few.
        if backend == "PostgreSQL" {
            app.state.db.execute_unprepared("ANALYZE").await.unwrap();
        }

        let body = app.get("/api/v1/me", Some(&admin.access_token)).await.expect(200);
        let bare_url = bare_server(body).await;
        let check_ins = app.url("/api/v1/me/check-ins");
        let today = app.clock_now().date_naive();
        let range = format!("from={}&to={today}", today - Duration::days(364));
        let trends_path = format!("/api/v1/me/trends?{range}");

        let (bare_post_url, bare_token) = bare_jwt_post_server().await;

        load(get_with(bare_url.clone(), None), 1).await;
        let bare = load(get_with(bare_url.clone(), None), secs).await;
        let now = app.clock_now();
        let bare_post = load(post_check_ins(bare_post_url, vec![bare_token], now, 1), secs).await;
        let before = stored(&app).await;
        // Progress on stderr, so a profiler can be attached to one phase.
        eprintln!("phase: 1 check-in");
        let single = load(post_check_ins(check_ins.clone(), writers.clone(), now, 1), secs).await;
        let after_single = stored(&app).await;
        eprintln!("phase: 20 check-ins");
        let batch = load(post_check_ins(check_ins, writers, now, 20), secs).await;
        eprintln!("phase: trends");
        let after_batch = stored(&app).await;
        let trends = load(get_with(app.url(&trends_path), Some(one_year.access_token.clone())), secs).await;
        eprintln!("phase: trends alone");
        let bare_alone = sequential(get_with(bare_url.clone(), None), 30).await;
        let trends_url = app.url(&trends_path);
        let t1 = sequential(get_with(trends_url.clone(), Some(one_year.access_token.clone())), 30).await;
        let t3 = sequential(get_with(trends_url, Some(three_years.access_token.clone())), 30).await;

        println!("Fascia check-in benchmark — {backend}, {CONNECTIONS} connections, {secs} s per phase, loopback");
        println!(
            "seeded 4 × 365 days × 3 check-ins in {:.1} s ({} UTC)",
            seeded.as_secs_f64(),
            Utc::now().date_naive()
        );
        print_header();
        print_row("bare poem GET", &bare);
        print_row("bare poem POST + JWT", &bare_post);
        print_row("POST 1 check-in, 200 patients", &single);
        print_row("POST 20 check-ins", &batch);
        print_row("GET trends, 365 days", &trends);
        println!(
            "ratios: 1 check-in {:.3} of the bare POST, 20 check-ins {:.4} ({:.0} check-ins/s), trends {:.4} of the \
             bare GET",
            single.rps() / bare_post.rps(),
            batch.rps() / bare_post.rps(),
            batch.rps() * 20.0,
            trends.rps() / bare.rps()
        );
        // Server and load generator share this process, so this is an upper bound.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| status.lines().find(|l| l.starts_with(name)).unwrap_or(name).to_owned();
        println!("memory of the whole bench process: {}, {}", field("VmHWM"), field("VmRSS"));
        assert_counted("1 check-in", single.requests as u64, after_single - before);
        assert_counted("20 check-ins", batch.requests as u64 * 20, after_batch - after_single);
        println!(
            "trends over the last 365 days, median of 30 sequential: 1 year of history {t1:.2} ms, 3 years {t3:.2} ms \
             (ratio {:.2}); the bare GET {bare_alone:.2} ms",
            t3 / t1
        );
    });
}
