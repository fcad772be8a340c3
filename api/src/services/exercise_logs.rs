//! What patients did: exercise logs and lesson completions, written offline-safe.
//!
//! The phone makes each record's id. Storing is `INSERT … ON CONFLICT DO NOTHING`; when
//! the row already exists, the stored record is compared with the one sent: the same
//! body is a replay (answered with the stored record), a different body is a conflict.
//! However often or concurrently a batch is replayed, each id is stored once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan, exercise_log, lesson_completion, plan_exercise};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait, sea_query::OnConflict,
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

/// A batch of logs ready for the writer: each item with the row it would store, or none
/// when it names an exercise that is not the patient's.
#[derive(Debug)]
pub struct Batch {
    pub who: Principal,
    pub items: Vec<LogInput>,
    rows: Vec<Option<exercise_log::Model>>,
}

/// Reads what the batch refers to (on the readers' pool): the assignments and their plans,
/// two statements whatever the batch size. Assignments are never deleted, so what is read
/// here still holds when the writer stores the batch.
pub async fn prepare<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    items: Vec<LogInput>,
) -> Result<Batch, DbErr> {
    let patient_id = who.patient_id.unwrap_or_default();
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
    Ok(Batch { who: who.clone(), items, rows })
}

/// Stores a prepared batch in `txn` (the writer's), each item on its own: the ids already
/// stored are read, the new rows go in with one multi-row insert, and each item is
/// classified.
pub async fn record(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    batch: &Batch,
) -> Result<Vec<Stored<exercise_log::Model>>, DbErr> {
    let Batch { who, items, rows } = batch;
    let patient_id = who.patient_id.unwrap_or_default();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    let mut known: HashMap<Uuid, exercise_log::Model> = exercise_log::Entity::find()
        .filter(exercise_log::Column::Id.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut results = Vec::with_capacity(items.len());
    let mut fresh = Vec::new();
    for (input, row) in items.iter().zip(rows.iter().cloned()) {
        let Some(row) = row else {
            results.push(Stored::NotFound);
            continue;
        };
        results.push(match known.get(&input.id) {
            Some(stored) if same_log(stored, input, patient_id) => Stored::Replayed(stored.clone()),
            Some(_) => Stored::Conflict,
            None => {
                known.insert(row.id, row.clone());
                fresh.push(row.clone());
                Stored::Created(row)
            }
        });
    }
    if !fresh.is_empty() {
        let active = fresh.iter().cloned().map(|r| exercise_log::ActiveModel {
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
        });
        // On PostgreSQL a concurrent transaction may have stored some of these ids since
        // the read above; DO NOTHING skips them and RETURNING says which rows are ours.
        let inserted: HashSet<Uuid> = match exercise_log::Entity::insert_many(active)
            .on_conflict(OnConflict::column(exercise_log::Column::Id).do_nothing().to_owned())
            .exec_with_returning_keys(txn)
            .await
        {
            Ok(keys) => keys.into_iter().collect(),
            Err(DbErr::RecordNotInserted) => HashSet::new(),
            Err(e) => return Err(e),
        };
        let lost: Vec<Uuid> = fresh.iter().map(|r| r.id).filter(|id| !inserted.contains(id)).collect();
        if !lost.is_empty() {
            let winners =
                exercise_log::Entity::find().filter(exercise_log::Column::Id.is_in(lost.clone())).all(txn).await?;
            for (input, result) in items.iter().zip(results.iter_mut()) {
                if !lost.contains(&input.id) || !matches!(result, Stored::Created(_)) {
                    continue;
                }
                *result = match winners.iter().find(|w| w.id == input.id) {
                    Some(w) if same_log(w, input, patient_id) => Stored::Replayed(w.clone()),
                    _ => Stored::Conflict,
                };
            }
        }
    }
    let created = results.iter().filter(|r| matches!(r, Stored::Created(_))).count();
    let event = Event::by(who, "exercise_log.write").patient(patient_id).resource(format!("exercise_logs:{created}"));
    audit::record(txn, now, event).await?;
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
