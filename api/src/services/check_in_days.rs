//! The daily roll-up of check-ins (`check_in_day`): per patient and local day, the count,
//! sum, minimum and maximum of pain, stress and sleep quality, and the medication counts.
//! Trends read these rows instead of every raw check-in.
//!
//! Invariant: a patient's row for a day equals the aggregate of that day's non-withdrawn
//! check-ins, and a day without any has no row. It holds because every change of a
//! check-in calls into this module inside its own transaction: new rows are added to
//! their days (`add`), a correction or withdrawal recomputes the days it touched from
//! the raw rows (`recompute`), since a minimum or maximum cannot be taken back.
//!
//! On PostgreSQL two transactions may touch one patient's days at once. Each first locks
//! the patient row (`FOR NO KEY UPDATE`, which check-in inserts' foreign-key checks do
//! not wait for), so a recomputation never reads the raw rows while another transaction
//! has added to the day it is about to overwrite. SQLite has one writer at a time.

use std::collections::BTreeMap;

use crate::services::patients::PatientScope;
use chrono::NaiveDate;
use entity::{check_in, check_in_day, patient};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, LockType, OnConflict, Query},
};
use uuid::Uuid;

/// The roll-up's columns after the key, in the order `AGGREGATES` computes them.
const TOTALS: [check_in_day::Column; 15] = [
    check_in_day::Column::PainCount,
    check_in_day::Column::PainSum,
    check_in_day::Column::PainMin,
    check_in_day::Column::PainMax,
    check_in_day::Column::StressCount,
    check_in_day::Column::StressSum,
    check_in_day::Column::StressMin,
    check_in_day::Column::StressMax,
    check_in_day::Column::SleepQualityCount,
    check_in_day::Column::SleepQualitySum,
    check_in_day::Column::SleepQualityMin,
    check_in_day::Column::SleepQualityMax,
    check_in_day::Column::MedicationNone,
    check_in_day::Column::MedicationNonOpioid,
    check_in_day::Column::MedicationOpioid,
];

/// The same totals as SQL aggregates over `check_in`, valid on SQLite and PostgreSQL.
/// `COUNT(x)` is 0 exactly when `MIN(x)` is NULL, as the merge in `add` keeps it.
const AGGREGATES: [&str; 15] = [
    "COUNT(pain)",
    "COALESCE(SUM(pain), 0)",
    "MIN(pain)",
    "MAX(pain)",
    "COUNT(stress)",
    "COALESCE(SUM(stress), 0)",
    "MIN(stress)",
    "MAX(stress)",
    "COUNT(sleep_quality)",
    "COALESCE(SUM(sleep_quality), 0)",
    "MIN(sleep_quality)",
    "MAX(sleep_quality)",
    "SUM(CASE WHEN medication = 'none' THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN medication = 'non_opioid' THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN medication = 'opioid' THEN 1 ELSE 0 END)",
];

/// Sums check-ins into one roll-up row per patient and local day, in key order. The
/// caller decides which rows count (trends and the roll-up leave withdrawn ones out).
pub fn tally<'a>(rows: impl IntoIterator<Item = &'a check_in::Model>) -> Vec<check_in_day::Model> {
    let mut days: BTreeMap<(Uuid, NaiveDate), check_in_day::Model> = BTreeMap::new();
    for c in rows {
        let day = days.entry((c.patient_id, c.local_date)).or_insert_with(|| empty(c.patient_id, c.local_date));
        add_rating(c.pain, &mut day.pain_count, &mut day.pain_sum, &mut day.pain_min, &mut day.pain_max);
        add_rating(c.stress, &mut day.stress_count, &mut day.stress_sum, &mut day.stress_min, &mut day.stress_max);
        add_rating(
            c.sleep_quality,
            &mut day.sleep_quality_count,
            &mut day.sleep_quality_sum,
            &mut day.sleep_quality_min,
            &mut day.sleep_quality_max,
        );
        match c.medication {
            Some(check_in::Medication::None) => day.medication_none += 1,
            Some(check_in::Medication::NonOpioid) => day.medication_non_opioid += 1,
            Some(check_in::Medication::Opioid) => day.medication_opioid += 1,
            // The other classes are not pain relief; trends count pain relief only.
            _ => {}
        }
    }
    days.into_values().collect()
}

fn empty(patient_id: Uuid, local_date: NaiveDate) -> check_in_day::Model {
    check_in_day::Model {
        patient_id,
        local_date,
        pain_count: 0,
        pain_sum: 0,
        pain_min: None,
        pain_max: None,
        stress_count: 0,
        stress_sum: 0,
        stress_min: None,
        stress_max: None,
        sleep_quality_count: 0,
        sleep_quality_sum: 0,
        sleep_quality_min: None,
        sleep_quality_max: None,
        medication_none: 0,
        medication_non_opioid: 0,
        medication_opioid: 0,
    }
}

fn add_rating(value: Option<i16>, count: &mut i32, sum: &mut i32, min: &mut Option<i16>, max: &mut Option<i16>) {
    if let Some(v) = value {
        *count += 1;
        *sum += i32::from(v);
        *min = Some(min.map_or(v, |m| m.min(v)));
        *max = Some(max.map_or(v, |m| m.max(v)));
    }
}

