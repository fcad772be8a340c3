//! Check-ins: how the patient is (pain with a body map, stress, sleep, medication, red
//! flags), written offline-safe and edited or withdrawn while recent.
//!
//! Storing follows the exercise-log rules: the phone makes the id, a replay of the same
//! body answers with the stored record, the same id with another body is a conflict,
//! and however often or concurrently a batch is sent each id is stored once. Alerts a
//! check-in raises (red flags, pain spikes) are stored in the same transaction, so a
//! check-in is never kept without the alert it should have raised.
//!
//! Red flags are never lost: a check-in may consist of red flags alone, and red flags
//! from items that cannot be stored (invalid, or a clashing id) are kept as red-flag
//! reports in the same transaction and alerted like any other (see `services::red_flags`).

use crate::services::patients::PatientScope;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{alert, audit_event, check_in, patient};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    auth::{PatientPrincipal, Principal},
    clinical::{
        body::PainSite,
        symptoms::{CheckInContext, Medication, MedicationTaken, RedFlag},
    },
    db,
    services::{
        alerts,
        audit::{self, Event},
        check_in_days,
        exercise_logs::Stored,
        local_date,
        red_flags::{self, Alerted, NewReport},
    },
    writer::{JobFuture, Merge},
};

/// Device clocks may run ahead of the server by this much. Phone clocks are often wrong
/// (and set by hand to the wrong zone), so a day is allowed; the device time is stored
/// as sent, next to the server's receipt time (`created_at`), and the skew is shown.
pub const CLOCK_SKEW: Duration = Duration::hours(24);
/// Notes are free text up to this many characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// A check-in can be corrected or withdrawn for this long after it was recorded; after
/// that it is part of the clinical record.
pub const EDIT_WINDOW: Duration = Duration::days(7);
pub const MAX_PAIN_SITES: usize = 25;

// The API and the rules speak of contexts in their own enum; rows keep the same words.

impl From<check_in::Context> for CheckInContext {
    fn from(v: check_in::Context) -> Self {
        match v {
            check_in::Context::Daily => CheckInContext::Daily,
            check_in::Context::PreSession => CheckInContext::PreSession,
            check_in::Context::PostSession => CheckInContext::PostSession,
            check_in::Context::Flare => CheckInContext::Flare,
        }
    }
}

impl From<CheckInContext> for check_in::Context {
    fn from(v: CheckInContext) -> Self {
        match v {
            CheckInContext::Daily => check_in::Context::Daily,
            CheckInContext::PreSession => check_in::Context::PreSession,
            CheckInContext::PostSession => check_in::Context::PostSession,
            CheckInContext::Flare => check_in::Context::Flare,
        }
    }
}

impl From<check_in::Medication> for Medication {
    fn from(v: check_in::Medication) -> Self {
        match v {
            check_in::Medication::None => Medication::None,
            check_in::Medication::NonOpioid => Medication::NonOpioid,
            check_in::Medication::Opioid => Medication::Opioid,
            check_in::Medication::Anticoagulant => Medication::Anticoagulant,
            check_in::Medication::Antiplatelet => Medication::Antiplatelet,
            check_in::Medication::Corticosteroid => Medication::Corticosteroid,
            check_in::Medication::MuscleRelaxant => Medication::MuscleRelaxant,
        }
    }
}

impl From<Medication> for check_in::Medication {
    fn from(v: Medication) -> Self {
        match v {
            Medication::None => check_in::Medication::None,
            Medication::NonOpioid => check_in::Medication::NonOpioid,
            Medication::Opioid => check_in::Medication::Opioid,
            Medication::Anticoagulant => check_in::Medication::Anticoagulant,
            Medication::Antiplatelet => check_in::Medication::Antiplatelet,
            Medication::Corticosteroid => check_in::Medication::Corticosteroid,
            Medication::MuscleRelaxant => check_in::Medication::MuscleRelaxant,
        }
    }
}

/// The fields of a check-in as sent, before validation.
#[derive(Debug, Clone)]
pub struct CheckInFields {
    pub recorded_at: DateTime<Utc>,
    pub pain: Option<i64>,
    pub stress: Option<i64>,
    pub sleep_quality: Option<i64>,
    pub medication: Option<Medication>,
    pub medications: Vec<MedicationTaken>,
    pub pain_sites: Vec<PainSite>,
    pub red_flags: Vec<RedFlag>,
    pub context: CheckInContext,
    pub note: Option<String>,
}

