//! Care plans: what a therapist prescribes for home, and its history.
//!
//! Every change runs in one write transaction that applies it, bumps the plan's
//! version and stores a snapshot of the whole plan as it now stands. Snapshots are never
//! changed, so "what was prescribed on day D" is the last snapshot taken before D ended.
//!
//! [`types`] holds the value types, [`snapshot`] their stored form, [`read`] the plan as
//! it stands, [`history`] its versions, [`plan_of_care`] the physician's certification
//! and the roster's flags; the changes themselves are here.

mod history;
mod plan_of_care;
mod read;
mod snapshot;
mod types;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    care_plan,
    care_plan_version::{self, Change},
    exercise, lesson, patient, plan_exercise, plan_goal, plan_lesson,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

pub use history::{in_force_on, prescribed_on, versions};
pub use plan_of_care::{NewCertification, PlanOfCare, RosterFlags, certify, roster_flags};
pub use read::{assigned_lessons, find_plan, prescribed, view};
pub use types::{
    AssignedLesson, Certification, GoalStatus, GoalView, PlanError, PlanStatus, PlanView, PrescribedExercise,
    Prescription, Weekdays, runs_on,
};

use crate::{
    auth::Principal,
    db,
    ids::{ClinicId, PlanId},
    services::{
        audit::{self, Event},
        patients,
    },
    stored::plan::PlanSnapshotV1,
};

/// One change to a plan: `apply` runs in a write transaction, then the version bump,
/// the snapshot and the audit row join it, and all commit together.
async fn change<C, F>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    change: Change,
    apply: F,
) -> Result<PlanView, PlanError>
where
    C: ConnectionTrait + TransactionTrait,
    F: AsyncFnOnce(&C::Transaction) -> Result<(), PlanError>,
{
    let txn = db::begin_write(db).await?;
    apply(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Bumps the version and stores the snapshot; call inside the change's transaction.
async fn commit_change<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    change: Change,
) -> Result<PlanView, DbErr> {
    care_plan::Entity::update_many()
        .col_expr(care_plan::Column::Version, Expr::col(care_plan::Column::Version).add(1))
        .col_expr(care_plan::Column::UpdatedAt, Expr::value(now))
        .filter(care_plan::Column::Id.eq(plan_id))
        .exec(txn)
        .await?;
    let plan = care_plan::Entity::find_by_id(plan_id).one(txn).await?.ok_or(DbErr::RecordNotFound("plan".into()))?;
    let snapshot = view(txn, &plan).await?;
    care_plan_version::ActiveModel {
        plan_id: Set(plan_id.uuid()),
        version: Set(plan.version),
        created_at: Set(now),
        changed_by: Set(who.user_id),
        change: Set(change),
        snapshot: Set(PlanSnapshotV1::from(&snapshot).encode()),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        Event::by(who, "care_plan.update")
            .patient(plan.patient_id)
            .resource(format!("care_plan:{plan_id}:{}", change.to_value())),
    )
    .await?;
    Ok(snapshot)
}

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
        crate::services::reminder_rules::ensure_defaults(txn, now, patient_id).await?;
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

pub async fn list_for_patient<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<care_plan::Model>, PlanError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    let plans = of_patient(db, record.scope()).await?;
    audit::record(db, now, Event::by(who, "care_plan.list").patient(patient_id)).await?;
    Ok(plans)
}

/// The plans of a patient already found visible, newest first.
pub async fn of_patient<C: ConnectionTrait>(
    db: &C,
    patient: patients::PatientScope,
) -> Result<Vec<care_plan::Model>, DbErr> {
    care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient.uuid()))
        .order_by_desc(care_plan::Column::Id)
        .all(db)
        .await
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    audit::record(
        db,
        now,
        Event::by(who, "care_plan.read").patient(plan.patient_id).resource(format!("care_plan:{plan_id}")),
    )
    .await?;
    Ok(view(db, &plan).await?)
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

pub struct NewGoal {
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
    pub target_date: Option<NaiveDate>,
}

/// A change to a goal: `None` leaves a field alone; `target_date: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct GoalChanges {
    pub target: Option<i16>,
    pub status: Option<GoalStatus>,
    pub target_date: Option<Option<NaiveDate>>,
}

pub async fn add_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    goal: NewGoal,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    change(db, now, who, plan_id, Change::GoalAdded, async |txn| {
        plan_goal::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id.uuid()),
            activity: Set(goal.activity),
            baseline: Set(goal.baseline),
            target: Set(goal.target),
            target_date: Set(goal.target_date),
            status: Set(plan_goal::Status::Active),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(())
    })
    .await
}

