use sea_orm::entity::prelude::*;

/// Adaptive timing of one daily reminder rule: the patient's choice, the time they set
/// themselves, the last move with the numbers behind it, and the fatigue back-off.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_adaptation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule_id: Uuid,
    pub patient_id: Uuid,
    /// "Adapt to my routine".
    pub adapt: bool,
    /// The minute the patient (or therapist) chose; restored when adaptation is off.
    pub chosen_minute: i16,
    /// Local date of the last move (adaptive or by hand).
    pub changed_on: Option<Date>,
    pub moved_from: Option<i16>,
    pub moved_to: Option<i16>,
    /// Median local minute of the first activity behind the last move.
    pub median_minute: Option<i16>,
    /// Days with the activity behind the last move.
    pub observed_days: Option<i16>,
    /// Days in a row the reminder was sent and the task not done.
    pub ignored_days: i16,
    /// Set while the reminder comes only every other day.
    pub backoff_since: Option<Date>,
    pub next_review_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
