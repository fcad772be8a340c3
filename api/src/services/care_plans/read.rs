//! Reading a plan as it stands now, from its rows, and a patient's plans.

use chrono::{DateTime, Utc};
use entity::{AuditAction, care_plan, exercise, lesson, plan_exercise, plan_goal, plan_lesson};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{AssignedLesson, Certification, GoalView, PlanError, PlanView, PrescribedExercise, Weekdays};
use crate::{
    auth::Principal,
    ids::PlanId,
    services::{
        audit::{self, Event},
        patients,
    },
};

/// The plan, if `who` may see its patient.
pub async fn find_plan<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    plan_id: PlanId,
) -> Result<care_plan::Model, PlanError> {
    let plan = care_plan::Entity::find_by_id(plan_id).one(db).await?.ok_or(PlanError::NotFound)?;
    patients::find_visible(db, who, plan.patient_id).await?;
    Ok(plan)
}

/// The plan as it stands now, read from its rows: the goals, then the exercises and the
/// lessons, each joined with its library rows (three queries however long the plan).
pub async fn view<C: ConnectionTrait>(db: &C, plan: &care_plan::Model) -> Result<PlanView, DbErr> {
    let goals = plan_goal::Entity::find()
        .filter(plan_goal::Column::PlanId.eq(plan.id))
        .order_by_asc(plan_goal::Column::Id)
        .all(db)
        .await?;
    let exercises = prescribed(db, PlanId::new(plan.id)).await?.into_iter().map(|(p, _)| p).collect();
    let lessons = assigned_lessons(db, PlanId::new(plan.id)).await?;
    Ok(PlanView {
        id: plan.id,
        patient_id: plan.patient_id,
        therapist_id: plan.therapist_id,
        title: plan.title.clone(),
        status: plan.status.into(),
        start_date: plan.start_date,
        end_date: plan.end_date,
        version: plan.version,
        goals: goals
            .into_iter()
            .map(|g| GoalView {
                id: g.id,
                activity: g.activity,
                baseline: g.baseline,
                target: g.target,
                status: g.status.into(),
                target_date: g.target_date,
            })
            .collect(),
        exercises,
        lessons,
        sessions_per_week: plan.sessions_per_week,
        duration_weeks: plan.duration_weeks,
        reevaluation_due: plan.reevaluation_due,
        certification: certification(plan),
    })
}

/// The current certification, when all three of its columns are set.
pub fn certification(plan: &care_plan::Model) -> Option<Certification> {
    match (&plan.certified_by, plan.certified_on, plan.certified_until) {
        (Some(by), Some(on), Some(until)) => {
            Some(Certification { certified_by: by.clone(), certified_on: on, valid_until: until })
        }
        _ => None,
    }
}

/// The plan's current exercises in order, each with its library row (none if the row
/// is gone), in one query joining the library.
pub async fn prescribed<C: ConnectionTrait>(
    db: &C,
    plan_id: PlanId,
) -> Result<Vec<(PrescribedExercise, Option<exercise::Model>)>, DbErr> {
    let library = plan_exercise::Entity::belongs_to(exercise::Entity)
        .from(plan_exercise::Column::ExerciseId)
        .to(exercise::Column::Id)
        .into();
    let items = plan_exercise::Entity::find()
        .join(JoinType::LeftJoin, library)
        .select_also(exercise::Entity)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .order_by_asc(plan_exercise::Column::Position)
        .order_by_asc(plan_exercise::Column::Id)
        .all(db)
        .await?;
    Ok(items.into_iter().map(|(pe, row)| (prescription(pe, row.as_ref()), row)).collect())
}

/// A plan row as the patient and therapist see it, titled from its library row (none when
/// that row is gone).
pub fn prescription(pe: plan_exercise::Model, row: Option<&exercise::Model>) -> PrescribedExercise {
    PrescribedExercise {
        plan_exercise_id: pe.id,
        exercise_id: pe.exercise_id,
        title: row.map(|r| r.title.clone()).unwrap_or_default(),
        sets: pe.sets,
        reps: pe.reps,
        hold_seconds: pe.hold_seconds,
        side: pe.side.into(),
        times_per_day: pe.times_per_day,
        days_of_week: Weekdays::from_mask(pe.days_mask).iso_days(),
        rest_seconds: pe.rest_seconds,
        notes: pe.notes,
        position: pe.position,
    }
}

/// The plan's current lessons by unlock date, with titles from the library, in one
/// query joining the library.
pub async fn assigned_lessons<C: ConnectionTrait>(db: &C, plan_id: PlanId) -> Result<Vec<AssignedLesson>, DbErr> {
    let library = plan_lesson::Entity::belongs_to(lesson::Entity)
        .from(plan_lesson::Column::LessonId)
        .to(lesson::Column::Id)
        .into();
    let lessons = plan_lesson::Entity::find()
        .join(JoinType::LeftJoin, library)
        .select_also(lesson::Entity)
        .filter(plan_lesson::Column::PlanId.eq(plan_id))
        .filter(plan_lesson::Column::RemovedAt.is_null())
        .order_by_asc(plan_lesson::Column::UnlockDate)
        .order_by_asc(plan_lesson::Column::Id)
        .all(db)
        .await?;
    Ok(lessons
        .into_iter()
        .map(|(pl, row)| {
            let row = row.as_ref();
            AssignedLesson {
                plan_lesson_id: pl.id,
                lesson_id: pl.lesson_id,
                title: row.map(|l| l.title.clone()).unwrap_or_default(),
                minutes: row.map(|l| l.minutes).unwrap_or_default(),
                unlock_date: pl.unlock_date,
            }
        })
        .collect())
}

pub async fn list_for_patient<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<care_plan::Model>, PlanError> {
    let record = patients::find_visible(db, who, patient_id).await?;
    let plans = of_patient(db, record.scope()).await?;
    audit::record(db, now, Event::by(who, AuditAction::CarePlanList).patient(patient_id)).await?;
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
        Event::by(who, AuditAction::CarePlanRead).patient(plan.patient_id).resource(format!("care_plan:{plan_id}")),
    )
    .await?;
    Ok(view(db, &plan).await?)
}
