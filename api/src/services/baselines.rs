//! Baselines of the daily ratings (pain, stress, sleep quality) that trends and alert
//! rules compare against.
//!
//! A rating's baseline week starts on the first local day with a `daily` check-in that
//! gave that rating, and its baseline is the mean of that week's daily means. Check-ins
//! made around a session (`pre_session`, `post_session`) or in a `flare` describe a
//! moment chosen for being unusual, so they never set the baseline. Each rating has its
//! own week, so a patient who logged only stress at first still gets a pain baseline
//! from the first week they rated pain.
//!
//! Two indexed reads however long the history is and however many ratings are asked: the
//! first day of each, then those weeks' daily sums and counts (at most seven rows each).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{check_in, patient};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use crate::clinical;
use crate::services::patients::PatientScope;

/// A baseline taken from the first week of daily check-ins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstWeek {
    /// The week's first local day.
    pub from: NaiveDate,
    pub mean: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FirstWeeks {
    pub pain: Option<FirstWeek>,
    pub stress: Option<FirstWeek>,
    pub sleep_quality: Option<FirstWeek>,
}

/// A day's (local date, sum, count) of one rating.
type DayTotal = (NaiveDate, i64, i64);

/// The baseline week of each of `ratings` (by position) for each of `patients`; a patient
/// for whom no daily check-in gave any of them yet is absent. Two queries however many
/// patients and ratings: the writer asks for a whole batch's pain at every commit, trends
/// for one patient's three ratings (each query is a hand-off to a database thread; six of
/// them were a tenth of the work of a year of trends).
async fn first_weeks_of<C: ConnectionTrait>(
    db: &C,
    patients: &[Uuid],
    ratings: &[check_in::Column],
) -> Result<HashMap<Uuid, Vec<Option<FirstWeek>>>, DbErr> {
    if patients.is_empty() || ratings.is_empty() {
        return Ok(HashMap::new());
    }
    // Each patient's first day per rating, found by walking their `(patient_id,
    // local_date)` index until the first matching row. A `MIN(local_date) … GROUP BY
    // patient_id` reads every check-in of every patient asked for instead. With the daily
    // sums below, the writer's baseline step for a 33-check-in batch went from 3.2 ms to
    // 1.4 ms, and from 19 ms to 1.6 ms once the patients had a few hundred check-ins each
    // (`--bench check_ins`).
    let mut firsts_query = Query::select();
    firsts_query
        .column((patient::Entity, patient::Column::Id))
        .from(patient::Entity)
        .and_where(Expr::col((patient::Entity, patient::Column::Id)).is_in(patients.iter().copied()));
    for (i, rating) in ratings.iter().enumerate() {
        firsts_query.expr_as(Expr::SubQuery(None, Box::new(first_day(*rating).into())), format!("first_{i}"));
    }
    let mut firsts: HashMap<Uuid, Vec<Option<NaiveDate>>> = HashMap::new();
    for row in db.query_all(&firsts_query).await? {
        let days = (0..ratings.len())
            .map(|i| row.try_get::<Option<NaiveDate>>("", &format!("first_{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        if days.iter().any(Option::is_some) {
            firsts.insert(row.try_get("", "id")?, days);
        }
    }
    if firsts.is_empty() {
        return Ok(HashMap::new());
    }
    // Every day of every week asked for: one condition per patient and distinct first day.
    let mut weeks = Condition::any();
    for (id, days) in &firsts {
        let mut starts: Vec<NaiveDate> = days.iter().flatten().copied().collect();
        starts.sort_unstable();
        starts.dedup();
        for first in starts {
            weeks = weeks.add(
                Condition::all()
                    .add(check_in::Column::PatientId.eq(*id))
                    .add(check_in::Column::LocalDate.gte(first))
                    .add(check_in::Column::LocalDate.lte(first + Duration::days(6))),
            );
        }
    }
    // One row per patient and day with each rating's sum and count (SQL's SUM and COUNT
    // skip the check-ins that did not give that rating): a week holds at most seven.
    let mut sums = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::PatientId)
        .column(check_in::Column::LocalDate)
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::Context.eq(check_in::Context::Daily))
        .filter(weeks)
        .group_by(check_in::Column::PatientId)
        .group_by(check_in::Column::LocalDate);
    for (i, rating) in ratings.iter().enumerate() {
        sums = sums.column_as(rating.sum(), format!("sum_{i}")).column_as(rating.count(), format!("count_{i}"));
    }
    // Per patient, per rating: the days of that rating's week.
    let mut totals: HashMap<Uuid, Vec<Vec<DayTotal>>> = HashMap::new();
    for row in db.query_all(&sums.into_query()).await? {
        let id: Uuid = row.try_get("", "patient_id")?;
        let day: NaiveDate = row.try_get("", "local_date")?;
        let Some(starts) = firsts.get(&id) else { continue };
        let per_rating = totals.entry(id).or_insert_with(|| vec![Vec::new(); ratings.len()]);
        for (i, first) in starts.iter().enumerate() {
            let count: i64 = row.try_get("", &format!("count_{i}"))?;
            let in_week = first.is_some_and(|f| day >= f && day <= f + Duration::days(6));
            if in_week && count > 0 {
                let sum: i64 = row.try_get("", &format!("sum_{i}"))?;
                per_rating[i].push((day, sum, count));
            }
        }
    }
    Ok(totals
        .into_iter()
        .map(|(id, per_rating)| {
            let weeks = per_rating
                .into_iter()
                .zip(&firsts[&id])
                .map(|(mut week, first)| {
                    let mean = clinical::mean_of_daily_totals(&mut week)?;
                    Some(FirstWeek { from: (*first)?, mean })
                })
                .collect();
            (id, weeks)
        })
        .collect())
}

