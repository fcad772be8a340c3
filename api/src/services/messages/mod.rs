//! Secure messaging: one thread per patient with their care team.
//!
//! - **Who is in a thread**: the patient, and the therapist treating them (the patient's
//!   primary therapist, the same rule `patients::find_visible` applies to therapists).
//!   A clinic admin who does not treat the patient reads the thread only through the
//!   admin review ([`review_page`]), which is audited as such and marks nothing read.
//! - **Sending**: the phone (or console) makes the message id, so an offline queue can
//!   resend safely: the same id with the same body is answered with the stored message,
//!   the same id with another body is a conflict, and there is never a second row.
//!   "Same body" is `body_digest`: the text and the bytes of each uploaded image.
//! - **Images**: see [`images`]; bytes go to the [`storage::BlobStore`]: the database's
//!   in the message's transaction, an object store's just before it ([`attachments`]).
//!   An erasure queues the objects for deletion in the `blob_deletion` outbox
//!   ([`blob_outbox`]), emptied by a worker once the store confirms.
//! - **Receipts**: each message has `read_at`, set when the other side marks the thread
//!   read up to a message. Unread counts are the other side's messages without one.
//! - **Pushes**: a new message sets `push_due_at`; [`pushes`] tells the other side
//!   without any text.
//! - **Safety**: [`notice`] is shown with every thread; outside clinic hours a patient
//!   gets one automatic reply per off-hours stretch ([`hours`]).
//! - **The record**: staff may mark a message clinically relevant, which copies it into
//!   `message_record_entry`, part of the clinical record (kept after an erasure is
//!   confirmed, purged with the record).

mod attachments;
mod auto_reply;
pub mod blob_outbox;
pub mod hours;
pub mod images;
pub mod pushes;
mod record;
pub mod s3;
pub mod storage;

use entity::AuditAction;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    message::{self, Author},
    message_attachment,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession,
    sea_query::{Expr, OnConflict},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::{PatientPrincipal, Principal},
    clinical::red_flags::ClinicNumbers,
    db,
    services::{
        audit::{self, Event},
        patients::{self, PatientError, Visible},
    },
};
pub use attachments::read as attachment;
use images::Refusal;
pub use record::{mark_clinically_relevant, purge_record_entries, record_entries};
use storage::{BlobError, BlobStore};

/// The longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Images per message.
pub const MAX_ATTACHMENTS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("not found")]
    NotFound,
    /// A clinic admin who does not treat the patient must use the audited review.
    #[error("clinic admins read threads of patients they do not treat through the review")]
    ReviewOnly,
    #[error("this id was already used for a different message")]
    Conflict,
    #[error("attachment {index} {refusal}")]
    Image { index: usize, refusal: Refusal },
    #[error("automatic replies are not part of the clinical record")]
    NotClinical,
    /// The blocking task cleaning an image ended without an answer (it panicked).
    #[error("image processing failed: {0}")]
    Processing(String),
    /// The attachment store cannot be reached or refused; nothing was stored.
    #[error("attachment store unavailable: {0}")]
    BlobsUnavailable(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<BlobError> for MessageError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Db(e) => Self::Db(e),
            BlobError::Unavailable(problem) => Self::BlobsUnavailable(problem),
        }
    }
}

impl From<PatientError> for MessageError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// A message as sent: the id the client made, the text (trimmed, at most
/// [`MAX_TEXT_CHARS`]), and the uploaded images (at most [`MAX_ATTACHMENTS`]). Text or
/// an image is required.
#[derive(Debug, Clone)]
pub struct NewMessage {
    id: Uuid,
    text: String,
    images: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMessage {
    #[error("must be at most 4000 characters")]
    TextTooLong,
    #[error("a message needs text or an image")]
    Empty,
    #[error("at most 4 images per message")]
    TooManyImages,
}

impl NewMessage {
    pub fn new(id: Uuid, text: &str, images: Vec<Vec<u8>>) -> Result<Self, InvalidMessage> {
        let text = text.trim();
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(InvalidMessage::TextTooLong);
        }
        if images.len() > MAX_ATTACHMENTS {
            return Err(InvalidMessage::TooManyImages);
        }
        if text.is_empty() && images.is_empty() {
            return Err(InvalidMessage::Empty);
        }
        Ok(Self { id, text: text.to_owned(), images })
    }

    /// What tells a replay from a conflict: the text and each upload, length-prefixed.
    fn digest(&self) -> String {
        let mut hash = Sha256::new();
        hash.update((self.text.len() as u64).to_be_bytes());
        hash.update(self.text.as_bytes());
        for image in &self.images {
            hash.update((image.len() as u64).to_be_bytes());
            hash.update(image);
        }
        format!("{:x}", hash.finalize())
    }
}

/// A stored message with its attachments.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: message::Model,
    pub attachments: Vec<message_attachment::Model>,
}

#[derive(Debug)]
pub enum Sent {
    Created(MessageView),
    Replayed(MessageView),
}

/// Which side of the thread is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Patient,
    CareTeam,
}

