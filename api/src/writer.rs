//! The one writer of a process: a task on its own thread that owns the write connection and a queue.
//!
//! Every hot write (check-ins, exercise logs, read-audit batches) is a job sent here. The
//! task takes whatever jobs are waiting (up to [`MAX_BATCH`]), runs them in one
//! transaction, each inside its own savepoint, and commits once; only then does each
//! caller get its own result. So:
//! - many patients pressing "save" at once cost one commit, not one each;
//! - a job that fails rolls back its savepoint and answers its own error, never its
//!   neighbours';
//! - on SQLite no writer ever waits in the busy handler (the sleep-and-retry loop behind
//!   the one-second tail latencies): writes queue here in order instead, and readers use
//!   their own pool;
//! - nothing is acknowledged before it is committed, so a crash loses no answered write.
//!
//! If the batch's transaction cannot commit (or the connection fails mid-batch), every
//! job is run again on its own, in its own transaction, so each caller gets the outcome
//! of its own work and its own error, classified as usual (503 for an unavailable
//! database). Jobs are therefore `Fn`: they may run twice, and only the committed run
//! counts.
//!
//! Work that many callers can share ([`Merge`], e.g. plain check-ins) goes further: the
//! jobs of one kind that are waiting together run as one call, so N patients' check-ins
//! cost one multi-row insert per table and one multi-row audit insert, not N of each.
//! If that call fails, its savepoint is rolled back and each of its jobs runs alone in
//! its own savepoint, so one bad input still fails only its own caller. (A batch that is
//! nothing but one such call skips the savepoint: the transaction is rolled back instead,
//! and the jobs run apart in a new one.)
//!
//! A job runs with its caller's request id, so audit rows written here name the request.
//!
//! On PostgreSQL each replica runs its own writer; the idempotency rules (ids made by the
//! phone, `ON CONFLICT DO NOTHING`) keep replicas from storing anything twice.
//!
//! On PostgreSQL one process may also run several writers ("lanes", `FASCIA_DB_WRITERS`),
//! each with its own connection and queue, exactly as several replicas would. A writer
//! spends most of a batch waiting for round trips to the server, so one lane left a third
//! of the CPU idle under load; a second lane overlaps those waits. Work for one patient
//! ([`Merge::affinity`]) always takes the same lane, so a patient's writes stay in order
//! and two lanes never wait on each other's rows; other work goes round the lanes.

use std::{
    any::Any,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use sea_orm::{ConnAcquireErr, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::{db, outage, request_id};

/// How many jobs one transaction takes at most: enough to amortise the commit, few
/// enough that the first caller of a batch does not wait long for the last.
pub const MAX_BATCH: usize = 128;
/// Jobs waiting beyond this make callers wait for room (back-pressure), not pile up.
pub const QUEUE_BOUND: usize = 1024;

pub type JobFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// Why a job never ran. Both mean "unavailable, retry later" to a client, so they
/// become the pool's own unavailability errors and take the usual 503 path.
#[derive(Debug, Clone, Copy)]
enum NotRun {
    /// The writer task is gone (the process is shutting down).
    Stopped,
    /// The queue stayed full for the whole deadline.
    Busy,
}

impl From<NotRun> for DbErr {
    fn from(why: NotRun) -> Self {
        DbErr::ConnectionAcquire(match why {
            NotRun::Stopped => ConnAcquireErr::ConnectionClosed,
            NotRun::Busy => ConnAcquireErr::Timeout,
        })
    }
}

/// Work whose inputs from many callers can be stored by one call.
pub trait Merge: Send + Sync + Sized + 'static {
    type Output: Send + 'static;

    /// Whether this input may share a call with others; one that may not runs alone in
    /// its own savepoint.
    fn mergeable(&self) -> bool;

    /// Inputs with the same affinity (the patient they belong to) always take the same
    /// writer lane, in the order they were sent.
    fn affinity(&self) -> Option<Uuid> {
        None
    }

    /// Stores every input in `txn` and answers for each, in order, exactly as running
    /// them one after another would. An error fails the whole call (the writer then
    /// runs each input alone), so it must not be an input's own, expected refusal.
    fn run_all<'t>(
        txn: &'t DatabaseTransaction,
        inputs: &'t [&'t Self],
    ) -> JobFuture<'t, Result<Vec<Self::Output>, DbErr>>;
}

/// Runs a group of jobs of one [`Merge`] kind as one call and stores each one's outcome.
type GroupRunner = for<'t> fn(&'t DatabaseTransaction, &'t mut [Box<dyn Job>]) -> JobFuture<'t, Result<(), DbErr>>;

