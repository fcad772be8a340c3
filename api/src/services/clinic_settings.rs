//! A clinic's settings: the numbers filled into red-flag guidance, the delay after which
//! an unacknowledged urgent red-flag alert is escalated, and after how many days a
//! signed session note counts as late. Read by anyone in the clinic (guidance needs
//! them), changed by the clinic's admins only.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, clinic};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait,
};

use crate::{
    auth::Principal,
    clinical::red_flags::ClinicNumbers,
    db,
    ids::ClinicId,
    services::audit::{self, Event},
};

/// Two hours: long enough for a therapist between sessions to see the push, short
/// enough that a same-day problem is still handled the same day.
pub const DEFAULT_ESCALATION_DELAY_SECONDS: i32 = 2 * 60 * 60;
pub const MIN_ESCALATION_DELAY_SECONDS: i64 = 5 * 60;
pub const MAX_ESCALATION_DELAY_SECONDS: i64 = 24 * 60 * 60;
/// Three days: a common documentation policy for signing session notes.
pub const DEFAULT_LATE_NOTE_DAYS: i32 = 3;
pub const MAX_LATE_NOTE_DAYS: i64 = 60;

/// Settings as stored; the validated shape of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetySettings {
    pub numbers: ClinicNumbers,
    pub escalation_delay: Duration,
    /// A note signed more than this many days after its session is marked late.
    pub late_note_days: i32,
}

impl SafetySettings {
    fn of(row: &clinic::Model) -> Self {
        Self {
            numbers: ClinicNumbers {
                emergency_number: row.emergency_number.clone(),
                clinic_phone: row.clinic_phone.clone(),
                crisis_line: row.crisis_line.clone(),
            },
            escalation_delay: Duration::seconds(i64::from(row.escalation_delay_seconds)),
            late_note_days: row.late_note_days,
        }
    }
}

impl Default for SafetySettings {
    fn default() -> Self {
        Self {
            numbers: ClinicNumbers::default(),
            escalation_delay: Duration::seconds(i64::from(DEFAULT_ESCALATION_DELAY_SECONDS)),
            late_note_days: DEFAULT_LATE_NOTE_DAYS,
        }
    }
}

/// The clinic's settings; the defaults when the clinic is gone (guidance must still go out).
pub async fn get<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<SafetySettings, DbErr> {
    Ok(clinic::Entity::find_by_id(clinic_id).one(db).await?.map(|c| SafetySettings::of(&c)).unwrap_or_default())
}

/// Replaces the admin's clinic's settings (audited).
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    new: SafetySettings,
) -> Result<SafetySettings, DbErr> {
    let txn = db::begin_write(db).await?;
    let row =
        clinic::Entity::find_by_id(who.clinic_id).one(&txn).await?.ok_or(DbErr::RecordNotFound("clinic".into()))?;
    let mut change: clinic::ActiveModel = row.into();
    change.emergency_number = Set(new.numbers.emergency_number);
    change.clinic_phone = Set(new.numbers.clinic_phone);
    change.crisis_line = Set(new.numbers.crisis_line);
    change.escalation_delay_seconds = Set(new.escalation_delay.num_seconds() as i32);
    change.late_note_days = Set(new.late_note_days);
    change.updated_at = Set(now);
    let row = change.update(&txn).await?;
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::ClinicSettingsUpdate).resource(format!("clinic:{}", who.clinic_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(SafetySettings::of(&row))
}