impl Side {
    fn author(self) -> Author {
        match self {
            Side::Patient => Author::Patient,
            Side::CareTeam => Author::CareTeam,
        }
    }
    /// The authors whose messages this side reads (and marks read).
    pub fn incoming(self) -> Vec<Author> {
        match self {
            Side::Patient => vec![Author::CareTeam, Author::Automatic],
            Side::CareTeam => vec![Author::Patient],
        }
    }
}

/// A thread the caller may read and write: the patient's record, who acts and as whom.
#[derive(Debug, Clone)]
pub struct Thread {
    record: Visible,
    side: Side,
    actor: Principal,
}

impl Thread {
    pub fn patient_id(&self) -> Uuid {
        self.record.id
    }
    /// The thread's patient, reached through the check that opened the thread.
    pub fn scope(&self) -> PatientScope {
        self.record.scope()
    }
    pub fn clinic_id(&self) -> Uuid {
        self.record.clinic_id
    }
    pub fn side(&self) -> Side {
        self.side
    }
    fn event(&self, action: AuditAction) -> Event {
        Event::by(&self.actor, action).patient(self.record.id)
    }
}

/// The patient's own thread.
pub async fn own_thread<C: ConnectionTrait>(db: &C, who: &PatientPrincipal) -> Result<Thread, MessageError> {
    let record = patients::own_record(db, who).await?;
    Ok(Thread { record, side: Side::Patient, actor: who.principal.clone() })
}

/// The thread of a patient the caller treats. Another clinic's patient, or one of
/// another therapist, is not found; a clinic admin who does not treat the patient is
/// sent to the review.
pub async fn care_team_thread<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Thread, MessageError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    if record.primary_therapist_id != who.user_id {
        return Err(MessageError::ReviewOnly);
    }
    Ok(Thread { record, side: Side::CareTeam, actor: who.clone() })
}

/// Sends a message into `thread` (see the module docs for replays and conflicts).
pub async fn send(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    now: DateTime<Utc>,
    thread: &Thread,
    new: NewMessage,
) -> Result<Sent, MessageError> {
    let digest = new.digest();
    if let Some(stored) = message::Entity::find_by_id(new.id).one(db).await? {
        return replay_or_conflict(db, now, thread, stored, &digest).await;
    }
    let mut cleaned = Vec::with_capacity(new.images.len());
    for (index, upload) in new.images.into_iter().enumerate() {
        // Decoding a camera photo takes a while: off the async workers.
        let result = tokio::task::spawn_blocking(move || images::clean(&upload))
            .await
            .map_err(|e| MessageError::Processing(e.to_string()))?;
        cleaned.push(result.map_err(|refusal| MessageError::Image { index, refusal })?);
    }
    let push_due_at = match thread.side {
        Side::Patient => Some(now),
        // Pushes go to the patient's devices; a record without an account has none.
        Side::CareTeam => thread.record.user_id.map(|_| now),
    };
    let staged = attachments::stage(db, store, now, cleaned).await?;
    let row = message::ActiveModel {
        id: Set(new.id),
        order_key: Set(Uuid::now_v7()),
        clinic_id: Set(thread.clinic_id()),
        patient_id: Set(thread.patient_id()),
        author: Set(thread.side.author()),
        author_user_id: Set(Some(thread.actor.user_id)),
        text: Set(new.text),
        body_digest: Set(digest.clone()),
        attachment_count: Set(staged.count() as i16),
        read_at: Set(None),
        push_due_at: Set(push_due_at),
        clinically_relevant_at: Set(None),
        clinically_relevant_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let inserted = insert_new(db, store, now, thread, (new.id, row), &staged).await;
    if !matches!(inserted, Ok(true)) {
        // The message is not stored, so its objects must not stay either.
        attachments::discard(db, store, now, &staged).await;
    }
    if !inserted? {
        // Another request stored this id between the check and the insert.
        let stored = message::Entity::find_by_id(new.id).one(db).await?.ok_or(MessageError::Conflict)?;
        return replay_or_conflict(db, now, thread, stored, &digest).await;
    }
    let stored = message::Entity::find_by_id(new.id).one(db).await?.ok_or(MessageError::NotFound)?;
    Ok(Sent::Created(view_of(db, vec![stored]).await?.remove(0)))
}

async fn replay_or_conflict<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    thread: &Thread,
    stored: message::Model,
    digest: &str,
) -> Result<Sent, MessageError> {
    let same = stored.patient_id == thread.patient_id()
        && stored.author_user_id == Some(thread.actor.user_id)
        && stored.body_digest == digest;
    if !same {
        return Err(MessageError::Conflict);
    }
    // A replay hands the stored message back: audited like any other read of it.
    let event = thread.event(AuditAction::MessageSendReplayed).resource(format!("message:{}", stored.id));
    audit::record(db, now, event).await?;
    Ok(Sent::Replayed(view_of(db, vec![stored]).await?.remove(0)))
}

