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
    pub purpose: Purpose,
    /// The push service's HTTP status; none when it could not be reached.
    pub http_status: Option<i32>,
    pub outcome: Outcome,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What the message was for, stored as the lowercase word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Purpose {
    #[sea_orm(string_value = "reminder")]
    Reminder,
    /// A therapist's alert about a patient.
    #[sea_orm(string_value = "alert")]
    Alert,
    /// The user asked for a test message to a device.
    #[sea_orm(string_value = "test")]
    Test,
    /// A new message in a patient's thread (no text, only that there is one).
    #[sea_orm(string_value = "message")]
    Message,
}

/// What came of the attempt, stored as the lowercase word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Outcome {
    #[sea_orm(string_value = "delivered")]
    Delivered,
    #[sea_orm(string_value = "retry")]
    Retry,
    #[sea_orm(string_value = "expired")]
    Expired,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "failed")]
    Failed,
    #[sea_orm(string_value = "refused")]
    Refused,
}
