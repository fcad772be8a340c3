use sea_orm::entity::prelude::*;

/// An exercise prescribed in a plan, with its dosage. Removing it sets `removed_at`
/// (logs against it stay valid history).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_exercise")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub exercise_id: Uuid,
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: crate::Side,
    pub times_per_day: i16,
    /// ISO weekdays 1 (Monday) to 7 as a bit set: bit 0 = Monday.
    pub days_mask: i16,
    pub rest_seconds: i16,
    pub notes: Option<String>,
    pub position: i32,
    pub removed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
