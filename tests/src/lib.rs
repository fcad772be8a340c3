//! Test harness: `spawn_app()` starts the real server on 127.0.0.1:0 with a database of
//! its own (a SQLite file, or a fresh PostgreSQL database when `FASCIA_TEST_DATABASE_URL`
//! is set) and a manual clock; dropping the `TestApp` stops the server and deletes the
//! database. Helpers build the usual cast: clinics, therapists, patients, logged in.

pub mod fake_push;
pub mod fake_s3;
pub mod load;
pub mod messaging;
pub mod proxy;
pub mod smtp;

use std::{collections::HashMap, path::PathBuf, sync::Arc};

use chrono::{DateTime, TimeZone, Utc};
use fascia::{
    clock::ManualClock,
    config::Settings,
    domain::{DisplayName, Email, NewPassword, TimeZoneName},
    services::provisioning::{self, NewClinicAdmin},
    startup::Application,
    state::AppState,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "a long test password";

/// Where the test's database lives, and how to throw it away.
enum TestDb {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: AppState,
    pub data_dir: PathBuf,
    /// Where `/metrics` is served, when the test set `FASCIA_METRICS_ADDR`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
    /// The patient record, for patients.
    pub patient_id: Option<Uuid>,
}

pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{name}{query}", &base[..cut])
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(HashMap::new()).await
}

/// Like [`spawn_app`], keeping attachments in `store` (plus `extra` settings, which win).
pub async fn spawn_app_with_s3(store: &fake_s3::FakeS3, extra: &[(&str, &str)]) -> TestApp {
    let settings = store.settings();
    let mut vars: HashMap<&str, &str> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend(extra.iter().copied());
    spawn_app_with(vars).await
}

