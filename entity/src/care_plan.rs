use sea_orm::entity::prelude::*;

/// A patient's home programme. At most one is `active` per patient (a partial unique
/// index). `version` goes up with every change; each version's content is kept in
/// `care_plan_version`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub title: String,
    pub status: Status,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub version: i32,
    /// Plan of care: in-clinic sessions per week and for how many weeks.
    pub sessions_per_week: Option<i16>,
    pub duration_weeks: Option<i16>,
    /// When the patient is due for re-evaluation.
    pub reevaluation_due: Option<Date>,
    /// The physician's current certification of the plan of care; a recertification
    /// replaces it (earlier ones stay in `care_plan_version`).
    pub certified_by: Option<String>,
    pub certified_on: Option<Date>,
    pub certified_until: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the lowercase word; a value outside these fails the read instead of
    /// passing for another status.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Status {
        Active = "active",
        Paused = "paused",
        Completed = "completed",
    }
}
