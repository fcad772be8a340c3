//! Copying a message into the clinical record. The copy is made as the message stood
//! (its text and how many images it had) into `message_record_entry`, which belongs to
//! the record: it stays after an erasure is confirmed (the thread goes at once) and is
//! purged with the rest of the record when the clinic's retention ends. Listed with
//! the record, to whoever may read the record.

use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::{
    message::{self, Author},
    message_record_entry,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{MessageError, Thread};
use crate::services::patients::PatientScope;
use crate::{
    db,
    services::{audit, patients::Visible},
};

/// Marks a message of the thread clinically relevant and copies it into the clinical
/// record. Marking again answers with the entry made the first time. Audited.
pub async fn mark_clinically_relevant<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    thread: &Thread,
    message_id: Uuid,
) -> Result<message_record_entry::Model, MessageError> {
    let stored = message::Entity::find_by_id(message_id)
        .filter(message::Column::PatientId.eq(thread.patient_id()))
        .one(db)
        .await?
        .ok_or(MessageError::NotFound)?;
    if stored.author == Author::Automatic {
        return Err(MessageError::NotClinical);
    }
    let txn = db::begin_write(db).await?;
    let entry = message_record_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(stored.patient_id),
        message_id: Set(stored.id),
        author: Set(stored.author),
        text: Set(stored.text.clone()),
        attachment_count: Set(stored.attachment_count),
        sent_at: Set(stored.created_at),
        marked_by: Set(thread.actor.user_id),
        created_at: Set(now),
    };
    let inserted = message_record_entry::Entity::insert(entry)
        .on_conflict(OnConflict::column(message_record_entry::Column::MessageId).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if inserted == 1 {
        message::Entity::update_many()
            .col_expr(message::Column::ClinicallyRelevantAt, Expr::value(now))
            .col_expr(message::Column::ClinicallyRelevantBy, Expr::value(thread.actor.user_id))
            .col_expr(message::Column::UpdatedAt, Expr::value(now))
            .filter(message::Column::Id.eq(stored.id))
            .exec(&txn)
            .await?;
        let event = thread.event(AuditAction::MessageMarkClinicallyRelevant).resource(format!("message:{}", stored.id));
        audit::record(&txn, now, event).await?;
    }
    let entry = message_record_entry::Entity::find()
        .filter(message_record_entry::Column::MessageId.eq(stored.id))
        .one(&txn)
        .await?
        .ok_or(MessageError::NotFound)?;
    txn.commit().await?;
    Ok(entry)
}

/// The thread's messages copied into the clinical record, newest first, after a cursor.
pub async fn record_entries<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<message_record_entry::Model>, DbErr> {
    let mut q = message_record_entry::Entity::find().filter(message_record_entry::Column::PatientId.eq(record.id));
    if let Some(after) = after {
        q = q.filter(message_record_entry::Column::Id.lt(after));
    }
    q.order_by_desc(message_record_entry::Column::Id).limit(limit).all(db).await
}

/// Deletes the entries copied into the clinical record (the record's purge).
pub async fn purge_record_entries<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    message_record_entry::Entity::delete_many()
        .filter(message_record_entry::Column::PatientId.eq(patient_id))
        .exec(db)
        .await?;
    Ok(())
}
