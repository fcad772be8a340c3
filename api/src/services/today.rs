//! The patient's day: what to do today, how much of it is done, which lessons are open.

use chrono::NaiveDate;
use entity::{care_plan, exercise, exercise_log, lesson_completion};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
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

#[derive(Debug, Clone)]
pub struct Today {
    pub plan: Option<PlanView>,
    pub exercises: Vec<TodayExercise>,
    pub lessons: Vec<TodayLesson>,
}

/// The patient's active plan as it stands now.
pub async fn active_plan<C: ConnectionTrait>(db: &C, patient_id: Uuid) -> Result<Option<PlanView>, DbErr> {
    let plan = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .filter(care_plan::Column::Status.eq("active"))
        .one(db)
        .await?;
    match plan {
        Some(plan) => Ok(Some(care_plans::view(db, &plan).await?)),
        None => Ok(None),
    }
}

pub async fn today<C: ConnectionTrait>(db: &C, patient_id: Uuid, date: NaiveDate) -> Result<Today, DbErr> {
    let Some(plan) = active_plan(db, patient_id).await? else {
        return Ok(Today { plan: None, exercises: vec![], lessons: vec![] });
    };
    let due: Vec<PrescribedExercise> = if plan.runs_on(date) {
        plan.exercises
            .iter()
            .filter(|e| Weekdays::from_iso(&e.days_of_week).is_some_and(|d| d.contains(date)))
            .cloned()
            .collect()
    } else {
        vec![]
    };
    let logs = exercise_log::Entity::find()
        .filter(exercise_log::Column::PatientId.eq(patient_id))
        .filter(exercise_log::Column::LocalDate.eq(date))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = due.iter().map(|e| e.exercise_id).collect();
    let rows = exercise::Entity::find().filter(exercise::Column::Id.is_in(ids)).all(db).await?;
    let exercises = due
        .into_iter()
        .map(|p| {
            let count = logs.iter().filter(|l| l.plan_exercise_id == p.plan_exercise_id).count() as i64;
            TodayExercise {
                exercise: rows.iter().find(|r| r.id == p.exercise_id).cloned(),
                done: count.min(i64::from(p.times_per_day)),
                prescribed: p,
            }
        })
        .collect();
    let open: Vec<AssignedLesson> = plan.lessons.iter().filter(|l| l.unlock_date <= date).cloned().collect();
    let completed = lesson_completion::Entity::find()
        .filter(lesson_completion::Column::PatientId.eq(patient_id))
        .filter(lesson_completion::Column::LessonId.is_in(open.iter().map(|l| l.lesson_id)))
        .all(db)
        .await?;
    let lessons = open
        .into_iter()
        .map(|l| TodayLesson { completed: completed.iter().any(|c| c.lesson_id == l.lesson_id), assigned: l })
        .collect();
    Ok(Today { plan: Some(plan), exercises, lessons })
}
