//! The load generator the benchmarks share: N connections on loopback hammering one
//! request for a fixed time, with latencies, next to a bare poem route for scale.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use poem::{EndpointExt, Route, Server, get, handler, listener::TcpAcceptor, web::Json};
use serde_json::Value;

pub const CONNECTIONS: usize = 64;

/// The database settings a benchmark's server runs with: the server's own defaults (the
/// test harness shrinks the pool), unless the environment asks for others to compare.
pub fn server_db_settings() -> Vec<(&'static str, String)> {
    let or = |key: &str, default: String| std::env::var(key).unwrap_or(default);
    vec![
        (
            "FASCIA_DB_MAX_CONNECTIONS",
            or("FASCIA_DB_MAX_CONNECTIONS", fascia::config::DEFAULT_DB_MAX_CONNECTIONS.to_string()),
        ),
        ("FASCIA_DB_WRITERS", or("FASCIA_DB_WRITERS", fascia::config::DEFAULT_DB_WRITERS.to_string())),
    ]
}

pub struct Load {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies_us: Vec<u64>,
}

impl Load {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    pub fn percentile(&self, p: f64) -> f64 {
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Builds one request; called for every request so bodies can carry fresh ids.
pub type MakeRequest = std::sync::Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

pub fn get_with(url: String, token: Option<String>) -> MakeRequest {
    std::sync::Arc::new(move |client: &reqwest::Client| {
        let req = client.get(&url);
        match &token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    })
}

pub async fn load(make: MakeRequest, secs: u64) -> Load {
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

/// Median time of `n` requests sent one after another on one connection, in milliseconds:
/// what one user waits for an answer on an idle server. Only the exchange is timed (the
/// body is read, not parsed), as in `load`; a non-2xx answer fails the benchmark.
pub async fn sequential(make: MakeRequest, n: usize) -> f64 {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let resp = make(&client).send().await.expect("request reaches the server");
        assert!(resp.status().is_success(), "answered {}", resp.status());
        resp.bytes().await.expect("body");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times[n / 2]
}

/// A poem server with one route returning `body`: the floor any API route stands on.
pub async fn bare_server(body: Value) -> String {
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

/// A poem route that does what every authenticated write must: check an HS256 bearer
/// token and parse a JSON body, then answer a small JSON. The ceiling for a check-in
/// POST on this machine. Returns the URL and a valid token.
pub async fn bare_jwt_post_server() -> (String, String) {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    const SECRET: &[u8] = b"bench-only-secret-not-used-anywhere-else";
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Claims {
        sub: String,
        exp: u64,
    }
    #[handler]
    fn post(req: &poem::Request, body: Json<Value>) -> poem::Result<Json<Value>> {
        let token = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED))?;
        let claims = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(SECRET),
            &Validation::new(Algorithm::HS256),
        )
        .map_err(|_| poem::Error::from_status(poem::http::StatusCode::UNAUTHORIZED))?;
        let items = body.0["items"].as_array().map_or(0, Vec::len);
        Ok(Json(serde_json::json!({ "sub": claims.claims.sub, "items": items, "status": 201 })))
    }
    let exp = (std::time::SystemTime::now() + Duration::from_secs(3600))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &Claims { sub: "bench".into(), exp },
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(Route::new().at("/post", poem::post(post))));
    (format!("http://{addr}/post"), token)
}

/// Prints one table row.
pub fn print_row(name: &str, l: &Load) {
    println!("{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.percentile(0.5), l.percentile(0.99), l.errors);
}

pub fn print_header() {
    println!("{:<34} {:>10} {:>9} {:>9} {:>7}", "route", "req/s", "p50 ms", "p99 ms", "errors");
}

/// Each request a fresh batch recorded at distinct instants over the last day, as phones
/// coming back online would send, from the patients in turn.
pub fn post_check_ins(url: String, tokens: Vec<String>, now: chrono::DateTime<chrono::Utc>, n: usize) -> MakeRequest {
    let counter = Arc::new(AtomicI64::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    Arc::new(move |client: &reqwest::Client| {
        let token = &tokens[next.fetch_add(1, Ordering::Relaxed) % tokens.len()];
        let items: Vec<Value> = (0..n)
            .map(|i| {
                let k = counter.fetch_add(1, Ordering::Relaxed);
                let at = now - chrono::Duration::milliseconds(k % 86_400_000);
                serde_json::json!({ "id": uuid::Uuid::now_v7(), "recorded_at": at, "pain": ((k as usize + i) % 6) as i64,
                    "stress": 3, "pain_sites": [{ "region": "neck", "intensity": 3, "qualities": ["stiff"] }] })
            })
            .collect();
        client.post(&url).bearer_auth(token).json(&serde_json::json!({ "items": items }))
    })
}
