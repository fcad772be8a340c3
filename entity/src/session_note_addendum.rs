use sea_orm::entity::prelude::*;

/// A correction or late entry added to a signed session note. Append-only: the database
/// refuses UPDATE and DELETE.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_note_addendum")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_note_id: Uuid,
    pub patient_id: Uuid,
    /// Whoever added it (any clinician who may see the note), set by the server.
    pub author_id: Uuid,
    pub reason: String,
    pub text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
