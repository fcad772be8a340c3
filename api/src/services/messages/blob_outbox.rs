//! The `blob_deletion` outbox: attachment objects to delete from the blob store.
//!
//! [`record`] runs inside whoever's transaction decided the bytes must go (an erasure),
//! so the keys are queued exactly when the rows that named them are deleted. [`deliver`]
//! is the worker's step: it claims due keys one by one (a claim pushes
//! `next_attempt_at` past the lease, so two replicas never work on one key at once),
//! asks the store to delete, and removes the row only when the store says the object
//! is gone. A failure keeps the row and pushes the next attempt back, doubling up to an
//! hour, with the error kept for operators.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::blob_deletion;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::storage::{BlobError, BlobStore};

/// Keys deleted per step; the rest wait for the next one.
const BATCH: u64 = 100;
/// How long a claimed key is left alone by other replicas (a delete takes seconds).
const LEASE: Duration = Duration::from_secs(5 * 60);
/// The first retry's wait, doubled per failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);
/// Rows inserted per statement (keeps well under any database's parameter limit).
const INSERT_CHUNK: usize = 500;

/// Queues `keys` for deletion; a key queued already stays one row.
pub async fn record<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, keys: &[Uuid]) -> Result<(), DbErr> {
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|key| blob_deletion::ActiveModel {
            key: Set(*key),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            created_at: Set(now),
        });
        blob_deletion::Entity::insert_many(rows)
            .on_conflict(OnConflict::column(blob_deletion::Column::Key).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Keys the store confirmed gone; their rows are deleted.
    pub deleted: usize,
    /// Keys whose delete failed; they wait for a later attempt.
    pub failed: usize,
}

/// One step at `now`: deletes up to a batch of due keys from `store`.
pub async fn deliver(db: &DatabaseConnection, store: &dyn BlobStore, now: DateTime<Utc>) -> Result<Report, DbErr> {
    let due: Vec<(Uuid, i32)> = blob_deletion::Entity::find()
        .select_only()
        .column(blob_deletion::Column::Key)
        .column(blob_deletion::Column::Attempts)
        .filter(blob_deletion::Column::NextAttemptAt.lte(now))
        .order_by_asc(blob_deletion::Column::NextAttemptAt)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut report = Report::default();
    for (key, attempts) in due {
        let claimed = blob_deletion::Entity::update_many()
            .col_expr(blob_deletion::Column::NextAttemptAt, Expr::value(now + LEASE))
            .filter(blob_deletion::Column::Key.eq(key))
            .filter(blob_deletion::Column::NextAttemptAt.lte(now))
            .exec(db)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        match store.delete(db, key).await {
            Ok(()) => {
                blob_deletion::Entity::delete_by_id(key).exec(db).await?;
                report.deleted += 1;
            }
            Err(BlobError::Unavailable(problem)) => {
                let attempts = attempts.saturating_add(1);
                blob_deletion::Entity::update_many()
                    .col_expr(blob_deletion::Column::Attempts, Expr::value(attempts))
                    .col_expr(blob_deletion::Column::NextAttemptAt, Expr::value(now + backoff(attempts)))
                    .col_expr(blob_deletion::Column::LastError, Expr::value(truncate(&problem, 200)))
                    .filter(blob_deletion::Column::Key.eq(key))
                    .exec(db)
                    .await?;
                report.failed += 1;
            }
            // The claim runs out and the key is tried again.
            Err(BlobError::Db(e)) => return Err(e),
        }
    }
    Ok(report)
}

/// The wait after the `attempts`-th failure: 30 s, 1 min, 2 min ... at most an hour.
fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 16) as u32 - 1;
    FIRST_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(240));
        assert_eq!(backoff(8), MAX_BACKOFF);
        assert_eq!(backoff(i32::MAX), MAX_BACKOFF);
    }
}
