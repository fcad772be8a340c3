//! A user's reminder preferences: the quiet hours during which no reminder is sent
//! (held until they end). Read by the reminder settings, the dispatcher's neighbours and
//! the adaptive timing, so it depends on none of them.

use chrono::{DateTime, Utc};
use entity::reminder_preference;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};

use crate::ids::UserId;

/// Quiet hours as (start, end) minutes after local midnight, if set.
pub async fn quiet_hours<C: ConnectionTrait>(db: &C, user_id: UserId) -> Result<Option<(i16, i16)>, DbErr> {
    let pref = reminder_preference::Entity::find_by_id(user_id).one(db).await?;
    Ok(pref.and_then(|p| Some((p.quiet_start_minute?, p.quiet_end_minute?))))
}

pub async fn set_quiet_hours<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user_id: UserId,
    quiet: Option<(i16, i16)>,
) -> Result<(), DbErr> {
    let model = reminder_preference::ActiveModel {
        user_id: Set(user_id.uuid()),
        quiet_start_minute: Set(quiet.map(|q| q.0)),
        quiet_end_minute: Set(quiet.map(|q| q.1)),
        updated_at: Set(now),
    };
    reminder_preference::Entity::insert(model)
        .on_conflict(
            OnConflict::column(reminder_preference::Column::UserId)
                .update_columns([
                    reminder_preference::Column::QuietStartMinute,
                    reminder_preference::Column::QuietEndMinute,
                    reminder_preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
