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

crate::vocabulary! {
    /// What the message was for, stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Purpose {
        Reminder = "reminder",
        /// A therapist's alert about a patient.
        Alert = "alert",
        /// The user asked for a test message to a device.
        Test = "test",
        /// A new message in a patient's thread (no text, only that there is one).
        Message = "message",
    }
}

crate::vocabulary! {
    /// What came of the attempt, stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Outcome {
        Delivered = "delivered",
        Retry = "retry",
        Expired = "expired",
        Rejected = "rejected",
        Failed = "failed",
        Refused = "refused",
    }
}
