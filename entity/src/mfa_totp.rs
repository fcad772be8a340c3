use sea_orm::entity::prelude::*;

/// An account's TOTP authenticator. Pending until `confirmed_at` is set by a first good
/// code; only a confirmed one is asked for at login.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mfa_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The base32 secret, sealed with the data key (context names the account).
    pub secret_sealed: String,
    pub confirmed_at: Option<DateTimeUtc>,
    /// The last time step a code was accepted for; codes of that step or earlier are refused.
    pub last_step: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
