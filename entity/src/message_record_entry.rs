use sea_orm::entity::prelude::*;

use crate::message::Author;

/// A message staff marked clinically relevant, copied into the clinical record as it
/// stood: the record keeps it after the thread itself is erased.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_record_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    #[sea_orm(unique)]
    pub message_id: Uuid,
    pub author: Author,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Attachments the message had (the images stay with the thread).
    pub attachment_count: i16,
    pub sent_at: DateTimeUtc,
    pub marked_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
