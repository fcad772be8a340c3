//! Payer authorizations: an insurer's approval of a number of visits in a date range,
//! for one patient, optionally resting on a referral.
//!
//! Invariants:
//! - the member id is stored only sealed with the server's data key (see `data_key`),
//!   bound to its row; what leaves this module is the masked form, never the plaintext;
//! - visits used are counted, never stored: the completed appointments linked to the
//!   authorization ([`visits_used`]);
//! - only the patient's therapist and the clinic's admins reach an authorization; anyone
//!   else is told it does not exist.
//!
//! [`warnings`] holds the booking flag and the two alerts (2 visits left, ending in 7 days).

mod warnings;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, appointment, payer_authorization, referral};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

pub use warnings::{BookingWarning, after_visit, booking_warning, evaluate};

use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    data_key::DataKey,
    db,
    domain::{MemberId, mask},
    services::{
        audit::{self, Event},
        patients::{self, PatientError},
    },
    store_error::StoreError,
};

/// A patient has at most this many authorizations listed at once.
const LIST_LIMIT: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    #[error("not found")]
    NotFound,
    #[error("{1}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for AuthorizationError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// The days an authorization covers, first to last inclusive: the start not after the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl Period {
    pub fn new(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<Self, AuthorizationError> {
        if ends_on < starts_on {
            return Err(AuthorizationError::Invalid("ends_on", "must not be before starts_on"));
        }
        Ok(Self { starts_on, ends_on })
    }
}

#[derive(Debug, Clone)]
pub struct NewAuthorization {
    pub payer_name: String,
    pub member_id: MemberId,
    pub authorization_number: String,
    /// 1 or more.
    pub visits_authorized: i32,
    pub period: Period,
    pub referral_id: Option<Uuid>,
}

/// A partial update: `None` leaves a field alone; `referral_id: Some(None)` unlinks.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationChanges {
    pub payer_name: Option<String>,
    pub member_id: Option<MemberId>,
    pub authorization_number: Option<String>,
    pub visits_authorized: Option<i32>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub referral_id: Option<Option<Uuid>>,
}

/// An authorization as the API may show it: the member id only masked, the visits used
/// counted.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub row: payer_authorization::Model,
    pub member_id_masked: String,
    pub visits_used: i64,
}

impl Authorization {
    pub fn visits_remaining(&self) -> i64 {
        i64::from(self.row.visits_authorized) - self.visits_used
    }
}

/// What the member id of row `id` is sealed for: the column and the row, so a sealed
/// value moved elsewhere does not open.
fn context(id: Uuid) -> String {
    format!("payer_authorization.member_id:{id}")
}

/// The masked member id of a stored row; a value that does not open is an error.
fn masked(key: &DataKey, row: &payer_authorization::Model) -> Result<String, StoreError> {
    let plain = key.open(&context(row.id), &row.member_id_sealed).map_err(|e| {
        tracing::error!(authorization_id = %row.id, "a stored member id does not decrypt");
        StoreError::corrupt("payer_authorization.member_id", e.to_string())
    })?;
    Ok(mask(&plain))
}

/// Completed appointments linked to each of `ids`.
pub async fn visits_used<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashMap<Uuid, i64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<Uuid>, i64)> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::AuthorizationId)
        .column_as(appointment::Column::Id.count(), "used")
        .filter(appointment::Column::AuthorizationId.is_in(ids.iter().copied()))
        .filter(appointment::Column::Status.eq(appointment::Status::Completed))
        .group_by(appointment::Column::AuthorizationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, n))).collect())
}

