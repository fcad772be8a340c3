use sea_orm::entity::prelude::*;

/// One attempt to open a share link: when, from where, with what browser, and how it
/// went. Unknown tokens are logged too (no link), so guessing is throttled per address.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_link_view")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub share_link_id: Option<Uuid>,
    pub at: DateTimeUtc,
    pub address: String,
    pub user_agent: Option<String>,
    pub outcome: Outcome,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Outcome {
    /// The report page was shown.
    #[sea_orm(string_value = "shown")]
    Shown,
    /// The PDF was downloaded.
    #[sea_orm(string_value = "pdf")]
    Pdf,
    /// The code form was shown (no code sent yet).
    #[sea_orm(string_value = "code_asked")]
    CodeAsked,
    #[sea_orm(string_value = "wrong_code")]
    WrongCode,
    /// Refused by the throttle.
    #[sea_orm(string_value = "throttled")]
    Throttled,
    #[sea_orm(string_value = "expired")]
    Expired,
    #[sea_orm(string_value = "revoked")]
    Revoked,
    /// No link has this token.
    #[sea_orm(string_value = "unknown")]
    Unknown,
}