/// A queued unit of work, with its caller's answer channel.
trait Job: Send + Any {
    /// Runs the work on `txn`; true when it succeeded and should be kept.
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction) -> JobFuture<'t, bool>;
    /// How to run this job together with its neighbours of the same kind, when it may.
    fn group(&self) -> Option<GroupRunner> {
        None
    }
    fn as_any(&mut self) -> &mut dyn Any;
    /// The database failed around the work (begin, savepoint, commit).
    fn fail(self: Box<Self>, err: DbErr);
    /// The work's own outcome stands: it committed, or it failed and was rolled back.
    fn answer(self: Box<Self>);
}

struct Pending<I, F, T, E> {
    input: I,
    work: F,
    request_id: Option<String>,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<I, F, T, E> Job for Pending<I, F, T, E>
where
    I: Send + Sync + 'static,
    F: for<'t> Fn(&'t DatabaseTransaction, &'t I) -> JobFuture<'t, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<DbErr> + Send + 'static,
{
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction) -> JobFuture<'t, bool> {
        Box::pin(async move {
            let outcome = request_id::with_request_id(self.request_id.clone(), (self.work)(txn, &self.input)).await;
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn fail(self: Box<Self>, err: DbErr) {
        // The caller may have gone (client disconnected); nothing to tell then.
        let _ = self.reply.send(Err(err.into()));
    }

    fn answer(self: Box<Self>) {
        let this = *self;
        if let Some(outcome) = this.outcome {
            let _ = this.reply.send(outcome);
        }
    }
}

/// A queued [`Merge`] input.
struct Merged<M: Merge> {
    input: M,
    request_id: Option<String>,
    outcome: Option<Result<M::Output, DbErr>>,
    reply: oneshot::Sender<Result<M::Output, DbErr>>,
}

impl<M: Merge> Job for Merged<M> {
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction) -> JobFuture<'t, bool> {
        Box::pin(async move {
            let inputs = [&self.input];
            let outcome = request_id::with_request_id(self.request_id.clone(), M::run_all(txn, &inputs))
                .await
                .and_then(|mut out| out.pop().ok_or_else(|| broken_merge(0, 1)));
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn group(&self) -> Option<GroupRunner> {
        self.input.mergeable().then_some(run_group::<M> as GroupRunner)
    }

    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn fail(self: Box<Self>, err: DbErr) {
        let _ = self.reply.send(Err(err));
    }

    fn answer(self: Box<Self>) {
        let this = *self;
        if let Some(outcome) = this.outcome {
            let _ = this.reply.send(outcome);
        }
    }
}

/// A [`Merge::run_all`] that broke its contract (one answer per input): a bug, reported
/// as an internal error so the writer runs each input alone and nobody gets a wrong
/// neighbour's answer.
fn broken_merge(answered: usize, inputs: usize) -> DbErr {
    tracing::error!(answered, inputs, "a merged writer call did not answer each input once");
    DbErr::Exec(sea_orm::RuntimeErr::Internal(format!("a merged call answered {answered} of {inputs} inputs")))
}

/// The [`GroupRunner`] of `M`: one `run_all` over the group's inputs.
fn run_group<'t, M: Merge>(
    txn: &'t DatabaseTransaction,
    jobs: &'t mut [Box<dyn Job>],
) -> JobFuture<'t, Result<(), DbErr>> {
    Box::pin(async move {
        let outputs = {
            let inputs: Vec<&M> = jobs
                .iter_mut()
                .map(|job| &job.as_any().downcast_ref::<Merged<M>>().expect("a group holds one kind of job").input)
                .collect();
            M::run_all(txn, &inputs).await?
        };
        if outputs.len() != jobs.len() {
            return Err(broken_merge(outputs.len(), jobs.len()));
        }
        for (job, output) in jobs.iter_mut().zip(outputs) {
            let job = job.as_any().downcast_mut::<Merged<M>>().expect("a group holds one kind of job");
            job.outcome = Some(Ok(output));
        }
        Ok(())
    })
}

/// A handle to the writer lanes; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    lanes: Arc<[mpsc::Sender<Box<dyn Job>>]>,
    /// The lane for the next job without an affinity.
    next: Arc<AtomicUsize>,
    deadline: Duration,
}

