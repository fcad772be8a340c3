//! The patient's day: what to do today, how much of it is done, which lessons are open.
//!
//! Read in three queries however long the plan is, run at once: the active plan with its
//! exercises, their library rows and the day's log counts; the open lessons with their
//! completion; and one row of day facts (check-in done, next session, measures running,
//! unread messages).
//! Each query costs a hand-off to a database thread and back, which under load costs more
//! than the SQL itself (`perf` on SQLite: about 40 % of the CPU in thread switches, under
//! 1 % in SQLite), so the count matters more than the joins.

use crate::services::{messages, patients::PatientScope};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    appointment, care_plan, check_in, exercise, exercise_log, lesson, lesson_completion, measure_schedule, message,
    plan_exercise, plan_lesson,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, JoinType,
    Order, QueryFilter, QueryResult, QuerySelect, TryGetError,
    sea_query::{Asterisk, Expr, ExprTrait, IntoIden, Query, SelectStatement},
};
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

async fn active_row<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Option<care_plan::Model>, DbErr> {
    let patient_id = patient.uuid();
    care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
        .one(db)
        .await
}

/// The patient's active plan as it stands now.
pub async fn active_plan<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Option<PlanView>, DbErr> {
    match active_row(db, patient).await? {
        Some(plan) => Ok(Some(care_plans::view(db, &plan).await?)),
        None => Ok(None),
    }
}

/// How many times each plan exercise was logged on `date`, counted by the database: a
/// busy day's logs are not worth fetching one by one.
async fn logs_per_exercise<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    date: NaiveDate,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    let patient_id = patient.uuid();
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

/// Every column of `E`, renamed `<prefix><column>` so rows of several tables can share one
/// result row and be read back with `Model::from_query_result(row, prefix)`.
fn select_prefixed<E: EntityTrait>(q: &mut SelectStatement, table: impl IntoIden + Clone, prefix: &str) {
    for c in E::Column::iter() {
        q.expr_as(c.select_as(Expr::col((table.clone(), c))), format!("{prefix}{}", c.as_str()));
    }
}

/// The row a left join found under `prefix`: `None` when it found none (all its columns
/// are null), an error when a stored value does not decode. Sea-orm's
/// `from_query_result_optional` answers `None` for both, which would show a corrupt
/// exercise as a deleted one or drop a corrupt assignment from the day.
fn joined<M: FromQueryResult>(row: &QueryResult, prefix: &str) -> Result<Option<M>, DbErr> {
    match M::from_query_result_nullable(row, prefix) {
        Ok(model) => Ok(Some(model)),
        Err(TryGetError::Null(_)) => Ok(None),
        Err(TryGetError::DbErr(e)) => Err(e),
    }
}

/// The active plan with its current exercises, their library rows and how often each was
/// logged on `date`: one query (the plan alone, with null exercise columns, when it has
/// no exercises).
async fn plan_with_exercises<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    date: NaiveDate,
) -> Result<Option<(care_plan::Model, Vec<(plan_exercise::Model, Option<exercise::Model>, i64)>)>, DbErr> {
    let patient_id = patient.uuid();
    let logged = Query::select()
        .expr(Expr::col((exercise_log::Entity, exercise_log::Column::Id)).count())
        .from(exercise_log::Entity)
        .and_where(Expr::col((exercise_log::Entity, exercise_log::Column::PatientId)).eq(patient_id))
        .and_where(Expr::col((exercise_log::Entity, exercise_log::Column::LocalDate)).eq(date))
        .and_where(
            Expr::col((exercise_log::Entity, exercise_log::Column::PlanExerciseId))
                .equals((plan_exercise::Entity, plan_exercise::Column::Id)),
        )
        .to_owned();
    let mut q = Query::select();
    select_prefixed::<care_plan::Entity>(&mut q, care_plan::Entity, "p_");
    select_prefixed::<plan_exercise::Entity>(&mut q, plan_exercise::Entity, "pe_");
    select_prefixed::<exercise::Entity>(&mut q, exercise::Entity, "e_");
    q.expr_as(Expr::SubQuery(None, Box::new(logged.into())), "done")
        .from(care_plan::Entity)
        .join(
            JoinType::LeftJoin,
            plan_exercise::Entity,
            Condition::all()
                .add(
                    Expr::col((plan_exercise::Entity, plan_exercise::Column::PlanId))
                        .equals((care_plan::Entity, care_plan::Column::Id)),
                )
                .add(Expr::col((plan_exercise::Entity, plan_exercise::Column::RemovedAt)).is_null()),
        )
        .join(
            JoinType::LeftJoin,
            exercise::Entity,
            Expr::col((exercise::Entity, exercise::Column::Id))
                .equals((plan_exercise::Entity, plan_exercise::Column::ExerciseId)),
        )
        .and_where(Expr::col((care_plan::Entity, care_plan::Column::PatientId)).eq(patient_id))
        .and_where(Expr::col((care_plan::Entity, care_plan::Column::Status)).eq(care_plan::Status::Active))
        .order_by((plan_exercise::Entity, plan_exercise::Column::Position), Order::Asc)
        .order_by((plan_exercise::Entity, plan_exercise::Column::Id), Order::Asc);
    let rows = db.query_all(&q).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let plan = care_plan::Model::from_query_result(first, "p_")?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(pe) = joined::<plan_exercise::Model>(row, "pe_")? {
            let library = joined::<exercise::Model>(row, "e_")?;
            items.push((pe, library, row.try_get::<i64>("", "done")?));
        }
    }
    Ok(Some((plan, items)))
}

