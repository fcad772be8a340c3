//! Where attachment bytes live, behind one small trait so an object store can replace
//! the database without touching the messaging rules.
//!
//! [`DatabaseBlobs`] (the default) keeps them in `message_blob`, written in the same
//! transaction as the message, so a message and its images commit or fail together and an
//! erasure deletes them in its own transaction. An S3-compatible store is the intended
//! production setting; it is not built yet (see the README). When it is, `put` runs
//! before the message's transaction, and erasure (which today deletes the
//! `message_blob` rows in its own transaction, see `super::erase_thread`) must delete
//! the patient's objects after its commit.

use std::{future::Future, pin::Pin};

use chrono::{DateTime, Utc};
use entity::message_blob;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QuerySelect};
use uuid::Uuid;

pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>;

/// A store of attachment bytes by key.
pub trait BlobStore: Send + Sync {
    /// Stores `data` under `key` as part of the message being written in `txn`.
    fn put<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        now: DateTime<Utc>,
        patient_id: Uuid,
        key: Uuid,
        data: Vec<u8>,
    ) -> BlobFuture<'a, ()>;

    /// The bytes under `key`, if any.
    fn get<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, Option<Vec<u8>>>;
}

/// Blobs in the `message_blob` table.
#[derive(Debug, Clone, Copy, Default)]
pub struct DatabaseBlobs;

impl BlobStore for DatabaseBlobs {
    fn put<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        now: DateTime<Utc>,
        patient_id: Uuid,
        key: Uuid,
        data: Vec<u8>,
    ) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let row = message_blob::ActiveModel {
                key: Set(key),
                patient_id: Set(patient_id),
                data: Set(data),
                created_at: Set(now),
            };
            message_blob::Entity::insert(row).exec_without_returning(txn).await?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            message_blob::Entity::find_by_id(key)
                .select_only()
                .column(message_blob::Column::Data)
                .into_tuple::<Vec<u8>>()
                .one(db)
                .await
        })
    }
}
