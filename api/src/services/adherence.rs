//! Adherence: how much of what was prescribed got done, day by day.
//!
//! For each local day the plan version in force at the end of that day says what was
//! prescribed (an exercise on its scheduled weekdays, `times_per_day` times). Logs count
//! towards it, capped per day, so doing a stretch six times on Monday does not make up
//! for skipping it on Tuesday. Logs flagged off-plan count for nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use entity::{care_plan, exercise_log};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    ids::PlanId,
    services::care_plans::{self, PlanView},
};

#[derive(Debug, Clone, PartialEq)]
pub struct DayAdherence {
    pub date: NaiveDate,
    pub prescribed: i64,
    pub done: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseAdherence {
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub title: String,
    pub prescribed: i64,
    pub done: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Adherence {
    pub prescribed: i64,
    pub done: i64,
    /// Consecutive days, counting back from the end of the range, on which everything
    /// prescribed was done. Days with nothing prescribed neither count nor break it; the
    /// range's last day does not break it while it is still `today`.
    pub streak_days: i64,
    pub days: Vec<DayAdherence>,
    pub exercises: Vec<ExerciseAdherence>,
}

pub fn percent(done: i64, prescribed: i64) -> Option<f64> {
    (prescribed > 0).then(|| (done as f64 * 1000.0 / prescribed as f64).round() / 10.0)
}

/// Pure computation over plan histories and logs; `logs` are (local date, plan exercise).
pub fn compute(
    histories: &[Vec<(chrono::DateTime<chrono::Utc>, PlanView)>],
    logs: &[(NaiveDate, Uuid)],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    tz: Tz,
) -> Adherence {
    let mut counts: HashMap<(NaiveDate, Uuid), i64> = HashMap::new();
    for (date, item) in logs {
        *counts.entry((*date, *item)).or_default() += 1;
    }
    let mut per_exercise: Vec<ExerciseAdherence> = Vec::new();
    let mut days = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        let (mut prescribed, mut done) = (0, 0);
        for history in histories {
            let Some(plan) = care_plans::in_force_on(history, date, tz).filter(|p| p.runs_on(date)) else {
                continue;
            };
            for ex in &plan.exercises {
                let days_of_week = care_plans::Weekdays::from_iso(&ex.days_of_week);
                if !days_of_week.is_some_and(|d| d.contains(date)) {
                    continue;
                }
                let due = i64::from(ex.times_per_day);
                let did = counts.get(&(date, ex.plan_exercise_id)).copied().unwrap_or(0).min(due);
                prescribed += due;
                done += did;
                match per_exercise.iter_mut().find(|e| e.plan_exercise_id == ex.plan_exercise_id) {
                    Some(e) => {
                        e.prescribed += due;
                        e.done += did;
                    }
                    None => per_exercise.push(ExerciseAdherence {
                        plan_exercise_id: ex.plan_exercise_id,
                        exercise_id: ex.exercise_id,
                        title: ex.title.clone(),
                        prescribed: due,
                        done: did,
                    }),
                }
            }
        }
        days.push(DayAdherence { date, prescribed, done });
    }
    let mut streak_days = 0;
    for day in days.iter().rev() {
        if day.prescribed == 0 || (day.date == today && day.done < day.prescribed) {
            continue;
        }
        if day.done < day.prescribed {
            break;
        }
        streak_days += 1;
    }
    Adherence {
        prescribed: days.iter().map(|d| d.prescribed).sum(),
        done: days.iter().map(|d| d.done).sum(),
        streak_days,
        days,
        exercises: per_exercise,
    }
}

/// Loads what `compute` needs for one patient and runs it.
pub async fn for_patient<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    tz: Tz,
) -> Result<Adherence, DbErr> {
    let patient_id = patient.uuid();
    let plans: Vec<PlanId> = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|plan| plan.start_date <= to && plan.end_date.is_none_or(|end| end >= from))
        .map(|plan| PlanId::new(plan.id))
        .collect();
    let mut versions = care_plans::versions_of(db, &plans).await?;
    let histories: Vec<_> = plans.iter().map(|id| versions.remove(id).unwrap_or_default()).collect();
    let logs: Vec<(NaiveDate, Uuid)> =
        counted_logs(db, &[patient_id], from, to).await?.into_iter().map(|(_, date, item)| (date, item)).collect();
    Ok(compute(&histories, &logs, from, to, today, tz))
}

