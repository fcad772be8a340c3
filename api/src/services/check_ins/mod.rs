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

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{AuditAction, alert, check_in, patient};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    auth::PatientPrincipal,
    clinical::{
        body::PainSite,
        symptoms::{CheckInContext, Medication, MedicationTaken, RedFlag},
    },
    db,
    services::{
        audit::{self, Event},
        check_in_days,
        idempotent::{ClientRecords, RowsFuture},
        local_date,
        patients::PatientScope,
        red_flags,
    },
};

/// Device clocks may run ahead of the server by this much. Phone clocks are often wrong
/// (and set by hand to the wrong zone), so a day is allowed; the device time is stored
/// as sent, next to the server's receipt time (`created_at`), and the skew is shown.
mod store;
mod stored;
use store::alerts_for;
pub use store::{Batch, Recorded, record};
use stored::stored_medications;
pub use stored::stored_sites;
pub use stored::{medications_of, pain_sites_of, red_flags_of};

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
            medications: stored_medications(&f.medications),
            pain_sites: stored_sites(&f.pain_sites),
            red_flags: red_flags::stored(&f.red_flags),
            context: f.context.into(),
            note: f.note.clone(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

impl ClientRecords for check_in::Entity {
    type Active = check_in::ActiveModel;
    fn id_column() -> check_in::Column {
        check_in::Column::Id
    }
    fn id_of(row: &check_in::Model) -> Uuid {
        row.id
    }
    fn same(stored: &check_in::Model, fresh: &check_in::Model) -> bool {
        same_body(stored, fresh)
    }
    fn active(row: check_in::Model) -> check_in::ActiveModel {
        active(row)
    }
    fn stored_rows<'t>(txn: &'t DatabaseTransaction, ids: &'t [Uuid]) -> RowsFuture<'t, check_in::Model> {
        Box::pin(stored::readable(txn, ids))
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

/// What changing a check-in needs of the stored one. Its red flags stay the stored text:
/// a list that does not decode counts as none (`red_flags::already_stored`), so the
/// correction and its new flags are still stored; reading the whole row would refuse it.
#[derive(Debug, FromQueryResult)]
struct Recent {
    recorded_at: DateTime<Utc>,
    local_date: NaiveDate,
    pain: Option<i16>,
    red_flags: String,
}

async fn own_recent<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
    id: Uuid,
) -> Result<Recent, ChangeError> {
    let patient_id = patient.uuid();
    let row = check_in::Entity::find_by_id(id)
        .select_only()
        .column(check_in::Column::RecordedAt)
        .column(check_in::Column::LocalDate)
        .column(check_in::Column::Pain)
        .column(check_in::Column::RedFlags)
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .into_model::<Recent>()
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
    let old = own_recent(&txn, now, PatientScope::from(who), id).await?;
    let row = body.row(id, patient_id, tz, now);
    let mut changes = active(row);
    changes.id = sea_orm::ActiveValue::Unchanged(id);
    changes.created_at = sea_orm::ActiveValue::NotSet;
    let updated = changes.update(&txn).await?;
    check_in_days::recompute(&txn, PatientScope::from(who), &[old.local_date, updated.local_date]).await?;
    let mut raised = Vec::new();
    let flags = red_flags_of(&updated);
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
            judged.red_flags = red_flags::stored(&new_flags);
            raised = alerts_for(&txn, now, &record, baseline, &[&judged]).await?;
        }
        alerted = red_flags::therapist_alerted(&txn, now, &record, &flags).await?;
    }
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::CheckInUpdate).patient(patient_id).resource(format!("check_in:{id}")),
    )
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
    let day = own_recent(&txn, now, PatientScope::from(who), id).await?.local_date;
    check_in::Entity::update_many()
        .col_expr(check_in::Column::DeletedAt, Expr::value(Some(now)))
        .col_expr(check_in::Column::UpdatedAt, Expr::value(now))
        .filter(check_in::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    check_in_days::recompute(&txn, PatientScope::from(who), &[day]).await?;
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::CheckInDelete).patient(patient_id).resource(format!("check_in:{id}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// When each of these patients last checked in (device instant of their newest check-in
/// that is not withdrawn), for the roster; patients who never did are absent. One grouped
/// query, so a roster page costs the same whatever its size.
pub async fn last_recorded<C: ConnectionTrait>(
    db: &C,
    patient_ids: &[Uuid],
) -> Result<HashMap<Uuid, DateTime<Utc>>, DbErr> {
    let rows: Vec<(Uuid, DateTime<Utc>)> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::PatientId)
        .column_as(check_in::Column::RecordedAt.max(), "last_recorded_at")
        .filter(check_in::Column::PatientId.is_in(patient_ids.iter().copied()))
        .filter(check_in::Column::DeletedAt.is_null())
        .group_by(check_in::Column::PatientId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
