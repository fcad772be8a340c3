use sea_orm::entity::prelude::*;

/// Minutes of one timed procedure code in a session note (replaced whole while the note
/// is a draft). Units are derived from these by the 8-minute rule, never stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "timed_procedure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_note_id: Uuid,
    pub patient_id: Uuid,
    pub code: Code,
    /// 1–120.
    pub minutes: i16,
    /// Order as the therapist listed them.
    pub position: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// A CPT-style code, stored as its digits (an identifier only).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(8))")]
    pub enum Code {
        C97124 = "97124",
        C97140 = "97140",
        C97110 = "97110",
        C97112 = "97112",
        C97530 = "97530",
    }
}