impl Writer {
    /// Starts one writer lane per connection of `conns` (see the module notes; SQLite
    /// gets one), each a pool of one connection used by nothing else. A caller waits at
    /// most `deadline` for room in a queue.
    ///
    /// Each lane runs on a thread of its own (with a one-thread runtime), not among the
    /// request tasks. A batch is a dozen statements in a row (begin, savepoint, reads,
    /// inserts, release, commit), and on the shared runtime the writer waited behind
    /// every ready request task after each one: under 64 connections of check-ins a
    /// 33-check-in batch took 7–11 ms, more than half of it queued (`BEGIN` alone 2.2 ms).
    /// The threads end when the last handle to the writer is dropped.
    pub fn start(conns: Vec<DatabaseConnection>, deadline: Duration) -> std::io::Result<Self> {
        assert!(!conns.is_empty(), "a writer needs a connection");
        let mut lanes = Vec::with_capacity(conns.len());
        for conn in conns {
            let (queue, jobs) = mpsc::channel(QUEUE_BOUND);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            std::thread::Builder::new()
                .name("fascia-writer".into())
                .spawn(move || runtime.block_on(run(conn, jobs)))?;
            lanes.push(queue);
        }
        Ok(Self { lanes: lanes.into(), next: Arc::new(AtomicUsize::new(0)), deadline })
    }

    /// The lane for a job: its patient's, or the next in turn.
    fn lane(&self, affinity: Option<Uuid>) -> &mpsc::Sender<Box<dyn Job>> {
        let n = self.lanes.len();
        let i = match affinity {
            // The low bits of a UUID (v4 or v7) are random.
            Some(key) => (key.as_u128() % n as u128) as usize,
            None => self.next.fetch_add(1, Ordering::Relaxed) % n,
        };
        &self.lanes[i]
    }

    /// Runs `work(txn, &input)` in the writer's transaction and answers once it is
    /// committed (or failed). `work` may be called twice (see the module notes); it must
    /// not have effects outside the transaction.
    pub async fn write<I, T, E, F>(&self, input: I, work: F) -> Result<T, E>
    where
        I: Send + Sync + 'static,
        F: for<'t> Fn(&'t DatabaseTransaction, &'t I) -> JobFuture<'t, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let request_id = request_id::current_request_id();
        let job: Box<dyn Job> = Box::new(Pending { input, work, request_id, outcome: None, reply });
        enqueue(self.lane(None), job, self.deadline).await?;
        answer.await.unwrap_or_else(|_| Err(DbErr::from(NotRun::Stopped).into()))
    }

    /// Jobs waiting in the queues (for the metrics).
    pub fn queue_depth(&self) -> usize {
        self.lanes.iter().map(|queue| queue.max_capacity() - queue.capacity()).sum()
    }

    /// Like [`Writer::write`], for work that can share one call with other callers'
    /// inputs of the same kind waiting at the same time.
    pub async fn merge<M: Merge>(&self, input: M) -> Result<M::Output, DbErr> {
        let (reply, answer) = oneshot::channel();
        let request_id = request_id::current_request_id();
        let lane = self.lane(input.affinity());
        let job: Box<dyn Job> = Box::new(Merged { input, request_id, outcome: None, reply });
        enqueue(lane, job, self.deadline).await?;
        answer.await.unwrap_or_else(|_| Err(NotRun::Stopped.into()))
    }
}

/// Puts `item` on a bounded queue, waiting at most `deadline` for room. A full or closed
/// queue answers like an unavailable pool, so callers take the usual 503 path.
pub(crate) async fn enqueue<T>(queue: &mpsc::Sender<T>, item: T, deadline: Duration) -> Result<(), DbErr> {
    match tokio::time::timeout(deadline, queue.send(item)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(NotRun::Stopped.into()),
        Err(_) => Err(NotRun::Busy.into()),
    }
}

/// Waits at most `deadline` for a queued item's answer, with [`enqueue`]'s errors.
pub(crate) async fn answer_within<T>(answer: oneshot::Receiver<T>, deadline: Duration) -> Result<T, DbErr> {
    match tokio::time::timeout(deadline, answer).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(NotRun::Stopped.into()),
        Err(_) => Err(NotRun::Busy.into()),
    }
}

