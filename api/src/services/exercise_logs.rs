//! What patients did: exercise logs and lesson completions, written offline-safe.
//!
//! The phone makes each record's id. Storing is `INSERT … ON CONFLICT DO NOTHING`; when
//! the row already exists, the stored record is compared with the one sent: the same
//! body is a replay (answered with the stored record), a different body is a conflict.
//! However often or concurrently a batch is replayed, each id is stored once.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan, exercise_log, lesson_completion, plan_exercise};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    db,
    services::audit::{self, Event},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogInput {
    pub id: Uuid,
    pub plan_exercise_id: Uuid,
    pub performed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub sets_done: Option<i16>,
    pub pain_during: Option<i16>,
    pub difficulty: Option<i16>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Stored<T> {
    Created(T),
    Replayed(T),
    /// The id exists with a different body (or belongs to someone else).
    Conflict,
    /// What it refers to is not the patient's.
    NotFound,
}

/// Timestamps compared at the precision both databases keep (microseconds).
fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.timestamp_micros() == b.timestamp_micros()
}

fn same_log(stored: &exercise_log::Model, input: &LogInput, patient_id: Uuid) -> bool {
    stored.patient_id == patient_id
        && stored.plan_exercise_id == input.plan_exercise_id
        && same_instant(stored.performed_at, input.performed_at)
        && stored.local_date == input.local_date
        && stored.sets_done == input.sets_done
        && stored.pain_during == input.pain_during
        && stored.difficulty == input.difficulty
        && stored.note == input.note
}

/// Stores a batch of logs for the calling patient, each item on its own.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    items: Vec<LogInput>,
) -> Result<Vec<Stored<exercise_log::Model>>, DbErr> {
    let patient_id = who.patient_id.unwrap_or_default();
    let txn = db::begin_write(db).await?;
    let mut results = Vec::with_capacity(items.len());
    for input in items {
        let assignment = plan_exercise::Entity::find_by_id(input.plan_exercise_id).one(&txn).await?;
        let plan = match &assignment {
            Some(a) => care_plan::Entity::find_by_id(a.plan_id).one(&txn).await?,
            None => None,
        };
        let (Some(assignment), Some(plan)) = (assignment, plan.filter(|p| p.patient_id == patient_id)) else {
            results.push(Stored::NotFound);
            continue;
        };
        // Kept either way; flagged when the exercise had left the running plan.
        let off_plan = plan.status != "active" || assignment.removed_at.is_some_and(|at| at <= input.performed_at);
        let row = exercise_log::ActiveModel {
            id: Set(input.id),
            patient_id: Set(patient_id),
            plan_id: Set(plan.id),
            plan_exercise_id: Set(assignment.id),
            exercise_id: Set(assignment.exercise_id),
            performed_at: Set(input.performed_at),
            local_date: Set(input.local_date),
            sets_done: Set(input.sets_done),
            pain_during: Set(input.pain_during),
            difficulty: Set(input.difficulty),
            note: Set(input.note.clone()),
            off_plan: Set(off_plan),
            created_at: Set(now),
        };
        let inserted = exercise_log::Entity::insert(row)
            .on_conflict(OnConflict::column(exercise_log::Column::Id).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await?;
        let stored = exercise_log::Entity::find_by_id(input.id).one(&txn).await?;
        results.push(match stored {
            Some(row) if inserted == 1 => Stored::Created(row),
            Some(row) if same_log(&row, &input, patient_id) => Stored::Replayed(row),
            _ => Stored::Conflict,
        });
    }
    let created = results.iter().filter(|r| matches!(r, Stored::Created(_))).count();
    let event = Event::by(who, "exercise_log.write").patient(patient_id).resource(format!("exercise_logs:{created}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(results)
}

/// The patient's logs with local dates in `[from, to]`, oldest first, after a cursor id.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    patient_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<exercise_log::Model>, DbErr> {
    let mut q = exercise_log::Entity::find()
        .filter(exercise_log::Column::PatientId.eq(patient_id))
        .filter(exercise_log::Column::LocalDate.gte(from))
        .filter(exercise_log::Column::LocalDate.lte(to));
    if let Some(after) = after {
        q = q.filter(exercise_log::Column::Id.gt(after));
    }
    q.order_by_asc(exercise_log::Column::Id).limit(limit).all(db).await
}

#[derive(Debug, Clone)]
pub struct CompletionInput {
    pub id: Uuid,
    pub lesson_id: Uuid,
    pub completed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub answers: Vec<u8>,
    pub correct_count: i16,
}

pub async fn record_completion<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    input: CompletionInput,
) -> Result<Stored<lesson_completion::Model>, DbErr> {
    let patient_id = who.patient_id.unwrap_or_default();
    let answers = serde_json::to_string(&input.answers).expect("answers serialise");
    let txn = db::begin_write(db).await?;
    let inserted = lesson_completion::Entity::insert(lesson_completion::ActiveModel {
        id: Set(input.id),
        patient_id: Set(patient_id),
        lesson_id: Set(input.lesson_id),
        completed_at: Set(input.completed_at),
        local_date: Set(input.local_date),
        answers: Set(answers.clone()),
        correct_count: Set(input.correct_count),
        created_at: Set(now),
    })
    .on_conflict(OnConflict::column(lesson_completion::Column::Id).do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    let stored = lesson_completion::Entity::find_by_id(input.id).one(&txn).await?;
    let result = match stored {
        Some(row) if inserted == 1 => Stored::Created(row),
        Some(row)
            if row.patient_id == patient_id
                && row.lesson_id == input.lesson_id
                && row.answers == answers
                && row.local_date == input.local_date
                && same_instant(row.completed_at, input.completed_at) =>
        {
            Stored::Replayed(row)
        }
        _ => Stored::Conflict,
    };
    if matches!(result, Stored::Created(_)) {
        let event = Event::by(who, "lesson_completion.write")
            .patient(patient_id)
            .resource(format!("lesson:{}", input.lesson_id));
        audit::record(&txn, now, event).await?;
    }
    txn.commit().await?;
    Ok(result)
}