/// Makes concurrent roll-up changes of one patient take turns (PostgreSQL only).
async fn lock_patient<C: ConnectionTrait>(txn: &C, patient: PatientScope) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    lock_patients(txn, &[patient_id]).await
}

/// [`lock_patient`] for several patients in one statement, in id order so that two
/// transactions locking overlapping sets cannot deadlock.
async fn lock_patients<C: ConnectionTrait>(txn: &C, patient_ids: &[Uuid]) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        patient::Entity::find()
            .select_only()
            .column(patient::Column::Id)
            .filter(patient::Column::Id.is_in(patient_ids.iter().copied()))
            .order_by_asc(patient::Column::Id)
            .lock(LockType::NoKeyUpdate)
            .into_tuple::<Uuid>()
            .all(txn)
            .await?;
    }
    Ok(())
}

/// Adds check-ins this transaction has just inserted to their days: one multi-row
/// upsert that adds counts and sums and keeps the smaller minimum and larger maximum.
/// Call it only with rows that were really inserted, never with replays.
pub async fn add<C: ConnectionTrait>(txn: &C, inserted: &[&check_in::Model]) -> Result<(), DbErr> {
    let days = tally(inserted.iter().copied());
    if days.is_empty() {
        return Ok(());
    }
    let mut patients: Vec<Uuid> = days.iter().map(|d| d.patient_id).collect();
    patients.sort_unstable();
    patients.dedup();
    lock_patients(txn, &patients).await?;
    // NULL means "no value": a NULL side never wins, so min(NULL, 3) is 3 on both
    // databases (SQLite's two-argument min() would give NULL, LEAST would give 3).
    let min = |c: &str| {
        format!(
            "CASE WHEN check_in_day.{c} IS NULL OR excluded.{c} < check_in_day.{c} THEN excluded.{c} ELSE check_in_day.{c} END"
        )
    };
    let max = |c: &str| {
        format!(
            "CASE WHEN check_in_day.{c} IS NULL OR excluded.{c} > check_in_day.{c} THEN excluded.{c} ELSE check_in_day.{c} END"
        )
    };
    let plus = |c: &str| format!("check_in_day.{c} + excluded.{c}");
    let mut merge = OnConflict::columns([check_in_day::Column::PatientId, check_in_day::Column::LocalDate]);
    for column in TOTALS {
        let name = column.as_str();
        let expr = if name.ends_with("_min") {
            min(name)
        } else if name.ends_with("_max") {
            max(name)
        } else {
            plus(name)
        };
        merge.value(column, Expr::cust(expr));
    }
    // Every column Set, so each row is inserted exactly as tallied.
    let rows = days.into_iter().map(|d| d.into_active_model().reset_all());
    check_in_day::Entity::insert_many(rows).on_conflict(merge).exec_without_returning(txn).await?;
    Ok(())
}

/// Recomputes one patient's rows for `days` from the raw check-ins, after a correction
/// or a withdrawal changed them: the old rows go, and one INSERT … SELECT … GROUP BY
/// writes the days that still have check-ins.
pub async fn recompute<C: ConnectionTrait>(txn: &C, patient: PatientScope, days: &[NaiveDate]) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    lock_patient(txn, patient).await?;
    check_in_day::Entity::delete_many()
        .filter(check_in_day::Column::PatientId.eq(patient_id))
        .filter(check_in_day::Column::LocalDate.is_in(days.iter().copied()))
        .exec(txn)
        .await?;
    let mut select = Query::select();
    select
        .from(check_in::Entity)
        .column(check_in::Column::PatientId)
        .column(check_in::Column::LocalDate)
        .exprs(AGGREGATES.map(Expr::cust))
        .and_where(check_in::Column::PatientId.eq(patient_id))
        .and_where(check_in::Column::LocalDate.is_in(days.iter().copied()))
        .and_where(check_in::Column::DeletedAt.is_null())
        .group_by_col(check_in::Column::PatientId)
        .group_by_col(check_in::Column::LocalDate);
    let mut insert = Query::insert();
    insert
        .into_table(check_in_day::Entity)
        .columns([check_in_day::Column::PatientId, check_in_day::Column::LocalDate].into_iter().chain(TOTALS))
        .select_from(select)
        // Fails only when the column list and the select differ in length, and both are
        // fixed-size arrays of the same length here (TOTALS and AGGREGATES).
        .expect("the roll-up columns match the aggregates");
    txn.execute(&insert).await?;
    Ok(())
}

/// The patient's roll-up rows for local dates in `[from, to]`, in date order.
pub async fn in_range<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<check_in_day::Model>, DbErr> {
    let patient_id = patient.uuid();
    check_in_day::Entity::find()
        .filter(check_in_day::Column::PatientId.eq(patient_id))
        .filter(check_in_day::Column::LocalDate.gte(from))
        .filter(check_in_day::Column::LocalDate.lte(to))
        .order_by_asc(check_in_day::Column::LocalDate)
        .all(db)
        .await
}
