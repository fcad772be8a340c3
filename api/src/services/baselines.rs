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
//! Two indexed reads per rating however long the history is: the first day, then that
//! week's daily sums and counts (at most seven rows).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{check_in, patient};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Query},
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

/// Check-ins that can set a baseline for `rating`: daily ones that gave it, not withdrawn.
fn daily(rating: check_in::Column) -> Select<check_in::Entity> {
    check_in::Entity::find()
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::Context.eq(check_in::Context::Daily))
        .filter(rating.is_not_null())
}

/// The baseline week of `rating` for each of `patients` (absent: no daily check-in gave
/// it yet). Two queries however many patients: the writer asks for a whole batch's at
/// every commit, and trends for one.
async fn first_weeks_of<C: ConnectionTrait>(
    db: &C,
    patients: &[Uuid],
    rating: check_in::Column,
) -> Result<HashMap<Uuid, FirstWeek>, DbErr> {
    if patients.is_empty() {
        return Ok(HashMap::new());
    }
    // Each patient's first day, found by walking their `(patient_id, local_date)` index
    // until the first matching row. A `MIN(local_date) … GROUP BY patient_id` reads every
    // check-in of every patient asked for instead. With the daily sums below, the
    // writer's baseline step for a 33-check-in batch went from 3.2 ms to 1.4 ms, and from
    // 19 ms to 1.6 ms once the patients had a few hundred check-ins each
    // (`--bench check_ins`).
    let first_day = Query::select()
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
        .to_owned();
    let firsts: HashMap<Uuid, NaiveDate> = patient::Entity::find()
        .select_only()
        .column(patient::Column::Id)
        .expr_as(Expr::SubQuery(None, Box::new(first_day.into())), "first")
        .filter(patient::Column::Id.is_in(patients.iter().copied()))
        .into_tuple::<(Uuid, Option<NaiveDate>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, first)| Some((id, first?)))
        .collect();
    if firsts.is_empty() {
        return Ok(HashMap::new());
    }
    let mut weeks = Condition::any();
    for (id, first) in &firsts {
        weeks = weeks.add(
            Condition::all()
                .add(check_in::Column::PatientId.eq(*id))
                .add(check_in::Column::LocalDate.gte(*first))
                .add(check_in::Column::LocalDate.lte(*first + Duration::days(6))),
        );
    }
    // One row per patient and day (sum and count): a first week holds at most seven,
    // however many check-ins the patient made in it.
    let days: Vec<(Uuid, NaiveDate, i64, i64)> = daily(rating)
        .select_only()
        .column(check_in::Column::PatientId)
        .column(check_in::Column::LocalDate)
        .column_as(rating.sum(), "rating_sum")
        .column_as(rating.count(), "rating_count")
        .filter(weeks)
        .group_by(check_in::Column::PatientId)
        .group_by(check_in::Column::LocalDate)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_patient: HashMap<Uuid, Vec<(NaiveDate, i64, i64)>> = HashMap::new();
    for (id, day, sum, count) in days {
        by_patient.entry(id).or_default().push((day, sum, count));
    }
    Ok(by_patient
        .into_iter()
        .filter_map(|(id, mut week)| {
            let mean = clinical::mean_of_daily_totals(&mut week)?;
            Some((id, FirstWeek { from: *firsts.get(&id)?, mean }))
        })
        .collect())
}

/// The baseline week of one rating column.
async fn first_week_of<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    rating: check_in::Column,
) -> Result<Option<FirstWeek>, DbErr> {
    Ok(first_weeks_of(db, &[patient.uuid()], rating).await?.remove(&patient.uuid()))
}

pub async fn first_weeks<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<FirstWeeks, DbErr> {
    // Independent reads: run at once on the readers' pool.
    let (pain, stress, sleep_quality) = futures::try_join!(
        first_week_of(db, patient, check_in::Column::Pain),
        first_week_of(db, patient, check_in::Column::Stress),
        first_week_of(db, patient, check_in::Column::SleepQuality),
    )?;
    Ok(FirstWeeks { pain, stress, sleep_quality })
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
    let weeks = first_weeks_of(db, &open, check_in::Column::Pain).await?;
    for id in open {
        out.insert(id, weeks.get(&id).map(|w| w.mean));
    }
    Ok(out)
}
