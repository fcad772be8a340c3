//! Purges the clinical record of patients whose erasure was confirmed, once the
//! clinic's retention period has run out (see `services::erasure`). Each request is
//! purged in its own transaction, claimed by its state, so replicas may run this at
//! once and a failure leaves the others done.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use crate::{clock::SharedClock, outage::Backoff, services::erasure};

/// Retention is counted in years: an hourly look is more than soon enough.
pub const INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Requests purged per step; the rest wait for the next one.
const BATCH: u64 = 50;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Erasure requests whose record was purged in this step.
    pub purged: Vec<uuid::Uuid>,
}

/// Purges every record whose retention has ended at `now` (up to one batch).
pub async fn run_once<C: ConnectionTrait + TransactionTrait>(db: &C, now: DateTime<Utc>) -> Result<Report, DbErr> {
    let mut report = Report::default();
    for request in erasure::due_for_purge(db, now, BATCH).await? {
        if erasure::purge(db, now, request.id).await? {
            report.purged.push(request.id);
        }
    }
    Ok(report)
}

/// Runs [`run_once`] every `interval` (zero: never).
pub fn spawn(db: DatabaseConnection, clock: SharedClock, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if interval.is_zero() {
            return;
        }
        let mut outage = Backoff::new("retention", interval.min(Duration::from_secs(1)), interval);
        loop {
            tokio::time::sleep(interval).await;
            loop {
                let step = run_once(&db, clock.now()).await;
                match &step {
                    Ok(report) if !report.purged.is_empty() => {
                        tracing::info!(purged = report.purged.len(), "retained records purged")
                    }
                    Err(e) if !crate::outage::unavailable(e) => {
                        tracing::warn!(error = %e, "retention purge failed; retrying next round")
                    }
                    _ => {}
                }
                match outage.observe(&step) {
                    Some(pause) => tokio::time::sleep(pause).await,
                    None => break,
                }
            }
        }
    })
}
