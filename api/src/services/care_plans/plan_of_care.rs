//! The plan of care on a care plan: in-clinic frequency and duration, the re-evaluation
//! date, and the physician's certification. A certification is one event: a new one
//! (recertification, typically when the last lapsed) replaces the current one, and the
//! plan's version history keeps every earlier one with the date it was replaced.
//!
//! The roster shows two flags per patient from the active plan, judged on today's date
//! in the clinic's zone: re-evaluation due (the due date has come) and certification
//! lapsed (its last day has passed).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan, care_plan_version::Change, clinic};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{PlanError, PlanView, change::change, find_plan};
use crate::{
    auth::Principal,
    domain::DisplayName,
    ids::{ClinicId, PlanId},
    services::local_date,
    stored::zone as stored_zone,
};

/// Frequency, duration and re-evaluation date, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOfCare {
    /// 1–7 sessions per week.
    pub sessions_per_week: Option<i16>,
    /// 1–52 weeks.
    pub duration_weeks: Option<i16>,
    pub reevaluation_due: Option<NaiveDate>,
}

/// A physician's certification: `certified_on` not after `valid_until`.
#[derive(Debug, Clone)]
pub struct NewCertification {
    certified_by: DisplayName,
    certified_on: NaiveDate,
    valid_until: NaiveDate,
}

impl NewCertification {
    pub fn new(certified_by: DisplayName, certified_on: NaiveDate, valid_until: NaiveDate) -> Result<Self, PlanError> {
        if valid_until < certified_on {
            return Err(PlanError::Invalid("valid_until", "must not be before certified_on"));
        }
        Ok(Self { certified_by, certified_on, valid_until })
    }
}

/// Certifies the plan of care, replacing any current certification. The change is a new
/// plan version (`certified`, or `recertified` when one was replaced), so the history
/// keeps who certified what, and until when.
pub async fn certify<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    certification: NewCertification,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    // A discharged plan of care is closed: a certification would describe a course that ended.
    if super::is_discharged(db, plan_id).await? {
        return Err(PlanError::Discharged);
    }
    let kind = if plan.certified_on.is_some() { Change::Recertified } else { Change::Certified };
    change(db, now, who, plan_id, kind, async |txn| {
        let mut active: care_plan::ActiveModel = plan.into();
        active.certified_by = Set(Some(certification.certified_by.as_str().to_owned()));
        active.certified_on = Set(Some(certification.certified_on));
        active.certified_until = Set(Some(certification.valid_until));
        active.update(txn).await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RosterFlags {
    /// The active plan's re-evaluation date is today or past.
    pub reevaluation_due: bool,
    /// The active plan's certification ended before today.
    pub certification_lapsed: bool,
}

/// The flags of each of `patient_ids` that has an active plan, judged on today in the
/// zone of `clinic_id`. Patients without an active plan (or without the dates) get none.
pub async fn roster_flags<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    patient_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, RosterFlags>, DbErr> {
    if patient_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let tz = match clinic::Entity::find_by_id(clinic_id).one(db).await? {
        Some(c) => stored_zone("clinic.timezone", &c.timezone)?,
        None => chrono_tz::Tz::UTC,
    };
    let today = local_date(now, tz);
    let plans = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.is_in(patient_ids.iter().copied()))
        .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
        .all(db)
        .await?;
    Ok(plans
        .into_iter()
        .map(|p| {
            let flags = RosterFlags {
                reevaluation_due: p.reevaluation_due.is_some_and(|d| d <= today),
                certification_lapsed: p.certified_until.is_some_and(|d| d < today),
            };
            (p.patient_id, flags)
        })
        .collect())
}
