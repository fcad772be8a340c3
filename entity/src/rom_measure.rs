use sea_orm::entity::prelude::*;

/// One range-of-motion measurement taken in a session (replaced whole when the note is
/// edited).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rom_measure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_note_id: Uuid,
    pub patient_id: Uuid,
    /// The appointment's start.
    pub measured_at: DateTimeUtc,
    pub region: String,
    /// `left` | `right` | `none`.
    pub side: String,
    pub movement: String,
    pub degrees: i16,
    pub position: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
