//! Connecting to the database and bringing its schema up to date.
//!
//! SQLite gets WAL, `synchronous=NORMAL`, a busy timeout and foreign keys, plus a periodic
//! checkpoint (`workers::wal_checkpoint`): without it the WAL file grows without bound under sustained writes while
//! readers keep old snapshots alive. PostgreSQL migrations run under an advisory lock so
//! several replicas can start at once.

use std::{path::Path, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Settings;

/// Any value works as long as every replica uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x6661_7363_6961; // "fascia"

/// Turns off SQLite's global memory statistics, once per process and before the first
/// connection (SQLite refuses the change afterwards, which is harmless: it stays on).
///
/// With statistics on, every allocation inside SQLite takes one process-wide mutex. Each
/// pooled connection runs on its own thread, so under load those threads queue on that
/// mutex: `perf` on `GET /me/today` at 64 connections showed the contended-lock wake-ups
/// and thread switches as the largest cost, ahead of SQLite's own work. Fascia never
/// reads the statistics. (`SQLITE_DEFAULT_MEMSTATUS=0` is SQLite's own advice.)
fn sqlite_without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called with its documented (int, int) form for
        // SQLITE_CONFIG_MEMSTATUS; `Once` keeps it to one call, and SQLite answers
        // SQLITE_MISUSE rather than misbehaving if it was initialised already.
        let rc = unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0) };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "SQLite was initialised already; memory statistics stay on");
        }
    });
}

/// Turns on the query planner stability guarantee (QPSG) for a new SQLite connection.
///
/// Without it, SQLite lets the values bound to some parameters choose the plan: a bound
/// `LIMIT ?` (every `.one()` and page) or a `status = ?` that a partial index might match
/// (`ux_care_plan_one_active`) marks the prepared statement, and binding new values
/// throws the plan away, so each run parses and plans the SQL again. `perf` showed that
/// re-preparation as about a fifth of the database threads' time on `GET /me/today`.
/// With stable plans the cached statement is reused as PostgreSQL reuses its plans;
/// Fascia's queries do not depend on value-specific plans (the partial indexes are
/// uniqueness rules, and every filtered column has an ordinary index too).
async fn with_stable_plans(conn: &mut sea_orm::sqlx::SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, held locked for the call;
    // SQLITE_DBCONFIG_ENABLE_QPSG takes an int (1: on) and an int pointer that may be null.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            raw,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        tracing::warn!(rc, "SQLite refused stable query plans; statements will be prepared again more often");
    }
    Ok(())
}

pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    connect_as(settings, Use::Reading).await
}

/// What a pool is for, where SQLite's settings differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Reading,
    /// The writer's one connection.
    Writing,
}

async fn connect_as(settings: &Settings, role: Use) -> Result<DatabaseConnection, DbErr> {
    let url = settings.database_url.expose();
    let mut opts = ConnectOptions::new(url.to_owned());
    // One deadline bounds every wait, so an outage turns into quick 503s rather than
    // requests piling up behind a pool that cannot connect.
    opts.sqlx_logging(false).max_connections(settings.db_max_connections).acquire_timeout(settings.db_deadline);
    if settings.is_sqlite() {
        sqlite_without_memory_statistics();
        // A SQLite connection is a file handle in this process: it cannot go stale the
        // way a network connection can, so the pool's ping before each use (a round trip
        // to the connection's thread per query) buys nothing. The pool still pings on
        // release, which also runs any rollback a dropped transaction queued.
        opts.test_before_acquire(false);
        opts.map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|conn, _| Box::pin(async move { with_stable_plans(conn).await }))
        });
        let deadline = settings.db_deadline;
        opts.map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(deadline)
                .foreign_keys(true)
                // The writer's transactions nest a savepoint per job; SQLite keeps what
                // it needs to roll one back in a statement journal, a temporary file it
                // creates and deletes again on every commit (`perf` showed the open,
                // unlink and close on the writer's thread). In memory it costs no
                // system calls and stays small: a batch's journal is a few pages.
                .pragma("temp_store", if role == Use::Writing { "memory" } else { "default" })
        });
        opts.map_sqlx_sqlite_before_acquire(|conn, _| Box::pin(async move { Ok(!left_in_transaction(conn)) }));
    } else {
        // sqlx 0.9.0 leaves Nagle's algorithm on: see `pg_nodelay`.
        opts.map_sqlx_postgres_pool_opts(|pool| {
            pool.after_connect(|conn, _| Box::pin(async move { crate::pg_nodelay::set_on(conn).await }))
        });
    }
    Database::connect(opts).await
}

