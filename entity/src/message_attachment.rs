use sea_orm::entity::prelude::*;

/// An image attached to a message. The bytes (metadata stripped) and the thumbnail are in
/// the blob store under `blob_key` and `thumb_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_attachment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub message_id: Uuid,
    pub patient_id: Uuid,
    /// 0-based order within the message.
    pub position: i16,
    /// Sniffed from the bytes, never taken from the upload's name or header.
    pub kind: ImageKind,
    pub byte_size: i32,
    pub width: i32,
    pub height: i32,
    pub blob_key: Uuid,
    pub thumb_key: Uuid,
    pub thumb_byte_size: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// The accepted image formats, stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum ImageKind {
        Jpeg = "jpeg",
        Png = "png",
    }
}
