//! Red flags are never lost, and every new one is alerted.
//!
//! - A check-in item that names a red flag but cannot be stored as a check-in leaves a
//!   [`red_flag_report`] row (insert-or-ignore on patient + item key, so a replay stores
//!   nothing new).
//! - [`alert_flags`] puts new flags on the patient's open red-flag alert: it raises one
//!   when none is open, or adds the flags to the open one, moves its `updated_at` and
//!   clears `pushed_at` so the worker pushes it again. Flags already on the open alert
//!   change nothing, so a replay notifies nobody twice. The partial unique index keeps one
//!   open red-flag alert per patient; a lost race is retried against the winner's row.
//! - [`therapist_alerted`] says whether "Your therapist has been alerted" is true.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, JsonText, RedFlagsV1, alert, patient, red_flag_report, user};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::ids::ClinicId;
use crate::services::patients::PatientScope;
use crate::{
    auth::PatientPrincipal,
    clinical::{
        red_flags::{Tier, entry},
        symptoms::RedFlag,
    },
    db,
    services::audit::{self, Event},
    store_error::StoreError,
};

/// Red flags from an item that was not stored as a check-in.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The item's id, or a hash of the item when it had no readable id.
    pub item_key: Uuid,
    pub check_in_id: Option<Uuid>,
    pub flags: Vec<RedFlag>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// Which fields were wrong (names, or the server's own words), never the values sent.
    pub problems: Vec<String>,
}

/// The stored form of `flags`: their words, sorted in the vocabulary's order, each once
/// (`[]` for none), as every red-flag column has always held them.
pub fn stored(flags: &[RedFlag]) -> JsonText<RedFlagsV1> {
    let mut flags = flags.to_vec();
    flags.sort();
    flags.dedup();
    JsonText(RedFlagsV1(flags.iter().map(|f| f.as_str().to_owned()).collect()))
}

/// The flags of a stored list. Words this build does not know (written by a newer one)
/// are skipped rather than failing the read; text that is not a list of words already
/// failed when the row was read.
pub fn flags_of(stored: &RedFlagsV1) -> Vec<RedFlag> {
    stored.0.iter().filter_map(|word| RedFlag::parse(word)).collect()
}

/// The flags already stored, for a write that adds flags to them, from the column's text
/// (read as text for this). A corrupt list (logged) counts as none: the write then alerts
/// every flag it names again, where refusing it would lose the new red flags to an old
/// bad row.
pub fn already_stored(column: &'static str, text: &str) -> Vec<RedFlag> {
    crate::stored::decode::<RedFlagsV1>(column, text).map(|words| flags_of(&words)).unwrap_or_default()
}