async fn run(conn: DatabaseConnection, mut jobs: mpsc::Receiver<Box<dyn Job>>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut taken = std::mem::take(&mut batch);
        if taken.len() == 1 {
            // Nothing to share a transaction with: skip the savepoint.
            alone(&conn, taken.remove(0)).await;
            continue;
        }
        match together(&conn, &mut taken).await {
            Ok(()) => taken.into_iter().for_each(|job| job.answer()),
            // The database is away: running each job again would make the last caller
            // wait a deadline per job before its 503. Every caller gets the refusal now.
            Err(err) if outage::unavailable(&err) => {
                for job in taken {
                    job.fail(NotRun::Busy.into());
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, jobs = taken.len(), "a write batch failed; running its jobs one by one");
                for job in taken {
                    alone(&conn, job).await;
                }
            }
        }
    }
}

/// Every job in one transaction, each in a savepoint (neighbours of one [`Merge`] kind
/// share one); one commit.
async fn together(conn: &DatabaseConnection, jobs: &mut [Box<dyn Job>]) -> Result<(), DbErr> {
    let txn = db::begin_write(conn).await?;
    // The usual batch under load is one merged call (every job a plain check-in, say).
    // It needs no savepoint of its own: the transaction is one. Should the call fail,
    // the transaction goes back and the jobs run apart in a fresh one. On SQLite that
    // saves two of a batch's dozen statements, each a hand-off to the connection's thread.
    if let Some((runner, end)) = merged_run(jobs, 0)
        && end == jobs.len()
    {
        return match runner(&txn, jobs).await {
            Ok(()) => txn.commit().await,
            Err(err) if outage::unavailable(&err) => Err(err),
            Err(err) => {
                tracing::debug!(error = %err, jobs = end, "a merged write failed; running its jobs one by one");
                txn.rollback().await?;
                let txn = db::begin_write(conn).await?;
                for job in jobs.iter_mut() {
                    apart(&txn, job).await?;
                }
                txn.commit().await
            }
        };
    }
    let mut start = 0;
    while start < jobs.len() {
        let Some((runner, end)) = merged_run(jobs, start) else {
            apart(&txn, &mut jobs[start]).await?;
            start += 1;
            continue;
        };
        let savepoint = txn.begin().await?;
        match runner(&savepoint, &mut jobs[start..end]).await {
            Ok(()) => savepoint.commit().await?,
            Err(err) => {
                if outage::unavailable(&err) {
                    return Err(err);
                }
                tracing::debug!(error = %err, jobs = end - start, "a merged write failed; running its jobs one by one");
                savepoint.rollback().await?;
                for job in &mut jobs[start..end] {
                    apart(&txn, job).await?;
                }
            }
        }
        start = end;
    }
    txn.commit().await
}

/// The call that takes the jobs from `start` together, and the end of their run; none
/// when the job at `start` runs alone or has no neighbour of its kind to share with.
fn merged_run(jobs: &[Box<dyn Job>], start: usize) -> Option<(GroupRunner, usize)> {
    let runner = jobs[start].group()?;
    let kind = (*jobs[start]).type_id();
    let end =
        start + jobs[start..].iter().take_while(|job| (***job).type_id() == kind && job.group().is_some()).count();
    (end - start > 1).then_some((runner, end))
}

/// One job in its own savepoint of `txn`.
async fn apart(txn: &DatabaseTransaction, job: &mut Box<dyn Job>) -> Result<(), DbErr> {
    let savepoint = txn.begin().await?;
    if job.run(&savepoint).await { savepoint.commit().await } else { savepoint.rollback().await }
}

