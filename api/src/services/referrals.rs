//! Referrals (prescriptions) from a physician: who referred, for which diagnoses, what
//! was ordered and until when. A patient may have several over time.
//!
//! Only the patient's therapist and the clinic's admins reach a referral; anyone else is
//! told it does not exist (the patient check of `patients::find_visible`). Every write is
//! audited in its own transaction.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AuditAction, JsonText,
    referral::{self, DiagnosesV1, DiagnosisV1},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    db,
    domain::{DisplayName, Email, Icd10Code, Npi, PhoneNumber},
    services::{
        audit::{self, Event},
        patients::{self, PatientError, PatientScope},
    },
};

/// A patient has at most this many referrals listed at once (years of care).
const LIST_LIMIT: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    #[error("not found")]
    NotFound,
    #[error("{1}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for ReferralError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// The referring physician, as validated at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Physician {
    pub name: DisplayName,
    pub practice: Option<DisplayName>,
    pub phone: Option<PhoneNumber>,
    pub fax: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub npi: Option<Npi>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub code: Icd10Code,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct NewReferral {
    pub physician: Physician,
    pub referral_date: NaiveDate,
    /// At least one.
    pub diagnoses: Vec<Diagnosis>,
    pub ordered: String,
    pub visits_ordered: Option<i32>,
    pub expires_on: Option<NaiveDate>,
    pub precautions: Option<String>,
}

/// A partial update: `None` leaves a field alone, `Some(None)` clears a nullable one. A
/// new physician replaces the old one whole.
#[derive(Debug, Clone, Default)]
pub struct ReferralChanges {
    pub physician: Option<Physician>,
    pub referral_date: Option<NaiveDate>,
    pub diagnoses: Option<Vec<Diagnosis>>,
    pub ordered: Option<String>,
    pub visits_ordered: Option<Option<i32>>,
    pub expires_on: Option<Option<NaiveDate>>,
    pub precautions: Option<Option<String>>,
}

/// A referral as stored, its diagnoses decoded.
#[derive(Debug, Clone)]
pub struct Referral {
    pub row: referral::Model,
    pub diagnoses: Vec<DiagnosisV1>,
}

impl From<referral::Model> for Referral {
    fn from(row: referral::Model) -> Self {
        let diagnoses = row.diagnoses.0.0.clone();
        Self { row, diagnoses }
    }
}

fn stored_diagnoses(diagnoses: &[Diagnosis]) -> JsonText<DiagnosesV1> {
    JsonText(DiagnosesV1(
        diagnoses
            .iter()
            .map(|d| DiagnosisV1 { code: d.code.as_str().to_owned(), description: d.description.clone() })
            .collect(),
    ))
}

fn check_dates(referral_date: NaiveDate, expires_on: Option<NaiveDate>) -> Result<(), ReferralError> {
    if expires_on.is_some_and(|e| e < referral_date) {
        return Err(ReferralError::Invalid("expires_on", "must not be before referral_date"));
    }
    Ok(())
}

fn set_physician(active: &mut referral::ActiveModel, p: Physician) {
    active.physician_name = Set(p.name.as_str().to_owned());
    active.physician_practice = Set(p.practice.map(|v| v.as_str().to_owned()));
    active.physician_phone = Set(p.phone.map(|v| v.as_str().to_owned()));
    active.physician_fax = Set(p.fax.map(|v| v.as_str().to_owned()));
    active.physician_email = Set(p.email.map(|v| v.as_str().to_owned()));
    active.physician_npi = Set(p.npi.map(|v| v.as_str().to_owned()));
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    new: NewReferral,
) -> Result<Referral, ReferralError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    check_dates(new.referral_date, new.expires_on)?;
    let mut active = referral::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        referral_date: Set(new.referral_date),
        diagnoses: Set(stored_diagnoses(&new.diagnoses)),
        ordered: Set(new.ordered),
        visits_ordered: Set(new.visits_ordered),
        expires_on: Set(new.expires_on),
        precautions: Set(new.precautions),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_physician(&mut active, new.physician);
    let txn = db::begin_write(db).await?;
    let row = active.insert(&txn).await?;
    let event = Event::by(who, AuditAction::ReferralCreate).patient(record.id).resource(format!("referral:{}", row.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(Referral::from(row))
}

/// A patient's referrals, newest referral date first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<Referral>, ReferralError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    Ok(of_patient(db, record.scope()).await?)
}

/// The referrals of a patient already found visible, newest referral date first.
pub async fn of_patient<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Vec<Referral>, DbErr> {
    let rows = referral::Entity::find()
        .filter(referral::Column::PatientId.eq(patient.uuid()))
        .order_by_desc(referral::Column::ReferralDate)
        .order_by_desc(referral::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Referral::from).collect())
}

/// The referral row, if `who` may see its patient.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<referral::Model, ReferralError> {
    let row = referral::Entity::find_by_id(id).one(db).await?.ok_or(ReferralError::NotFound)?;
    patients::find_visible(db, who, row.patient_id).await?;
    Ok(row)
}

pub async fn get<C: ConnectionTrait>(db: &C, who: &Principal, id: Uuid) -> Result<Referral, ReferralError> {
    Ok(Referral::from(find_visible(db, who, id).await?))
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    changes: ReferralChanges,
) -> Result<Referral, ReferralError> {
    let row = find_visible(db, who, id).await?;
    check_dates(changes.referral_date.unwrap_or(row.referral_date), changes.expires_on.unwrap_or(row.expires_on))?;
    let patient_id = row.patient_id;
    let mut active: referral::ActiveModel = row.into();
    if let Some(p) = changes.physician {
        set_physician(&mut active, p);
    }
    if let Some(v) = changes.referral_date {
        active.referral_date = Set(v);
    }
    if let Some(v) = changes.diagnoses {
        active.diagnoses = Set(stored_diagnoses(&v));
    }
    if let Some(v) = changes.ordered {
        active.ordered = Set(v);
    }
    if let Some(v) = changes.visits_ordered {
        active.visits_ordered = Set(v);
    }
    if let Some(v) = changes.expires_on {
        active.expires_on = Set(v);
    }
    if let Some(v) = changes.precautions {
        active.precautions = Set(v);
    }
    active.updated_at = Set(now);
    let txn = db::begin_write(db).await?;
    let updated = active.update(&txn).await?;
    let event = Event::by(who, AuditAction::ReferralUpdate).patient(patient_id).resource(format!("referral:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(Referral::from(updated))
}
