//! The plan's exercises and lessons: prescribed from the library the plan's clinic can
//! see, changed, and removed (soft, so history keeps them; removing twice changes nothing).

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan_version::Change, exercise, lesson, plan_exercise, plan_lesson};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::{PlanError, PlanView, Prescription, change::change, find_plan, view};
use crate::{
    auth::Principal,
    ids::{ClinicId, PlanId},
};

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