async fn shown<C: ConnectionTrait>(
    db: &C,
    key: &DataKey,
    rows: Vec<payer_authorization::Model>,
) -> Result<Vec<Authorization>, DbErr> {
    let used = visits_used(db, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    rows.into_iter()
        .map(|row| {
            Ok(Authorization {
                member_id_masked: masked(key, &row)?,
                visits_used: used.get(&row.id).copied().unwrap_or(0),
                row,
            })
        })
        .collect()
}

async fn check_referral<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    referral_id: Option<Uuid>,
) -> Result<(), AuthorizationError> {
    let patient_id = patient.uuid();
    let Some(id) = referral_id else { return Ok(()) };
    let found = referral::Entity::find_by_id(id).filter(referral::Column::PatientId.eq(patient_id)).one(db).await?;
    found.map(|_| ()).ok_or(AuthorizationError::Invalid("referral_id", "must be a referral of this patient"))
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &DataKey,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    new: NewAuthorization,
) -> Result<Authorization, AuthorizationError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    check_referral(db, record.scope(), new.referral_id).await?;
    let id = Uuid::now_v7();
    let row = payer_authorization::ActiveModel {
        id: Set(id),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        referral_id: Set(new.referral_id),
        payer_name: Set(new.payer_name),
        member_id_sealed: Set(key.seal(&context(id), new.member_id.expose())),
        authorization_number: Set(new.authorization_number),
        visits_authorized: Set(new.visits_authorized),
        starts_on: Set(new.period.starts_on),
        ends_on: Set(new.period.ends_on),
        low_alerted_at: Set(None),
        expiring_alerted_at: Set(None),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db::begin_write(db).await?;
    let row = row.insert(&txn).await?;
    let event = Event::by(who, AuditAction::PayerAuthorizationCreate)
        .patient(record.id)
        .resource(format!("payer_authorization:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(Authorization { row, member_id_masked: new.member_id.masked(), visits_used: 0 })
}

/// A patient's authorizations, latest start first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    key: &DataKey,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<Authorization>, AuthorizationError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    let rows = payer_authorization::Entity::find()
        .filter(payer_authorization::Column::PatientId.eq(record.id))
        .order_by_desc(payer_authorization::Column::StartsOn)
        .order_by_desc(payer_authorization::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    Ok(shown(db, key, rows).await?)
}

/// The row, if `who` may see its patient.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<payer_authorization::Model, AuthorizationError> {
    let row = payer_authorization::Entity::find_by_id(id).one(db).await?.ok_or(AuthorizationError::NotFound)?;
    patients::find_visible(db, who, row.patient_id).await?;
    Ok(row)
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    key: &DataKey,
    who: &Principal,
    id: Uuid,
) -> Result<Authorization, AuthorizationError> {
    let row = find_visible(db, who, id).await?;
    Ok(shown(db, key, vec![row]).await?.remove(0))
}

/// Applies `changes`. More visits or a later end make room for the matching alert to
/// fire again, since the situation it warned about is over.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &DataKey,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    changes: AuthorizationChanges,
) -> Result<Authorization, AuthorizationError> {
    let row = find_visible(db, who, id).await?;
    Period::new(changes.starts_on.unwrap_or(row.starts_on), changes.ends_on.unwrap_or(row.ends_on))?;
    if let Some(referral_id) = changes.referral_id {
        check_referral(db, PatientScope::trusted(row.patient_id), referral_id).await?;
    }
    let mut active: payer_authorization::ActiveModel = row.clone().into();
    if let Some(v) = changes.payer_name {
        active.payer_name = Set(v);
    }
    if let Some(v) = &changes.member_id {
        active.member_id_sealed = Set(key.seal(&context(id), v.expose()));
    }
    if let Some(v) = changes.authorization_number {
        active.authorization_number = Set(v);
    }
    if let Some(v) = changes.visits_authorized {
        active.visits_authorized = Set(v);
        if v > row.visits_authorized {
            active.low_alerted_at = Set(None);
        }
    }
    if let Some(v) = changes.starts_on {
        active.starts_on = Set(v);
    }
    if let Some(v) = changes.ends_on {
        active.ends_on = Set(v);
        if v > row.ends_on {
            active.expiring_alerted_at = Set(None);
        }
    }
    if let Some(v) = changes.referral_id {
        active.referral_id = Set(v);
    }
    active.updated_at = Set(now);
    let txn = db::begin_write(db).await?;
    let updated = active.update(&txn).await?;
    let event = Event::by(who, AuditAction::PayerAuthorizationUpdate)
        .patient(row.patient_id)
        .resource(format!("payer_authorization:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(shown(db, key, vec![updated]).await?.remove(0))
}