/// The writers' own connections: one pool of one connection per writer lane, used by
/// nothing else, so a writer never waits behind a reader for a connection. SQLite has one
/// writer whatever `db_writers` says (SQLite itself runs one write transaction at a
/// time), and an in-memory SQLite database exists only in the pool that made it, so there
/// the writer shares `readers`.
pub async fn connect_writers(
    settings: &Settings,
    readers: &DatabaseConnection,
) -> Result<Vec<DatabaseConnection>, DbErr> {
    if settings.is_sqlite() && sqlite_path(settings.database_url.expose()).is_none() {
        return Ok(vec![readers.clone()]);
    }
    let lanes = if settings.is_sqlite() { 1 } else { settings.db_writers };
    let mut one = settings.clone();
    one.db_max_connections = 1;
    let mut writers = Vec::with_capacity(lanes);
    for _ in 0..lanes {
        writers.push(connect_as(&one, Use::Writing).await?);
    }
    Ok(writers)
}

/// True for a pooled SQLite connection that sqlx still counts as inside a transaction
/// while it rests in the pool, which only a failed COMMIT leaves behind: SQLite rolls the
/// transaction back itself when a COMMIT fails for a full disk or an I/O error, sqlx
/// keeps counting it as open, and the ROLLBACK that follows fails too. Reused, such a
/// connection would start the next transaction as a SAVEPOINT, and "committing" that
/// only releases the savepoint: the request is acknowledged, nothing is stored, and the
/// open transaction swallows everything after it (seen on a full disk). Such a
/// connection is dropped instead of reused. The pool pings a connection as it comes back
/// (before it rests idle), so a rollback still queued from a healthy transaction has run
/// by the time this is asked.
fn left_in_transaction(conn: &sea_orm::sqlx::sqlite::SqliteConnection) -> bool {
    use sea_orm::sqlx::Connection;
    let stuck = conn.is_in_transaction();
    if stuck {
        tracing::warn!("discarding a SQLite connection left inside a failed transaction");
    }
    stuck
}

/// The file path of a SQLite URL, unless it is in-memory.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Applies pending migrations. On PostgreSQL the work happens on one dedicated connection
/// holding a session advisory lock, so concurrent replicas apply each migration once.
pub async fn migrate(db: &DatabaseConnection, settings: &Settings) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let mut opts = ConnectOptions::new(settings.database_url.expose().to_owned());
    opts.sqlx_logging(false).max_connections(1).min_connections(1);
    let single = Database::connect(opts).await?;
    let lock = |sql: &str| Statement::from_sql_and_values(DbBackend::Postgres, sql, [MIGRATION_LOCK_KEY.into()]);
    single.execute_raw(lock("SELECT pg_advisory_lock($1)")).await?;
    let result = Migrator::up(&single, None).await;
    single.execute_raw(lock("SELECT pg_advisory_unlock($1)")).await?;
    single.close().await?;
    result
}

/// How long `/ready` waits for the database: a probe must get its answer well within a
/// second, or load balancers keep sending traffic to a replica whose database is gone.
pub const READY_WITHIN: Duration = Duration::from_millis(800);

/// True when the database answers and every known migration has been applied.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    match Migrator::get_pending_migrations(db).await {
        Ok(pending) => pending.is_empty(),
        Err(_) => false,
    }
}

/// [`is_ready`], answering false when the database takes longer than `within`.
pub async fn is_ready_within(db: &DatabaseConnection, within: Duration) -> bool {
    tokio::time::timeout(within, is_ready(db)).await.unwrap_or(false)
}

/// Free bytes on the filesystem holding `dir`, as an unprivileged process may use them.
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let stat = nix::sys::statvfs::statvfs(dir).map_err(std::io::Error::from)?;
    Ok(stat.blocks_available() as u64 * stat.fragment_size() as u64)
}

/// Below this much free space next to a SQLite file, start-up warns: a full disk makes
/// every write answer 503 until space is freed.
pub const LOW_DISK_BYTES: u64 = 256 * 1024 * 1024;

/// Warns when the filesystem holding the SQLite file is nearly full. The server still
/// starts: reads work on a full disk, and writes resume on their own once space is freed.
pub fn warn_if_disk_low(dir: &Path) {
    #[cfg(unix)]
    match free_bytes(dir) {
        Ok(free) if free < LOW_DISK_BYTES => tracing::warn!(
            data_dir = %dir.display(),
            free_mib = free / (1024 * 1024),
            threshold_mib = LOW_DISK_BYTES / (1024 * 1024),
            "little free disk space for the database: writes will answer 503 once it runs out"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(data_dir = %dir.display(), error = %e, "cannot read the free disk space"),
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails
/// with "database is locked" when another writer got in between, whatever the busy
/// timeout. PostgreSQL ignores the option.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
