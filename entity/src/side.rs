//! Which side of the body a one-sided exercise is done on, as library exercises and plan
//! prescriptions store it.

use sea_orm::entity::prelude::*;

/// Stored as the lowercase word; `none` for exercises that have no side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Side {
    #[sea_orm(string_value = "left")]
    Left,
    #[sea_orm(string_value = "right")]
    Right,
    #[sea_orm(string_value = "both")]
    Both,
    #[sea_orm(string_value = "none")]
    None,
}
