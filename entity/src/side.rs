//! Which side of the body a one-sided exercise is done on, as library exercises and plan
//! prescriptions store it.

use sea_orm::entity::prelude::*;

crate::vocabulary! {
    /// Stored as the lowercase word; `none` for exercises that have no side.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Side {
        Left = "left",
        Right = "right",
        Both = "both",
        None = "none",
    }
}