/// Like [`spawn_app`], with extra `FASCIA_*` settings.
pub async fn spawn_app_with(extra: HashMap<&str, &str>) -> TestApp {
    let data_dir = std::env::temp_dir().join(format!("fascia-test-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir).expect("temp data dir");
    let (database_url, db) = match std::env::var("FASCIA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("fascia_test_{}", Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url).await.expect("connect to FASCIA_TEST_DATABASE_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
            admin.close().await.ok();
            (replace_db_name(&admin_url, &name), TestDb::Postgres { admin_url, name })
        }
        None => (format!("sqlite://{}?mode=rwc", data_dir.join("fascia.db").display()), TestDb::Sqlite),
    };
    let mut vars: HashMap<String, String> = HashMap::from([
        ("FASCIA_ADDR".into(), "127.0.0.1:0".into()),
        ("FASCIA_DATA_DIR".into(), data_dir.display().to_string()),
        ("FASCIA_DATABASE_URL".into(), database_url),
        ("FASCIA_DB_MAX_CONNECTIONS".into(), "5".into()),
        ("FASCIA_PUBLIC_URL".into(), "https://app.fascia.test".into()),
        // Tests drive the reminder dispatcher step by step with the manual clock.
        ("FASCIA_REMINDER_WORKER".into(), "false".into()),
    ]);
    vars.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
    let settings = Settings::from_map(&vars).expect("test settings");
    let clock = ManualClock::new(start_instant());
    let app = Application::build(settings, Arc::new(clock.clone())).await.expect("server builds");
    let base = format!("http://{}", app.addr());
    let metrics_addr = app.metrics_addr();
    let state = app.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async move {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base,
        client: reqwest::Client::builder().no_proxy().build().expect("client"),
        clock,
        state,
        data_dir,
        metrics_addr,
        db,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let TestDb::Postgres { admin_url, name } = &self.db {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Async work cannot run in Drop on the test's runtime; a short-lived thread
            // with its own runtime drops the database (FORCE ends the server's sessions).
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ =
                            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join()
            .ok();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A response read whole: status, headers and JSON body (or `Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts the status and returns the body, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        self.body
    }

    /// Asserts that this is an error carrying the common error body.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        assert_eq!(body["code"], code, "error code; body: {body}");
        assert!(
            body["message"].is_string() && body["details"].is_array() && body["request_id"].is_string(),
            "error body shape: {body}"
        );
        body
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let method_name = method.as_str().to_lowercase();
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("request reaches the server");
        let reply = Self::read(resp).await;
        assert_documented(&method_name, path, reply.status.as_u16(), &reply.body);
        reply
    }

    pub async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post("/api/v1/auth/login", None, &json!({ "email": email, "password": password })).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": refresh_token })).await
    }

    async fn actor_from_tokens(&self, email: &str, password: &str, tokens: Value) -> Actor {
        let access = tokens["access_token"].as_str().expect("access token").to_owned();
        let me = self.get("/api/v1/me", Some(&access)).await.expect(200);
        Actor {
            user_id: me["id"].as_str().unwrap().parse().unwrap(),
            email: email.to_owned(),
            password: password.to_owned(),
            access_token: access,
            refresh_token: tokens["refresh_token"].as_str().expect("refresh token").to_owned(),
            patient_id: me["patient_id"].as_str().map(|p| p.parse().unwrap()),
        }
    }

    /// A new clinic with its first admin, logged in.
    pub async fn clinic_admin(&self, clinic: &str) -> Actor {
        let email = format!("admin.{}@{}.test", Uuid::new_v4().simple(), clinic.to_lowercase().replace(' ', "-"));
        let new = NewClinicAdmin {
            clinic_name: DisplayName::parse(clinic).unwrap(),
            timezone: TimeZoneName::parse("Europe/Berlin").unwrap(),
            email: Email::parse(&email).unwrap(),
            display_name: DisplayName::parse("Admin").unwrap(),
            password: NewPassword::parse(PASSWORD).unwrap(),
        };
        provisioning::create_clinic_admin(&self.state.db, self.clock_now(), new).await.expect("clinic created");
        let tokens = self.login(&email, PASSWORD).await.expect(200);
        self.actor_from_tokens(&email, PASSWORD, tokens).await
    }

    /// A therapist invited by `admin` who accepted and is logged in.
    pub async fn therapist(&self, admin: &Actor) -> Actor {
        let email = format!("therapist.{}@clinic.test", Uuid::new_v4().simple());
        let invite = self
            .post(
                "/api/v1/therapists/invites",
                Some(&admin.access_token),
                &json!({ "email": email, "display_name": "Terry Therapist" }),
            )
            .await
            .expect(201);
        self.accept(&invite, &email).await
    }

    /// A patient record of `therapist` (no account).
    pub async fn patient_record(&self, therapist: &Actor, name: &str) -> Uuid {
        let body = self
            .post("/api/v1/patients", Some(&therapist.access_token), &json!({ "display_name": name }))
            .await
            .expect(201);
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// A patient of `therapist` who accepted an invite and is logged in.
    pub async fn patient(&self, therapist: &Actor) -> Actor {
        let id = self.patient_record(therapist, "Pat Patient").await;
        let email = format!("patient.{}@home.test", Uuid::new_v4().simple());
        let invite = self
            .post(&format!("/api/v1/patients/{id}/invites"), Some(&therapist.access_token), &json!({ "email": email }))
            .await
            .expect(201);
        self.accept(&invite, &email).await
    }

    async fn accept(&self, invite: &Value, email: &str) -> Actor {
        let tokens = self
            .post("/api/v1/auth/invites/accept", None, &json!({ "token": invite["token"], "password": PASSWORD }))
            .await
            .expect(200);
        self.actor_from_tokens(email, PASSWORD, tokens).await
    }

    /// A fresh access token for `actor`, e.g. after moving the clock.
    pub async fn relogin(&self, actor: &Actor) -> String {
        let tokens = self.login(&actor.email, &actor.password).await.expect(200);
        tokens["access_token"].as_str().unwrap().to_owned()
    }

    /// One reminder-dispatcher step at `at`, as the background worker would run it.
    pub async fn run_reminders(&self, at: DateTime<Utc>) -> fascia::reminders::Report {
        let opts = fascia::reminders::DispatchOptions::from_settings(&self.state.settings);
        fascia::reminders::run_due(&self.state.db, &self.state.push, at, &opts).await.expect("dispatcher step")
    }

    /// A fake push service that checks messages against this server's VAPID key and
    /// judges their expiry by this app's clock.
    pub async fn fake_push(&self) -> fake_push::FakePushService {
        let key = self.get("/api/v1/push/vapid-public-key", None).await.expect(200);
        let clock = self.clock.clone();
        let now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync> = Arc::new(move || {
            use fascia::clock::Clock;
            clock.now()
        });
        fake_push::FakePushService::start(key["application_server_key"].as_str().unwrap(), now).await
    }

    /// Inserts `count` check-in reminders for `patient`'s rule `rule_id`, all due at `due`
    /// (one per local date, as the outbox's unique key demands), bypassing the scheduler:
    /// for crash tests and benchmarks that need many reminders due at once.
    pub async fn seed_due_reminders(&self, patient: &Actor, rule_id: Uuid, due: DateTime<Utc>, count: usize) {
        use entity::reminder_occurrence;
        use sea_orm::{ActiveValue::Set, EntityTrait};
        // Long past, so every date is before the three weeks the fatigue back-off looks at:
        // otherwise the reminders sent early in a run count as ignored days, and the
        // back-off holds the later dates (seen as a two-worker test that never finished).
        let first = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
        let rows: Vec<reminder_occurrence::ActiveModel> = (0..count)
            .map(|i| reminder_occurrence::ActiveModel {
                id: Set(Uuid::now_v7()),
                rule_id: Set(rule_id),
                patient_id: Set(patient.patient_id.expect("a patient")),
                kind: Set(entity::reminder_kind::ReminderKind::CheckIn),
                local_date: Set(first + chrono::Duration::days(i as i64)),
                due_at: Set(due),
                next_attempt_at: Set(due),
                status: Set(reminder_occurrence::Status::Pending),
                lease_token: Set(None),
                lease_until: Set(None),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(due),
                updated_at: Set(due),
            })
            .collect();
        for chunk in rows.chunks(500) {
            reminder_occurrence::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&self.state.db)
                .await
                .unwrap();
        }
    }

    /// Subscribes `actor`'s new device at `fake`; returns (subscription id, endpoint).
    pub async fn subscribe(&self, actor: &Actor, fake: &fake_push::FakePushService) -> (Uuid, String) {
        let (endpoint, body) = fake.subscription_json();
        let reply = self.post("/api/v1/me/push-subscriptions", Some(&actor.access_token), &body).await.expect(201);
        (reply["id"].as_str().unwrap().parse().unwrap(), endpoint)
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use fascia::clock::Clock;
        self.clock.now()
    }
}

/// Clinic 1 (admin, therapist X, patients A and B of X) and clinic 2 (therapist Y,
/// patient C of Y): the cast of the authorization tests.
pub struct World {
    pub admin: Actor,
    pub therapist_x: Actor,
    pub patient_a: Actor,
    pub patient_b: Actor,
    pub therapist_y: Actor,
    pub patient_c: Actor,
}

impl TestApp {
    pub async fn world(&self) -> World {
        let admin = self.clinic_admin("Clinic One").await;
        let therapist_x = self.therapist(&admin).await;
        let patient_a = self.patient(&therapist_x).await;
        let patient_b = self.patient(&therapist_x).await;
        let admin2 = self.clinic_admin("Clinic Two").await;
        let therapist_y = self.therapist(&admin2).await;
        let patient_c = self.patient(&therapist_y).await;
        World { admin, therapist_x, patient_a, patient_b, therapist_y, patient_c }
    }
}

/// Every answer an integration test sees must be one the published spec lists for that
/// operation, and its body may hold `null` only where the schema says `nullable`, so the
/// whole suite checks the contract as it runs. Paths outside the API, unknown routes and
/// wrong methods are left to their own tests.
#[track_caller]
fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    static SPEC: std::sync::LazyLock<Value> = std::sync::LazyLock::new(fascia::routes::spec::document);
    let path = path.split('?').next().unwrap_or_default();
    if !path.starts_with("/api/v1/") || status == 405 {
        return;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let Some(item) = SPEC["paths"].as_object().into_iter().flatten().find_map(|(template, item)| {
        let t: Vec<&str> = template.split('/').collect();
        let fits = t.len() == segments.len() && t.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s);
        fits.then_some(item)
    }) else {
        return;
    };
    let Some(op) = item.get(method) else { return };
    let response = &op["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "{} ({method} {path}) answered {status}, which the spec does not list for it",
        op["operationId"]
    );
    let schema = response["content"].as_object().and_then(|c| c.values().next()).map(|m| &m["schema"]);
    if let Some(schema) = schema {
        let mut nulls = Vec::new();
        undeclared_nulls(&SPEC, schema, body, "$", &mut nulls);
        assert!(
            nulls.is_empty(),
            "{} ({method} {path}) sent null at {nulls:?}, not nullable in the spec",
            op["operationId"]
        );
    }
}

/// Where `value` holds a `null` that `schema` does not allow (following `$ref`, the first
/// `allOf` part, `items` and `properties`).
fn undeclared_nulls(spec: &Value, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let mut schema = schema;
    let nullable = schema["nullable"] == true;
    loop {
        if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
            schema = &spec["components"]["schemas"][name];
        } else if let Some(first) = schema["allOf"].as_array().and_then(|a| a.first()) {
            schema = first;
        } else {
            break;
        }
    }
    match value {
        Value::Null if !(nullable || schema["nullable"] == true) => found.push(at.to_owned()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undeclared_nulls(spec, &schema["items"], item, &format!("{at}[{i}]"), found);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let property = &schema["properties"][name];
                if !property.is_null() {
                    undeclared_nulls(spec, property, field, &format!("{at}.{name}"), found);
                }
            }
        }
        _ => {}
    }
}

impl TestApp {
    /// Like [`TestApp::request`], with extra request headers (e.g. `If-Match`).
    pub async fn request_with_headers(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let method_name = method.as_str().to_lowercase();
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("request reaches the server");
        let reply = Self::read(resp).await;
        assert_documented(&method_name, path, reply.status.as_u16(), &reply.body);
        reply
    }
}
