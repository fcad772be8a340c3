//! Storing records whose ids the phone makes (check-ins, exercise logs), in one place.
//!
//! The rules: a new id is stored; an id stored before answers from the stored row, as a
//! replay when the body is the same and a conflict otherwise (also when the row is
//! someone else's, which reveals nothing); an id repeated within one call is compared
//! with its first row. However often or concurrently a body is sent, its id is stored
//! once. New rows go in with one `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id` per
//! thousand rows, in id order, so the common case of all-new ids costs one statement and
//! two replicas storing overlapping ids lock rows in the same order (no deadlock on
//! PostgreSQL).

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    pin::Pin,
};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, PrimaryKeyTrait,
    QueryFilter, sea_query::OnConflict,
};
use uuid::Uuid;

/// What became of one item sent.
#[derive(Debug, Clone)]
pub enum Stored<T> {
    Created(T),
    Replayed(T),
    /// The id exists with a different body (or belongs to someone else).
    Conflict,
    /// What it refers to is not the patient's.
    NotFound,
}

/// Rows per multi-row insert: the widest table stored this way (13 columns) stays far
/// below both databases' limits on bound parameters.
const ROWS_PER_INSERT: usize = 1000;

/// A table of records with client-made ids.
pub trait ClientRecords: EntityTrait {
    type Active: ActiveModelTrait<Entity = Self> + Send;
    fn id_column() -> Self::Column;
    fn id_of(row: &Self::Model) -> Uuid;
    /// Whether a stored row is what `fresh` would have stored: the replay test.
    fn same(stored: &Self::Model, fresh: &Self::Model) -> bool;
    fn active(row: Self::Model) -> Self::Active;

    /// The rows stored under `ids`, for the replay test. A table may leave out a row that
    /// does not read back: its id is then answered as a conflict.
    fn stored_rows<'t>(txn: &'t DatabaseTransaction, ids: &'t [Uuid]) -> RowsFuture<'t, Self::Model> {
        Box::pin(async move { Self::find().filter(Self::id_column().is_in(ids.iter().copied())).all(txn).await })
    }
}

pub type RowsFuture<'t, M> = Pin<Box<dyn Future<Output = Result<Vec<M>, DbErr>> + Send + 't>>;

/// What storing came to: an answer per item, in the order sent, and the stored row behind
/// every id the call met (the row this call stored, or the one stored before it, unless
/// [`ClientRecords::stored_rows`] left that one out).
pub struct Outcome<M> {
    pub answers: Vec<Vec<Stored<M>>>,
    pub stored: HashMap<Uuid, M>,
}

impl<M> Outcome<M> {
    /// The rows this call stored, per batch.
    pub fn created(&self) -> Vec<Vec<&M>> {
        self.answers
            .iter()
            .map(|answers| {
                answers.iter().filter_map(|a| if let Stored::Created(row) = a { Some(row) } else { None }).collect()
            })
            .collect()
    }
}

/// Stores the rows of several batches (`None`: an item that refers to something not the
/// patient's, answered `NotFound`) in `txn`, answering each item as storing the batches
/// one after another would.
pub async fn store<E>(txn: &DatabaseTransaction, sent: Vec<Vec<Option<E::Model>>>) -> Result<Outcome<E::Model>, DbErr>
where
    E: ClientRecords,
    E::Model: Clone + IntoActiveModel<E::Active>,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
{
    let mut stored: HashMap<Uuid, E::Model> = HashMap::new();
    let mut fresh: Vec<E::Model> = Vec::new();
    let mut answers: Vec<Vec<Stored<E::Model>>> = Vec::with_capacity(sent.len());
    for batch in &sent {
        let mut batch_answers = Vec::with_capacity(batch.len());
        for row in batch {
            let Some(row) = row else {
                batch_answers.push(Stored::NotFound);
                continue;
            };
            batch_answers.push(match stored.get(&E::id_of(row)) {
                Some(first) if E::same(first, row) => Stored::Replayed(first.clone()),
                Some(_) => Stored::Conflict,
                None => {
                    stored.insert(E::id_of(row), row.clone());
                    fresh.push(row.clone());
                    Stored::Created(row.clone())
                }
            });
        }
        answers.push(batch_answers);
    }
    fresh.sort_unstable_by_key(E::id_of);
    let mut inserted: HashSet<Uuid> = HashSet::with_capacity(fresh.len());
    for chunk in fresh.chunks(ROWS_PER_INSERT) {
        // Ids stored earlier (by an earlier request, or a concurrent transaction on
        // PostgreSQL) are skipped; RETURNING says which rows are ours.
        match E::insert_many(chunk.iter().cloned().map(E::active))
            .on_conflict(OnConflict::column(E::id_column()).do_nothing().to_owned())
            .exec_with_returning_keys(txn)
            .await
        {
            Ok(keys) => inserted.extend(keys),
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    let lost: HashSet<Uuid> = fresh.iter().map(E::id_of).filter(|id| !inserted.contains(id)).collect();
    if lost.is_empty() {
        return Ok(Outcome { answers, stored });
    }
    // Every item sent under a lost id answers from the row stored before this call,
    // including repeats within the call, which had been compared with our own row (so
    // our row goes, and an id whose stored row was left out answers a conflict).
    let lost_ids: Vec<Uuid> = lost.iter().copied().collect();
    for id in &lost_ids {
        stored.remove(id);
    }
    for winner in E::stored_rows(txn, &lost_ids).await? {
        stored.insert(E::id_of(&winner), winner);
    }
    for (batch, batch_answers) in sent.iter().zip(answers.iter_mut()) {
        for (row, answer) in batch.iter().zip(batch_answers.iter_mut()) {
            let Some(row) = row.as_ref().filter(|r| lost.contains(&E::id_of(r))) else { continue };
            *answer = match stored.get(&E::id_of(row)) {
                Some(winner) if E::same(winner, row) => Stored::Replayed(winner.clone()),
                _ => Stored::Conflict,
            };
        }
    }
    Ok(Outcome { answers, stored })
}
