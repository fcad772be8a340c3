//! The three kinds of account. Stored as a short lowercase string so both SQLite and
//! PostgreSQL read it the same way.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "therapist")]
    Therapist,
    #[sea_orm(string_value = "patient")]
    Patient,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Therapist => "therapist",
            Role::Patient => "patient",
        }
    }
}