/// A valid check-in body: ratings 0–10, pain, stress or a red flag given, at most a day
/// ahead of the server clock, one entry per body site, red flags and note normalised.
/// Only [`CheckInBody::new`] makes one.
#[derive(Debug, Clone)]
pub struct CheckInBody(CheckInFields);

/// A field and what is wrong with it.
pub type Invalid = (String, &'static str);

impl CheckInBody {
    /// The body, or every problem found in it.
    pub fn new(mut f: CheckInFields, now: DateTime<Utc>) -> Result<Self, Vec<Invalid>> {
        let mut problems: Vec<Invalid> = Vec::new();
        let mut problem = |field: &str, what: &'static str| problems.push((field.to_owned(), what));
        if f.recorded_at > now + CLOCK_SKEW {
            problem("recorded_at", "is more than a day ahead of the server clock");
        }
        for (field, value) in [("pain", f.pain), ("stress", f.stress), ("sleep_quality", f.sleep_quality)] {
            if value.is_some_and(|v| !(0..=10).contains(&v)) {
                problem(field, "must be between 0 and 10");
            }
        }
        // A red flag alone is a check-in: someone with chest pain should not have to rate
        // their stress first.
        if f.pain.is_none() && f.stress.is_none() && f.red_flags.is_empty() {
            problem("pain", "give pain, stress or both");
        }
        if f.pain_sites.len() > MAX_PAIN_SITES {
            problem("pain_sites", "too many sites");
        }
        let mut seen = HashSet::new();
        if !f.pain_sites.iter().all(|s| seen.insert((s.region(), s.side()))) {
            problem("pain_sites", "each region and side may appear once");
        }
        f.red_flags.sort();
        f.red_flags.dedup();
        f.note = f.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if f.note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            problem("note", "must be at most 2000 characters");
        }
        // PostgreSQL text cannot hold a NUL character (the fuzzer found the 500).
        if f.note.as_ref().is_some_and(|n| n.contains('\0')) {
            problem("note", "must not contain NUL characters");
        }
        if problems.is_empty() { Ok(Self(f)) } else { Err(problems) }
    }

    pub fn red_flags(&self) -> &[RedFlag] {
        &self.0.red_flags
    }

    fn row(&self, id: Uuid, patient_id: Uuid, tz: Tz, now: DateTime<Utc>) -> check_in::Model {
        let f = &self.0;
        check_in::Model {
            id,
            patient_id,
            recorded_at: f.recorded_at,
            local_date: local_date(f.recorded_at, tz),
            pain: f.pain.map(|v| v as i16),
            stress: f.stress.map(|v| v as i16),
            sleep_quality: f.sleep_quality.map(|v| v as i16),
            medication: f.medication.map(Into::into),
            medications: serde_json::to_string(&f.medications).expect("medications serialise"),
            pain_sites: serde_json::to_string(&f.pain_sites).expect("pain sites serialise"),
            red_flags: serde_json::to_string(&f.red_flags).expect("red flags serialise"),
            context: f.context.into(),
            note: f.note.clone(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

/// Whether a stored row is what `body` would store: the replay test.
fn same_body(stored: &check_in::Model, fresh: &check_in::Model) -> bool {
    stored.patient_id == fresh.patient_id
        && stored.recorded_at.timestamp_micros() == fresh.recorded_at.timestamp_micros()
        && stored.pain == fresh.pain
        && stored.stress == fresh.stress
        && stored.sleep_quality == fresh.sleep_quality
        && stored.medication == fresh.medication
        && stored.medications == fresh.medications
        && stored.pain_sites == fresh.pain_sites
        && stored.red_flags == fresh.red_flags
        && stored.context == fresh.context
        && stored.note == fresh.note
}

fn active(r: check_in::Model) -> check_in::ActiveModel {
    check_in::ActiveModel {
        id: Set(r.id),
        patient_id: Set(r.patient_id),
        recorded_at: Set(r.recorded_at),
        local_date: Set(r.local_date),
        pain: Set(r.pain),
        stress: Set(r.stress),
        sleep_quality: Set(r.sleep_quality),
        medication: Set(r.medication),
        medications: Set(r.medications),
        pain_sites: Set(r.pain_sites),
        red_flags: Set(r.red_flags),
        context: Set(r.context),
        note: Set(r.note),
        created_at: Set(r.created_at),
        updated_at: Set(r.updated_at),
        deleted_at: Set(r.deleted_at),
    }
}

pub fn red_flags_of(row: &check_in::Model) -> Result<Vec<RedFlag>, DbErr> {
    red_flags::decode("check_in.red_flags", &row.red_flags)
}

pub fn medications_of(row: &check_in::Model) -> Result<Vec<MedicationTaken>, DbErr> {
    crate::stored::decode("check_in.medications", &row.medications)
}

pub fn pain_sites_of(row: &check_in::Model) -> Result<Vec<PainSite>, DbErr> {
    crate::stored::decode("check_in.pain_sites", &row.pain_sites)
}

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
    let mut baselines = super::baselines::pain_of_many(db, &needed).await?;
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
    let mut known: HashMap<Uuid, check_in::Model> = HashMap::new();
    let mut results: Vec<Vec<Stored<check_in::Model>>> = Vec::with_capacity(batches.len());
    let mut fresh: Vec<check_in::Model> = Vec::new();
    for batch_rows in &rows {
        results.push(
            batch_rows
                .iter()
                .map(|row| match known.get(&row.id) {
                    Some(stored) if same_body(stored, row) => Stored::Replayed(stored.clone()),
                    Some(_) => Stored::Conflict,
                    None => {
                        known.insert(row.id, row.clone());
                        fresh.push(row.clone());
                        Stored::Created(row.clone())
                    }
                })
                .collect(),
        );
    }
    // In id order, so two replicas storing overlapping ids wait for each other in the
    // same order instead of deadlocking (PostgreSQL).
    fresh.sort_unstable_by_key(|r| r.id);
    let mut inserted: HashSet<Uuid> = HashSet::with_capacity(fresh.len());
    for chunk in fresh.chunks(ROWS_PER_INSERT) {
        match check_in::Entity::insert_many(chunk.iter().cloned().map(active))
            .on_conflict(OnConflict::column(check_in::Column::Id).do_nothing().to_owned())
            .exec_with_returning_keys(txn)
            .await
        {
            Ok(keys) => inserted.extend(keys),
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    // Ids stored before this call: every item sent under one answers from the stored
    // row (a replay of the same body, else a clash), as it would have one at a time.
    let lost: Vec<Uuid> = fresh.iter().map(|r| r.id).filter(|id| !inserted.contains(id)).collect();
    if !lost.is_empty() {
        let winners = check_in::Entity::find().filter(check_in::Column::Id.is_in(lost.clone())).all(txn).await?;
        for (batch_rows, batch_results) in rows.iter().zip(results.iter_mut()) {
            for (row, result) in batch_rows.iter().zip(batch_results.iter_mut()) {
                if lost.contains(&row.id) {
                    *result = match winners.iter().find(|w| w.id == row.id) {
                        Some(w) if same_body(w, row) => Stored::Replayed(w.clone()),
                        _ => Stored::Conflict,
                    };
                }
            }
        }
    }
    let created: Vec<Vec<&check_in::Model>> = results
        .iter()
        .map(|rs| rs.iter().filter_map(|r| if let Stored::Created(row) = r { Some(row) } else { None }).collect())
        .collect();
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
            let mut row = Event::by(&b.who, "check_in.write")
                .patient(b.patient_id)
                .resource(format!("check_ins:{}", created.len()))
                .at(b.now);
            row.request_id = Set(b.request_id.clone());
            row
        })
        .collect();
    audit::record_rows(txn, &events).await?;
    Ok(results
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

    // Ids stored earlier are found by the insert itself (ON CONFLICT DO NOTHING, then the
    // rows it skipped are read), so the common case of all-new ids costs one statement.
    // `known` catches an id repeated within this batch.
    let mut known: HashMap<Uuid, check_in::Model> = HashMap::new();
    let mut results = Vec::with_capacity(rows.len());
    let mut fresh = Vec::new();
    for row in &rows {
        results.push(match known.get(&row.id) {
            Some(stored) if same_body(stored, row) => Stored::Replayed(stored.clone()),
            Some(_) => Stored::Conflict,
            None => {
                known.insert(row.id, row.clone());
                fresh.push(row.clone());
                Stored::Created(row.clone())
            }
        });
    }
    let mut raised = Vec::new();
    let mut winners: Vec<check_in::Model> = Vec::new();
    if !fresh.is_empty() {
        // A concurrent transaction (PostgreSQL) may have stored some ids since the read
        // above; DO NOTHING skips them and RETURNING says which rows are ours.
        let inserted: HashSet<Uuid> = match check_in::Entity::insert_many(fresh.iter().cloned().map(active))
            .on_conflict(OnConflict::column(check_in::Column::Id).do_nothing().to_owned())
            .exec_with_returning_keys(txn)
            .await
        {
            Ok(keys) => keys.into_iter().collect(),
            Err(DbErr::RecordNotInserted) => HashSet::new(),
            Err(e) => return Err(e),
        };
        let lost: Vec<Uuid> = fresh.iter().map(|r| r.id).filter(|id| !inserted.contains(id)).collect();
        if !lost.is_empty() {
            winners = check_in::Entity::find().filter(check_in::Column::Id.is_in(lost.clone())).all(txn).await?;
            for (row, result) in rows.iter().zip(results.iter_mut()) {
                if lost.contains(&row.id) && matches!(result, Stored::Created(_)) {
                    *result = match winners.iter().find(|w| w.id == row.id) {
                        Some(w) if same_body(w, row) => Stored::Replayed(w.clone()),
                        _ => Stored::Conflict,
                    };
                }
            }
        }
        let created: Vec<&check_in::Model> =
            results.iter().filter_map(|r| if let Stored::Created(row) = r { Some(row) } else { None }).collect();
        check_in_days::add(txn, &created).await?;
        raised = alerts_for(txn, now, record, baseline, &created).await?;
        let event =
            Event::by(who, "check_in.write").patient(patient_id).resource(format!("check_ins:{}", created.len()));
        audit::record(txn, now, event).await?;
    }
    // A clashing id must not swallow the red flags the new body names: those not already
    // on the patient's stored check-in are kept as a report keyed by the id and that
    // body, so resending it changes nothing.
    for (row, result) in rows.iter().zip(&results) {
        if !matches!(result, Stored::Conflict) || row.red_flags == "[]" {
            continue;
        }
        let stored = winners.iter().find(|w| w.id == row.id).or_else(|| known.get(&row.id));
        let already: Vec<RedFlag> = stored
            .filter(|s| s.patient_id == patient_id)
            .map(|s| red_flags::already_stored("check_in.red_flags", &s.red_flags))
            .unwrap_or_default();
        let flags: Vec<RedFlag> = red_flags_of(row)?.into_iter().filter(|f| !already.contains(f)).collect();
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
    let stored_reports = red_flags::store_reports(txn, now, patient_id, &reports).await?;
    if !stored_reports.is_empty() {
        let event = Event::by(who, "red_flag_report.write")
            .patient(patient_id)
            .resource(format!("red_flag_reports:{}", stored_reports.len()));
        audit::record(txn, now, event).await?;
        let mut flags: Vec<RedFlag> = Vec::new();
        for r in &stored_reports {
            flags.extend(red_flags::decode("red_flag_report.red_flags", &r.red_flags)?);
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
        row.medications,
        row.pain_sites,
        row.red_flags,
        // The stored word, exactly as when the column was text.
        row.context.to_value(),
        row.note
    )
}

/// Red-flag and pain-spike alerts for check-ins just stored.
async fn alerts_for<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    baseline: Option<f64>,
    created: &[&check_in::Model],
) -> Result<Vec<alert::Model>, DbErr> {
    let mut raised = Vec::new();
    if let Some(first) = created.iter().filter(|c| c.red_flags != "[]").min_by_key(|c| c.recorded_at) {
        // Every flag not already on the open red-flag alert is alerted (and pushed again).
        let mut flags: Vec<RedFlag> = Vec::new();
        for c in created {
            flags.extend(red_flags_of(c)?);
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

/// The patient's pain baseline (see `services::baselines`).
pub async fn pain_baseline<C: ConnectionTrait>(db: &C, record: &patient::Model) -> Result<Option<f64>, DbErr> {
    super::baselines::pain(db, record).await
}

/// Check-ins with local dates in `[from, to]`, in recorded order, after the cursor row.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<check_in::Model>, DbErr> {
    let patient_id = patient.uuid();
    let mut q = check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::LocalDate.gte(from))
        .filter(check_in::Column::LocalDate.lte(to));
    if let Some(after) = after {
        let Some(cursor) =
            check_in::Entity::find_by_id(after).filter(check_in::Column::PatientId.eq(patient_id)).one(db).await?
        else {
            return Ok(vec![]);
        };
        q = q.filter(
            Condition::any().add(check_in::Column::RecordedAt.gt(cursor.recorded_at)).add(
                Condition::all()
                    .add(check_in::Column::RecordedAt.eq(cursor.recorded_at))
                    .add(check_in::Column::Id.gt(cursor.id)),
            ),
        );
    }
    q.order_by_asc(check_in::Column::RecordedAt).order_by_asc(check_in::Column::Id).limit(limit).all(db).await
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("check-in not found")]
    NotFound,
    #[error("check-ins can be changed for 7 days after they were recorded")]
    WindowClosed,
    #[error(transparent)]
    Db(#[from] DbErr),
}

async fn own_recent<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient_id: Uuid,
    id: Uuid,
) -> Result<check_in::Model, ChangeError> {
    let row = check_in::Entity::find_by_id(id)
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if now - row.recorded_at > EDIT_WINDOW {
        return Err(ChangeError::WindowClosed);
    }
    Ok(row)
}

/// Replaces the body of one of the patient's recent check-ins. Returns the row, the
/// alerts raised, and whether its red flags (if any) are on an alert the therapist sees.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    tz: Tz,
    id: Uuid,
    body: CheckInBody,
) -> Result<(check_in::Model, Vec<alert::Model>, bool), ChangeError> {
    let patient_id = who.patient_id.uuid();
    let txn = db::begin_write(db).await?;
    let old = own_recent(&txn, now, patient_id, id).await?;
    let row = body.row(id, patient_id, tz, now);
    let mut changes = active(row);
    changes.id = sea_orm::ActiveValue::Unchanged(id);
    changes.created_at = sea_orm::ActiveValue::NotSet;
    let updated = changes.update(&txn).await?;
    check_in_days::recompute(&txn, patient_id, &[old.local_date, updated.local_date]).await?;
    let mut raised = Vec::new();
    let flags = red_flags_of(&updated)?;
    let had = red_flags::already_stored("check_in.red_flags", &old.red_flags);
    let new_flags: Vec<RedFlag> = flags.iter().copied().filter(|f| !had.contains(f)).collect();
    let more_pain = updated.pain > old.pain || (updated.pain.is_some() && updated.recorded_at != old.recorded_at);
    let mut alerted = false;
    if !new_flags.is_empty() || more_pain || !flags.is_empty() {
        let record =
            patient::Entity::find_by_id(patient_id).one(&txn).await?.ok_or(DbErr::RecordNotFound("patient".into()))?;
        if !new_flags.is_empty() || more_pain {
            let baseline = pain_baseline(&txn, &record).await?;
            // Flags already reported were alerted on when they were first sent.
            let mut judged = updated.clone();
            judged.red_flags = red_flags::encode(&new_flags);
            raised = alerts_for(&txn, now, &record, baseline, &[&judged]).await?;
        }
        alerted = red_flags::therapist_alerted(&txn, now, &record, &flags).await?;
    }
    audit::record(&txn, now, Event::by(who, "check_in.update").patient(patient_id).resource(format!("check_in:{id}")))
        .await?;
    txn.commit().await?;
    Ok((updated, raised, alerted))
}

/// Withdraws one of the patient's recent check-ins (kept, marked deleted).
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    id: Uuid,
) -> Result<(), ChangeError> {
    let patient_id = who.patient_id.uuid();
    let txn = db::begin_write(db).await?;
    let row = own_recent(&txn, now, patient_id, id).await?;
    let day = row.local_date;
    let mut change: check_in::ActiveModel = row.into();
    change.deleted_at = Set(Some(now));
    change.updated_at = Set(now);
    change.update(&txn).await?;
    check_in_days::recompute(&txn, patient_id, &[day]).await?;
    audit::record(&txn, now, Event::by(who, "check_in.delete").patient(patient_id).resource(format!("check_in:{id}")))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the patient checked in on `date` (for today's view and reminders).
pub async fn done_on<C: ConnectionTrait>(db: &C, patient_id: Uuid, date: NaiveDate) -> Result<bool, DbErr> {
    let found = check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::LocalDate.eq(date))
        .filter(check_in::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    Ok(found.is_some())
}
