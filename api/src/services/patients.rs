//! Patient records: create, list, read, update, archive, and invite the patient to the app.
//!
//! Who sees a record is decided here, once, by [`visible`]: a therapist sees the patients
//! they treat, a clinic admin every patient of the clinic, nobody anything of another
//! clinic. Everything else answers "not found" so existence does not leak.
//!
//! The check leaves a proof: [`Visible`] (the record) can be made only here, by
//! [`find_visible`] for staff and from the patient's own token for the patient;
//! [`PatientScope`] (its id, in `services::patient_scope`) comes from a `Visible`, a
//! patient token, or a row a worker read from the database. Services that act on a
//! patient take one of them, so a handler that forgot the check does not compile.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, Role, invite, patient, user};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

pub use super::patient_scope::PatientScope;
use crate::{
    auth::{PatientPrincipal, Principal, tokens},
    db,
    domain::{DisengagedDays, DisplayName, Email, Icd10Code, PainScore},
    ids::{ClinicId, UserId},
    services::{
        audit::{self, Event},
        consents, contains_pattern,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum PatientError {
    #[error("patient not found")]
    NotFound,
    #[error("primary therapist must be a therapist of this clinic")]
    UnknownTherapist,
    #[error("this patient already has an account")]
    AlreadyHasAccount,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What a therapist fills in for a new patient. Server-owned fields are not here.
#[derive(Debug, Clone)]
pub struct NewPatient {
    pub display_name: DisplayName,
    pub primary_therapist_id: Option<Uuid>,
    pub referring_physician_name: Option<String>,
    pub referring_physician_contact: Option<String>,
    pub diagnosis: Option<String>,
    pub icd10_codes: Vec<Icd10Code>,
    pub precautions: Option<String>,
    pub baseline_pain: Option<PainScore>,
    pub disengaged_after_days: DisengagedDays,
    pub consent_reminders: bool,
    pub consent_physician_sharing: bool,
}

/// A partial update: `None` leaves a field alone, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct PatientChanges {
    pub display_name: Option<DisplayName>,
    pub primary_therapist_id: Option<Uuid>,
    pub referring_physician_name: Option<Option<String>>,
    pub referring_physician_contact: Option<Option<String>>,
    pub diagnosis: Option<Option<String>>,
    pub icd10_codes: Option<Vec<Icd10Code>>,
    pub precautions: Option<Option<String>>,
    pub baseline_pain: Option<Option<PainScore>>,
    pub disengaged_after_days: Option<DisengagedDays>,
    pub consent_reminders: Option<bool>,
    pub consent_physician_sharing: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct IssuedInvite {
    pub invite_id: Uuid,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A patient record the caller was found to reach. Derefs to the record.
#[derive(Debug, Clone)]
pub struct Visible(patient::Model);

impl std::ops::Deref for Visible {
    type Target = patient::Model;
    fn deref(&self) -> &patient::Model {
        &self.0
    }
}

impl Visible {
    pub fn scope(&self) -> PatientScope {
        PatientScope::trusted(self.0.id)
    }
    pub fn into_inner(self) -> patient::Model {
        self.0
    }
}

/// The condition that limits patient rows to those `who` may see.
pub fn visible(who: &Principal) -> Condition {
    let clinic = Condition::all().add(patient::Column::ClinicId.eq(who.clinic_id));
    match who.role {
        Role::Admin => clinic,
        Role::Therapist => clinic.add(patient::Column::PrimaryTherapistId.eq(who.user_id)),
        // Patients reach their own record through /me, never through these routes.
        Role::Patient => match who.patient_id {
            Some(id) => clinic.add(patient::Column::Id.eq(id)),
            // No record to match (the token checker refuses such a patient anyway): an
            // id is never null, so this matches nothing, without a made-up nil id.
            None => clinic.add(patient::Column::Id.is_null()),
        },
    }
}

/// The record, if `who` may see it.
pub async fn find_visible<C: ConnectionTrait>(db: &C, who: &Principal, id: Uuid) -> Result<Visible, PatientError> {
    patient::Entity::find_by_id(id).filter(visible(who)).one(db).await?.map(Visible).ok_or(PatientError::NotFound)
}

/// The record and the patient's time zone, if `who` may see it.
pub async fn find_visible_in_zone<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<(Visible, chrono_tz::Tz), PatientError> {
    let record = find_visible(db, who, id).await?;
    let tz = crate::services::patient_timezone(db, record.scope()).await?;
    Ok((record, tz))
}

/// The calling patient's own record (patients reach it through `/me`).
pub async fn own_record<C: ConnectionTrait>(db: &C, who: &PatientPrincipal) -> Result<Visible, PatientError> {
    patient::Entity::find_by_id(who.patient_id.uuid()).one(db).await?.map(Visible).ok_or(PatientError::NotFound)
}

/// Every record of a clinic, for operator commands run from the shell (whoever runs them
/// holds the database itself, so there is no caller to check).
pub async fn all_in_clinic<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<Vec<Visible>, DbErr> {
    let rows = patient::Entity::find()
        .filter(patient::Column::ClinicId.eq(clinic_id))
        .order_by_asc(patient::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Visible).collect())
}

/// The ICD-10 codes of a record, as stored (comma-separated, already validated).
pub fn icd10_codes(record: &patient::Model) -> Vec<&str> {
    record.icd10_codes.split(',').map(str::trim).filter(|c| !c.is_empty()).collect()
}

fn join_codes(codes: &[Icd10Code]) -> String {
    codes.iter().map(Icd10Code::as_str).collect::<Vec<_>>().join(",")
}

async fn check_therapist<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    therapist_id: UserId,
) -> Result<(), PatientError> {
    let found = user::Entity::find_by_id(therapist_id)
        .filter(user::Column::ClinicId.eq(who.clinic_id))
        .filter(user::Column::Role.is_in([Role::Therapist, Role::Admin]))
        .filter(user::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    found.map(|_| ()).ok_or(PatientError::UnknownTherapist)
}

pub async fn create<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    new: NewPatient,
) -> Result<patient::Model, PatientError> {
    let therapist = new.primary_therapist_id.unwrap_or(who.user_id);
    // A therapist creates records for themselves; only an admin assigns them to others.
    if therapist != who.user_id && who.role != Role::Admin {
        return Err(PatientError::UnknownTherapist);
    }
    check_therapist(db, who, UserId::new(therapist)).await?;
    let txn = db::begin_write(db).await?;
    let record = patient::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(who.clinic_id),
        user_id: Set(None),
        primary_therapist_id: Set(therapist),
        search_name: Set(new.display_name.as_str().to_lowercase()),
        display_name: Set(new.display_name.as_str().to_owned()),
        referring_physician_name: Set(new.referring_physician_name),
        referring_physician_contact: Set(new.referring_physician_contact),
        diagnosis: Set(new.diagnosis),
        icd10_codes: Set(join_codes(&new.icd10_codes)),
        precautions: Set(new.precautions),
        baseline_pain: Set(new.baseline_pain.map(|p| i16::from(p.get()))),
        disengaged_after_days: Set(new.disengaged_after_days.get()),
        consent_reminders: Set(new.consent_reminders),
        consent_physician_sharing: Set(new.consent_physician_sharing),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    consents::record_changes(&txn, now, who, None, &record).await?;
    audit::record(&txn, now, Event::by(who, AuditAction::PatientCreate).patient(record.id)).await?;
    txn.commit().await?;
    Ok(record)
}

pub struct ListQuery {
    pub search: Option<String>,
    pub include_archived: bool,
    pub after: Option<Uuid>,
    pub limit: u64,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    query: ListQuery,
) -> Result<Vec<patient::Model>, DbErr> {
    let mut q = patient::Entity::find().filter(visible(who));
    if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(Expr::col(patient::Column::SearchName).like(contains_pattern(search)));
    }
    if !query.include_archived {
        q = q.filter(patient::Column::ArchivedAt.is_null());
    }
    if let Some(after) = query.after {
        q = q.filter(patient::Column::Id.gt(after));
    }
    let rows = q.order_by_asc(patient::Column::Id).limit(query.limit).all(db).await?;
    audit::record(db, now, Event::by(who, AuditAction::PatientList).resource(format!("patients:{}", rows.len())))
        .await?;
    Ok(rows)
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<patient::Model, PatientError> {
    let record = find_visible(db, who, id).await?;
    audit::record(db, now, Event::by(who, AuditAction::PatientRead).patient(id)).await?;
    Ok(record.into_inner())
}

pub async fn update<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    changes: PatientChanges,
) -> Result<patient::Model, PatientError> {
    let record = find_visible(db, who, id).await?;
    // Handing a patient over is allowed, but only to an active therapist of the clinic.
    if let Some(therapist) = changes.primary_therapist_id.filter(|t| *t != record.primary_therapist_id) {
        check_therapist(db, who, UserId::new(therapist)).await?;
    }
    let consents_before = consents::Consents::of(&record);
    let mut active: patient::ActiveModel = record.into_inner().into();
    if let Some(name) = changes.display_name {
        active.search_name = Set(name.as_str().to_lowercase());
        active.display_name = Set(name.as_str().to_owned());
    }
    if let Some(v) = changes.primary_therapist_id {
        active.primary_therapist_id = Set(v);
    }
    if let Some(v) = changes.referring_physician_name {
        active.referring_physician_name = Set(v);
    }
    if let Some(v) = changes.referring_physician_contact {
        active.referring_physician_contact = Set(v);
    }
    if let Some(v) = changes.diagnosis {
        active.diagnosis = Set(v);
    }
    if let Some(v) = changes.icd10_codes {
        active.icd10_codes = Set(join_codes(&v));
    }
    if let Some(v) = changes.precautions {
        active.precautions = Set(v);
    }
    if let Some(v) = changes.baseline_pain {
        active.baseline_pain = Set(v.map(|p| i16::from(p.get())));
    }
    if let Some(v) = changes.disengaged_after_days {
        active.disengaged_after_days = Set(v.get());
    }
    if let Some(v) = changes.consent_reminders {
        active.consent_reminders = Set(v);
    }
    if let Some(v) = changes.consent_physician_sharing {
        active.consent_physician_sharing = Set(v);
    }
    active.updated_at = Set(now);
    let txn = db::begin_write(db).await?;
    let updated = active.update(&txn).await?;
    consents::record_changes(&txn, now, who, Some(consents_before), &updated).await?;
    audit::record(&txn, now, Event::by(who, AuditAction::PatientUpdate).patient(id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Takes the patient off the active roster. Idempotent; the record and history stay.
pub async fn archive<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<patient::Model, PatientError> {
    let record = find_visible(db, who, id).await?;
    if record.archived_at.is_some() {
        audit::record(db, now, Event::by(who, AuditAction::PatientArchive).patient(id)).await?;
        return Ok(record.into_inner());
    }
    let mut active: patient::ActiveModel = record.into_inner().into();
    active.archived_at = Set(Some(now));
    active.updated_at = Set(now);
    let txn = db::begin_write(db).await?;
    let updated = active.update(&txn).await?;
    audit::record(&txn, now, Event::by(who, AuditAction::PatientArchive).patient(id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Issues a single-use invite for the patient to create their account. Earlier pending
/// invites for the same patient stop working, so only the newest link is live.
pub async fn invite<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    ttl: Duration,
    who: &Principal,
    id: Uuid,
    email: Email,
) -> Result<IssuedInvite, PatientError> {
    let record = find_visible(db, who, id).await?;
    if record.user_id.is_some() {
        return Err(PatientError::AlreadyHasAccount);
    }
    if user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await?.is_some() {
        return Err(PatientError::EmailTaken);
    }
    let token = tokens::generate();
    let expires_at = now + ttl;
    let txn = db::begin_write(db).await?;
    invite::Entity::update_many()
        .col_expr(invite::Column::ExpiresAt, Expr::value(now))
        .filter(invite::Column::PatientId.eq(id))
        .filter(invite::Column::AcceptedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    let row = invite::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(who.clinic_id),
        role: Set(Role::Patient),
        email: Set(email.as_str().to_owned()),
        display_name: Set(record.display_name.clone()),
        patient_id: Set(Some(id)),
        token_hash: Set(tokens::digest(&token)),
        expires_at: Set(expires_at),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(who.user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::PatientInvite).patient(id).resource(format!("invite:{}", row.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedInvite { invite_id: row.id, token, expires_at })
}
