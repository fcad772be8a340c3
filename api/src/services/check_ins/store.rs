//! Storing check-ins: the writer's job for a batch (`record`, with red-flag reports and
//! every alert) and for several plain batches merged into one call (`record_many`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{AuditAction, alert, audit_event, check_in, patient};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::{CheckInBody, red_flags_of};
use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    clinical::symptoms::RedFlag,
    services::{
        alerts,
        audit::{self, Event},
        baselines, check_in_days,
        idempotent::{self, Stored},
        red_flags::{self, Alerted, NewReport},
    },
    writer::{JobFuture, Merge},
};

#[derive(Debug)]
pub struct Recorded {
    pub results: Vec<Stored<check_in::Model>>,
    pub alerts: Vec<alert::Model>,
    /// Whether every red flag named in the request is on an alert the patient's
    /// therapist can see (false when no flag was named).
    pub therapist_alerted: bool,
}

/// What storing check-ins needs to know about the patient besides the check-ins
/// themselves. Read by the writer before it stores anything, once per call for every
/// patient in it (as before the writer, the baseline is read before the new check-ins
/// are stored: they never move their own baseline).
#[derive(Debug, Clone)]
struct Patient {
    record: patient::Model,
    baseline: Option<f64>,
}

/// Whether one of `items` could be a pain spike: only then does the rule need the pain
/// baseline (lower pain can never be one).
fn spike_possible(items: &[(Uuid, CheckInBody)]) -> bool {
    items.iter().any(|(_, b)| b.0.pain.is_some_and(|p| crate::clinical::rules::could_be_elevated(p as i16)))
}

/// The patients of `batches` with their baselines where needed: two to four queries
/// however many batches there are.
async fn patients_of<C: ConnectionTrait>(db: &C, batches: &[&Batch]) -> Result<HashMap<Uuid, Patient>, DbErr> {
    let ids: HashSet<Uuid> = batches.iter().map(|b| b.patient_id).collect();
    let records = patient::Entity::find().filter(patient::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    if records.len() != ids.len() {
        return Err(DbErr::RecordNotFound("patient".into()));
    }
    let spiky: HashSet<Uuid> = batches.iter().filter(|b| spike_possible(&b.items)).map(|b| b.patient_id).collect();
    let needed: Vec<&patient::Model> = records.iter().filter(|r| spiky.contains(&r.id)).collect();
    let mut baselines = baselines::pain_of_many(db, &needed).await?;
    Ok(records
        .into_iter()
        .map(|record| {
            let baseline = baselines.remove(&record.id).flatten();
            (record.id, Patient { record, baseline })
        })
        .collect())
}

/// A batch as the route hands it to the writer.
#[derive(Debug)]
pub struct Batch {
    pub who: Principal,
    pub tz: Tz,
    /// The caller's own patient record.
    pub patient_id: Uuid,
    pub items: Vec<(Uuid, CheckInBody)>,
    /// Red flags of items that cannot be stored, kept as reports.
    pub reports: Vec<NewReport>,
    /// Every known red flag named anywhere in the request.
    pub named: Vec<RedFlag>,
    /// The request's id, for its audit row when the batch is stored with others.
    pub request_id: Option<String>,
    /// When the request came in.
    pub now: DateTime<Utc>,
}

/// Rows per multi-row insert: well under both databases' limits on bound parameters
/// (SQLite 32,766; PostgreSQL 65,535) at 16 columns a row.
const ROWS_PER_INSERT: usize = 1000;

impl Merge for Batch {
    type Output = Recorded;

    /// Batches that name a red flag or carry unstorable items take the full path
    /// ([`record`]) on their own; the common check-in shares one call with others.
    fn mergeable(&self) -> bool {
        self.named.is_empty() && self.reports.is_empty()
    }

    fn affinity(&self) -> Option<Uuid> {
        Some(self.patient_id)
    }

    fn run_all<'t>(
        txn: &'t DatabaseTransaction,
        batches: &'t [&'t Self],
    ) -> JobFuture<'t, Result<Vec<Recorded>, DbErr>> {
        Box::pin(async move {
            match batches {
                [one] => Ok(vec![record(txn, one.now, one).await?]),
                _ => record_many(txn, batches).await,
            }
        })
    }
}

