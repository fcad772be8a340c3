use sea_orm::entity::prelude::*;

/// One link in a refresh-token family. Each use rotates to a new row; presenting a
/// rotated row again means the token leaked, and the whole family is revoked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Idle limit of this link, never later than the family's absolute limit.
    pub expires_at: DateTimeUtc,
    /// Absolute limit of the whole login session.
    pub family_expires_at: DateTimeUtc,
    pub rotated_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
