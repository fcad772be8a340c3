use sea_orm::entity::prelude::*;

/// One range-of-motion measurement taken in a session (replaced whole when the note is
/// edited).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rom_measure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_note_id: Uuid,
    pub patient_id: Uuid,
    /// The appointment's start.
    pub measured_at: DateTimeUtc,
    /// The region's word; every row ever written holds one of the body-map words.
    pub region: crate::BodyRegion,
    /// `left` | `right` | `none` (`both` in rows written before sides were per movement).
    /// For neck and trunk rotation and side bending, the way the patient turned or bent.
    pub side: crate::Side,
    /// A movement of the vocabulary in `fascia::clinical::rom`. Stays text: rows written
    /// before the vocabulary hold free-text movements that are shown as they were, so
    /// there is no closed set to type it with (`MeasuredMovement` reads it).
    pub movement: String,
    /// Signed where the movement can stop short of neutral (extension lag: negative).
    pub degrees: i16,
    pub position: i16,
    /// Null in rows written before it was recorded.
    pub mode: Option<Mode>,
    /// Null in older rows.
    pub method: Option<Method>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Who moved the joint; stored as the lowercase word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Mode {
        /// The patient, unaided.
        Active = "active",
        /// The therapist, with the patient relaxed.
        Passive = "passive",
    }
}

crate::vocabulary! {
    /// What measured the angle; stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(24))")]
    pub enum Method {
        Goniometer = "goniometer",
        Inclinometer = "inclinometer",
        VisualEstimate = "visual_estimate",
    }
}
