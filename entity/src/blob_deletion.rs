use sea_orm::entity::prelude::*;

/// An attachment object waiting to be deleted from the blob store (the outbox an
/// erasure fills; a worker empties it once the store confirms each delete).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blob_deletion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: Uuid,
    /// Deletes tried and failed so far.
    pub attempts: i32,
    /// When the worker may try (again).
    pub next_attempt_at: DateTimeUtc,
    /// The last failure, for operators; never the object's bytes or a credential.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
