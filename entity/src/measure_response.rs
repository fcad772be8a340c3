use sea_orm::entity::prelude::*;

/// A patient's answers to one outcome measure with the score computed when stored.
/// Client-generated id, stored once however often it is replayed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_response")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub instrument: crate::InstrumentId,
    /// JSON array, one entry per item, `null` for an unanswered item.
    pub answers: crate::JsonText<Vec<Option<u8>>>,
    pub score: f64,
    pub recorded_at: DateTimeUtc,
    pub local_date: Date,
    pub created_at: DateTimeUtc,
    /// The schedule answered; null in rows stored before it was recorded.
    pub schedule_id: Option<Uuid>,
    /// Patient-specific instruments only: JSON array of the activity texts rated, in
    /// answer order. Null for other instruments and in older rows.
    pub activities: Option<crate::JsonText<Vec<String>>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
