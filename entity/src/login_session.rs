use sea_orm::entity::prelude::*;

/// Where a login session (a refresh-token family) began. Whether it is still live is
/// decided by its refresh tokens, never by this row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_session")]
pub struct Model {
    /// The refresh-token family id, which is also the `sid` of its access tokens.
    #[sea_orm(primary_key, auto_increment = false)]
    pub family_id: Uuid,
    pub user_id: Uuid,
    /// A short description of the browser and system, derived from the user agent.
    pub device_label: String,
    pub address: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
