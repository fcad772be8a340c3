//! Keeps the SQLite WAL small: under sustained writes it grows without bound unless it
//! is checkpointed, so this truncates it about every second. PostgreSQL needs nothing.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};

use crate::outage::Backoff;

/// One checkpoint. A busy database is normal while a writer is active and shows up as a
/// flag in the result, not as an error.
pub async fn run_once<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.map(|_| ())
}

/// Runs [`run_once`] every second until the process ends; a no-op on other backends.
pub fn spawn(db: DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = Backoff::new("wal-checkpoint", Duration::from_secs(1), Duration::from_secs(30));
        loop {
            tick.tick().await;
            // A full or unreadable disk is an outage: logged once, retried less often
            // until it ends.
            let step = run_once(&db).await;
            if let Some(pause) = outage.observe(&step) {
                tokio::time::sleep(pause).await;
            }
        }
    });
}
