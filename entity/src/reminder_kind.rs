//! The kind of task a reminder is about, as both reminder rules and their outbox rows
//! store it. One enum for the two tables, because an occurrence copies its rule's kind.

use sea_orm::entity::prelude::*;

crate::vocabulary! {
    /// Stored as the `snake_case` word the API also uses.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum ReminderKind {
        Exercises = "exercises",
        CheckIn = "check_in",
        Lesson = "lesson",
        Appointment24h = "appointment_24h",
        Appointment2h = "appointment_2h",
        PostSession = "post_session",
    }
}