/// The first local day on which the outer query's patient (`patient.id`) gave `rating` in
/// a daily check-in that is not withdrawn.
fn first_day(rating: check_in::Column) -> SelectStatement {
    Query::select()
        .column((check_in::Entity, check_in::Column::LocalDate))
        .from(check_in::Entity)
        .and_where(
            Expr::col((check_in::Entity, check_in::Column::PatientId)).equals((patient::Entity, patient::Column::Id)),
        )
        .and_where(Expr::col((check_in::Entity, check_in::Column::DeletedAt)).is_null())
        .and_where(Expr::col((check_in::Entity, check_in::Column::Context)).eq(check_in::Context::Daily))
        .and_where(Expr::col((check_in::Entity, rating)).is_not_null())
        .order_by((check_in::Entity, check_in::Column::LocalDate), Order::Asc)
        .limit(1)
        .to_owned()
}

/// The baseline week of one rating column.
async fn first_week_of<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    rating: check_in::Column,
) -> Result<Option<FirstWeek>, DbErr> {
    let mut weeks = first_weeks_of(db, &[patient.uuid()], &[rating]).await?;
    Ok(weeks.remove(&patient.uuid()).and_then(|w| w.first().copied().flatten()))
}

/// The three ratings' baseline weeks, in the same two queries.
pub async fn first_weeks<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<FirstWeeks, DbErr> {
    let ratings = [check_in::Column::Pain, check_in::Column::Stress, check_in::Column::SleepQuality];
    let weeks = first_weeks_of(db, &[patient.uuid()], &ratings).await?.remove(&patient.uuid()).unwrap_or_default();
    let week = |i: usize| weeks.get(i).copied().flatten();
    Ok(FirstWeeks { pain: week(0), stress: week(1), sleep_quality: week(2) })
}

/// The patient's pain baseline: what the therapist set at intake, else the first week's.
pub async fn pain<C: ConnectionTrait>(db: &C, record: &patient::Model) -> Result<Option<f64>, DbErr> {
    if let Some(set) = record.baseline_pain {
        return Ok(Some(f64::from(set)));
    }
    Ok(first_week_of(db, PatientScope::of_stored_row(record), check_in::Column::Pain).await?.map(|w| w.mean))
}

/// [`pain`] for several patients with two queries in all (the writer stores many
/// patients' check-ins at once and must not read per patient).
pub async fn pain_of_many<C: ConnectionTrait>(
    db: &C,
    records: &[&patient::Model],
) -> Result<HashMap<Uuid, Option<f64>>, DbErr> {
    let mut out: HashMap<Uuid, Option<f64>> =
        records.iter().filter_map(|r| r.baseline_pain.map(|b| (r.id, Some(f64::from(b))))).collect();
    let open: Vec<Uuid> = records.iter().filter(|r| r.baseline_pain.is_none()).map(|r| r.id).collect();
    let weeks = first_weeks_of(db, &open, &[check_in::Column::Pain]).await?;
    for id in open {
        out.insert(id, weeks.get(&id).and_then(|w| w.first().copied().flatten()).map(|w| w.mean));
    }
    Ok(out)
}
