//! The three kinds of account. Stored as a short lowercase string so both SQLite and
//! PostgreSQL read it the same way.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Admin = "admin",
        Therapist = "therapist",
        Patient = "patient",
    }
}
