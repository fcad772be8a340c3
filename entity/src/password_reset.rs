use sea_orm::entity::prelude::*;

/// One password-reset request. Every request is kept (the throttle counts them), but only
/// one for a live account carries a token, stored as its SHA-256; it works once, until
/// `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The account, when the address named one.
    pub user_id: Option<Uuid>,
    /// SHA-256 of the normalised email asked for, so requests for unknown addresses can
    /// be counted without storing the address.
    pub email_digest: String,
    /// The client address the request came from.
    pub address: String,
    #[sea_orm(unique)]
    pub token_hash: Option<String>,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
