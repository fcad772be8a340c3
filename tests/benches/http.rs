//! HTTP benchmark: login latency (the argon2 cost), and throughput at 64 connections of
//! `GET /api/v1/me`, `GET /api/v1/me/today` and a 20-item `POST /api/v1/me/exercise-logs`,
//! next to a bare poem route returning the same JSON as `/me`, measured in one run so the
//! ratios are meaningful on a noisy machine.
//!
//! `cargo bench -p fascia-tests --bench http` (SQLite), or with
//! `FASCIA_TEST_DATABASE_URL=postgres://...` for PostgreSQL. `FASCIA_BENCH_SECS` sets the
//! length of each load phase (default 5). Everything stays on 127.0.0.1.

use std::time::Instant;

use fascia_tests::{
    PASSWORD,
    load::{
        CONNECTIONS, MakeRequest, bare_server, get_with, load, print_header, print_row, sequential, server_db_settings,
    },
    spawn_app_with,
};
use serde_json::Value;

fn main() {
    let secs: u64 = std::env::var("FASCIA_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let backend = if std::env::var("FASCIA_TEST_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
        let db = server_db_settings();
        let app = spawn_app_with(db.iter().map(|(k, v)| (*k, v.as_str())).collect()).await;
        let admin = app.clinic_admin("Bench Clinic").await;

        let mut logins = Vec::new();
        for _ in 0..40 {
            let t = Instant::now();
            app.login(&admin.email, PASSWORD).await.expect(200);
            logins.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        logins.sort_by(f64::total_cmp);

        let me_url = app.url("/api/v1/me");
        let body = app.get("/api/v1/me", Some(&admin.access_token)).await.expect(200);
        let bare_url = bare_server(body).await;

        // A patient with a plan of five daily exercises, for the care-plan routes.
        let therapist = app.therapist(&admin).await;
        let patient = app.patient(&therapist).await;
        let plan = app
            .post(
                &format!("/api/v1/patients/{}/care-plans", patient.patient_id.unwrap()),
                Some(&therapist.access_token),
                &serde_json::json!({ "title": "Bench plan", "start_date": "2026-05-01" }),
            )
            .await
            .expect(201);
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        let mut items = Vec::new();
        for slug in ["chin-tuck", "cat-cow", "upper-trapezius-stretch", "doorway-chest-stretch", "calf-stretch-wall"] {
            let body = serde_json::json!({
                "exercise_id": fascia::content::builtin_id("exercise", slug),
                "prescription": { "sets": 2, "reps": 10, "hold_seconds": 20, "side": "both", "times_per_day": 3 }
            });
            let view = app
                .post(&format!("/api/v1/care-plans/{plan_id}/exercises"), Some(&therapist.access_token), &body)
                .await
                .expect(200);
            items = view["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["plan_exercise_id"].as_str().unwrap().to_owned())
                .collect();
        }
        let today_url = app.url("/api/v1/me/today");
        let logs_url = app.url("/api/v1/me/exercise-logs");
        let patient_token = patient.access_token.clone();
        let post_batch: MakeRequest = std::sync::Arc::new(move |client: &reqwest::Client| {
            let batch: Vec<Value> = (0..20)
                .map(|i| {
                    serde_json::json!({
                        "id": uuid::Uuid::now_v7(), "plan_exercise_id": items[i % items.len()],
                        "performed_at": "2026-06-01T10:00:00Z", "local_date": "2026-06-01", "pain_during": 3
                    })
                })
                .collect();
            client.post(&logs_url).bearer_auth(&patient_token).json(&serde_json::json!({ "items": batch }))
        });

        // Warm up, then measure back to back.
        load(get_with(bare_url.clone(), None), 1).await;
        load(get_with(me_url.clone(), Some(admin.access_token.clone())), 1).await;
        // One request at a time: how long a patient opening the app waits for today, measured
        // before the loads below leave a long write-ahead log behind.
        let alone = sequential(get_with(today_url.clone(), Some(patient.access_token.clone())), 50).await;
        let bare_alone = sequential(get_with(bare_url.clone(), None), 50).await;
        // Progress on stderr, so a profiler can be attached to one phase.
        eprintln!("phase: bare");
        let bare = load(get_with(bare_url, None), secs).await;
        eprintln!("phase: me");
        let me = load(get_with(me_url, Some(admin.access_token.clone())), secs).await;
        eprintln!("phase: today");
        let today = load(get_with(today_url, Some(patient.access_token.clone())), secs).await;
        eprintln!("phase: exercise logs");
        let batch = load(post_batch, secs).await;

        println!("Fascia HTTP benchmark — {backend}, {CONNECTIONS} connections, {secs} s per phase, loopback");
        println!(
            "login (argon2id m=19456 t=2 p=1), sequential: p50 {:.1} ms, p99 {:.1} ms",
            logins[logins.len() / 2],
            logins[logins.len() * 99 / 100]
        );
        print_header();
        for (name, l) in [
            ("bare poem route (same JSON)", &bare),
            ("GET /api/v1/me (JWT)", &me),
            ("GET /api/v1/me/today", &today),
            ("POST 20 exercise logs", &batch),
        ] {
            print_row(name, l);
        }
        println!(
            "ratios to bare: /me {:.2}, /me/today {:.2}, 20-log batch {:.3} ({:.0} logs/s)",
            me.rps() / bare.rps(),
            today.rps() / bare.rps(),
            batch.rps() / bare.rps(),
            batch.rps() * 20.0
        );
        println!("GET /api/v1/me/today alone, 50 sequential: median {alone:.2} ms (the bare GET {bare_alone:.2} ms)");
    });
}
