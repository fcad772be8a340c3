//! Session notes: the SOAP note of one appointment with pain before and after, range of
//! motion and the treatment given, and its life as a record.
//!
//! Invariants: a note is a draft until its author (whoever wrote it first) signs it; a
//! signed note never changes, and corrections are addenda (append-only, also in the
//! database). Every write moves `version`; a write that names the version it expects
//! (If-Match) and finds another changes nothing. Writes, signatures and addenda are
//! audited in their own transaction. Who may see the appointment decides who may see the
//! note: another clinic's or another therapist's answers "not found".

use chrono::{DateTime, Utc};
use entity::{AuditAction, appointment, clinic, rom_measure, session_note, session_note_addendum, timed_procedure};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    clinical::{rom::RomMeasurement, treatment::SessionRecord},
    db,
    domain::PainScore,
    services::{
        appointments::{AppointmentError, find_visible_appointment},
        audit::{self, Event},
        local_date,
        patients::PatientScope,
        session_record_store::{self as store, decode_record},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("not found")]
    NotFound,
    #[error("a cancelled session has no note")]
    Cancelled,
    #[error("the note is signed and can no longer change")]
    Signed,
    #[error("only the note's author may sign it")]
    NotAuthor,
    #[error("the note has changed since it was read")]
    Stale,
    #[error("an empty note cannot be signed")]
    Empty,
    #[error("only a signed note takes addenda; edit the draft instead")]
    NotSigned,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<AppointmentError> for NoteError {
    fn from(e: AppointmentError) -> Self {
        match e {
            AppointmentError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// What a PUT may overwrite: everything but the author, the signature and the addenda.
#[derive(Debug, Clone)]
pub struct NoteInput {
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<PainScore>,
    pub pain_after: Option<PainScore>,
    pub rom: Vec<RomMeasurement>,
    pub record: SessionRecord,
}

/// The version a writer last saw (from an `If-Match` header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// `*`: any current note, but there must be one.
    Any,
    /// One of these versions; an empty list matches nothing.
    Versions(Vec<i32>),
}

impl Expected {
    fn admits(&self, version: i32) -> bool {
        match self {
            Expected::Any => true,
            Expected::Versions(v) => v.contains(&version),
        }
    }
}

/// A note as read: the row, its range of motion, the treatment, and the addenda oldest first.
#[derive(Debug, Clone)]
pub struct FullNote {
    pub note: session_note::Model,
    pub rom: Vec<rom_measure::Model>,
    pub record: SessionRecord,
    pub addenda: Vec<session_note_addendum::Model>,
}

async fn load<C: ConnectionTrait>(db: &C, note: session_note::Model) -> Result<FullNote, DbErr> {
    let rom = rom_measure::Entity::find()
        .filter(rom_measure::Column::SessionNoteId.eq(note.id))
        .order_by_asc(rom_measure::Column::Position)
        .all(db)
        .await?;
    let procedures = timed_procedure::Entity::find()
        .filter(timed_procedure::Column::SessionNoteId.eq(note.id))
        .order_by_asc(timed_procedure::Column::Position)
        .all(db)
        .await?;
    let record = decode_record(&note, &procedures)?;
    let addenda = session_note_addendum::Entity::find()
        .filter(session_note_addendum::Column::SessionNoteId.eq(note.id))
        .order_by_asc(session_note_addendum::Column::CreatedAt)
        .order_by_asc(session_note_addendum::Column::Id)
        .all(db)
        .await?;
    Ok(FullNote { note, rom, record, addenda })
}

async fn find_note<C: ConnectionTrait>(db: &C, appointment_id: Uuid) -> Result<Option<session_note::Model>, DbErr> {
    session_note::Entity::find().filter(session_note::Column::AppointmentId.eq(appointment_id)).one(db).await
}

fn resource(appointment_id: Uuid) -> String {
    format!("appointment:{appointment_id}")
}

/// Writes the draft note of an appointment, or creates it. Its range of motion and timed
/// procedures are replaced whole. Without `expected` the write applies to any draft (as
/// before versions existed); with it, only to that version.
pub async fn put<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
    expected: Option<Expected>,
    input: NoteInput,
) -> Result<FullNote, NoteError> {
    let appt = find_visible_appointment(db, who, appointment_id).await?;
    if appt.status == appointment::Status::Cancelled {
        return Err(NoteError::Cancelled);
    }
    let txn = db::begin_write(db).await?;
    let note = match find_note(&txn, appointment_id).await? {
        // If-Match on something that does not exist fails (RFC 9110 §13.1.1).
        None if expected.is_some() => return Err(NoteError::Stale),
        None => insert(&txn, now, who, &appt, &input).await?,
        Some(old) if old.signed_at.is_some() => return Err(NoteError::Signed),
        Some(old) if expected.as_ref().is_some_and(|e| !e.admits(old.version)) => return Err(NoteError::Stale),
        Some(old) => overwrite(&txn, now, old, expected.is_some(), &input).await?,
    };
    store::replace_rom(&txn, &note, &appt, &input.rom).await?;
    store::replace_procedures(&txn, &note, &input.record).await?;
    let event =
        Event::by(who, AuditAction::SessionNoteWrite).patient(appt.patient_id).resource(resource(appointment_id));
    audit::record(&txn, now, event).await?;
    let full = load(&txn, note).await?;
    txn.commit().await?;
    Ok(full)
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appt: &appointment::Model,
    input: &NoteInput,
) -> Result<session_note::Model, DbErr> {
    let mut row = session_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        appointment_id: Set(appt.id),
        patient_id: Set(appt.patient_id),
        author_id: Set(who.user_id),
        created_at: Set(now),
        version: Set(1),
        signed_at: Set(None),
        signed_late: Set(false),
        ..Default::default()
    };
    fill(&mut row, now, input)?;
    row.insert(db).await
}

