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

crate::vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Outcome {
        /// The report page was shown.
        Shown = "shown",
        /// The PDF was downloaded.
        Pdf = "pdf",
        /// The code form was shown (no code sent yet).
        CodeAsked = "code_asked",
        WrongCode = "wrong_code",
        /// Refused by the throttle.
        Throttled = "throttled",
        Expired = "expired",
        Revoked = "revoked",
        /// No link has this token.
        Unknown = "unknown",
    }
}
