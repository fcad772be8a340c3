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
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
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

/// The baseline week of one rating column.
async fn first_week_of<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    rating: check_in::Column,
) -> Result<Option<FirstWeek>, DbErr> {
    let patient_id = patient.uuid();
    let daily = || {
        check_in::Entity::find()
            .filter(check_in::Column::PatientId.eq(patient_id))
            .filter(check_in::Column::DeletedAt.is_null())
            .filter(check_in::Column::Context.eq(check_in::Context::Daily))
            .filter(rating.is_not_null())
    };
    let Some(first) = daily()
        .select_only()
        .column(check_in::Column::LocalDate)
        .order_by_asc(check_in::Column::LocalDate)
        .into_tuple::<NaiveDate>()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut week: Vec<(NaiveDate, i64, i64)> = daily()
        .select_only()
        .column(check_in::Column::LocalDate)
        .column_as(rating.sum(), "rating_sum")
        .column_as(rating.count(), "rating_count")
        .filter(check_in::Column::LocalDate.gte(first))
        .filter(check_in::Column::LocalDate.lte(first + Duration::days(6)))
        .group_by(check_in::Column::LocalDate)
        .into_tuple()
        .all(db)
        .await?;
    Ok(clinical::mean_of_daily_totals(&mut week).map(|mean| FirstWeek { from: first, mean }))
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
    if open.is_empty() {
        return Ok(out);
    }
    let daily_pain = || {
        check_in::Entity::find()
            .filter(check_in::Column::DeletedAt.is_null())
            .filter(check_in::Column::Context.eq(check_in::Context::Daily))
            .filter(check_in::Column::Pain.is_not_null())
    };
    // Each patient's first day, found by walking their `(patient_id, local_date)` index
    // until the first matching row. A `MIN(local_date) … GROUP BY patient_id` reads every
    // check-in of every patient asked for instead, and the writer asks for a batch's
    // worth of patients on every commit. With the daily sums below, this step of a
    // 33-check-in batch went from 3.2 ms to 1.4 ms, and from 19 ms to 1.6 ms once the
    // patients had a few hundred check-ins each (`--bench check_ins`).
    let first_day = Query::select()
        .column((check_in::Entity, check_in::Column::LocalDate))
        .from(check_in::Entity)
        .and_where(
            Expr::col((check_in::Entity, check_in::Column::PatientId)).equals((patient::Entity, patient::Column::Id)),
        )
        .and_where(Expr::col((check_in::Entity, check_in::Column::DeletedAt)).is_null())
        .and_where(Expr::col((check_in::Entity, check_in::Column::Context)).eq(check_in::Context::Daily))
        .and_where(Expr::col((check_in::Entity, check_in::Column::Pain)).is_not_null())
        .order_by((check_in::Entity, check_in::Column::LocalDate), Order::Asc)
        .limit(1)
        .to_owned();
    let firsts: Vec<(Uuid, NaiveDate)> = patient::Entity::find()
        .select_only()
        .column(patient::Column::Id)
        .expr_as(Expr::SubQuery(None, Box::new(first_day.into())), "first")
        .filter(patient::Column::Id.is_in(open.iter().copied()))
        .into_tuple::<(Uuid, Option<NaiveDate>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, first)| Some((id, first?)))
        .collect();
    for id in &open {
        out.insert(*id, None);
    }
    if firsts.is_empty() {
        return Ok(out);
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
    let days: Vec<(Uuid, NaiveDate, i64, i64)> = daily_pain()
        .select_only()
        .column(check_in::Column::PatientId)
        .column(check_in::Column::LocalDate)
        .column_as(check_in::Column::Pain.sum(), "pain_sum")
        .column_as(check_in::Column::Pain.count(), "pain_count")
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
    for (id, mut week) in by_patient {
        out.insert(id, clinical::mean_of_daily_totals(&mut week));
    }
    Ok(out)
}