/// Stores several patients' plain batches (no red flag named, nothing unstorable) with
/// one insert per table, answering each as [`record`] would have: ids are matched in
/// queue order across the batches (a replay in a later batch finds the earlier one's
/// row), each patient's new readings go through the pain-spike rule together, and each
/// batch with new check-ins gets its own audit row.
async fn record_many(txn: &DatabaseTransaction, batches: &[&Batch]) -> Result<Vec<Recorded>, DbErr> {
    let patients = patients_of(txn, batches).await?;
    let rows: Vec<Vec<check_in::Model>> = batches
        .iter()
        .map(|b| b.items.iter().map(|(id, body)| body.row(*id, b.patient_id, b.tz, b.now)).collect())
        .collect();
    let outcome = idempotent::store::<check_in::Entity>(
        txn,
        rows.into_iter().map(|r| r.into_iter().map(Some).collect()).collect(),
    )
    .await?;
    let created = outcome.created();
    let all_created: Vec<&check_in::Model> = created.iter().flatten().copied().collect();
    for chunk in all_created.chunks(ROWS_PER_INSERT) {
        check_in_days::add(txn, chunk).await?;
    }
    // The pain-spike rule once per patient over all their new readings, as if they had
    // come in one request; the alert is answered to the patient's first batch.
    let mut alerts: Vec<Vec<alert::Model>> = vec![Vec::new(); batches.len()];
    let mut seen: HashSet<Uuid> = HashSet::new();
    for (i, batch) in batches.iter().enumerate() {
        let patient_id = batch.patient_id;
        if !seen.insert(patient_id) {
            continue;
        }
        let theirs: Vec<&check_in::Model> =
            all_created.iter().copied().filter(|c| c.patient_id == patient_id).collect();
        let Some(patient) = patients.get(&patient_id).filter(|_| !theirs.is_empty()) else { continue };
        alerts[i].extend(alerts::pain_spike(txn, batch.now, &patient.record, patient.baseline, &theirs).await?);
    }
    // One audit row per batch, with how many it stored (none for a pure replay), as
    // `record` writes for a batch on its own.
    let events: Vec<audit_event::ActiveModel> = batches
        .iter()
        .zip(&created)
        .filter(|(b, _)| !b.items.is_empty())
        .map(|(b, created)| {
            let mut row = Event::by(&b.who, AuditAction::CheckInWrite)
                .patient(b.patient_id)
                .resource(format!("check_ins:{}", created.len()))
                .at(b.now);
            row.request_id = Set(b.request_id.clone());
            row
        })
        .collect();
    audit::record_rows(txn, &events).await?;
    Ok(outcome
        .answers
        .into_iter()
        .zip(alerts)
        .map(|(results, alerts)| Recorded { results, alerts, therapist_alerted: false })
        .collect())
}

