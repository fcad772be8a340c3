//! The kind of task a reminder is about, as both reminder rules and their outbox rows
//! store it. One enum for the two tables, because an occurrence copies its rule's kind.

use sea_orm::entity::prelude::*;

/// Stored as the `snake_case` word the API also uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReminderKind {
    #[sea_orm(string_value = "exercises")]
    Exercises,
    #[sea_orm(string_value = "check_in")]
    CheckIn,
    #[sea_orm(string_value = "lesson")]
    Lesson,
    #[sea_orm(string_value = "appointment_24h")]
    Appointment24h,
    #[sea_orm(string_value = "appointment_2h")]
    Appointment2h,
    #[sea_orm(string_value = "post_session")]
    PostSession,
}
