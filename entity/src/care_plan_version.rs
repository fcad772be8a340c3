use sea_orm::entity::prelude::*;

/// An immutable snapshot of a plan as it stood from `created_at` on: what was
/// prescribed on any past day stays answerable after later edits.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_plan_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub changed_by: Uuid,
    /// What changed, e.g. `exercise_added`.
    pub change: String,
    /// JSON of the whole plan at this version.
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