/// Percent done over each patient's last 7 local days including today, for a roster
/// page: the same numbers as [`for_patient`] over that week, from a fixed number of queries
/// (zones, plans, their versions, logs) instead of several per patient. A patient with
/// nothing prescribed in the week maps to `None`, like one not found.
pub async fn last_week_for<C: ConnectionTrait>(
    db: &C,
    patient_ids: &[Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HashMap<Uuid, Option<f64>>, DbErr> {
    if patient_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let zones = crate::services::localtime::patient_timezones(db, patient_ids).await?;
    let zone = |id: &Uuid| zones.get(id).copied().unwrap_or(Tz::UTC);
    // Each patient's week is in their own zone; one query covers the union of the weeks.
    let weeks: HashMap<Uuid, (NaiveDate, NaiveDate)> =
        patient_ids.iter().map(|id| (*id, last_week_days(now, zone(id)))).collect();
    let earliest = weeks.values().map(|w| w.0).min().unwrap_or_default();
    let latest = weeks.values().map(|w| w.1).max().unwrap_or_default();

    let plans = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.is_in(patient_ids.iter().copied()))
        .filter(care_plan::Column::StartDate.lte(latest))
        .all(db)
        .await?;
    let plans: Vec<care_plan::Model> = plans
        .into_iter()
        .filter(|p| {
            let (from, to) = weeks[&p.patient_id];
            p.start_date <= to && p.end_date.is_none_or(|end| end >= from)
        })
        .collect();
    let plan_ids: Vec<PlanId> = plans.iter().map(|p| PlanId::new(p.id)).collect();
    let mut versions = care_plans::versions_of(db, &plan_ids).await?;

    let mut logs: HashMap<Uuid, Vec<(NaiveDate, Uuid)>> = HashMap::new();
    for (patient_id, date, item) in counted_logs(db, patient_ids, earliest, latest).await? {
        let (from, to) = weeks[&patient_id];
        if (from..=to).contains(&date) {
            logs.entry(patient_id).or_default().push((date, item));
        }
    }

    let mut out = HashMap::with_capacity(patient_ids.len());
    for id in patient_ids {
        let (from, today) = weeks[id];
        let histories: Vec<_> = plans
            .iter()
            .filter(|p| p.patient_id == *id)
            .map(|p| versions.remove(&PlanId::new(p.id)).unwrap_or_default())
            .collect();
        let a = compute(&histories, logs.get(id).map_or(&[][..], Vec::as_slice), from, today, today, zone(id));
        out.insert(*id, percent(a.done, a.prescribed));
    }
    Ok(out)
}

/// The logs that count towards adherence (not off-plan) of `patient_ids` on local days
/// `from..=to`, as (patient, local date, plan exercise): only the columns `compute` needs.
async fn counted_logs<C: ConnectionTrait>(
    db: &C,
    patient_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, NaiveDate, Uuid)>, DbErr> {
    exercise_log::Entity::find()
        .select_only()
        .column(exercise_log::Column::PatientId)
        .column(exercise_log::Column::LocalDate)
        .column(exercise_log::Column::PlanExerciseId)
        .filter(exercise_log::Column::PatientId.is_in(patient_ids.iter().copied()))
        .filter(exercise_log::Column::LocalDate.gte(from))
        .filter(exercise_log::Column::LocalDate.lte(to))
        .filter(exercise_log::Column::OffPlan.eq(false))
        .into_tuple()
        .all(db)
        .await
}

/// The first and last local day of the 7 ending today in `tz`.
fn last_week_days(now: chrono::DateTime<chrono::Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
    let today = crate::services::local_date(now, tz);
    (today - chrono::Duration::days(6), today)
}