/// The message, its attachments and their database-held bytes, the off-hours reply and
/// the audit event, in one transaction. False when the id was taken meanwhile.
async fn insert_new(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    now: DateTime<Utc>,
    thread: &Thread,
    (id, row): (Uuid, message::ActiveModel),
    staged: &attachments::Staged,
) -> Result<bool, MessageError> {
    let txn = db::begin_write(db).await?;
    let inserted = message::Entity::insert(row)
        .on_conflict(OnConflict::column(message::Column::Id).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    attachments::insert(&txn, store, now, thread.scope(), id, staged).await?;
    if thread.side == Side::Patient {
        auto_reply::answer_off_hours(&txn, now, thread).await?;
    }
    let event = thread.event(AuditAction::MessageSend).resource(format!("message:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(true)
}

/// The messages with their attachments (one query for all attachments).
async fn view_of<C: ConnectionTrait>(db: &C, rows: Vec<message::Model>) -> Result<Vec<MessageView>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().filter(|m| m.attachment_count > 0).map(|m| m.id).collect();
    let mut attachments: HashMap<Uuid, Vec<message_attachment::Model>> = HashMap::new();
    if !ids.is_empty() {
        for a in message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(ids))
            .order_by_asc(message_attachment::Column::Position)
            .all(db)
            .await?
        {
            attachments.entry(a.message_id).or_default().push(a);
        }
    }
    Ok(rows
        .into_iter()
        .map(|message| MessageView { attachments: attachments.remove(&message.id).unwrap_or_default(), message })
        .collect())
}

/// A page of a thread, newest first, before the message with order key `before`.
async fn page_of<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<MessageView>, DbErr> {
    let patient_id = patient.uuid();
    let mut q = message::Entity::find().filter(message::Column::PatientId.eq(patient_id));
    if let Some(before) = before {
        q = q.filter(message::Column::OrderKey.lt(before));
    }
    let rows = q.order_by_desc(message::Column::OrderKey).limit(limit).all(db).await?;
    view_of(db, rows).await
}

/// A page of the caller's thread (the read is audited by the caller through the sink).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    thread: &Thread,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<MessageView>, DbErr> {
    page_of(db, thread.scope(), before, limit).await
}

/// The thread of any patient of the admin's clinic, for the admin review.
pub async fn review_page<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    patient_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Visible, Vec<MessageView>), MessageError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    let rows = page_of(db, record.scope(), before, limit).await?;
    Ok((record, rows))
}

/// Messages of the other side that `side` has not marked read.
pub async fn unread<C: ConnectionTrait>(db: &C, patient: PatientScope, side: Side) -> Result<u64, DbErr> {
    let patient_id = patient.uuid();
    message::Entity::find()
        .filter(message::Column::PatientId.eq(patient_id))
        .filter(message::Column::Author.is_in(side.incoming()))
        .filter(message::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// Unread patient messages per patient, for the therapist's roster (one query).
pub async fn unread_for_care_team<C: ConnectionTrait>(
    db: &C,
    patient_ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, DbErr> {
    if patient_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::PatientId)
        .column_as(message::Column::Id.count(), "unread")
        .filter(message::Column::PatientId.is_in(patient_ids.iter().copied()))
        .filter(message::Column::Author.eq(Author::Patient))
        .filter(message::Column::ReadAt.is_null())
        .group_by(message::Column::PatientId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n.max(0) as u64)).collect())
}

/// Marks the other side's messages read up to and including `up_to` (a message of this
/// thread). Returns how many were newly marked. Audited.
pub async fn mark_read<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    thread: &Thread,
    up_to: Uuid,
) -> Result<u64, MessageError> {
    let upto = message::Entity::find_by_id(up_to)
        .filter(message::Column::PatientId.eq(thread.patient_id()))
        .one(db)
        .await?
        .ok_or(MessageError::NotFound)?;
    let txn = db::begin_write(db).await?;
    let marked = message::Entity::update_many()
        .col_expr(message::Column::ReadAt, Expr::value(now))
        .col_expr(message::Column::UpdatedAt, Expr::value(now))
        .filter(message::Column::PatientId.eq(thread.patient_id()))
        .filter(message::Column::Author.is_in(thread.side.incoming()))
        .filter(message::Column::ReadAt.is_null())
        .filter(message::Column::OrderKey.lte(upto.order_key))
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(&txn, now, thread.event(AuditAction::MessageMarkRead).resource(format!("messages:{marked}"))).await?;
    txn.commit().await?;
    Ok(marked)
}

/// The standing notice shown with every thread, the clinic's numbers filled in.
pub fn notice(numbers: &ClinicNumbers) -> String {
    numbers.fill(
        "Messages are read by your care team during clinic hours and are not monitored for emergencies. \
         If you think you have a medical emergency, call {emergency} now. For something urgent that cannot \
         wait for a reply, call {clinic_phone}. If you are thinking about harming yourself, call {crisis_line}.",
    )
}

/// Deletes the thread and its attachments (erasure confirmed: messages are self-care
/// data); their bytes in the database store go at once, objects elsewhere through the
/// outbox after the commit. Entries copied into the record stay.
pub async fn erase_thread<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, patient: PatientScope) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    attachments::erase(db, now, patient).await?;
    message::Entity::delete_many().filter(message::Column::PatientId.eq(patient_id)).exec(db).await?;
    Ok(())
}
