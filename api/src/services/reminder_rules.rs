//! Reminder rules and quiet hours.
//!
//! Every patient gets one rule per kind (exercises 18:00, lesson 19:00, check-in 20:00,
//! every day; session reminders 24 h and 2 h before and a check-in prompt 3 h after;
//! all enabled) when a care plan is created; patients who predate that get them
//! the first time they are needed (listing rules, subscribing a device). Both the patient
//! and their therapist may change them. Rules carry the patient's time zone so the
//! dispatcher can find due rules per zone; it follows the account's zone.
//!
//! Also the conversions between the domain's `ReminderKind` and the stored one, which
//! rules and outbox rows share.

use chrono::{DateTime, Utc};
use entity::{patient, reminder_adaptation as adaptation_row, reminder_rule};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    ids::UserId,
    reminders::{kinds::ReminderKind, materialise},
    services::{localtime, reminder_adaptation},
};

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("reminder rule not found")]
    NotFound,
    /// Only the daily kinds follow the patient's routine.
    #[error("session reminders do not adapt")]
    NotAdaptable,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A validated change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct RuleChanges {
    /// Minutes after local midnight, 0–1439.
    pub local_minute: Option<i16>,
    /// At least one day; bit 0 = Monday.
    pub days_mask: Option<i16>,
    pub enabled: Option<bool>,
    /// "Adapt to my routine" (daily kinds only).
    pub adapt: Option<bool>,
}

/// A rule with its adaptive-timing row (daily kinds; `None` for session reminders and
/// for rules older than adaptation that nobody has switched yet).
#[derive(Debug, Clone)]
pub struct RuleView {
    pub rule: reminder_rule::Model,
    pub adaptation: Option<adaptation_row::Model>,
}

/// Creates the default rules the patient does not have yet.
pub async fn ensure_defaults<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    let existing: Vec<ReminderKind> = reminder_rule::Entity::find()
        .filter(reminder_rule::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.kind.into())
        .collect();
    let missing: Vec<ReminderKind> = ReminderKind::ALL.into_iter().filter(|k| !existing.contains(k)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let tz = localtime::patient_timezone(db, patient).await?;
    for kind in missing {
        let rule = reminder_rule::Model {
            id: Uuid::now_v7(),
            patient_id,
            kind: kind.into(),
            local_minute: kind.default_minute(),
            days_mask: 0x7f,
            enabled: true,
            timezone: tz.name().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let inserted = reminder_rule::Entity::insert(reminder_rule::ActiveModel {
            id: Set(rule.id),
            patient_id: Set(rule.patient_id),
            kind: Set(rule.kind),
            local_minute: Set(rule.local_minute),
            days_mask: Set(rule.days_mask),
            enabled: Set(rule.enabled),
            timezone: Set(rule.timezone.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        // Two requests racing to create defaults: the second one's insert is ignored.
        .on_conflict(
            OnConflict::columns([reminder_rule::Column::PatientId, reminder_rule::Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        if inserted == 1 {
            reminder_adaptation::create_for_new_rule(db, now, &rule).await?;
            materialise::materialise_rule(db, now, rule.id).await?;
        }
    }
    Ok(())
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
) -> Result<Vec<RuleView>, DbErr> {
    let patient_id = patient.uuid();
    ensure_defaults(db, now, patient).await?;
    let mut adaptations = reminder_adaptation::for_patient(db, patient).await?;
    Ok(reminder_rule::Entity::find()
        .filter(reminder_rule::Column::PatientId.eq(patient_id))
        .order_by_asc(reminder_rule::Column::LocalMinute)
        .all(db)
        .await?
        .into_iter()
        .map(|rule| RuleView { adaptation: adaptations.remove(&rule.id), rule })
        .collect())
}

/// Changes one of the patient's rules (the caller has checked it may act for the patient).
pub async fn update<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
    rule_id: Uuid,
    changes: RuleChanges,
) -> Result<RuleView, RuleError> {
    let patient_id = patient.uuid();
    let rule = reminder_rule::Entity::find_by_id(rule_id)
        .filter(reminder_rule::Column::PatientId.eq(patient_id))
        .one(db)
        .await?
        .ok_or(RuleError::NotFound)?;
    if changes.adapt.is_some() && !reminder_adaptation::adapts(rule.kind.into()) {
        return Err(RuleError::NotAdaptable);
    }
    let mut active: reminder_rule::ActiveModel = rule.into();
    if let Some(minute) = changes.local_minute {
        active.local_minute = Set(minute);
    }
    if let Some(mask) = changes.days_mask {
        active.days_mask = Set(mask);
    }
    if let Some(enabled) = changes.enabled {
        active.enabled = Set(enabled);
    }
    active.updated_at = Set(now);
    let rule = sea_orm::ActiveModelTrait::update(active, db).await?;
    let rule = reminder_adaptation::apply_changes(db, now, rule, changes.local_minute, changes.adapt).await?;
    materialise::materialise_rule(db, now, rule.id).await?;
    let adaptation = adaptation_row::Entity::find_by_id(rule.id).one(db).await?;
    Ok(RuleView { rule, adaptation })
}

/// Keeps the patient's rules in the zone of their account after it changed.
pub async fn follow_timezone<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, user_id: UserId) -> Result<(), DbErr> {
    let Some(record) = patient::Entity::find().filter(patient::Column::UserId.eq(user_id)).one(db).await? else {
        return Ok(());
    };
    let tz = localtime::patient_timezone(db, PatientScope::of_stored_row(&record)).await?;
    let rules = reminder_rule::Entity::find().filter(reminder_rule::Column::PatientId.eq(record.id)).all(db).await?;
    reminder_rule::Entity::update_many()
        .col_expr(reminder_rule::Column::Timezone, Expr::value(tz.name()))
        .col_expr(reminder_rule::Column::UpdatedAt, Expr::value(now))
        .filter(reminder_rule::Column::PatientId.eq(record.id))
        .exec(db)
        .await?;
    for rule in rules {
        materialise::materialise_rule(db, now, rule.id).await?;
    }
    Ok(())
}

// Rules and outbox rows keep the same words as the domain's reminder kinds; the
// reminder pipeline (materialise, dispatch) reads and writes them through these.

impl From<entity::reminder_kind::ReminderKind> for ReminderKind {
    fn from(v: entity::reminder_kind::ReminderKind) -> Self {
        use entity::reminder_kind::ReminderKind as Stored;
        match v {
            Stored::Exercises => Self::Exercises,
            Stored::CheckIn => Self::CheckIn,
            Stored::Lesson => Self::Lesson,
            Stored::Appointment24h => Self::Appointment24h,
            Stored::Appointment2h => Self::Appointment2h,
            Stored::PostSession => Self::PostSession,
        }
    }
}

impl From<ReminderKind> for entity::reminder_kind::ReminderKind {
    fn from(v: ReminderKind) -> Self {
        match v {
            ReminderKind::Exercises => Self::Exercises,
            ReminderKind::CheckIn => Self::CheckIn,
            ReminderKind::Lesson => Self::Lesson,
            ReminderKind::Appointment24h => Self::Appointment24h,
            ReminderKind::Appointment2h => Self::Appointment2h,
            ReminderKind::PostSession => Self::PostSession,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReminderKind;

    #[test]
    fn a_reminder_kind_is_stored_under_the_word_the_api_uses() {
        for kind in ReminderKind::ALL {
            let stored = entity::reminder_kind::ReminderKind::from(kind);
            assert_eq!(stored.as_str(), kind.as_str());
            assert_eq!(ReminderKind::from(stored), kind);
        }
    }
}