/// Overwrites a draft in one conditional UPDATE: it applies only while the row is still
/// an unsigned draft (and, when `pinned`, still at the version just read), so a signature
/// or another writer's change in between is never lost.
async fn overwrite<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    old: session_note::Model,
    pinned: bool,
    input: &NoteInput,
) -> Result<session_note::Model, NoteError> {
    let (id, version) = (old.id, old.version);
    let mut row: session_note::ActiveModel = old.into();
    fill(&mut row, now, input)?;
    row.version = Set(version + 1);
    let mut update = session_note::Entity::update(row).validate()?.filter(session_note::Column::SignedAt.is_null());
    if pinned {
        update = update.filter(session_note::Column::Version.eq(version));
    }
    match update.exec(db).await {
        Ok(note) => Ok(note),
        Err(DbErr::RecordNotUpdated) => {
            let now_stored = session_note::Entity::find_by_id(id).one(db).await?;
            Err(if now_stored.is_some_and(|n| n.signed_at.is_some()) { NoteError::Signed } else { NoteError::Stale })
        }
        Err(e) => Err(e.into()),
    }
}

fn fill(row: &mut session_note::ActiveModel, now: DateTime<Utc>, input: &NoteInput) -> Result<(), DbErr> {
    let pain = |p: Option<PainScore>| p.map(|p| i16::from(p.get()));
    row.subjective = Set(input.subjective.clone());
    row.objective = Set(input.objective.clone());
    row.assessment = Set(input.assessment.clone());
    row.plan = Set(input.plan.clone());
    row.pain_before = Set(pain(input.pain_before));
    row.pain_after = Set(pain(input.pain_after));
    row.updated_at = Set(now);
    store::fill_record(row, &input.record)
}

/// The note of an appointment `who` may see (the read is audited).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
) -> Result<FullNote, NoteError> {
    let appt = find_visible_appointment(db, who, appointment_id).await?;
    let note = find_note(db, appointment_id).await?.ok_or(NoteError::NotFound)?;
    let full = load(db, note).await?;
    let event =
        Event::by(who, AuditAction::SessionNoteRead).patient(appt.patient_id).resource(resource(appointment_id));
    audit::record(db, now, event).await?;
    Ok(full)
}

/// The signed notes of a patient already found visible, oldest session first: the only
/// notes that may leave the clinic (exports and reports). Drafts never appear here.
pub async fn signed_of<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Vec<FullNote>, DbErr> {
    let notes = session_note::Entity::find()
        .filter(session_note::Column::PatientId.eq(patient.uuid()))
        .filter(session_note::Column::SignedAt.is_not_null())
        .order_by_asc(session_note::Column::CreatedAt)
        .order_by_asc(session_note::Column::Id)
        .all(db)
        .await?;
    let mut full = Vec::with_capacity(notes.len());
    for note in notes {
        full.push(load(db, note).await?);
    }
    Ok(full)
}

