//! In-clinic sessions: scheduling and status. Patients see their own upcoming sessions;
//! the session note lives in `services::session_notes`.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, appointment, care_plan, patient, payer_authorization, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    db,
    services::{
        audit::{self, Event},
        patients::{PatientError, find_visible, visible},
        payer_authorizations::{self, BookingWarning},
    },
};

pub const MAX_LENGTH: Duration = Duration::hours(8);

/// Where a session stands. The API's spelling of it lives in `routes::appointments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Scheduled,
    Completed,
    Cancelled,
    NoShow,
}

impl From<appointment::Status> for Status {
    fn from(s: appointment::Status) -> Self {
        match s {
            appointment::Status::Scheduled => Status::Scheduled,
            appointment::Status::Completed => Status::Completed,
            appointment::Status::Cancelled => Status::Cancelled,
            appointment::Status::NoShow => Status::NoShow,
        }
    }
}

impl From<Status> for appointment::Status {
    fn from(s: Status) -> Self {
        match s {
            Status::Scheduled => appointment::Status::Scheduled,
            Status::Completed => appointment::Status::Completed,
            Status::Cancelled => appointment::Status::Cancelled,
            Status::NoShow => appointment::Status::NoShow,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppointmentError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(&'static str, &'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for AppointmentError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// A start and an end, the end after the start and at most 8 hours later.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl Slot {
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, AppointmentError> {
        if ends_at <= starts_at {
            return Err(AppointmentError::Invalid("ends_at", "must be after starts_at"));
        }
        if ends_at - starts_at > MAX_LENGTH {
            return Err(AppointmentError::Invalid("ends_at", "a session lasts at most 8 hours"));
        }
        Ok(Self { starts_at, ends_at })
    }
}

async fn check_therapist<C: ConnectionTrait>(db: &C, who: &Principal, id: Uuid) -> Result<(), AppointmentError> {
    let found = user::Entity::find_by_id(id)
        .filter(user::Column::ClinicId.eq(who.clinic_id))
        .filter(user::Column::Role.is_in([entity::Role::Therapist, entity::Role::Admin]))
        .filter(user::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    found.map(|_| ()).ok_or(AppointmentError::Invalid("therapist_id", "must be a therapist of this clinic"))
}

/// What an appointment counts against and belongs to; both must be the patient's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links {
    pub authorization_id: Option<Uuid>,
    pub care_plan_id: Option<Uuid>,
}

async fn check_links<C: ConnectionTrait>(db: &C, patient: PatientScope, links: Links) -> Result<(), AppointmentError> {
    let patient_id = patient.uuid();
    if let Some(id) = links.authorization_id {
        let found = payer_authorization::Entity::find_by_id(id)
            .filter(payer_authorization::Column::PatientId.eq(patient_id))
            .one(db)
            .await?;
        found.ok_or(AppointmentError::Invalid("authorization_id", "must be an authorization of this patient"))?;
    }
    if let Some(id) = links.care_plan_id {
        let found =
            care_plan::Entity::find_by_id(id).filter(care_plan::Column::PatientId.eq(patient_id)).one(db).await?;
        found.ok_or(AppointmentError::Invalid("care_plan_id", "must be a care plan of this patient"))?;
    }
    Ok(())
}

/// An appointment as booked or changed, with the flag for a booking past its payer
/// authorization (allowed, but the clinic should know).
#[derive(Debug, Clone)]
pub struct Booked {
    pub appointment: appointment::Model,
    pub warning: Option<BookingWarning>,
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    slot: Slot,
    therapist_id: Option<Uuid>,
    links: Links,
) -> Result<Booked, AppointmentError> {
    let record = find_visible(db, who, patient_id).await?;
    let therapist_id = therapist_id.unwrap_or(who.user_id);
    check_therapist(db, who, therapist_id).await?;
    check_links(db, record.scope(), links).await?;
    let txn = db::begin_write(db).await?;
    let row = appointment::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        therapist_id: Set(therapist_id),
        starts_at: Set(slot.starts_at),
        ends_at: Set(slot.ends_at),
        status: Set(appointment::Status::Scheduled),
        authorization_id: Set(links.authorization_id),
        care_plan_id: Set(links.care_plan_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let event =
        Event::by(who, AuditAction::AppointmentCreate).patient(record.id).resource(format!("appointment:{}", row.id));
    audit::record(&txn, now, event).await?;
    let warning = payer_authorizations::booking_warning(&txn, &row).await?;
    txn.commit().await?;
    Ok(Booked { appointment: row, warning })
}

/// An appointment of a patient `who` may see.
pub async fn find_visible_appointment<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<appointment::Model, AppointmentError> {
    let row = appointment::Entity::find_by_id(id).one(db).await?.ok_or(AppointmentError::NotFound)?;
    let seen = patient::Entity::find_by_id(row.patient_id).filter(visible(who)).one(db).await?;
    seen.map(|_| row).ok_or(AppointmentError::NotFound)
}

/// Appointments of a patient starting in `[from, to)`, in start order.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<appointment::Model>, DbErr> {
    let patient_id = patient.uuid();
    appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.gte(from))
        .filter(appointment::Column::StartsAt.lt(to))
        .order_by_asc(appointment::Column::StartsAt)
        .limit(500)
        .all(db)
        .await
}

/// Scheduled sessions that have not ended yet, soonest first.
pub async fn upcoming<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<appointment::Model>, DbErr> {
    let patient_id = patient.uuid();
    appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::Status.eq(appointment::Status::Scheduled))
        .filter(appointment::Column::EndsAt.gt(now))
        .order_by_asc(appointment::Column::StartsAt)
        .limit(limit)
        .all(db)
        .await
}

#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub status: Option<Status>,
    /// `Some(None)` unlinks.
    pub authorization_id: Option<Option<Uuid>>,
    pub care_plan_id: Option<Option<Uuid>>,
}

/// Applies `changes`; a completed visit on an authorization may raise its "running low"
/// alert in the same transaction.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    changes: Changes,
) -> Result<Booked, AppointmentError> {
    let row = find_visible_appointment(db, who, id).await?;
    let links = Links {
        authorization_id: changes.authorization_id.unwrap_or(row.authorization_id),
        care_plan_id: changes.care_plan_id.unwrap_or(row.care_plan_id),
    };
    check_links(db, PatientScope::trusted(row.patient_id), links).await?;
    let moved = changes.starts_at.is_some() || changes.ends_at.is_some();
    if moved && row.status != appointment::Status::Scheduled {
        return Err(AppointmentError::Conflict("only a scheduled session can be moved"));
    }
    let slot = Slot::new(changes.starts_at.unwrap_or(row.starts_at), changes.ends_at.unwrap_or(row.ends_at))?;
    let mut active: appointment::ActiveModel = row.clone().into();
    active.starts_at = Set(slot.starts_at);
    active.ends_at = Set(slot.ends_at);
    if let Some(status) = changes.status {
        active.status = Set(status.into());
    }
    active.authorization_id = Set(links.authorization_id);
    active.care_plan_id = Set(links.care_plan_id);
    active.updated_at = Set(now);
    let txn = db::begin_write(db).await?;
    let updated = active.update(&txn).await?;
    let event =
        Event::by(who, AuditAction::AppointmentUpdate).patient(row.patient_id).resource(format!("appointment:{id}"));
    audit::record(&txn, now, event).await?;
    payer_authorizations::after_visit(&txn, now, &updated).await?;
    let warning = payer_authorizations::booking_warning(&txn, &updated).await?;
    txn.commit().await?;
    Ok(Booked { appointment: updated, warning })
}
