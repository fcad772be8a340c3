//! A message's images on their way into the blob store and back out.
//!
//! Order of a send with images: [`stage`] puts the bytes into an object store before
//! the message's transaction (the database store does nothing yet); [`insert`] writes the
//! attachment rows, and the database store's bytes, in that transaction; should the
//! transaction fail or the id turn out taken, [`discard`] deletes the staged objects
//! again, and what it cannot delete goes to the `blob_deletion` outbox (if the database
//! takes it) for the worker. An object left behind by a crash between the PUT and the
//! commit belongs to no attachment row and is never served.

use chrono::{DateTime, Utc};
use entity::{message_attachment, message_blob};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{
    MessageError, blob_outbox,
    images::CleanImage,
    storage::{BlobError, BlobStore},
};
use crate::services::patients::PatientScope;

/// Cleaned images with the keys their bytes are stored under.
pub(super) struct Staged {
    images: Vec<(CleanImage, Uuid, Uuid)>,
    /// Keys already stored outside the database, to delete should the message not commit.
    outside: Vec<Uuid>,
}

impl Staged {
    pub(super) fn count(&self) -> usize {
        self.images.len()
    }
}

/// Stores each image and its thumbnail in an object store, if that is the store; on a
/// failure, deletes what was stored already and answers the failure.
pub(super) async fn stage(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    now: DateTime<Utc>,
    cleaned: Vec<CleanImage>,
) -> Result<Staged, MessageError> {
    let mut staged = Staged { images: Vec::with_capacity(cleaned.len()), outside: Vec::new() };
    for image in cleaned {
        let (blob_key, thumb_key) = (Uuid::now_v7(), Uuid::now_v7());
        for (key, bytes) in [(blob_key, &image.bytes), (thumb_key, &image.thumbnail)] {
            match store.put_before(key, bytes).await {
                Ok(true) => staged.outside.push(key),
                Ok(false) => {}
                Err(e) => {
                    discard(db, store, now, &staged).await;
                    return Err(e.into());
                }
            }
        }
        staged.images.push((image, blob_key, thumb_key));
    }
    Ok(staged)
}

/// The attachment rows (and the database store's bytes) in the message's transaction.
pub(super) async fn insert(
    txn: &DatabaseTransaction,
    store: &dyn BlobStore,
    now: DateTime<Utc>,
    patient: PatientScope,
    message_id: Uuid,
    staged: &Staged,
) -> Result<(), BlobError> {
    let patient_id = patient.uuid();
    for (position, (image, blob_key, thumb_key)) in staged.images.iter().enumerate() {
        let row = message_attachment::ActiveModel {
            id: Set(Uuid::now_v7()),
            message_id: Set(message_id),
            patient_id: Set(patient_id),
            position: Set(position as i16),
            kind: Set(image.kind),
            byte_size: Set(image.bytes.len() as i32),
            width: Set(image.width as i32),
            height: Set(image.height as i32),
            blob_key: Set(*blob_key),
            thumb_key: Set(*thumb_key),
            thumb_byte_size: Set(image.thumbnail.len() as i32),
            created_at: Set(now),
        };
        message_attachment::Entity::insert(row).exec_without_returning(txn).await?;
        store.put_in(txn, now, patient.uuid(), *blob_key, &image.bytes).await?;
        store.put_in(txn, now, patient.uuid(), *thumb_key, &image.thumbnail).await?;
    }
    Ok(())
}

/// Best effort: deletes the objects of a message that was not stored. A delete that
/// fails is left to the outbox worker; if even the outbox cannot be written (the
/// database is what failed), the object stays behind, unreferenced, and is logged.
pub(super) async fn discard(db: &DatabaseConnection, store: &dyn BlobStore, now: DateTime<Utc>, staged: &Staged) {
    for key in &staged.outside {
        if store.delete(db, *key).await.is_ok() {
            continue;
        }
        if let Err(e) = blob_outbox::record(db, now, &[*key]).await {
            tracing::warn!(key = %key, error = %e, "an unsent message's object could not be deleted or queued for deletion");
        }
    }
}

/// An attachment of the patient: its row and bytes (or its thumbnail's).
pub async fn read(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    patient: PatientScope,
    attachment_id: Uuid,
    thumbnail: bool,
) -> Result<(message_attachment::Model, Vec<u8>), MessageError> {
    let patient_id = patient.uuid();
    let row = message_attachment::Entity::find_by_id(attachment_id)
        .filter(message_attachment::Column::PatientId.eq(patient_id))
        .one(db)
        .await?
        .ok_or(MessageError::NotFound)?;
    let key = if thumbnail { row.thumb_key } else { row.blob_key };
    // A row whose bytes are gone is a broken invariant, not a missing attachment.
    let bytes =
        store.get(db, key).await?.ok_or_else(|| DbErr::RecordNotFound(format!("blob of attachment {}", row.id)))?;
    Ok((row, bytes))
}

/// Deletes the patient's attachment rows and database-held bytes, and queues every key
/// in the outbox so the configured store deletes its objects after the commit.
pub(super) async fn erase<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, patient: PatientScope) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    let keys: Vec<(Uuid, Uuid)> = message_attachment::Entity::find()
        .select_only()
        .column(message_attachment::Column::BlobKey)
        .column(message_attachment::Column::ThumbKey)
        .filter(message_attachment::Column::PatientId.eq(patient_id))
        .into_tuple()
        .all(db)
        .await?;
    let keys: Vec<Uuid> = keys.into_iter().flat_map(|(blob, thumb)| [blob, thumb]).collect();
    blob_outbox::record(db, now, &keys).await?;
    message_attachment::Entity::delete_many()
        .filter(message_attachment::Column::PatientId.eq(patient_id))
        .exec(db)
        .await?;
    message_blob::Entity::delete_many().filter(message_blob::Column::PatientId.eq(patient_id)).exec(db).await?;
    Ok(())
}
