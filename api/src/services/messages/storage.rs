//! Where attachment bytes live, behind one small trait so an object store can replace
//! the database without touching the messaging rules.
//!
//! Writing is in two places because the two kinds of store differ in what a
//! transaction can cover:
//! - [`DatabaseBlobs`] (the default) keeps bytes in `message_blob`, written by
//!   [`BlobStore::put_in`] in the message's own transaction, so a message and its images
//!   commit or fail together.
//! - An object store ([`super::s3::S3Blobs`]) is written by [`BlobStore::put_before`],
//!   before the message's transaction opens; when that transaction then fails, the
//!   sender deletes the objects again (see `super::attachments`).
//!
//! Deleting is never part of a transaction: an erasure records the keys in the
//! `blob_deletion` outbox and a worker calls [`BlobStore::delete`] (see
//! `super::blob_outbox`). Deletes are idempotent: a key already gone is success.

use std::{future::Future, pin::Pin};

use chrono::{DateTime, Utc};
use entity::message_blob;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QuerySelect};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The object store could not be reached or refused the request; the text names
    /// the operation and the status, never a credential.
    #[error("object store: {0}")]
    Unavailable(String),
}

pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BlobError>> + Send + 'a>>;

/// A store of attachment bytes by key.
pub trait BlobStore: Send + Sync {
    /// Stores `data` under `key` before the message's transaction. True when the bytes
    /// are now stored, so they must be deleted again should the message not commit;
    /// the database store stores nothing here and answers false.
    fn put_before<'a>(&'a self, key: Uuid, data: &'a [u8]) -> BlobFuture<'a, bool>;

    /// Stores `data` under `key` in the message's transaction `txn` (the database
    /// store; object stores did their part in [`BlobStore::put_before`]).
    fn put_in<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        now: DateTime<Utc>,
        patient_id: Uuid,
        key: Uuid,
        data: &'a [u8],
    ) -> BlobFuture<'a, ()>;

    /// The bytes under `key`, if any.
    fn get<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, Option<Vec<u8>>>;

    /// Deletes the bytes under `key`; a key already gone is success.
    fn delete<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, ()>;
}

/// Blobs in the `message_blob` table.
#[derive(Debug, Clone, Copy, Default)]
pub struct DatabaseBlobs;

impl BlobStore for DatabaseBlobs {
    fn put_before<'a>(&'a self, _key: Uuid, _data: &'a [u8]) -> BlobFuture<'a, bool> {
        Box::pin(async { Ok(false) })
    }

    fn put_in<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        now: DateTime<Utc>,
        patient_id: Uuid,
        key: Uuid,
        data: &'a [u8],
    ) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let row = message_blob::ActiveModel {
                key: Set(key),
                patient_id: Set(patient_id),
                data: Set(data.to_vec()),
                created_at: Set(now),
            };
            message_blob::Entity::insert(row).exec_without_returning(txn).await?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            Ok(message_blob::Entity::find_by_id(key)
                .select_only()
                .column(message_blob::Column::Data)
                .into_tuple::<Vec<u8>>()
                .one(db)
                .await?)
        })
    }

    fn delete<'a>(&'a self, db: &'a DatabaseConnection, key: Uuid) -> BlobFuture<'a, ()> {
        // An erasure already deleted the rows in its own transaction; this finds none
        // then, and is here so the outbox works the same whichever store is configured.
        Box::pin(async move {
            message_blob::Entity::delete_by_id(key).exec(db).await?;
            Ok(())
        })
    }
}