/// The active plan's lessons unlocked by `date`, with their titles and whether the patient
/// completed each: one query (the lesson bodies are not read).
async fn open_lessons<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    date: NaiveDate,
) -> Result<Vec<TodayLesson>, DbErr> {
    let patient_id = patient.uuid();
    let completed = Query::select()
        .expr(Expr::val(1))
        .from(lesson_completion::Entity)
        .and_where(Expr::col((lesson_completion::Entity, lesson_completion::Column::PatientId)).eq(patient_id))
        .and_where(
            Expr::col((lesson_completion::Entity, lesson_completion::Column::LessonId))
                .equals((plan_lesson::Entity, plan_lesson::Column::LessonId)),
        )
        .to_owned();
    let q = Query::select()
        .column((plan_lesson::Entity, plan_lesson::Column::Id))
        .column((plan_lesson::Entity, plan_lesson::Column::LessonId))
        .column((plan_lesson::Entity, plan_lesson::Column::UnlockDate))
        .column((lesson::Entity, lesson::Column::Title))
        .column((lesson::Entity, lesson::Column::Minutes))
        .expr_as(Expr::exists(completed), "completed")
        .from(plan_lesson::Entity)
        .inner_join(
            care_plan::Entity,
            Expr::col((care_plan::Entity, care_plan::Column::Id))
                .equals((plan_lesson::Entity, plan_lesson::Column::PlanId)),
        )
        .left_join(
            lesson::Entity,
            Expr::col((lesson::Entity, lesson::Column::Id))
                .equals((plan_lesson::Entity, plan_lesson::Column::LessonId)),
        )
        .and_where(Expr::col((care_plan::Entity, care_plan::Column::PatientId)).eq(patient_id))
        .and_where(Expr::col((care_plan::Entity, care_plan::Column::Status)).eq(care_plan::Status::Active))
        .and_where(Expr::col((plan_lesson::Entity, plan_lesson::Column::RemovedAt)).is_null())
        .and_where(Expr::col((plan_lesson::Entity, plan_lesson::Column::UnlockDate)).lte(date))
        .order_by((plan_lesson::Entity, plan_lesson::Column::UnlockDate), Order::Asc)
        .order_by((plan_lesson::Entity, plan_lesson::Column::Id), Order::Asc)
        .to_owned();
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|row| {
            // No library row (deleted) leaves the assignment untitled, as the plan view does.
            Ok(TodayLesson {
                assigned: AssignedLesson {
                    plan_lesson_id: row.try_get("", plan_lesson::Column::Id.as_str())?,
                    lesson_id: row.try_get("", plan_lesson::Column::LessonId.as_str())?,
                    unlock_date: row.try_get("", plan_lesson::Column::UnlockDate.as_str())?,
                    title: row.try_get::<Option<String>>("", lesson::Column::Title.as_str())?.unwrap_or_default(),
                    minutes: row.try_get::<Option<i16>>("", lesson::Column::Minutes.as_str())?.unwrap_or_default(),
                },
                completed: row.try_get("", "completed")?,
            })
        })
        .collect()
}

