//! What patients did: exercise logs and lesson completions, written offline-safe.
//!
//! The phone makes each record's id. Storing is `INSERT … ON CONFLICT DO NOTHING`; when
//! the row already exists, the stored record is compared with the one sent: the same
//! body is a replay (answered with the stored record), a different body is a conflict.
//! However often or concurrently a batch is replayed, each id is stored once.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, JsonText, audit_event, care_plan, exercise_log, lesson_completion, plan_exercise};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::PatientPrincipal,
    db, request_id,
    services::{
        audit::{self, Event},
        idempotent::{self, ClientRecords},
    },
    writer::{JobFuture, Merge},
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

pub use super::idempotent::Stored;

/// Timestamps compared at the precision both databases keep (microseconds).
fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.timestamp_micros() == b.timestamp_micros()
}

impl ClientRecords for exercise_log::Entity {
    type Active = exercise_log::ActiveModel;
    fn id_column() -> exercise_log::Column {
        exercise_log::Column::Id
    }
    fn id_of(row: &exercise_log::Model) -> Uuid {
        row.id
    }
    fn same(stored: &exercise_log::Model, fresh: &exercise_log::Model) -> bool {
        stored.patient_id == fresh.patient_id
            && stored.plan_exercise_id == fresh.plan_exercise_id
            && same_instant(stored.performed_at, fresh.performed_at)
            && stored.local_date == fresh.local_date
            && stored.sets_done == fresh.sets_done
            && stored.pain_during == fresh.pain_during
            && stored.difficulty == fresh.difficulty
            && stored.note == fresh.note
    }
    fn active(r: exercise_log::Model) -> exercise_log::ActiveModel {
        exercise_log::ActiveModel {
            id: Set(r.id),
            patient_id: Set(r.patient_id),
            plan_id: Set(r.plan_id),
            plan_exercise_id: Set(r.plan_exercise_id),
            exercise_id: Set(r.exercise_id),
            performed_at: Set(r.performed_at),
            local_date: Set(r.local_date),
            sets_done: Set(r.sets_done),
            pain_during: Set(r.pain_during),
            difficulty: Set(r.difficulty),
            note: Set(r.note),
            off_plan: Set(r.off_plan),
            created_at: Set(r.created_at),
        }
    }
}

/// A batch of logs ready for the writer: each item with the row it would store, or none
/// when it names an exercise that is not the patient's.
#[derive(Debug)]
pub struct Batch {
    pub who: PatientPrincipal,
    pub items: Vec<LogInput>,
    rows: Vec<Option<exercise_log::Model>>,
    now: DateTime<Utc>,
    /// The request's id, for the batch's audit row.
    request_id: Option<String>,
}

/// Reads what the batch refers to (on the readers' pool): the assignments and their plans,
/// two statements whatever the batch size. Assignments are never deleted, so what is read
/// here still holds when the writer stores the batch.
pub async fn prepare<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    items: Vec<LogInput>,
) -> Result<Batch, DbErr> {
    let patient_id = who.patient_id.uuid();
    let assignment_ids: Vec<Uuid> = items.iter().map(|i| i.plan_exercise_id).collect();
    let assignments =
        plan_exercise::Entity::find().filter(plan_exercise::Column::Id.is_in(assignment_ids)).all(db).await?;
    let plans = care_plan::Entity::find()
        .filter(care_plan::Column::Id.is_in(assignments.iter().map(|a| a.plan_id)))
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .all(db)
        .await?;
    // The row each item would store, or None when it names someone else's exercise.
    let rows: Vec<Option<exercise_log::Model>> = items
        .iter()
        .map(|input| {
            let assignment = assignments.iter().find(|a| a.id == input.plan_exercise_id)?;
            let plan = plans.iter().find(|p| p.id == assignment.plan_id)?;
            // Kept either way; flagged when the exercise had left the running plan.
            let off_plan = plan.status != entity::care_plan::Status::Active
                || assignment.removed_at.is_some_and(|at| at <= input.performed_at);
            Some(exercise_log::Model {
                id: input.id,
                patient_id,
                plan_id: plan.id,
                plan_exercise_id: assignment.id,
                exercise_id: assignment.exercise_id,
                performed_at: input.performed_at,
                local_date: input.local_date,
                sets_done: input.sets_done,
                pain_during: input.pain_during,
                difficulty: input.difficulty,
                note: input.note.clone(),
                off_plan,
                created_at: now,
            })
        })
        .collect();
    Ok(Batch { who: who.clone(), items, rows, now, request_id: request_id::current_request_id() })
}

impl Merge for Batch {
    type Output = Vec<Stored<exercise_log::Model>>;

    fn mergeable(&self) -> bool {
        true
    }

    fn affinity(&self) -> Option<Uuid> {
        Some(self.who.patient_id.uuid())
    }

    fn run_all<'t>(
        txn: &'t DatabaseTransaction,
        batches: &'t [&'t Self],
    ) -> JobFuture<'t, Result<Vec<Self::Output>, DbErr>> {
        Box::pin(record(txn, batches))
    }
}

/// Stores prepared batches (of one or many patients) in `txn`, the writer's, answering
/// each item as storing the batches one after another would: the new rows of all of them
/// go in with one multi-row insert (`ON CONFLICT DO NOTHING`); an id that was stored
/// before is read back and answered as a replay (same body) or a conflict; an id repeated
/// within the call is compared with its first row. One audit row per batch.
pub async fn record(
    txn: &DatabaseTransaction,
    batches: &[&Batch],
) -> Result<Vec<Vec<Stored<exercise_log::Model>>>, DbErr> {
    let sent = batches.iter().map(|b| b.rows.clone()).collect();
    let results = idempotent::store::<exercise_log::Entity>(txn, sent).await?.answers;
    let events: Vec<audit_event::ActiveModel> = batches
        .iter()
        .zip(&results)
        .map(|(batch, answers)| {
            let created = answers.iter().filter(|r| matches!(r, Stored::Created(_))).count();
            let mut row = Event::by(&batch.who, AuditAction::ExerciseLogWrite)
                .patient(batch.who.patient_id.uuid())
                .resource(format!("exercise_logs:{created}"))
                .at(batch.now);
            row.request_id = Set(batch.request_id.clone());
            row
        })
        .collect();
    audit::record_rows(txn, &events).await?;
    Ok(results)
}

/// The patient's logs with local dates in `[from, to]`, oldest first, after a cursor id.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<exercise_log::Model>, DbErr> {
    let patient_id = patient.uuid();
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
    who: &PatientPrincipal,
    input: CompletionInput,
) -> Result<Stored<lesson_completion::Model>, DbErr> {
    let patient_id = who.patient_id.uuid();
    let answers = JsonText(input.answers);
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
        let event = Event::by(who, AuditAction::LessonCompletionWrite)
            .patient(patient_id)
            .resource(format!("lesson:{}", input.lesson_id));
        audit::record(&txn, now, event).await?;
    }
    txn.commit().await?;
    Ok(result)
}