/// Stores a batch of check-ins for the calling patient in `txn` (the writer's), each item
/// on its own, keeps the red flags of items that could not be stored (`reports`), and
/// raises the alerts the new ones call for.
pub async fn record(txn: &DatabaseTransaction, now: DateTime<Utc>, batch: &Batch) -> Result<Recorded, DbErr> {
    let Some(Patient { record, baseline }) = patients_of(txn, &[batch]).await?.remove(&batch.patient_id) else {
        return Err(DbErr::RecordNotFound("patient".into()));
    };
    let (record, baseline) = (&record, baseline);
    let Batch { who, tz, items, named, .. } = batch;
    let tz = *tz;
    let mut reports = batch.reports.clone();
    let patient_id = record.id;
    let rows: Vec<check_in::Model> = items.iter().map(|(id, body)| body.row(*id, patient_id, tz, now)).collect();

    let outcome = idempotent::store::<check_in::Entity>(txn, vec![rows.iter().cloned().map(Some).collect()]).await?;
    let results = outcome.answers.into_iter().next().unwrap_or_default();
    let mut raised = Vec::new();
    let created: Vec<&check_in::Model> =
        results.iter().filter_map(|r| if let Stored::Created(row) = r { Some(row) } else { None }).collect();
    // Audited like a merged batch: one row saying how many were stored, 0 for a replay.
    if !rows.is_empty() {
        check_in_days::add(txn, &created).await?;
        raised = alerts_for(txn, now, record, baseline, &created).await?;
        let event = Event::by(who, AuditAction::CheckInWrite)
            .patient(patient_id)
            .resource(format!("check_ins:{}", created.len()));
        audit::record(txn, now, event).await?;
    }
    // A clashing id must not swallow the red flags the new body names: those not already
    // on the patient's stored check-in are kept as a report keyed by the id and that
    // body, so resending it changes nothing.
    for (row, result) in rows.iter().zip(&results) {
        if !matches!(result, Stored::Conflict) || row.red_flags.0.is_empty() {
            continue;
        }
        let stored = outcome.stored.get(&row.id);
        // No stored row here: another patient's, or one whose JSON does not read back
        // (left out by `ClientRecords::stored_rows`), which counts as no flags.
        let already: Vec<RedFlag> = stored.filter(|s| s.patient_id == patient_id).map(red_flags_of).unwrap_or_default();
        let flags: Vec<RedFlag> = red_flags_of(row).into_iter().filter(|f| !already.contains(f)).collect();
        if !flags.is_empty() {
            reports.push(NewReport {
                item_key: Uuid::new_v5(&row.id, replay_key(row).as_bytes()),
                check_in_id: Some(row.id),
                flags,
                recorded_at: Some(row.recorded_at),
                problems: vec!["id: already used for a different check-in".to_owned()],
            });
        }
    }
    let stored_reports = red_flags::store_reports(txn, now, PatientScope::of_stored_row(record), &reports).await?;
    if !stored_reports.is_empty() {
        let event = Event::by(who, AuditAction::RedFlagReportWrite)
            .patient(patient_id)
            .resource(format!("red_flag_reports:{}", stored_reports.len()));
        audit::record(txn, now, event).await?;
        let mut flags: Vec<RedFlag> = Vec::new();
        for r in &stored_reports {
            flags.extend(red_flags::flags_of(&r.red_flags.0));
        }
        let first = stored_reports.iter().filter_map(|r| r.recorded_at).min().unwrap_or(now).min(now);
        let source = stored_reports[0].check_in_id.or(Some(stored_reports[0].id));
        if let Alerted::Raised(a) | Alerted::Added(a) =
            red_flags::alert_flags(txn, now, record, &flags, first, source).await?
        {
            raised.push(a);
        }
    }
    let therapist_alerted = red_flags::therapist_alerted(txn, now, record, named).await?;
    Ok(Recorded { results, alerts: raised, therapist_alerted })
}

/// The stored form of a body, for telling two bodies sent under one id apart.
fn replay_key(row: &check_in::Model) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{}|{}|{}|{}|{:?}",
        row.recorded_at.timestamp_micros(),
        row.pain,
        row.stress,
        row.sleep_quality,
        // The stored word, exactly as when the column was text.
        row.medication.map(|m| m.to_value()),
        // The stored texts: `row` is a body about to be stored, so these are exactly
        // what the columns get (and got when they were text).
        row.medications.to_text(),
        row.pain_sites.to_text(),
        row.red_flags.to_text(),
        // The stored word, exactly as when the column was text.
        row.context.to_value(),
        row.note
    )
}

/// Red-flag and pain-spike alerts for check-ins just stored.
pub(super) async fn alerts_for<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    baseline: Option<f64>,
    created: &[&check_in::Model],
) -> Result<Vec<alert::Model>, DbErr> {
    let mut raised = Vec::new();
    if let Some(first) = created.iter().filter(|c| !c.red_flags.0.is_empty()).min_by_key(|c| c.recorded_at) {
        // Every flag not already on the open red-flag alert is alerted (and pushed again).
        let mut flags: Vec<RedFlag> = Vec::new();
        for c in created {
            flags.extend(red_flags_of(c));
        }
        let triggered_at = first.recorded_at.min(now);
        if let Alerted::Raised(a) | Alerted::Added(a) =
            red_flags::alert_flags(db, now, record, &flags, triggered_at, Some(first.id)).await?
        {
            raised.push(a);
        }
    }
    raised.extend(alerts::pain_spike(db, now, record, baseline, created).await?);
    Ok(raised)
}
