//! The periodic worker step: rules that look at a patient's silence and adherence over
//! days rather than at one check-in. It only reads and then raises through
//! [`super::raise`], so it lives apart from the per-write rules and the therapist's list.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{alert, care_plan, check_in, exercise_log, patient, red_flag_report, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{NewAlert, raise};
use crate::services::patients::PatientScope;
use crate::{
    clinical::rules::{self, AlertKind},
    db,
    services::{adherence, local_date, patient_timezone},
};

#[derive(Debug, Default)]
pub struct Report {
    pub raised: Vec<alert::Model>,
}

/// The worker step: checks every active patient with an account for disengagement (no
/// check-in and no exercise logged) and low adherence (held for 7 days after a red flag)
/// at `now`. Safe to run on several replicas at once.
pub async fn evaluate<C: ConnectionTrait + TransactionTrait>(db: &C, now: DateTime<Utc>) -> Result<Report, DbErr> {
    let patients: Vec<patient::Model> = patient::Entity::find()
        .filter(patient::Column::UserId.is_not_null())
        .filter(patient::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    // Any sign of life counts: a patient who does the exercises every day but no longer
    // checks in is not disengaged.
    let mut last_activity: HashMap<Uuid, DateTime<Utc>> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::PatientId)
        .column_as(check_in::Column::RecordedAt.max(), "last")
        .filter(check_in::Column::DeletedAt.is_null())
        .group_by(check_in::Column::PatientId)
        .into_tuple::<(Uuid, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let last_exercise: Vec<(Uuid, DateTime<Utc>)> = exercise_log::Entity::find()
        .select_only()
        .column(exercise_log::Column::PatientId)
        .column_as(exercise_log::Column::PerformedAt.max(), "last")
        .group_by(exercise_log::Column::PatientId)
        .into_tuple()
        .all(db)
        .await?;
    for (patient_id, at) in last_exercise {
        let last = last_activity.entry(patient_id).or_insert(at);
        *last = (*last).max(at);
    }
    // Red flags received in the last 7 days (server time: a flag synced late was still
    // answered with "stop and get checked" when it arrived). Read straight from the
    // check-ins so nothing about red-flag alerts (acknowledged, merged) changes this.
    let held = now - rules::NO_ADHERENCE_ALERT_AFTER_RED_FLAG;
    let mut red_flagged: HashMap<Uuid, DateTime<Utc>> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::PatientId)
        .column_as(check_in::Column::CreatedAt.max(), "last")
        .filter(check_in::Column::RedFlags.ne("[]"))
        .filter(check_in::Column::CreatedAt.gt(held))
        .group_by(check_in::Column::PatientId)
        .into_tuple::<(Uuid, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    // Flags kept from items that could not be stored as check-ins count the same.
    let reported: Vec<(Uuid, DateTime<Utc>)> = red_flag_report::Entity::find()
        .select_only()
        .column(red_flag_report::Column::PatientId)
        .column_as(red_flag_report::Column::CreatedAt.max(), "last")
        .filter(red_flag_report::Column::CreatedAt.gt(held))
        .group_by(red_flag_report::Column::PatientId)
        .into_tuple()
        .all(db)
        .await?;
    for (patient_id, at) in reported {
        let last = red_flagged.entry(patient_id).or_insert(at);
        *last = (*last).max(at);
    }
    let account_start: HashMap<Uuid, DateTime<Utc>> = user::Entity::find()
        .filter(user::Column::Id.is_in(patients.iter().filter_map(|p| p.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.created_at))
        .collect();
    // The newest alert of each worker-raised kind per patient, open or not.
    let latest: HashMap<(Uuid, String), DateTime<Utc>> = alert::Entity::find()
        .select_only()
        .column(alert::Column::PatientId)
        .column(alert::Column::Kind)
        .column_as(alert::Column::CreatedAt.max(), "latest")
        .filter(alert::Column::Kind.is_in([alert::Kind::Disengaged, alert::Kind::LowAdherence]))
        .group_by(alert::Column::PatientId)
        .group_by(alert::Column::Kind)
        .into_tuple::<(Uuid, String, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(p, k, at)| ((p, k), at))
        .collect();
    let with_plan: Vec<Uuid> = care_plan::Entity::find()
        .select_only()
        .column(care_plan::Column::PatientId)
        .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
        .into_tuple()
        .all(db)
        .await?;
    // After discharge the patient is expected to stop logging: not disengagement.
    let care_ended = crate::services::discharge::care_ended_among(db, None).await?;

    let mut report = Report::default();
    for record in &patients {
        let last_seen = last_activity
            .get(&record.id)
            .copied()
            .or_else(|| record.user_id.and_then(|u| account_start.get(&u).copied()))
            .unwrap_or(record.created_at);
        let raised_since = |kind: AlertKind, at: DateTime<Utc>| {
            latest.get(&(record.id, kind.as_str().to_owned())).is_some_and(|l| *l >= at)
        };
        if rules::disengaged(last_seen, now, record.disengaged_after_days)
            && !raised_since(AlertKind::Disengaged, last_seen)
            && !care_ended.contains(&record.id)
        {
            let days = (now - last_seen).num_days();
            let new = NewAlert {
                kind: AlertKind::Disengaged,
                details: format!(
                    "No check-in or exercise logged for {days} days (alert after {}).",
                    record.disengaged_after_days
                ),
                triggered_at: last_seen,
                source_id: None,
            };
            report.raised.extend(raise_in_txn(db, now, record, new).await?);
        }
        if with_plan.contains(&record.id)
            && !raised_since(AlertKind::LowAdherence, now - Duration::days(7))
            && !red_flagged.get(&record.id).is_some_and(|at| rules::adherence_alert_held_by_red_flag(*at, now))
        {
            // The last seven complete local days: today is still going.
            let tz = patient_timezone(db, PatientScope::of_stored_row(record)).await?;
            let today = local_date(now, tz);
            let (from, to) = (today - Duration::days(7), today - Duration::days(1));
            let a = adherence::for_patient(db, PatientScope::of_stored_row(record), from, to, today, tz).await?;
            if rules::low_adherence(a.done, a.prescribed) {
                let percent = adherence::percent(a.done, a.prescribed).unwrap_or_default();
                let new = NewAlert {
                    kind: AlertKind::LowAdherence,
                    details: format!(
                        "{} of {} prescribed exercise sessions done from {from} to {to} ({percent} %).",
                        a.done, a.prescribed
                    ),
                    triggered_at: now,
                    source_id: None,
                };
                report.raised.extend(raise_in_txn(db, now, record, new).await?);
            }
        }
    }
    Ok(report)
}

async fn raise_in_txn<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    new: NewAlert,
) -> Result<Option<alert::Model>, DbErr> {
    let txn = db::begin_write(db).await?;
    let raised = raise(&txn, now, record, new).await?;
    txn.commit().await?;
    Ok(raised)
}
