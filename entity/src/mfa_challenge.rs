use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// What a second-step challenge lets its holder do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    #[serde(rename_all = "snake_case")]
    pub enum Purpose {
        /// Finish a login with a TOTP or recovery code.
        Login = "login",
        /// Enrol TOTP first, because the clinic requires it, then finish the login.
        Enrol = "enrol",
    }
}

/// A short-lived, single-use token handed out after a correct password when a second
/// factor is needed. Stored as its SHA-256 only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mfa_challenge")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub purpose: Purpose,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
