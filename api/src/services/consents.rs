//! Consent history: every change of a patient's consents (reminders, sharing with the
//! referring physician) is a row saying which consent, the new value, who and when.
//!
//! The current values stay on the patient record; this module is the one place that
//! changes them *and* writes the history, in the caller's transaction, so a change
//! without its history row cannot commit. A "change" to the value already held writes
//! nothing. The history is read by the patient (their own) and by the staff who may see
//! the record; it is purged with the record.

use chrono::{DateTime, Utc};
use entity::{audit_event::ActorRole, consent_event, consent_event::Consent, patient};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use crate::services::{audit::Actor, patient_scope::PatientScope};

/// The consents as held on a patient record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consents {
    pub reminders: bool,
    pub physician_sharing: bool,
}

impl Consents {
    pub fn of(record: &patient::Model) -> Self {
        Self { reminders: record.consent_reminders, physician_sharing: record.consent_physician_sharing }
    }
}

fn row(
    now: DateTime<Utc>,
    who: Actor,
    record: &patient::Model,
    consent: Consent,
    granted: bool,
) -> consent_event::ActiveModel {
    consent_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(record.clinic_id),
        patient_id: Set(record.id),
        consent: Set(consent),
        granted: Set(granted),
        changed_by: Set(Some(who.user_id)),
        changed_by_role: Set(ActorRole::from(who.role)),
        at: Set(now),
    }
}

/// Writes a history row for each consent that differs between `before` (`None`: a new
/// record, whose first values are history too) and the record as saved.
pub async fn record_changes<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: impl Into<Actor>,
    before: Option<Consents>,
    saved: &patient::Model,
) -> Result<(), DbErr> {
    let who = who.into();
    let after = Consents::of(saved);
    let mut rows = Vec::new();
    if before.map(|b| b.reminders) != Some(after.reminders) {
        rows.push(row(now, who, saved, Consent::Reminders, after.reminders));
    }
    if before.map(|b| b.physician_sharing) != Some(after.physician_sharing) {
        rows.push(row(now, who, saved, Consent::PhysicianSharing, after.physician_sharing));
    }
    if !rows.is_empty() {
        consent_event::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Sets the reminders consent of the patient (no-op when it already holds `granted`).
pub async fn set_reminders<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: impl Into<Actor>,
    patient: PatientScope,
    granted: bool,
) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    let Some(record) = patient::Entity::find_by_id(patient_id).one(db).await? else { return Ok(()) };
    if record.consent_reminders == granted {
        return Ok(());
    }
    let before = Consents::of(&record);
    patient::Entity::update_many()
        .col_expr(patient::Column::ConsentReminders, Expr::value(granted))
        .col_expr(patient::Column::UpdatedAt, Expr::value(now))
        .filter(patient::Column::Id.eq(patient_id))
        .exec(db)
        .await?;
    let saved = patient::Model { consent_reminders: granted, ..record };
    record_changes(db, now, who, Some(before), &saved).await
}
