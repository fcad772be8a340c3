//! HTTP benchmark: login latency (the argon2 cost), and throughput at 64 connections of
//! `GET /api/v1/me`, `GET /api/v1/me/today` and a 20-item `POST /api/v1/me/exercise-logs`,
//! next to a bare poem route returning the same JSON as `/me`, measured in one run so the
//! ratios are meaningful on a noisy machine.
//!
//! `cargo bench -p fascia-tests --bench http` (SQLite), or with
//! `FASCIA_TEST_DATABASE_URL=postgres://...` for PostgreSQL. `FASCIA_BENCH_SECS` sets the
//! length of each load phase (default 5). Everything stays on 127.0.0.1.

use std::time::{Duration, Instant};

use fascia_tests::{PASSWORD, spawn_app_with};
use poem::{EndpointExt, Route, Server, get, handler, listener::TcpAcceptor, web::Json};
use serde_json::Value;

const CONNECTIONS: usize = 64;

struct Load {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

impl Load {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Builds one request; called for every request so bodies can carry fresh ids.
type MakeRequest = std::sync::Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

fn get_with(url: String, token: Option<String>) -> MakeRequest {
    std::sync::Arc::new(move |client: &reqwest::Client| {
        let req = client.get(&url);
        match &token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    })
}

async fn load(make: MakeRequest, secs: u64) -> Load {
    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(CONNECTIONS).build().unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let workers = (0..CONNECTIONS).map(|_| {
        let (client, make) = (client.clone(), make.clone());
        tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                match make(&client).send().await {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        })
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for w in futures::future::join_all(workers).await {
        let (lat, e) = w.unwrap();
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    Load { requests: all.len(), errors, elapsed, latencies_us: all }
}

/// A poem server with one route returning `body`: the floor any API route stands on.
async fn bare_server(body: Value) -> String {
    #[handler]
    fn me(body: poem::web::Data<&Value>) -> Json<Value> {
        Json(body.0.clone())
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(Route::new().at("/me", get(me)).data(body)));
    format!("http://{addr}/me")
}

fn main() {
    let secs: u64 = std::env::var("FASCIA_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let backend = if std::env::var("FASCIA_TEST_DATABASE_URL").is_ok() { "PostgreSQL" } else { "SQLite" };
        let app = spawn_app_with([("FASCIA_DB_MAX_CONNECTIONS", "16")].into()).await;
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
        let bare = load(get_with(bare_url, None), secs).await;
        let me = load(get_with(me_url, Some(admin.access_token.clone())), secs).await;
        let today = load(get_with(today_url, Some(patient.access_token.clone())), secs).await;
        let batch = load(post_batch, secs).await;

        println!("Fascia HTTP benchmark — {backend}, {CONNECTIONS} connections, {secs} s per phase, loopback");
        println!(
            "login (argon2id m=19456 t=2 p=1), sequential: p50 {:.1} ms, p99 {:.1} ms",
            logins[logins.len() / 2],
            logins[logins.len() * 99 / 100]
        );
        println!("{:<28} {:>10} {:>9} {:>9} {:>7}", "route", "req/s", "p50 ms", "p99 ms", "errors");
        for (name, l) in [
            ("bare poem route (same JSON)", &bare),
            ("GET /api/v1/me (JWT)", &me),
            ("GET /api/v1/me/today", &today),
            ("POST 20 exercise logs", &batch),
        ] {
            println!(
                "{:<28} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                name,
                l.rps(),
                l.percentile(0.5),
                l.percentile(0.99),
                l.errors
            );
        }
        println!(
            "ratios to bare: /me {:.2}, /me/today {:.2}, 20-log batch {:.3} ({:.0} logs/s)",
            me.rps() / bare.rps(),
            today.rps() / bare.rps(),
            batch.rps() / bare.rps(),
            batch.rps() * 20.0
        );
    });
}
