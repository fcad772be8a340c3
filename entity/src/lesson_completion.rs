use sea_orm::entity::prelude::*;

/// A patient finished a lesson and answered its check questions. Client-generated id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lesson_completion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub lesson_id: Uuid,
    pub completed_at: DateTimeUtc,
    pub local_date: Date,
    /// JSON array of chosen option indexes, one per question.
    pub answers: crate::JsonText<Vec<u8>>,
    pub correct_count: i16,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