/// One job in its own transaction.
async fn alone(conn: &DatabaseConnection, mut job: Box<dyn Job>) {
    let txn = match db::begin_write(conn).await {
        Ok(txn) => txn,
        Err(err) => return job.fail(err),
    };
    let kept = job.run(&txn).await;
    let finished = if kept { txn.commit().await } else { txn.rollback().await };
    match finished {
        Ok(()) => job.answer(),
        // A rollback that fails after the job's own error: the job's error is the answer.
        Err(_) if !kept => job.answer(),
        Err(err) => job.fail(err),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    async fn memory_db() -> DatabaseConnection {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1).sqlx_logging(false);
        let db = Database::connect(opts).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)").await.unwrap();
        db
    }

    /// The ids in the test table, in order.
    async fn stored_ids(db: &DatabaseConnection) -> Vec<i64> {
        db.query_all_raw(Statement::from_string(DbBackend::Sqlite, "SELECT id FROM t ORDER BY id"))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<i64>(0).unwrap())
            .collect()
    }

    fn insert(id: i64) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, "INSERT INTO t (id) VALUES ($1)", [id.into()])
    }

    #[derive(Debug)]
    enum Refused {
        Db,
        Rule,
    }
    impl From<DbErr> for Refused {
        fn from(_: DbErr) -> Self {
            Refused::Db
        }
    }

    /// Many jobs at once share transactions; the ones that fail (by their own rule after
    /// writing, or by a constraint) leave nothing behind and fail nobody else.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_rolls_back_alone_and_the_others_commit() {
        let db = memory_db().await;
        let writer = Writer::start(vec![db.clone()], Duration::from_secs(5)).unwrap();
        let jobs = (0..200_i64).map(|i| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(i, |txn, &i| {
                        Box::pin(async move {
                            // Every tenth job writes a row another job also writes.
                            let id = if i % 10 == 9 { i - 1 } else { i };
                            txn.execute_raw(insert(id)).await?;
                            if i % 7 == 3 { Err(Refused::Rule) } else { Ok(id) }
                        })
                    })
                    .await
            })
        });
        let outcomes: Vec<Result<i64, Refused>> =
            futures::future::join_all(jobs).await.into_iter().map(|j| j.unwrap()).collect();
        let stored = stored_ids(&db).await;
        let committed: Vec<i64> = outcomes.iter().filter_map(|o| o.as_ref().ok().copied()).collect();
        let mut expected = committed.clone();
        expected.sort_unstable();
        assert_eq!(stored, expected, "exactly the jobs answered Ok are stored");
        for (i, outcome) in outcomes.iter().enumerate() {
            let i = i as i64;
            match outcome {
                Ok(id) => assert!(i % 7 != 3 && *id == if i % 10 == 9 { i - 1 } else { i }),
                Err(Refused::Rule) => assert_eq!(i % 7, 3),
                // Jobs i and i - 1 (i % 10 == 9) share an id; whichever the queue took
                // second fails.
                Err(Refused::Db) => assert!(i % 10 >= 8, "only a job sharing an id fails on the database: {i}"),
            }
        }
        // Rows whose only writers were refused by their rule are absent.
        assert!(!stored.contains(&3) && !stored.contains(&10));
    }

    /// Ids stored with one multi-row insert per call; a repeated id fails the call.
    struct Row(i64);

    static MERGED_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    impl Merge for Row {
        type Output = i64;

        fn mergeable(&self) -> bool {
            // Negative ids stand for work that must run alone.
            self.0 >= 0
        }

        fn run_all<'t>(txn: &'t DatabaseTransaction, rows: &'t [&'t Self]) -> JobFuture<'t, Result<Vec<i64>, DbErr>> {
            Box::pin(async move {
                if rows.len() > 1 {
                    MERGED_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let values: Vec<String> = rows.iter().map(|r| r.0.abs().to_string()).collect();
                txn.execute_unprepared(&format!("INSERT INTO t (id) VALUES ({})", values.join("), ("))).await?;
                Ok(rows.iter().map(|r| r.0.abs()).collect())
            })
        }
    }

    /// Inputs waiting together are stored by one call; when that call fails (one input's
    /// id is taken), each input runs alone, so only that one fails.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn merged_inputs_share_one_call_and_a_bad_one_fails_alone() {
        let db = memory_db().await;
        let writer = Writer::start(vec![db.clone()], Duration::from_secs(5)).unwrap();
        // Ids 0..300; every 25th repeats its predecessor, every 40th must run alone.
        let id_of = |i: i64| if i % 25 == 24 { i - 1 } else { i };
        let jobs = (0..300_i64).map(|i| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let id = if i % 25 == 24 { i - 1 } else { i };
                writer.merge(Row(if i % 40 == 39 { -id } else { id })).await
            })
        });
        let outcomes: Vec<Result<i64, DbErr>> =
            futures::future::join_all(jobs).await.into_iter().map(|j| j.unwrap()).collect();
        let stored = stored_ids(&db).await;
        let mut answered: Vec<i64> = outcomes.iter().filter_map(|o| o.as_ref().ok().copied()).collect();
        answered.sort_unstable();
        assert_eq!(stored, answered, "exactly the inputs answered Ok are stored");
        let failed = outcomes.iter().filter(|o| o.is_err()).count();
        assert_eq!(failed, 12, "only the twelve repeated ids fail");
        for (i, outcome) in outcomes.iter().enumerate() {
            let i = i as i64;
            if let Ok(id) = outcome {
                assert_eq!(*id, id_of(i));
            }
        }
        assert!(MERGED_CALLS.load(std::sync::atomic::Ordering::Relaxed) > 0, "some inputs shared a call");
    }

    /// A batch that is all one merged call runs without a savepoint; when that call
    /// fails, the whole transaction goes back and each input runs apart, so only the bad
    /// one fails and nothing of the failed call is left behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_of_one_merged_call_that_fails_runs_its_inputs_apart() {
        let db = memory_db().await;
        let writer = Writer::start(vec![db.clone()], Duration::from_secs(5)).unwrap();
        // Hold the writer on a first job until the batch below is queued behind it.
        let (started, mut running) = tokio::sync::mpsc::unbounded_channel::<()>();
        let gate = Arc::new(tokio::sync::Notify::new());
        let holding = {
            let (writer, gate) = (writer.clone(), gate.clone());
            tokio::spawn(async move {
                writer
                    .write((), move |txn, _| {
                        let (started, gate) = (started.clone(), gate.clone());
                        Box::pin(async move {
                            let _ = started.send(());
                            gate.notified().await;
                            txn.execute_raw(insert(1000)).await?;
                            Ok::<_, Refused>(1000)
                        })
                    })
                    .await
            })
        };
        running.recv().await.unwrap();
        // Ids 500..510 with 504 twice: the one multi-row insert fails on the repeat.
        let ids = [500, 501, 502, 503, 504, 504, 505, 506, 507, 508];
        let mut jobs = Vec::new();
        for id in ids {
            let queued = writer.clone();
            jobs.push(tokio::spawn(async move { queued.merge(Row(id)).await }));
            while writer.queue_depth() < jobs.len() {
                tokio::task::yield_now().await;
            }
        }
        gate.notify_one();
        assert_eq!(holding.await.unwrap().unwrap(), 1000);
        let outcomes: Vec<Result<i64, DbErr>> =
            futures::future::join_all(jobs).await.into_iter().map(|j| j.unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1, "only the repeat fails: {outcomes:?}");
        let mut expected = vec![500, 501, 502, 503, 504, 505, 506, 507, 508, 1000];
        expected.sort_unstable();
        assert_eq!(stored_ids(&db).await, expected);
    }

    /// A patient's rows: inputs of one patient share a lane.
    struct Owned {
        patient: Uuid,
        id: i64,
    }

    impl Merge for Owned {
        type Output = i64;

        fn mergeable(&self) -> bool {
            true
        }

        fn affinity(&self) -> Option<Uuid> {
            Some(self.patient)
        }

        fn run_all<'t>(txn: &'t DatabaseTransaction, rows: &'t [&'t Self]) -> JobFuture<'t, Result<Vec<i64>, DbErr>> {
            Box::pin(async move {
                let values: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
                txn.execute_unprepared(&format!("INSERT INTO t (id) VALUES ({})", values.join("), ("))).await?;
                Ok(rows.iter().map(|r| r.id).collect())
            })
        }
    }

    /// With two lanes (here two separate databases, so where a row lands shows which lane
    /// stored it), every input of one patient takes the same lane, patients spread over
    /// both, and work without a patient goes round them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_patients_writes_keep_to_one_lane_and_other_work_goes_round() {
        let (a, b) = (memory_db().await, memory_db().await);
        let writer = Writer::start(vec![a.clone(), b.clone()], Duration::from_secs(5)).unwrap();
        let patients: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
        let jobs = (0..400_i64).map(|i| {
            let (writer, patient) = (writer.clone(), patients[i as usize % patients.len()]);
            tokio::spawn(async move { writer.merge(Owned { patient, id: i }).await })
        });
        for outcome in futures::future::join_all(jobs).await {
            outcome.unwrap().unwrap();
        }
        let (in_a, in_b) = (stored_ids(&a).await, stored_ids(&b).await);
        assert_eq!(in_a.len() + in_b.len(), 400, "each input stored once");
        for (p, _) in patients.iter().enumerate() {
            let theirs = |ids: &[i64]| ids.iter().filter(|&&id| id as usize % patients.len() == p).count();
            let (x, y) = (theirs(&in_a), theirs(&in_b));
            assert!(x == 0 || y == 0, "patient {p} was split over the lanes: {x} and {y}");
        }
        assert!(!in_a.is_empty() && !in_b.is_empty(), "twenty patients use both lanes");

        for i in 1000..1010_i64 {
            writer
                .write(i, |txn, &i| Box::pin(async move { txn.execute_raw(insert(i)).await.map(|_| ()) }))
                .await
                .unwrap();
        }
        let alternate = |ids: Vec<i64>| ids.into_iter().filter(|&id| id >= 1000).count();
        assert_eq!((alternate(stored_ids(&a).await), alternate(stored_ids(&b).await)), (5, 5));
    }
}