/// Whether a note signed on `signed_on` for a session on `session_on` is late: more than
/// `late_days` calendar days after it, both dates in the clinic's zone.
pub fn is_late(session_on: chrono::NaiveDate, signed_on: chrono::NaiveDate, late_days: i32) -> bool {
    (signed_on - session_on).num_days() > i64::from(late_days)
}

/// Signs the draft: only its author may, only once, and only when it says something.
pub async fn sign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
) -> Result<FullNote, NoteError> {
    let appt = find_visible_appointment(db, who, appointment_id).await?;
    let txn = db::begin_write(db).await?;
    let note = find_note(&txn, appointment_id).await?.ok_or(NoteError::NotFound)?;
    if note.author_id != who.user_id {
        return Err(NoteError::NotAuthor);
    }
    if note.signed_at.is_some() {
        return Err(NoteError::Signed);
    }
    if [&note.subjective, &note.objective, &note.assessment, &note.plan].iter().all(|t| t.trim().is_empty()) {
        return Err(NoteError::Empty);
    }
    let clinic = clinic::Entity::find_by_id(appt.clinic_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("clinic {}", appt.clinic_id)))?;
    let tz = crate::stored::zone("clinic.timezone", &clinic.timezone).map_err(DbErr::from)?;
    let late = is_late(local_date(appt.starts_at, tz), local_date(now, tz), clinic.late_note_days);
    let version = note.version;
    let mut row: session_note::ActiveModel = note.into();
    row.signed_at = Set(Some(now));
    row.signed_late = Set(late);
    row.version = Set(version + 1);
    let signed = match session_note::Entity::update(row)
        .validate()?
        .filter(session_note::Column::SignedAt.is_null())
        .exec(&txn)
        .await
    {
        Ok(n) => n,
        Err(DbErr::RecordNotUpdated) => return Err(NoteError::Signed),
        Err(e) => return Err(e.into()),
    };
    let event =
        Event::by(who, AuditAction::SessionNoteSign).patient(appt.patient_id).resource(resource(appointment_id));
    audit::record(&txn, now, event).await?;
    let full = load(&txn, signed).await?;
    txn.commit().await?;
    Ok(full)
}

/// A correction to a signed note: who and when are the server's, the reason and text
/// the caller's (already checked). Any clinician who may see the note may add one.
pub async fn add_addendum<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
    reason: String,
    text: String,
) -> Result<session_note_addendum::Model, NoteError> {
    let appt = find_visible_appointment(db, who, appointment_id).await?;
    let txn = db::begin_write(db).await?;
    let note = find_note(&txn, appointment_id).await?.ok_or(NoteError::NotFound)?;
    if note.signed_at.is_none() {
        return Err(NoteError::NotSigned);
    }
    let row = session_note_addendum::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_note_id: Set(note.id),
        patient_id: Set(appt.patient_id),
        author_id: Set(who.user_id),
        reason: Set(reason),
        text: Set(text),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // The note as served includes its addenda, so its version (the ETag) moves too.
    session_note::Entity::update_many()
        .col_expr(session_note::Column::Version, Expr::col(session_note::Column::Version).add(1))
        .filter(session_note::Column::Id.eq(note.id))
        .exec(&txn)
        .await?;
    let event = Event::by(who, AuditAction::SessionNoteAddendum)
        .patient(appt.patient_id)
        .resource(format!("appointment:{appointment_id}/addendum:{}", row.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_note_is_late_only_past_the_allowed_days() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        assert!(!is_late(d(1), d(1), 3));
        assert!(!is_late(d(1), d(4), 3));
        assert!(is_late(d(1), d(5), 3));
        assert!(is_late(d(1), d(2), 0));
    }

    #[test]
    fn if_match_admits_star_or_a_listed_version() {
        assert!(Expected::Any.admits(7));
        assert!(Expected::Versions(vec![3, 7]).admits(7));
        assert!(!Expected::Versions(vec![]).admits(1));
    }
}
