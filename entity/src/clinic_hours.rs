use sea_orm::entity::prelude::*;

/// When the care team reads messages on one ISO weekday (1 = Monday … 7 = Sunday), in
/// minutes after local midnight in the clinic's time zone; `open_minute < close_minute`.
/// A weekday without a row is closed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub clinic_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub weekday: i16,
    pub open_minute: i16,
    pub close_minute: i16,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
