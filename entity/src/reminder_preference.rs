use sea_orm::entity::prelude::*;

/// A user's quiet hours, in minutes after local midnight. The window may wrap midnight
/// (start > end); both unset means no quiet hours.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_preference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub quiet_start_minute: Option<i16>,
    pub quiet_end_minute: Option<i16>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