pub async fn update_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    goal_id: Uuid,
    changes: GoalChanges,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let goal = plan_goal::Entity::find_by_id(goal_id)
        .filter(plan_goal::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    change(db, now, who, plan_id, Change::GoalUpdated, async |txn| {
        let mut active: plan_goal::ActiveModel = goal.into();
        if let Some(t) = changes.target {
            active.target = Set(t);
        }
        if let Some(s) = changes.status {
            active.status = Set(s.into());
        }
        if let Some(d) = changes.target_date {
            active.target_date = Set(d);
        }
        active.updated_at = Set(now);
        active.update(txn).await?;
        Ok(())
    })
    .await
}

async fn check_visible_item<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    exercise_id: Option<Uuid>,
    lesson_id: Option<Uuid>,
) -> Result<(), PlanError> {
    let visible = |clinic: Option<Uuid>| clinic.is_none_or(|c| c == clinic_id.uuid());
    if let Some(id) = exercise_id {
        let row = exercise::Entity::find_by_id(id).one(db).await?;
        if !row.is_some_and(|r| visible(r.clinic_id)) {
            return Err(PlanError::UnknownLibraryItem("exercise"));
        }
    }
    if let Some(id) = lesson_id {
        let row = lesson::Entity::find_by_id(id).one(db).await?;
        if !row.is_some_and(|r| visible(r.clinic_id)) {
            return Err(PlanError::UnknownLibraryItem("lesson"));
        }
    }
    Ok(())
}

fn apply_prescription(row: &mut plan_exercise::ActiveModel, p: &Prescription) {
    row.sets = Set(p.sets);
    row.reps = Set(p.reps);
    row.hold_seconds = Set(p.hold_seconds);
    row.side = Set(p.side.into());
    row.times_per_day = Set(p.times_per_day);
    row.days_mask = Set(p.days.mask());
    row.rest_seconds = Set(p.rest_seconds);
    row.notes = Set(p.notes.clone());
}

pub async fn add_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    exercise_id: Uuid,
    prescription: Prescription,
    position: Option<i32>,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    check_visible_item(db, ClinicId::new(plan.clinic_id), Some(exercise_id), None).await?;
    change(db, now, who, plan_id, Change::ExerciseAdded, async |txn| {
        let count = plan_exercise::Entity::find().filter(plan_exercise::Column::PlanId.eq(plan_id)).count(txn).await?;
        let mut row = plan_exercise::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id.uuid()),
            exercise_id: Set(exercise_id),
            position: Set(position.unwrap_or(count as i32)),
            removed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        apply_prescription(&mut row, &prescription);
        row.insert(txn).await?;
        Ok(())
    })
    .await
}

async fn find_item<C: ConnectionTrait>(
    db: &C,
    plan_id: PlanId,
    item_id: Uuid,
) -> Result<plan_exercise::Model, PlanError> {
    plan_exercise::Entity::find_by_id(item_id)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)
}

pub async fn update_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    item_id: Uuid,
    prescription: Prescription,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let item = find_item(db, plan_id, item_id).await?;
    change(db, now, who, plan_id, Change::ExerciseChanged, async |txn| {
        let mut row: plan_exercise::ActiveModel = item.into();
        apply_prescription(&mut row, &prescription);
        row.updated_at = Set(now);
        row.update(txn).await?;
        Ok(())
    })
    .await
}

pub async fn remove_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    item_id: Uuid,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let item = plan_exercise::Entity::find_by_id(item_id)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    // Removing twice is not an error (DELETE is idempotent) and changes nothing.
    if item.removed_at.is_some() {
        return Ok(view(db, &plan).await?);
    }
    change(db, now, who, plan_id, Change::ExerciseRemoved, async |txn| {
        let mut row: plan_exercise::ActiveModel = item.into();
        row.removed_at = Set(Some(now));
        row.updated_at = Set(now);
        row.update(txn).await?;
        Ok(())
    })
    .await
}

pub async fn add_lesson<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    lesson_id: Uuid,
    unlock_date: Option<NaiveDate>,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    check_visible_item(db, ClinicId::new(plan.clinic_id), None, Some(lesson_id)).await?;
    // A lesson without a date opens with the plan.
    let unlock_date = unlock_date.unwrap_or(plan.start_date);
    change(db, now, who, plan_id, Change::LessonAdded, async |txn| {
        plan_lesson::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id.uuid()),
            lesson_id: Set(lesson_id),
            unlock_date: Set(unlock_date),
            removed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(())
    })
    .await
}

pub async fn remove_lesson<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    item_id: Uuid,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let item = plan_lesson::Entity::find_by_id(item_id)
        .filter(plan_lesson::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    if item.removed_at.is_some() {
        return Ok(view(db, &plan).await?);
    }
    change(db, now, who, plan_id, Change::LessonRemoved, async |txn| {
        let mut row: plan_lesson::ActiveModel = item.into();
        row.removed_at = Set(Some(now));
        row.updated_at = Set(now);
        row.update(txn).await?;
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
