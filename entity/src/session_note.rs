use sea_orm::entity::prelude::*;

/// The therapist's SOAP note for one appointment (at most one per appointment).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_note")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    pub author_id: Uuid,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
