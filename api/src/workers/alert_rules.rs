//! The alert rules that depend on time passing (disengagement, low adherence, payer
//! authorizations ending soon or owed a "running low" alert). Rules that a write
//! triggers (a red flag, a pain spike, a completed visit) run in that write instead.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use crate::{
    clock::SharedClock,
    outage::Backoff,
    services::{alerts, payer_authorizations},
};

/// One evaluation of every active patient at `now`.
pub async fn run_once<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<alerts::Report, DbErr> {
    let mut report = alerts::evaluate(db, now).await?;
    report.raised.extend(payer_authorizations::evaluate(db, now).await?);
    Ok(report)
}

/// Runs [`run_once`] every `interval` (zero: never). Replicas may all run it: the
/// database keeps alerts unique.
pub fn spawn(db: DatabaseConnection, clock: SharedClock, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if interval.is_zero() {
            return;
        }
        let mut outage = Backoff::new("alert-rules", interval.min(Duration::from_secs(1)), interval);
        loop {
            tokio::time::sleep(interval).await;
            loop {
                let step = run_once(&db, clock.now()).await;
                match &step {
                    Ok(report) if !report.raised.is_empty() => {
                        tracing::info!(raised = report.raised.len(), "alert rules ran")
                    }
                    Err(e) if !crate::outage::unavailable(e) => {
                        tracing::warn!(error = %e, "alert rules failed; retrying next round")
                    }
                    _ => {}
                }
                // While the database is away, retry sooner than a whole round (with
                // backoff), so a missed round runs soon after it returns.
                match outage.observe(&step) {
                    Some(pause) => tokio::time::sleep(pause).await,
                    None => break,
                }
            }
        }
    })
}
