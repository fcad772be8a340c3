use sea_orm::entity::prelude::*;

/// An outcome measure the therapist asked the patient to answer every `every_days` days
/// from `starts_on`. At most one running schedule per patient and instrument.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_schedule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub instrument: crate::InstrumentId,
    pub every_days: i16,
    pub starts_on: Date,
    /// JSON array of activity names (patient-specific functional scale only).
    pub activities: crate::JsonText<Vec<String>>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