/// The day's plan: the exercises due on `date` with their progress and the lessons open
/// by then. Two queries, run at once.
pub async fn today<C: ConnectionTrait>(db: &C, patient: PatientScope, date: NaiveDate) -> Result<Today, DbErr> {
    let (plan, lessons) = tokio::try_join!(plan_with_exercises(db, patient, date), open_lessons(db, patient, date))?;
    let Some((plan, items)) = plan else {
        return Ok(Today { plan: None, exercises: vec![], lessons: vec![] });
    };
    let runs = care_plans::runs_on(plan.status.into(), plan.start_date, plan.end_date, date);
    let exercises = items
        .into_iter()
        .filter(|(pe, _, _)| runs && Weekdays::from_mask(pe.days_mask).contains(date))
        .map(|(pe, row, logged)| {
            let prescribed = care_plans::prescription(pe, row.as_ref());
            TodayExercise { done: Ord::min(logged, i64::from(prescribed.times_per_day)), prescribed, exercise: row }
        })
        .collect();
    Ok(Today { plan: Some(TodayPlan { id: plan.id, title: plan.title, version: plan.version }), exercises, lessons })
}

/// What else the day screen shows besides the plan, read in one row: whether a check-in
/// was logged on `date`, the next scheduled session, and whether any questionnaire
/// schedule runs (only then are the measures worth reading).
#[derive(Debug, Clone)]
pub struct DayFacts {
    pub check_in_done: bool,
    pub next_appointment: Option<appointment::Model>,
    pub measures_running: bool,
    /// Messages from the care team (or the clinic's automatic replies) not yet read.
    pub unread_messages: u64,
}

pub async fn day_facts<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DayFacts, DbErr> {
    let patient_id = patient.uuid();
    let checked_in = Query::select()
        .expr(Expr::val(1))
        .from(check_in::Entity)
        .and_where(check_in::Column::PatientId.eq(patient_id))
        .and_where(check_in::Column::LocalDate.eq(date))
        .and_where(check_in::Column::DeletedAt.is_null())
        .to_owned();
    let measuring = Query::select()
        .expr(Expr::val(1))
        .from(measure_schedule::Entity)
        .and_where(measure_schedule::Column::PatientId.eq(patient_id))
        .and_where(measure_schedule::Column::EndedAt.is_null())
        .to_owned();
    let next = Query::select()
        .column(Asterisk)
        .from(appointment::Entity)
        .and_where(appointment::Column::PatientId.eq(patient_id))
        .and_where(appointment::Column::Status.eq(appointment::Status::Scheduled))
        .and_where(appointment::Column::EndsAt.gt(now))
        .order_by(appointment::Column::StartsAt, Order::Asc)
        .order_by(appointment::Column::Id, Order::Asc)
        .limit(1)
        .to_owned();
    let unread = Query::select()
        .expr(Expr::col(message::Column::Id).count())
        .from(message::Entity)
        .and_where(message::Column::PatientId.eq(patient_id))
        .and_where(message::Column::Author.is_in(messages::Side::Patient.incoming()))
        .and_where(message::Column::ReadAt.is_null())
        .to_owned();
    // One row always (`day` has one), with the appointment's columns null when none is
    // scheduled.
    let mut q = Query::select();
    select_prefixed::<appointment::Entity>(&mut q, "next", "a_");
    q.expr_as(Expr::exists(checked_in), "check_in_done")
        .expr_as(Expr::exists(measuring), "measures_running")
        .expr_as(Expr::SubQuery(None, Box::new(unread.into())), "unread_messages")
        .from_subquery(Query::select().expr_as(Expr::val(1), "one").to_owned(), "day")
        .join_subquery(JoinType::LeftJoin, next, "next", Expr::cust("1 = 1"));
    let row = db.query_one(&q).await?.ok_or_else(|| DbErr::RecordNotFound("the day's row".into()))?;
    Ok(DayFacts {
        check_in_done: row.try_get("", "check_in_done")?,
        next_appointment: joined::<appointment::Model>(&row, "a_")?,
        measures_running: row.try_get("", "measures_running")?,
        unread_messages: u64::try_from(row.try_get::<i64>("", "unread_messages")?).unwrap_or(0),
    })
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
    patient: PatientScope,
    date: NaiveDate,
) -> Result<ExercisesOn, DbErr> {
    let Some(plan) = active_row(db, patient).await? else {
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
    let logged = logs_per_exercise(db, patient, date).await?;
    let done = |id: Uuid| logged.iter().find(|(logged_id, _)| *logged_id == id).map_or(0, |(_, n)| *n);
    Ok(if due.iter().all(|(id, times)| done(*id) >= i64::from(*times)) {
        ExercisesOn::AllDone
    } else {
        ExercisesOn::Pending
    })
}

/// Whether a lesson of the active plan unlocks on `date` and is not completed yet.
pub async fn lesson_waiting_on<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    date: NaiveDate,
) -> Result<bool, DbErr> {
    let patient_id = patient.uuid();
    let Some(plan) = active_row(db, patient).await? else {
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
