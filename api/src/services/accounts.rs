//! The signed-in user's own account.

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use crate::domain::{DisplayName, TimeZoneName};
use crate::ids::UserId;

/// Changes the display name and/or time zone; `None` leaves a field as it is.
pub async fn update_profile<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    account: user::Model,
    display_name: Option<DisplayName>,
    timezone: Option<TimeZoneName>,
) -> Result<user::Model, DbErr> {
    if display_name.is_none() && timezone.is_none() {
        return Ok(account);
    }
    let mut active: user::ActiveModel = account.into();
    if let Some(name) = display_name {
        active.display_name = Set(name.as_str().to_owned());
    }
    let new_zone = timezone.is_some();
    if let Some(tz) = timezone {
        active.timezone = Set(tz.as_str().to_owned());
    }
    active.updated_at = Set(now);
    let updated = active.update(db).await?;
    if new_zone {
        // Reminder rules are local times in the patient's zone: keep them in step.
        crate::services::reminder_rules::follow_timezone(db, now, UserId::new(updated.id)).await?;
    }
    Ok(updated)
}
