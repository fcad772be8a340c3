//! A plan's own life: created (one active plan per patient), changed (title, status,
//! dates, plan of care), and closed for good at discharge.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan, care_plan_version::Change, patient};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    PlanError, PlanOfCare, PlanStatus, PlanView,
    change::{change, commit_change},
    find_plan,
};
use crate::{auth::Principal, ids::PlanId, services::patients};

pub struct NewPlan {
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Frequency, duration and re-evaluation date; all optional.
    pub care: PlanOfCare,
}

pub async fn create<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    new: NewPlan,
) -> Result<PlanView, PlanError> {
    let patient = patients::find_visible(db, who, patient_id).await?;
    if new.end_date.is_some_and(|end| end < new.start_date) {
        return Err(PlanError::BadDates);
    }
    let plan_id = PlanId::new(Uuid::now_v7());
    change(db, now, who, plan_id, Change::Created, async |txn| {
        let active = care_plan::Entity::find()
            .filter(care_plan::Column::PatientId.eq(patient_id))
            .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
            .one(txn)
            .await?;
        if active.is_some() {
            return Err(PlanError::ActivePlanExists);
        }
        new_row(plan_id.uuid(), now, who, &patient, new).insert(txn).await?;
        crate::services::reminder_rules::ensure_defaults(txn, now, patient.scope()).await?;
        Ok(())
    })
    .await
}

/// A new plan's row: active, version 0 until the creating change bumps it.
fn new_row(
    id: Uuid,
    now: DateTime<Utc>,
    who: &Principal,
    patient: &patient::Model,
    new: NewPlan,
) -> care_plan::ActiveModel {
    care_plan::ActiveModel {
        id: Set(id),
        clinic_id: Set(patient.clinic_id),
        patient_id: Set(patient.id),
        therapist_id: Set(who.user_id),
        title: Set(new.title),
        status: Set(care_plan::Status::Active),
        start_date: Set(new.start_date),
        end_date: Set(new.end_date),
        version: Set(0),
        sessions_per_week: Set(new.care.sessions_per_week),
        duration_weeks: Set(new.care.duration_weeks),
        reevaluation_due: Set(new.care.reevaluation_due),
        certified_by: Set(None),
        certified_on: Set(None),
        certified_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[derive(Debug, Default)]
pub struct PlanChanges {
    pub title: Option<String>,
    pub status: Option<PlanStatus>,
    pub end_date: Option<Option<NaiveDate>>,
    /// `Some(None)` clears.
    pub sessions_per_week: Option<Option<i16>>,
    pub duration_weeks: Option<Option<i16>>,
    pub reevaluation_due: Option<Option<NaiveDate>>,
}

pub async fn update<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    changes: PlanChanges,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let end = changes.end_date.unwrap_or(plan.end_date);
    if end.is_some_and(|end| end < plan.start_date) {
        return Err(PlanError::BadDates);
    }
    // A discharged plan is closed for good: its summary describes a course that ended.
    let reopens = changes.status.is_some_and(|s| s != PlanStatus::Completed);
    if reopens && is_discharged(db, plan_id).await? {
        return Err(PlanError::Discharged);
    }
    change(db, now, who, plan_id, Change::PlanUpdated, async |txn| {
        if changes.status == Some(PlanStatus::Active) && plan.status != care_plan::Status::Active {
            let other_active = care_plan::Entity::find()
                .filter(care_plan::Column::PatientId.eq(plan.patient_id))
                .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
                .one(txn)
                .await?;
            if other_active.is_some() {
                return Err(PlanError::ActivePlanExists);
            }
        }
        let mut active: care_plan::ActiveModel = plan.into();
        if let Some(title) = changes.title {
            active.title = Set(title);
        }
        if let Some(status) = changes.status {
            active.status = Set(status.into());
        }
        active.end_date = Set(end);
        if let Some(v) = changes.sessions_per_week {
            active.sessions_per_week = Set(v);
        }
        if let Some(v) = changes.duration_weeks {
            active.duration_weeks = Set(v);
        }
        if let Some(v) = changes.reevaluation_due {
            active.reevaluation_due = Set(v);
        }
        active.update(txn).await?;
        Ok(())
    })
    .await
}

/// Whether the plan has been discharged (a discharged plan is closed for good). Asked here,
/// where the plan's life cycle lives, so the discharge service can depend on plans and not
/// the other way round.
pub async fn is_discharged<C: ConnectionTrait>(db: &C, plan_id: PlanId) -> Result<bool, DbErr> {
    let summary = entity::discharge_summary::Entity::find()
        .filter(entity::discharge_summary::Column::CarePlanId.eq(plan_id))
        .one(db)
        .await?;
    Ok(summary.is_some())
}

/// Closes a plan at its discharge, inside the discharge's transaction: status
/// `completed`, and a new version like any other change.
pub(crate) async fn complete_for_discharge<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
) -> Result<PlanView, DbErr> {
    care_plan::Entity::update_many()
        .col_expr(care_plan::Column::Status, Expr::value(care_plan::Status::Completed))
        .filter(care_plan::Column::Id.eq(plan_id))
        .exec(txn)
        .await?;
    commit_change(txn, now, who, plan_id, Change::Discharged).await
}
