use sea_orm::entity::prelude::*;

/// The reminder outbox: one row per rule and local day, created ahead of time and then
/// leased, sent and acknowledged by a worker. `UNIQUE(rule_id, local_date)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_occurrence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    pub patient_id: Uuid,
    /// The rule's kind, copied so the worker need not read the rule.
    pub kind: crate::reminder_kind::ReminderKind,
    pub local_date: Date,
    /// The instant the rule's local time gives, by the DST policy.
    pub due_at: DateTimeUtc,
    /// When a worker may next pick it up: `due_at`, or later after quiet hours or a retry.
    pub next_attempt_at: DateTimeUtc,
    /// `pending`, `leased`, `sent`, `skipped` or `failed`.
    pub status: Status,
    pub lease_token: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Where an occurrence is in the outbox; stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Status {
        /// Waiting for `next_attempt_at`.
        Pending = "pending",
        /// A worker holds it until `lease_until`.
        Leased = "leased",
        Sent = "sent",
        Skipped = "skipped",
        Failed = "failed",
    }
}

/// Rows read back in checks and logs are compared with the word the table holds, so a
/// status can be compared with that word directly.
impl PartialEq<&str> for Status {
    fn eq(&self, other: &&str) -> bool {
        self.to_value() == *other
    }
}
