use sea_orm::entity::prelude::*;

/// Attachment bytes kept in the database (the default blob store).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_blob")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: Uuid,
    /// Whose they are, so an erasure can remove them all at once.
    pub patient_id: Uuid,
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
