use sea_orm::entity::prelude::*;

/// A functional goal rated 0–10 in the style of the patient-specific functional scale.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_goal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
    /// When the target should be reached.
    pub target_date: Option<Date>,
    pub status: Status,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Status {
        Active = "active",
        Achieved = "achieved",
        Dropped = "dropped",
    }
}
