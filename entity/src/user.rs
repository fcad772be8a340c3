use sea_orm::entity::prelude::*;

use crate::Role;

/// `app_user`, because `user` is a reserved word in PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub role: Role,
    /// Lower-cased and trimmed; unique across all clinics because it is the login name.
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub display_name: String,
    pub timezone: String,
    pub disabled_at: Option<DateTimeUtc>,
    /// Access tokens issued before this instant are refused.
    pub password_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
