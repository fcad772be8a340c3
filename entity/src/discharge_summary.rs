use sea_orm::entity::prelude::*;

/// How a care plan ended: one row per discharged plan (`care_plan_id` is unique).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discharge_summary")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    #[sea_orm(unique)]
    pub care_plan_id: Uuid,
    pub reason: Reason,
    /// What the patient keeps doing at home, in the therapist's words.
    pub home_programme: String,
    /// JSON (`fascia::stored::discharge::DischargeSummaryV1`): goals and outcome measures
    /// as they stood at discharge.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub discharged_by: Uuid,
    pub discharged_at: DateTimeUtc,
    /// The patient's local date of the discharge.
    pub discharge_date: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stored as the snake_case word; a value outside these fails the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Reason {
    #[sea_orm(string_value = "goals_met")]
    GoalsMet,
    #[sea_orm(string_value = "plateau")]
    Plateau,
    #[sea_orm(string_value = "referred_back")]
    ReferredBack,
    #[sea_orm(string_value = "patient_choice")]
    PatientChoice,
    #[sea_orm(string_value = "authorization_ended")]
    AuthorizationEnded,
}