/// Stores the reports not stored before; returns the new ones.
pub async fn store_reports<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
    reports: &[NewReport],
) -> Result<Vec<red_flag_report::Model>, DbErr> {
    let patient_id = patient.uuid();
    let mut new_rows = Vec::new();
    for r in reports.iter().filter(|r| !r.flags.is_empty()) {
        let row = red_flag_report::Model {
            id: Uuid::now_v7(),
            patient_id,
            item_key: r.item_key,
            check_in_id: r.check_in_id,
            red_flags: stored(&r.flags),
            recorded_at: r.recorded_at,
            problems: r.problems.join("; "),
            created_at: now,
        };
        let active = red_flag_report::ActiveModel {
            id: Set(row.id),
            patient_id: Set(row.patient_id),
            item_key: Set(row.item_key),
            check_in_id: Set(row.check_in_id),
            red_flags: Set(row.red_flags.clone()),
            recorded_at: Set(row.recorded_at),
            problems: Set(row.problems.clone()),
            created_at: Set(row.created_at),
        };
        let inserted = red_flag_report::Entity::insert(active)
            .on_conflict(
                OnConflict::columns([red_flag_report::Column::PatientId, red_flag_report::Column::ItemKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        if inserted == 1 {
            new_rows.push(row);
        }
    }
    Ok(new_rows)
}

fn details(flags: &[RedFlag]) -> String {
    let mut entries: Vec<_> = flags.iter().map(|f| entry(*f)).collect();
    entries.sort_by_key(|e| (e.tier, e.flag));
    let tier = entries.first().map(|e| e.tier).unwrap_or(Tier::Soon);
    let labels: Vec<String> = entries.iter().map(|e| format!("{} ({})", e.label, e.flag.as_str())).collect();
    format!("Red flags reported, highest tier {}: {}.", tier.as_str(), labels.join("; "))
}

fn highest(flags: &[RedFlag]) -> Option<Tier> {
    flags.iter().map(|f| entry(*f).tier).min()
}

// The rules' tiers and the stored ones say the same words.

impl From<Tier> for alert::Tier {
    fn from(t: Tier) -> Self {
        match t {
            Tier::EmergencyNow => alert::Tier::EmergencyNow,
            Tier::SameDay => alert::Tier::SameDay,
            Tier::Soon => alert::Tier::Soon,
        }
    }
}

impl From<alert::Tier> for Tier {
    fn from(t: alert::Tier) -> Self {
        match t {
            alert::Tier::EmergencyNow => Tier::EmergencyNow,
            alert::Tier::SameDay => Tier::SameDay,
            alert::Tier::Soon => Tier::Soon,
        }
    }
}

/// What [`alert_flags`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alerted {
    /// Every flag was already on the open alert.
    Nothing,
    Raised(alert::Model),
    /// New flags were added to the open alert, which will be pushed again.
    Added(alert::Model),
}

/// Puts `flags` on the patient's open red-flag alert (raising one if none is open).
pub async fn alert_flags<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    flags: &[RedFlag],
    triggered_at: DateTime<Utc>,
    source_id: Option<Uuid>,
) -> Result<Alerted, StoreError> {
    if flags.is_empty() {
        return Ok(Alerted::Nothing);
    }
    // A few rounds at most: each lost round means another writer just stored flags.
    for _ in 0..5 {
        // The open alert's flags as their stored text: the compare-and-set below is on
        // that text, and a corrupt list must not stop new flags from being added.
        let open: Option<(Uuid, String, Option<DateTime<Utc>>)> = alert::Entity::find()
            .select_only()
            .column(alert::Column::Id)
            .column(alert::Column::Flags)
            .column(alert::Column::UrgentSince)
            .filter(alert::Column::PatientId.eq(record.id))
            .filter(alert::Column::Kind.eq(alert::Kind::RedFlag))
            .filter(alert::Column::AcknowledgedAt.is_null())
            .into_tuple()
            .one(db)
            .await?;
        match open {
            None => {
                if let Some(row) = insert(db, now, record, flags, triggered_at, source_id).await? {
                    return Ok(Alerted::Raised(row));
                }
            }
            Some((open_id, open_flags, open_urgent_since)) => {
                let had = already_stored("alert.flags", &open_flags);
                let new: Vec<RedFlag> = flags.iter().copied().filter(|f| !had.contains(f)).collect();
                if new.is_empty() {
                    return Ok(Alerted::Nothing);
                }
                let all: Vec<RedFlag> = had.iter().chain(new.iter()).copied().collect();
                let tier = highest(&all);
                let urgent_since = open_urgent_since.or_else(|| highest(&new).filter(|t| t.escalates()).map(|_| now));
                let changed = alert::Entity::update_many()
                    .col_expr(alert::Column::Flags, Expr::value(stored(&all)))
                    .col_expr(alert::Column::Tier, Expr::value(tier.map(alert::Tier::from)))
                    .col_expr(alert::Column::Details, Expr::value(details(&all)))
                    .col_expr(alert::Column::UrgentSince, Expr::value(urgent_since))
                    .col_expr(alert::Column::UpdatedAt, Expr::value(Some(now)))
                    .col_expr(alert::Column::PushedAt, Expr::value(Option::<DateTime<Utc>>::None))
                    .filter(alert::Column::Id.eq(open_id))
                    .filter(alert::Column::Flags.eq(open_flags))
                    .filter(alert::Column::AcknowledgedAt.is_null())
                    .exec(db)
                    .await?
                    .rows_affected;
                if changed == 1 {
                    let event = Event::system(ClinicId::new(record.clinic_id), AuditAction::AlertAddRedFlags)
                        .patient(record.id)
                        .resource(format!("alert:{open_id}"));
                    audit::record(db, now, event).await?;
                    tracing::info!(alert_id = %open_id, added = new.len(), "red flags added to the open alert");
                    let updated = alert::Entity::find_by_id(open_id)
                        .one(db)
                        .await?
                        .ok_or_else(|| DbErr::RecordNotFound("alert".into()))?;
                    return Ok(Alerted::Added(updated));
                }
            }
        }
    }
    // The transaction rolls back and the app retries (503): the check-in and its flags are
    // stored by the retry, never dropped here.
    Err(StoreError::contended("red-flag alert kept changing under this write"))
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    flags: &[RedFlag],
    triggered_at: DateTime<Utc>,
    source_id: Option<Uuid>,
) -> Result<Option<alert::Model>, DbErr> {
    let tier = highest(flags);
    let row = alert::Model {
        id: Uuid::now_v7(),
        clinic_id: record.clinic_id,
        patient_id: record.id,
        kind: alert::Kind::RedFlag,
        details: details(flags),
        triggered_at,
        source_id,
        created_at: now,
        acknowledged_by: None,
        acknowledged_at: None,
        pushed_at: None,
        flags: stored(flags),
        tier: tier.map(Into::into),
        urgent_since: tier.filter(|t| t.escalates()).map(|_| now),
        escalated_at: None,
        updated_at: Some(now),
    };
    // Every column Set, so the insert writes the row exactly as built above.
    let active = sea_orm::ActiveModelTrait::reset_all(sea_orm::IntoActiveModel::into_active_model(row.clone()));
    // No conflict target: the only constraint a fresh v7 id can hit is the open-alert index.
    let stored = alert::Entity::insert(active)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    if stored == 0 {
        return Ok(None);
    }
    let event = Event::system(ClinicId::new(record.clinic_id), AuditAction::AlertRaise)
        .patient(record.id)
        .resource(format!("alert:{}", row.id));
    audit::record(db, now, event).await?;
    tracing::info!(alert_id = %row.id, kind = crate::clinical::rules::AlertKind::from(row.kind).as_str(), "alert raised");
    Ok(Some(row))
}

/// How long after an alert was last changed it still counts as "your therapist has been
/// alerted" for a resent check-in (the same as the check-in edit window).
const ALERTED_WINDOW: Duration = Duration::days(7);

/// True when every flag is on a current red-flag alert of the patient (open, or changed
/// in the last week) and the patient's therapist has an active account to see it.
pub async fn therapist_alerted<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    flags: &[RedFlag],
) -> Result<bool, DbErr> {
    if flags.is_empty() {
        return Ok(false);
    }
    let therapist = user::Entity::find_by_id(record.primary_therapist_id).one(db).await?;
    if !therapist.is_some_and(|t| t.disabled_at.is_none() && t.clinic_id == record.clinic_id) {
        return Ok(false);
    }
    // The flags as stored text, so a corrupt list is read as covering nothing.
    let alerted: Vec<String> = alert::Entity::find()
        .select_only()
        .column(alert::Column::Flags)
        .filter(alert::Column::PatientId.eq(record.id))
        .filter(alert::Column::Kind.eq(alert::Kind::RedFlag))
        .filter(
            sea_orm::Condition::any()
                .add(alert::Column::AcknowledgedAt.is_null())
                .add(alert::Column::UpdatedAt.gte(now - ALERTED_WINDOW)),
        )
        .into_tuple()
        .all(db)
        .await?;
    // A corrupt alert covers nothing, so the patient is told the therapist may not know.
    let covered: Vec<RedFlag> = alerted.iter().flat_map(|flags| already_stored("alert.flags", flags)).collect();
    Ok(flags.iter().all(|f| covered.contains(f)))
}

/// Keeps the red flags of a request that stores nothing else (an invalid correction, or
/// one of a check-in that cannot be changed) and alerts them, in one transaction.
pub async fn keep<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    report: NewReport,
) -> Result<(), StoreError> {
    let patient_id = who.patient_id.uuid();
    let txn = db::begin_write(db).await?;
    let record =
        patient::Entity::find_by_id(patient_id).one(&txn).await?.ok_or(DbErr::RecordNotFound("patient".into()))?;
    let stored = store_reports(&txn, now, PatientScope::from(who), std::slice::from_ref(&report)).await?;
    if let Some(row) = stored.first() {
        let event = Event::by(who, AuditAction::RedFlagReportWrite)
            .patient(patient_id)
            .resource(format!("red_flag_report:{}", row.id));
        audit::record(&txn, now, event).await?;
        let triggered_at = row.recorded_at.unwrap_or(now).min(now);
        alert_flags(&txn, now, &record, &report.flags, triggered_at, row.check_in_id.or(Some(row.id))).await?;
    }
    Ok(txn.commit().await?)
}
