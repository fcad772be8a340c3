use sea_orm::entity::prelude::*;

/// One attempt to hand a message to a push service, whatever came of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The reminder it carried; none for test and alert messages.
    pub occurrence_id: Option<Uuid>,
    pub subscription_id: Uuid,
    /// `reminder`, `test` or `alert`.
    pub purpose: String,
    /// The push service's HTTP status; none when it could not be reached.
    pub http_status: Option<i32>,
    /// `delivered`, `retry`, `expired`, `rejected`, `failed` or `refused`.
    pub outcome: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
