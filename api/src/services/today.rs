//! The patient's day: what to do today, how much of it is done, which lessons are open.
//!
//! Read in a fixed number of queries however long the plan is: the active plan, its
//! exercises joined with their library rows, its lessons joined with theirs, one count
//! of the day's logs per exercise, and the completions of the open lessons.

use crate::services::patients::PatientScope;
use chrono::NaiveDate;
use entity::{care_plan, exercise, exercise_log, lesson_completion, plan_exercise, plan_lesson};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::services::care_plans::{self, AssignedLesson, PlanView, PrescribedExercise, Weekdays};

#[derive(Debug, Clone)]
pub struct TodayExercise {
    pub prescribed: PrescribedExercise,
    pub exercise: Option<exercise::Model>,
    /// Logs today, capped at `times_per_day`.
    pub done: i64,
}

#[derive(Debug, Clone)]
pub struct TodayLesson {
    pub assigned: AssignedLesson,
    pub completed: bool,
}

/// Which plan the day comes from.
#[derive(Debug, Clone)]
pub struct TodayPlan {
    pub id: Uuid,
    pub title: String,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct Today {
    pub plan: Option<TodayPlan>,
    pub exercises: Vec<TodayExercise>,
    pub lessons: Vec<TodayLesson>,
}

async fn active_row<C: ConnectionTrait>(db: &C, patient_id: Uuid) -> Result<Option<care_plan::Model>, DbErr> {
    care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
        .one(db)
        .await
}

/// The patient's active plan as it stands now.
pub async fn active_plan<C: ConnectionTrait>(db: &C, patient_id: Uuid) -> Result<Option<PlanView>, DbErr> {
    match active_row(db, patient_id).await? {
        Some(plan) => Ok(Some(care_plans::view(db, &plan).await?)),
        None => Ok(None),
    }
}

/// How many times each plan exercise was logged on `date`, counted by the database: a
/// busy day's logs are not worth fetching one by one.
async fn logs_per_exercise<C: ConnectionTrait>(
    db: &C,
    patient_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    exercise_log::Entity::find()
        .select_only()
        .column(exercise_log::Column::PlanExerciseId)
        .column_as(exercise_log::Column::Id.count(), "logs")
        .filter(exercise_log::Column::PatientId.eq(patient_id))
        .filter(exercise_log::Column::LocalDate.eq(date))
        .group_by(exercise_log::Column::PlanExerciseId)
        .into_tuple()
        .all(db)
        .await
}

pub async fn today<C: ConnectionTrait>(db: &C, patient: PatientScope, date: NaiveDate) -> Result<Today, DbErr> {
    let patient_id = patient.uuid();
    let Some(plan) = active_row(db, patient_id).await? else {
        return Ok(Today { plan: None, exercises: vec![], lessons: vec![] });
    };
    let runs = care_plans::runs_on(plan.status.into(), plan.start_date, plan.end_date, date);
    let due: Vec<(PrescribedExercise, Option<exercise::Model>)> = if runs {
        care_plans::prescribed(db, plan.id)
            .await?
            .into_iter()
            .filter(|(e, _)| Weekdays::from_iso(&e.days_of_week).is_some_and(|d| d.contains(date)))
            .collect()
    } else {
        vec![]
    };
    let logged = if due.is_empty() { vec![] } else { logs_per_exercise(db, patient_id, date).await? };
    let exercises = due
        .into_iter()
        .map(|(p, row)| {
            let count = logged.iter().find(|(id, _)| *id == p.plan_exercise_id).map_or(0, |(_, n)| *n);
            TodayExercise { exercise: row, done: count.min(i64::from(p.times_per_day)), prescribed: p }
        })
        .collect();
    let open: Vec<AssignedLesson> =
        care_plans::assigned_lessons(db, plan.id).await?.into_iter().filter(|l| l.unlock_date <= date).collect();
    let completed: Vec<Uuid> = if open.is_empty() {
        vec![]
    } else {
        lesson_completion::Entity::find()
            .select_only()
            .column(lesson_completion::Column::LessonId)
            .filter(lesson_completion::Column::PatientId.eq(patient_id))
            .filter(lesson_completion::Column::LessonId.is_in(open.iter().map(|l| l.lesson_id)))
            .into_tuple()
            .all(db)
            .await?
    };
    let lessons =
        open.into_iter().map(|l| TodayLesson { completed: completed.contains(&l.lesson_id), assigned: l }).collect();
    Ok(Today { plan: Some(TodayPlan { id: plan.id, title: plan.title, version: plan.version }), exercises, lessons })
}

/// How a day's prescribed exercises stand, for a reminder that needs nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExercisesOn {
    /// No active plan prescribes anything that day.
    NothingPrescribed,
    /// Every prescribed exercise was logged as often as prescribed.
    AllDone,
    /// Something prescribed is still to do.
    Pending,
}

/// Whether the exercises due on `date` are done: the active plan, its exercises without
/// their library rows, and one count of the day's logs per exercise. Reminders ask this
/// for every occurrence, so it reads no more than the answer needs.
pub async fn exercises_done_on<C: ConnectionTrait>(
    db: &C,
    patient_id: Uuid,
    date: NaiveDate,
) -> Result<ExercisesOn, DbErr> {
    let Some(plan) = active_row(db, patient_id).await? else {
        return Ok(ExercisesOn::NothingPrescribed);
    };
    if !care_plans::runs_on(plan.status.into(), plan.start_date, plan.end_date, date) {
        return Ok(ExercisesOn::NothingPrescribed);
    }
    let due: Vec<(Uuid, i16)> = plan_exercise::Entity::find()
        .filter(plan_exercise::Column::PlanId.eq(plan.id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|pe| Weekdays::from_mask(pe.days_mask).contains(date))
        .map(|pe| (pe.id, pe.times_per_day))
        .collect();
    if due.is_empty() {
        return Ok(ExercisesOn::NothingPrescribed);
    }
    let logged = logs_per_exercise(db, patient_id, date).await?;
    let done = |id: Uuid| logged.iter().find(|(logged_id, _)| *logged_id == id).map_or(0, |(_, n)| *n);
    Ok(if due.iter().all(|(id, times)| done(*id) >= i64::from(*times)) {
        ExercisesOn::AllDone
    } else {
        ExercisesOn::Pending
    })
}

/// Whether a lesson of the active plan unlocks on `date` and is not completed yet.
pub async fn lesson_waiting_on<C: ConnectionTrait>(db: &C, patient_id: Uuid, date: NaiveDate) -> Result<bool, DbErr> {
    let Some(plan) = active_row(db, patient_id).await? else {
        return Ok(false);
    };
    let unlocking: Vec<Uuid> = plan_lesson::Entity::find()
        .select_only()
        .column(plan_lesson::Column::LessonId)
        .filter(plan_lesson::Column::PlanId.eq(plan.id))
        .filter(plan_lesson::Column::RemovedAt.is_null())
        .filter(plan_lesson::Column::UnlockDate.eq(date))
        .into_tuple()
        .all(db)
        .await?;
    if unlocking.is_empty() {
        return Ok(false);
    }
    let completed: Vec<Uuid> = lesson_completion::Entity::find()
        .select_only()
        .column(lesson_completion::Column::LessonId)
        .filter(lesson_completion::Column::PatientId.eq(patient_id))
        .filter(lesson_completion::Column::LessonId.is_in(unlocking.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(unlocking.iter().any(|id| !completed.contains(id)))
}
