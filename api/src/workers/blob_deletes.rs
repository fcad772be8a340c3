//! Deletes attachment objects an erasure queued in the `blob_deletion` outbox (see
//! `services::messages::blob_outbox`): each key is claimed, deleted from the configured
//! store, and its row removed only once the store confirms; failures wait and retry.
//! Replicas may all run it: a claim keeps a key to one of them at a time.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    clock::SharedClock,
    outage::Backoff,
    services::messages::{
        blob_outbox::{self, Report},
        storage::BlobStore,
    },
};

/// Erasures are rare and a deleted object is not urgent: a look every half minute.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// One step at `now`: deletes the due keys (up to one batch).
pub async fn run_once(db: &DatabaseConnection, store: &dyn BlobStore, now: DateTime<Utc>) -> Result<Report, DbErr> {
    blob_outbox::deliver(db, store, now).await
}

/// Runs [`run_once`] every `interval` (zero: never).
pub fn spawn(
    db: DatabaseConnection,
    store: Arc<dyn BlobStore>,
    clock: SharedClock,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if interval.is_zero() {
            return;
        }
        let mut outage = Backoff::new("blob-deletes", interval.min(Duration::from_secs(1)), interval);
        loop {
            tokio::time::sleep(interval).await;
            loop {
                let step = run_once(&db, store.as_ref(), clock.now()).await;
                match &step {
                    Ok(report) if report.deleted + report.failed > 0 => {
                        tracing::info!(deleted = report.deleted, failed = report.failed, "attachment objects deleted")
                    }
                    Err(e) if !crate::outage::unavailable(e) => {
                        tracing::warn!(error = %e, "attachment object deletes failed; retrying next round")
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
