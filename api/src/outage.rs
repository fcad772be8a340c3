//! What the process does while its database is unavailable: recognise it, refuse
//! requests with 503 (counted and logged once per outage), and let background loops back
//! off and resume on their own.
//!
//! "Unavailable" means the database could not do the work for reasons outside the
//! request: no connection within the deadline, a connection that broke, a server that is
//! shutting down, starting, read-only or out of resources, a SQLite file that is locked
//! past the busy timeout, full, read-only or unreadable. Retrying the same request later
//! can succeed. Everything else (constraint violations, bad SQL, decode errors) is not
//! unavailability and keeps its own answer.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use rand::Rng;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// True when `err` says the database is unreachable, saturated or cannot take writes
/// right now, as opposed to something wrong with the request or the code.
pub fn unavailable(err: &DbErr) -> bool {
    match err {
        // Waiting for a pooled connection timed out, or the pool is shutting down.
        DbErr::ConnectionAcquire(_) => true,
        // Opening or keeping a connection failed, whatever the driver said.
        DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_unavailable(e),
        _ => false,
    }
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        // Any I/O failure on a socket or file means the work may not have reached the
        // database (refused, reset, end of stream, timed out): the client should retry,
        // and its retry is safe because writes are idempotent by client id.
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres_unavailable(pg.code())
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                db.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(sqlite_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs that mean "not now" rather than "not this".
fn postgres_unavailable(sqlstate: &str) -> bool {
    // 08: connection exceptions. 53: insufficient resources (disk full 53100, out of
    // memory 53200, too many connections 53300). 57P01–57P03: admin or crash shutdown,
    // cannot connect now (starting up, in recovery). 25006: a read-only transaction,
    // i.e. a standby or a primary switched to read-only.
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "25006")
}

/// SQLite result codes (primary code in the low byte of the extended one) that mean the
/// file cannot take the work now.
fn sqlite_unavailable(extended: i32) -> bool {
    const BUSY: i32 = 5; // still locked after the busy timeout
    const LOCKED: i32 = 6;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    matches!(extended & 0xff, BUSY | LOCKED | READONLY | IOERR | FULL | CANTOPEN)
}

/// Requests refused with 503 since the process started, and whether the latest answer
/// was such a refusal. One warning when refusals start, one line when a request succeeds
/// again, each with the running count, so an outage costs two log lines, not thousands.
#[derive(Debug, Default)]
pub struct Refusals {
    total: AtomicU64,
    refusing: AtomicBool,
    total_at_start: AtomicU64,
}

impl Refusals {
    /// A request was refused because the database is unavailable.
    pub fn refused(&self) {
        let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.refusing.swap(true, Ordering::AcqRel) {
            self.total_at_start.store(total - 1, Ordering::Relaxed);
            tracing::warn!(refused_total = total, "database unavailable: answering 503 until it is back");
        }
    }

    /// A request that needed the database succeeded.
    pub fn served(&self) {
        if self.refusing.load(Ordering::Relaxed) && self.refusing.swap(false, Ordering::AcqRel) {
            let total = self.total.load(Ordering::Relaxed);
            let during = total - self.total_at_start.load(Ordering::Relaxed);
            tracing::info!(refused_total = total, refused_in_outage = during, "database available again");
        }
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// A background loop's view of the database: it logs once when the database goes away
/// and once when it is back, and says how long to pause before trying again. The pause
/// doubles per failed attempt up to `max`, with jitter so replicas (and the loops of one
/// process) do not knock on a recovering database in step.
#[derive(Debug)]
pub struct Backoff {
    name: &'static str,
    base: Duration,
    max: Duration,
    failures: u32,
    since: Option<Instant>,
}

impl Backoff {
    pub fn new(name: &'static str, base: Duration, max: Duration) -> Self {
        Self { name, base: base.max(Duration::from_millis(10)), max: max.max(base), failures: 0, since: None }
    }

    /// Records the outcome of one step. `Some(pause)` when the database was unavailable
    /// (the caller should wait that long); `None` otherwise, and other errors are left to
    /// the caller to report.
    pub fn observe<T>(&mut self, outcome: &Result<T, DbErr>) -> Option<Duration> {
        match outcome {
            Err(e) if unavailable(e) => {
                if self.since.is_none() {
                    self.since = Some(Instant::now());
                    tracing::warn!(worker = self.name, error = %e, "database unavailable; backing off until it returns");
                }
                self.failures = self.failures.saturating_add(1);
                Some(self.pause())
            }
            _ => {
                if let Some(since) = self.since.take() {
                    tracing::info!(
                        worker = self.name,
                        down_ms = since.elapsed().as_millis() as u64,
                        attempts = self.failures,
                        "database available again; resuming"
                    );
                }
                self.failures = 0;
                None
            }
        }
    }

    /// True while the last step found the database unavailable.
    pub fn is_down(&self) -> bool {
        self.since.is_some()
    }

    fn pause(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(16);
        jittered(self.base.saturating_mul(1 << exp).min(self.max))
    }
}

/// "Equal jitter": between half the ceiling and the ceiling, so pauses still grow while
/// callers that failed together spread out.
fn jittered(ceiling: Duration) -> Duration {
    let half = ceiling / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=half)
}

/// Runs `step` again while it fails because the database is unavailable, pausing with
/// jittered backoff, until `patience` has passed; returns the last outcome. For work that
/// must not be dropped halfway, such as recording pushes already sent: giving up there
/// would send them again once their lease expires.
pub async fn retry_while_unavailable<T, Fut>(patience: Duration, mut step: impl FnMut() -> Fut) -> Result<T, DbErr>
where
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    let give_up = Instant::now() + patience;
    let mut ceiling = Duration::from_millis(100);
    loop {
        match step().await {
            Err(e) if unavailable(&e) && Instant::now() + ceiling < give_up => {
                tokio::time::sleep(jittered(ceiling)).await;
                ceiling = (ceiling * 2).min(Duration::from_secs(5));
            }
            outcome => return outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, TransactionTrait};

    use super::*;

    // Deadlines of a few hundred milliseconds, not tens: opening a SQLite connection on a
    // machine busy with builds has been seen to take longer than 50 ms.
    async fn sqlite_file(dir: &std::path::Path, query: &str, max: u32, deadline_ms: u64) -> DatabaseConnection {
        let url = format!("sqlite://{}?{query}", dir.join("t.db").display());
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(max).acquire_timeout(Duration::from_millis(deadline_ms)).sqlx_logging(false);
        opts.map_sqlx_sqlite_opts(move |o| o.busy_timeout(Duration::from_millis(deadline_ms)));
        Database::connect(opts).await.unwrap()
    }

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("fascia-outage-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    async fn seeded(dir: &std::path::Path) {
        let db = sqlite_file(dir, "mode=rwc", 1, 1000).await;
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)").await.unwrap();
        db.execute_unprepared("INSERT INTO t (id, v) VALUES (1, 'a')").await.unwrap();
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_closed_pool_is_unavailable() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.close_by_ref().await.unwrap();
        let err = db.execute_unprepared("SELECT 1").await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
    }

    #[tokio::test]
    async fn a_pool_whose_connections_are_all_busy_past_the_deadline_is_unavailable() {
        let dir = temp_dir();
        seeded(&dir).await;
        let db = sqlite_file(&dir, "mode=rw", 1, 300).await;
        let held = db.begin().await.unwrap();
        let err = db.execute_unprepared("SELECT 1").await.unwrap_err();
        assert!(matches!(err, DbErr::ConnectionAcquire(_)), "{err:?}");
        assert!(unavailable(&err));
        held.rollback().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_sqlite_file_locked_by_another_writer_past_the_busy_timeout_is_unavailable() {
        let dir = temp_dir();
        seeded(&dir).await;
        let holder = sqlite_file(&dir, "mode=rw", 1, 1000).await;
        let other = sqlite_file(&dir, "mode=rw", 1, 300).await;
        let lock = crate::db::begin_write(&holder).await.unwrap();
        let err = other.execute_unprepared("INSERT INTO t (id, v) VALUES (2, 'b')").await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
        lock.rollback().await.unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn writing_to_a_read_only_sqlite_file_is_unavailable() {
        let dir = temp_dir();
        seeded(&dir).await;
        let db = sqlite_file(&dir, "mode=ro", 1, 100).await;
        let err = db.execute_unprepared("INSERT INTO t (id, v) VALUES (2, 'b')").await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_sqlite_file_that_cannot_be_opened_is_unavailable() {
        let dir = temp_dir();
        let url = format!("sqlite://{}?mode=rw", dir.join("missing").join("t.db").display());
        let err = Database::connect(url).await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn constraint_violations_and_bad_sql_are_not_unavailability() {
        let dir = temp_dir();
        seeded(&dir).await;
        let db = sqlite_file(&dir, "mode=rw", 1, 100).await;
        let duplicate = db.execute_unprepared("INSERT INTO t (id, v) VALUES (2, 'a')").await.unwrap_err();
        assert!(!unavailable(&duplicate), "{duplicate:?}");
        let bad = db.execute_unprepared("SELEC nothing").await.unwrap_err();
        assert!(!unavailable(&bad), "{bad:?}");
        assert!(!unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!unavailable(&DbErr::Json("x".into())));
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_refused_postgres_connection_is_unavailable() {
        // Port 1 on loopback: nothing listens, so the connection is refused.
        let mut opts = ConnectOptions::new("postgres://postgres@127.0.0.1:1/none");
        opts.acquire_timeout(Duration::from_millis(200)).connect_timeout(Duration::from_millis(200));
        let err = Database::connect(opts).await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
    }

    /// A session of its own on the test cluster (only when one is configured).
    async fn postgres_session() -> Option<DatabaseConnection> {
        let url = std::env::var("FASCIA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(1).sqlx_logging(false);
        Some(Database::connect(opts).await.unwrap())
    }

    #[tokio::test]
    async fn postgres_refusing_writes_in_a_read_only_session_is_unavailable() {
        let Some(db) = postgres_session().await else { return };
        db.execute_unprepared("SET default_transaction_read_only = on").await.unwrap();
        let err = db.execute_unprepared("CREATE TABLE fascia_never_created (id int)").await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
        db.close().await.ok();
    }

    #[tokio::test]
    async fn a_postgres_session_terminated_by_the_server_is_unavailable() {
        let Some(db) = postgres_session().await else { return };
        // Ends this session only, as an administrator (or a shutdown) would.
        let err = db.execute_unprepared("SELECT pg_terminate_backend(pg_backend_pid())").await.unwrap_err();
        assert!(unavailable(&err), "{err:?}");
        db.close().await.ok();
    }

    #[test]
    fn postgres_states_that_mean_not_now_are_told_from_ones_that_mean_not_this() {
        for state in ["08006", "08001", "57P01", "57P02", "57P03", "53100", "53200", "53300", "25006"] {
            assert!(postgres_unavailable(state), "{state}");
        }
        for state in ["23505", "23503", "42601", "22001", "40001", "25P02"] {
            assert!(!postgres_unavailable(state), "{state}");
        }
    }

    #[test]
    fn sqlite_codes_are_judged_by_their_primary_code() {
        // BUSY, BUSY_SNAPSHOT (517), LOCKED, READONLY, IOERR_WRITE (778), FULL, CANTOPEN.
        for code in [5, 517, 6, 8, 778, 13, 14] {
            assert!(sqlite_unavailable(code), "{code}");
        }
        // CONSTRAINT_UNIQUE (2067), CONSTRAINT_PRIMARYKEY (1555), ERROR, CORRUPT.
        for code in [2067, 1555, 1, 11] {
            assert!(!sqlite_unavailable(code), "{code}");
        }
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_its_ceiling_and_resets_when_the_database_returns() {
        let mut backoff = Backoff::new("test", Duration::from_millis(100), Duration::from_secs(1));
        let down: Result<(), DbErr> = Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        let pauses: Vec<Duration> = (0..8).map(|_| backoff.observe(&down).unwrap()).collect();
        assert!(backoff.is_down());
        assert!(pauses[0] >= Duration::from_millis(50) && pauses[0] <= Duration::from_millis(100), "{pauses:?}");
        assert!(pauses.iter().all(|p| *p <= Duration::from_secs(1)), "{pauses:?}");
        assert!(pauses[7] >= Duration::from_millis(500), "{pauses:?}");
        assert_eq!(backoff.observe(&Ok::<(), DbErr>(())), None);
        assert!(!backoff.is_down());
        let other: Result<(), DbErr> = Err(DbErr::Json("bad".into()));
        assert_eq!(backoff.observe(&other), None, "other errors are the caller's to report");
    }

    #[test]
    fn refusals_are_counted_across_outages() {
        let refusals = Refusals::default();
        refusals.refused();
        refusals.refused();
        refusals.served();
        refusals.refused();
        assert_eq!(refusals.total(), 3);
    }
}
