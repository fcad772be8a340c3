//! Reminders: rules → occurrences → pushes.
//!
//! - [`schedule`]: pure local-time arithmetic and the DST policy.
//! - [`materialise`]: writes the occurrences that fall due soon into the outbox
//!   (`reminder_occurrence`, UNIQUE(rule, local_date), insert-or-ignore, so any number of
//!   workers may do it at once).
//! - [`dispatch`]: leases due occurrences, holds them through quiet hours, skips what is
//!   already done, sends to every active device, and acknowledges with the lease token.
//! - [`adaptive`]: the pure rules that move a daily reminder towards the patient's routine
//!   and back it off when it keeps being ignored (applied nightly by
//!   `crate::workers::adaptive`).
//! - `needed`: the questions dispatch asks before sending (exercises done? check-in
//!   logged? session still on?), which are the only part that reads the services.
//!
//! [`run_due`] is one whole step at a given instant; the background loop that calls it
//! every few seconds lives in `crate::workers::reminders`, and tests call it with a fixed
//! clock. Reminder kinds, schedules and materialising sit below the services (which
//! create rules); dispatch sits above them, since it asks whether a reminder is still
//! needed.

pub mod adaptive;
pub mod dispatch;
pub mod kinds;
pub mod materialise;
mod needed;
pub mod schedule;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbBackend, DbErr};

use crate::{config::Settings, push::PushSender};

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
    // On PostgreSQL the next batch is leased while this one is sent, so its round trips
    // hide behind the pushes. SQLite takes one write at a time: there the lease would
    // only wait in the busy handler behind this batch's acknowledgements.
    let overlap = db.get_database_backend() == DbBackend::Postgres;
    let lease = || dispatch::lease(db, now, opts.lease, opts.batch);
    let mut batch = lease().await?;
    for round in 1..=opts.max_batches {
        if batch.is_empty() {
            break;
        }
        let more = batch.len() as u64 == opts.batch && round < opts.max_batches;
        let sending = dispatch::process_batch(db, sender, now, opts, batch);
        if more && overlap {
            // Should the batch fail, the one leased beside it waits for its lease to
            // run out, as after a crash, and the next step takes it over.
            let (done, next) = tokio::join!(sending, lease());
            report.add(done?);
            batch = next?;
        } else {
            report.add(sending.await?);
            if !more {
                break;
            }
            batch = lease().await?;
        }
    }
    Ok(report)
}
