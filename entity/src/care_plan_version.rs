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
    /// What changed.
    pub change: Change,
    /// JSON of the whole plan at this version.
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
}

/// What a plan version changed; stored as the words earlier builds wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(64))")]
pub enum Change {
    #[sea_orm(string_value = "created")]
    Created,
    #[sea_orm(string_value = "plan_updated")]
    PlanUpdated,
    #[sea_orm(string_value = "goal_added")]
    GoalAdded,
    #[sea_orm(string_value = "goal_updated")]
    GoalUpdated,
    #[sea_orm(string_value = "exercise_added")]
    ExerciseAdded,
    #[sea_orm(string_value = "exercise_changed")]
    ExerciseChanged,
    #[sea_orm(string_value = "exercise_removed")]
    ExerciseRemoved,
    #[sea_orm(string_value = "exercise_moved")]
    ExerciseMoved,
    #[sea_orm(string_value = "lesson_added")]
    LessonAdded,
    #[sea_orm(string_value = "lesson_removed")]
    LessonRemoved,
    #[sea_orm(string_value = "certified")]
    Certified,
    #[sea_orm(string_value = "recertified")]
    Recertified,
    #[sea_orm(string_value = "discharged")]
    Discharged,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
