//! Database outages against the real `fascia` binary: PostgreSQL cut under a check-in
//! load (through a proxy the test controls, never the shared cluster), and the embedded
//! SQLite database on a filesystem that fills up.
//!
//! What must hold: no 500, every refusal a 503 with `Retry-After`, quick recovery, no
//! acknowledged check-in lost, reminders due during the outage sent exactly once after
//! it, reads working on a full disk and an intact database file afterwards.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::{check_in, reminder_occurrence};
use fascia_tests::{Actor, PASSWORD, TestApp, fake_push::FakePushService, proxy::CuttableProxy, spawn_app_with};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// A `fascia serve` process and the log lines it wrote so far.
struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `fascia serve` with only the given settings and waits for its address.
    fn start(env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fascia-under-test"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("FASCIA_")) {
            command.env_remove(key);
        }
        let mut child = command
            .arg("serve")
            .env("FASCIA_ADDR", "127.0.0.1:0")
            .env("FASCIA_LOG", "fascia=info,warn")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the fascia binary");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(strip_ansi(&line));
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("Fascia is listening on ") {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => panic!("the server did not start; its log:\n{}", log.lock().unwrap().join("\n")),
        };
        Self { child, base, log }
    }

    fn log_lines(&self, containing: &str) -> Vec<String> {
        self.log.lock().unwrap().iter().filter(|l| l.contains(containing)).cloned().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The number after `field=` in a log line.
fn field(line: &str, name: &str) -> Option<u64> {
    let rest = line.split(&format!("{name}=")).nth(1)?;
    rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
}

async fn wait_for(what: &str, deadline: Instant, mut done: impl AsyncFnMut() -> bool) {
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ready_status(client: &reqwest::Client, base: &str) -> Option<u16> {
    client.get(format!("{base}/ready")).send().await.ok().map(|r| r.status().as_u16())
}

fn check_in(id: Uuid) -> Value {
    let at = (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    json!({ "items": [{ "id": id, "recorded_at": at, "pain": 3, "stress": 2, "context": "daily" }] })
}

/// What one check-in request came back with.
#[derive(Debug)]
struct Outcome {
    id: Uuid,
    status: u16,
    retry_after: bool,
    acknowledged: bool,
    at: Instant,
    took: Duration,
    client: usize,
}

/// Posts one check-in as `patient` through `app` (whose base points at the binary).
async fn post_check_in(app: &TestApp, patient: &Actor, client: usize) -> Outcome {
    let id = Uuid::new_v4();
    let started = Instant::now();
    let reply = app.post("/api/v1/me/check-ins", Some(&patient.access_token), &check_in(id)).await;
    let item_status = reply.body["results"][0]["status"].as_u64();
    Outcome {
        id,
        status: reply.status.as_u16(),
        retry_after: reply.headers.get("retry-after").and_then(|v| v.to_str().ok()).is_some_and(|v| !v.is_empty()),
        acknowledged: reply.status.is_success() && matches!(item_status, Some(200 | 201)),
        at: Instant::now(),
        took: started.elapsed(),
        client,
    }
}

/// Logs `actor` in through the binary (its tokens are signed with its own clock).
async fn login(app: &TestApp, actor: &Actor) -> Actor {
    let tokens = app.login(&actor.email, PASSWORD).await.expect(200);
    Actor { access_token: tokens["access_token"].as_str().unwrap().to_owned(), ..actor.clone() }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: std::net::SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    let at = if user.is_empty() { "" } else { "@" };
    format!("{scheme}://{user}{at}{addr}{path}")
}

fn postgres_upstream() -> Option<std::net::SocketAddr> {
    let url = std::env::var("FASCIA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    let rest = url.split_once("://")?.1;
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h).split('/').next()?;
    let host = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    host.replace("localhost", "127.0.0.1").parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cut_for_three_seconds_under_load_gives_503s_then_recovers_and_loses_nothing() {
    let Some(upstream) = postgres_upstream() else {
        println!("skipped: the PostgreSQL outage test needs FASCIA_TEST_DATABASE_URL");
        return;
    };
    // Arrange: the test's own database, reached by the binary only through the proxy.
    let mut app = spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await;
    let proxy = CuttableProxy::start(upstream).await.expect("proxy");
    let via_proxy = through(app.state.settings.database_url.expose(), proxy.addr());
    let w = app.world().await;
    // The binary signs push messages with the system clock, so the fake push service
    // judges them by it too.
    let key = app.get("/api/v1/push/vapid-public-key", None).await.expect(200);
    let push = FakePushService::start(key["application_server_key"].as_str().unwrap(), Arc::new(Utc::now)).await;
    app.subscribe(&w.patient_a, &push).await;
    let rules = app.get("/api/v1/me/reminder-rules", Some(&w.patient_a.access_token)).await.expect(200);
    let mut rule_id = None;
    for rule in rules.as_array().unwrap() {
        let path = format!("/api/v1/me/reminder-rules/{}", rule["id"].as_str().unwrap());
        app.patch(&path, Some(&w.patient_a.access_token), &json!({ "enabled": false })).await.expect(200);
        if rule["kind"] == "check_in" {
            rule_id = Some(rule["id"].as_str().unwrap().parse::<Uuid>().unwrap());
        }
    }
    let server = Server::start(&[
        ("FASCIA_DATABASE_URL", &via_proxy),
        ("FASCIA_DATA_DIR", &app.data_dir.display().to_string()),
        ("FASCIA_DB_MAX_CONNECTIONS", "8"),
        ("FASCIA_PUSH_ALLOW_LOOPBACK", "true"),
        ("FASCIA_REMINDER_INTERVAL_MS", "200"),
        ("FASCIA_PUSH_TIMEOUT_SECONDS", "60"),
    ]);
    app.base = server.base.clone();
    let patients = [login(&app, &w.patient_a).await, login(&app, &w.patient_b).await, login(&app, &w.patient_c).await];
    let probe = reqwest::Client::builder().no_proxy().build().unwrap();

    // Act: 16 clients post check-ins with fresh ids; the database goes away for 3 s.
    const CLIENTS: usize = 16;
    let stop = AtomicBool::new(false);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let clients = (0..CLIENTS).map(|client| {
        let (app, patient, stop, outcomes) = (&app, &patients[client % patients.len()], &stop, &outcomes);
        async move {
            while !stop.load(Ordering::Relaxed) {
                let outcome = post_check_in(app, patient, client).await;
                outcomes.lock().unwrap().push(outcome);
            }
        }
    });
    let scenario = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        proxy.cut();
        let cut_at = Instant::now();
        // Reminders fall due while the database is away (the test writes them directly).
        app.seed_due_reminders(&w.patient_a, rule_id.unwrap(), Utc::now(), 20).await;
        let mut ready_503_after = None;
        while cut_at.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            if ready_status(&probe, &server.base).await == Some(503) && ready_503_after.is_none() {
                ready_503_after = Some((cut_at.elapsed(), asked.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        proxy.restore();
        let restored_at = Instant::now();
        let deadline = restored_at + Duration::from_secs(15);
        wait_for("/ready to answer 200 again", deadline, async || {
            ready_status(&probe, &server.base).await == Some(200)
        })
        .await;
        let ready_again = restored_at.elapsed();
        // Keep the load on until every client has been served after the restore.
        wait_for("every client served again", deadline, async || {
            let seen = outcomes.lock().unwrap();
            (0..CLIENTS).all(|c| seen.iter().any(|o| o.client == c && o.at > restored_at && o.acknowledged))
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::Relaxed);
        (cut_at, restored_at, ready_503_after, ready_again)
    };
    let (_, (cut_at, restored_at, ready_503_after, ready_again)) =
        tokio::join!(futures::future::join_all(clients), scenario);

    // Assert
    let outcomes = outcomes.into_inner().unwrap();
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 503).collect();
    let errors = outcomes.iter().filter(|o| o.status >= 500 && o.status != 503).count();
    let acknowledged: Vec<Uuid> = outcomes.iter().filter(|o| o.acknowledged).map(|o| o.id).collect();
    let recovery = (0..CLIENTS)
        .map(|c| outcomes.iter().filter(|o| o.client == c && o.at > restored_at && o.acknowledged).map(|o| o.at).min())
        .map(|first| first.unwrap() - restored_at)
        .max()
        .unwrap();
    let before_cut: Vec<&Outcome> = outcomes.iter().filter(|o| o.at < cut_at).collect();
    let slowest_refusal = refused.iter().map(|o| o.took).max().unwrap_or_default();
    let mut lost = 0;
    for chunk in acknowledged.chunks(500) {
        let found = check_in::Entity::find()
            .filter(check_in::Column::Id.is_in(chunk.iter().copied()))
            .count(&app.state.db)
            .await
            .unwrap();
        lost += chunk.len() as u64 - found;
    }
    let sent_deadline = Instant::now() + Duration::from_secs(30);
    wait_for("the reminders due during the outage", sent_deadline, async || {
        reminder_occurrence::Entity::find()
            .filter(reminder_occurrence::Column::Status.eq("sent"))
            .count(&app.state.db)
            .await
            .unwrap()
            == 20
    })
    .await;
    let delivered = push.delivered();
    let mut distinct: Vec<String> =
        delivered.iter().map(|r| r.payload.as_ref().unwrap()["occurrence_id"].as_str().unwrap().to_owned()).collect();
    distinct.sort();
    distinct.dedup();
    // One more request closes the refusal count, so the last log line has the total.
    post_check_in(&app, &patients[0], 0).await;
    let refusal_lines = server.log_lines("database available again");
    let logged_total = refusal_lines.iter().filter_map(|l| field(l, "refused_total")).max();
    let worker_down = server.log_lines("backing off until it returns");
    let worker_up = server.log_lines("resuming");
    let worker_failures = server.log_lines("failed; retrying next tick");

    println!(
        "before the cut: {} requests, mean {:?}; slowest refusal {slowest_refusal:?}",
        before_cut.len(),
        before_cut.iter().map(|o| o.took).sum::<Duration>() / before_cut.len().max(1) as u32
    );
    println!(
        "postgres outage: {} requests, {} acknowledged, {} refused (503), {errors} other 5xx, {lost} acknowledged \
         lost; /ready 503 (after the cut, probe took) {:?}; /ready 200 {ready_again:?} and every client served {recovery:?} \
         after the restore; cut lasted {:?}; reminders {} delivered, {} distinct; refusals logged {logged_total:?}",
        outcomes.len(),
        acknowledged.len(),
        refused.len(),
        ready_503_after,
        restored_at - cut_at,
        delivered.len(),
        distinct.len(),
    );
    assert_eq!(errors, 0, "no 500 while the database is away");
    assert!(!refused.is_empty(), "some requests met the outage");
    assert!(refused.iter().all(|o| o.retry_after), "every 503 carries Retry-After");
    assert_eq!(lost, 0, "every acknowledged check-in is stored");
    assert!(recovery < Duration::from_secs(5), "recovered in {recovery:?}");
    let (answered_after, probe_took) = ready_503_after.expect("/ready went 503 during the outage");
    assert!(probe_took <= Duration::from_secs(1), "a /ready probe answers within a second ({probe_took:?})");
    assert!(answered_after < Duration::from_millis(1500), "/ready said 503 {answered_after:?} after the cut");
    assert_eq!((delivered.len(), distinct.len()), (20, 20), "each reminder due during the outage sent once");
    assert_eq!(logged_total, Some(refused.len() as u64), "the log counts every refusal");
    assert_eq!(worker_down.len(), 1, "the worker logs the outage once: {worker_down:?}");
    assert_eq!(worker_up.len(), 1, "and its end once: {worker_up:?}");
    assert!(worker_failures.is_empty(), "no worker error went unrecognised: {worker_failures:?}");
}

/// A small tmpfs mounted for one test and unmounted however the test ends.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// None (with the reason printed) when this process may not mount.
    fn mount(size: &str) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("fascia-full-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .map_err(|e| e.to_string())
            .and_then(|o| if o.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&o.stderr).into()) });
        match mounted {
            Ok(()) => Some(Self { dir }),
            Err(why) => {
                println!("skipped: cannot mount a tmpfs (needs root): {why}");
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so files a dying process still holds do not keep it mounted.
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Fills the filesystem holding `dir` up with one file (growing it if it is there
/// already: a WAL checkpoint can free space again); returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("filler file");
    let block = vec![0u8; 64 * 1024];
    loop {
        if file.write_all(&block).is_err() {
            break;
        }
    }
    // The last partial block, byte by byte, until not even one fits.
    while file.write_all(&[0]).is_ok() {}
    let _ = file.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_refuses_writes_with_503_keeps_reads_and_recovers_when_space_is_freed() {
    let Some(fs) = Tmpfs::mount("16m") else { return };
    // Arrange: the database on the tiny filesystem, set up through an in-process server,
    // then served by the real binary.
    let url = format!("sqlite://{}?mode=rwc", fs.dir.join("fascia.db").display());
    let data_dir = fs.dir.display().to_string();
    let mut app =
        spawn_app_with(HashMap::from([("FASCIA_DATABASE_URL", url.as_str()), ("FASCIA_DATA_DIR", data_dir.as_str())]))
            .await;
    let admin = app.clinic_admin("Full Disk Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    let server = Server::start(&[("FASCIA_DATABASE_URL", &url), ("FASCIA_DATA_DIR", &data_dir)]);
    app.base = server.base.clone();
    let patient = login(&app, &patient).await;
    assert!(post_check_in(&app, &patient, 0).await.acknowledged, "writes work before the disk fills");
    // The first listing creates the default rules; later ones only read.
    app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await.expect(200);

    // Act: fill the disk.
    let mut while_full = Vec::new();
    for _ in 0..10 {
        fill(&fs.dir);
        while_full.push(post_check_in(&app, &patient, 0).await);
    }
    let filler = fill(&fs.dir);
    let me = app.get("/api/v1/me", Some(&patient.access_token)).await;
    let rules = app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await;
    let probe = reqwest::Client::builder().no_proxy().build().unwrap();
    let ready_while_full = ready_status(&probe, &server.base).await;
    let integrity: Vec<String> = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(app.state.db.get_database_backend(), "PRAGMA integrity_check"))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    std::fs::remove_file(&filler).unwrap();
    let freed_at = Instant::now();
    let mut after = None;
    wait_for("a write after space was freed", freed_at + Duration::from_secs(10), async || {
        let outcome = post_check_in(&app, &patient, 0).await;
        let done = outcome.acknowledged;
        after = Some(outcome);
        done
    })
    .await;
    let mut afterwards = vec![after.take().unwrap()];
    for _ in 0..5 {
        afterwards.push(post_check_in(&app, &patient, 0).await);
    }

    // Assert
    let statuses: Vec<u16> = while_full.iter().map(|o| o.status).collect();
    let warned_low = server.log_lines("little free disk space");
    println!(
        "full disk: writes answered {statuses:?}; reads {} and {}; /ready {ready_while_full:?}; integrity {integrity:?}; \
         writing again {:?} after space was freed",
        me.status,
        rules.status,
        freed_at.elapsed()
    );
    // A write that still fits (in WAL space freed by a checkpoint) may succeed; every
    // other one is refused as unavailable, never failed as a bug.
    let refused = while_full.iter().filter(|o| !o.acknowledged).count();
    assert!(refused > 0, "writes on a full disk are refused");
    assert!(
        while_full.iter().all(|o| o.acknowledged || (o.status == 503 && o.retry_after)),
        "a write that cannot be stored answers 503 + Retry-After"
    );
    assert_eq!((me.status.as_u16(), rules.status.as_u16()), (200, 200), "reads keep working");
    assert_eq!(ready_while_full, Some(200), "a full disk still serves reads, so the replica stays ready");
    assert_eq!(integrity, vec!["ok".to_owned()], "the database file is intact");
    assert!(afterwards.iter().all(|o| o.acknowledged), "writes resume once space is freed");
    let ids: Vec<Uuid> = afterwards.iter().map(|o| o.id).collect();
    let stored_after =
        check_in::Entity::find().filter(check_in::Column::Id.is_in(ids)).count(&app.state.db).await.unwrap();
    assert_eq!(stored_after, 6, "every write acknowledged after the disk was full is stored");
    assert_eq!(warned_low.len(), 1, "start-up warned about the small filesystem");
    let stored = check_in::Entity::find()
        .filter(check_in::Column::Id.is_in(while_full.iter().map(|o| o.id)))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored as usize, while_full.len() - refused, "acknowledged writes are stored, refused ones not");
    drop(server);
    drop(app);
}
