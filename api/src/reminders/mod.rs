//! Reminders: rules → occurrences → pushes.
//!
//! - [`schedule`]: pure local-time arithmetic and the DST policy.
//! - [`materialise`]: writes the occurrences that fall due soon into the outbox
//!   (`reminder_occurrence`, UNIQUE(rule, local_date), insert-or-ignore, so any number of
//!   workers may do it at once).
//! - [`dispatch`]: leases due occurrences, holds them through quiet hours, skips what is
//!   already done, sends to every active device, and acknowledges with the lease token.
//!
//! [`run_due`] is one whole step at a given instant; the server's background worker calls
//! it every few seconds, tests call it with a fixed clock.

pub mod dispatch;
pub mod kinds;
pub mod materialise;
pub mod schedule;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    clock::SharedClock,
    config::Settings,
    outage::{self, Backoff},
    push::PushSender,
};

pub use kinds::ReminderKind;

/// What one dispatcher step needs besides the database and the sender.
#[derive(Debug, Clone)]
pub struct DispatchOptions {
    /// How long leased occurrences belong to this worker.
    pub lease: chrono::Duration,
    /// Occurrences leased per transaction.
    pub batch: u64,
    /// How far ahead occurrences are materialised.
    pub horizon: chrono::Duration,
    /// Occurrences processed concurrently.
    pub concurrency: usize,
    /// Leases taken per step at most, so one step ends even under a flood.
    pub max_batches: usize,
    /// The PWA's origin, for the `navigate` links.
    pub public_url: String,
}

impl DispatchOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            lease: chrono::Duration::from_std(settings.push.lease).expect("lease fits"),
            batch: settings.push.batch,
            horizon: chrono::Duration::minutes(30),
            concurrency: 16,
            max_batches: 100,
            public_url: settings.public_url.clone(),
        }
    }
}

/// Counts from one step, for logs, tests and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub materialised: u64,
    pub leased: u64,
    pub sent: u64,
    pub skipped: u64,
    pub held: u64,
    pub retrying: u64,
    pub failed: u64,
    /// Acknowledgements refused because another worker had taken the lease over.
    pub stale_acks: u64,
}

impl Report {
    fn add(&mut self, other: Report) {
        self.materialised += other.materialised;
        self.leased += other.leased;
        self.sent += other.sent;
        self.skipped += other.skipped;
        self.held += other.held;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.stale_acks += other.stale_acks;
    }
}

/// One dispatcher step at `now`: materialise what falls due soon, then lease and send
/// what is due, batch after batch, until nothing due is left (or `max_batches`).
pub async fn run_due(
    db: &DatabaseConnection,
    sender: &PushSender,
    now: DateTime<Utc>,
    opts: &DispatchOptions,
) -> Result<Report, DbErr> {
    let mut report =
        Report { materialised: materialise::materialise(db, now, opts.horizon).await?, ..Report::default() };
    for _ in 0..opts.max_batches {
        let batch = dispatch::lease(db, now, opts.lease, opts.batch).await?;
        let full = batch.len() as u64 == opts.batch;
        if batch.is_empty() {
            break;
        }
        report.add(dispatch::process_batch(db, sender, now, opts, batch).await?);
        if !full {
            break;
        }
    }
    Ok(report)
}

/// The background worker: a step every `interval` on the injected clock, until the
/// process ends. Errors are logged and the next step tries again; while the database is
/// unavailable the worker logs once, backs off with jitter, and resumes by itself (due
/// occurrences wait in the outbox, so nothing is lost).
pub fn spawn_worker(
    db: DatabaseConnection,
    sender: Arc<PushSender>,
    clock: SharedClock,
    opts: DispatchOptions,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = Backoff::new("reminders", interval, Duration::from_secs(30).max(interval));
        loop {
            tick.tick().await;
            let step = worker_step(&db, &sender, &clock, &opts).await;
            if let Some(pause) = outage.observe(&step) {
                tokio::time::sleep(pause).await;
            }
        }
    })
}

/// One tick of the worker. An unavailable database ends the tick with its error (the
/// later parts would only fail too); other errors are logged and the tick goes on.
async fn worker_step(
    db: &DatabaseConnection,
    sender: &PushSender,
    clock: &SharedClock,
    opts: &DispatchOptions,
) -> Result<(), DbErr> {
    let logged = |what: &str, e: DbErr| {
        if outage::unavailable(&e) {
            return Err(e);
        }
        tracing::warn!(error = %e, "{what} failed; retrying next tick");
        Ok(())
    };
    match run_due(db, sender, clock.now(), opts).await {
        Ok(report) if report.leased > 0 || report.materialised > 0 => tracing::info!(?report, "reminder step"),
        Ok(_) => {}
        Err(e) => logged("reminder step", e)?,
    }
    // Therapists' alert pushes ride on the same tick, so a red flag reaches their
    // devices within seconds of the check-in that raised it.
    if let Err(e) = crate::services::alerts::push_pending(db, sender, clock.now(), &opts.public_url).await {
        logged("alert pushes", e)?;
    }
    // Urgent red flags nobody acknowledged go to other staff on the same tick.
    if let Err(e) = crate::workers::escalation::run_once(db, sender, clock.now(), &opts.public_url).await {
        logged("alert escalation", e)?;
    }
    Ok(())
}
