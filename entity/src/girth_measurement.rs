use sea_orm::entity::prelude::*;

/// One circumference taken in one session at a set distance from a landmark.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "girth_measurement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Uuid,
    /// The appointment's start, so series sort by session.
    pub measured_at: DateTimeUtc,
    pub region: crate::BodyRegion,
    /// `left` | `right` at paired regions, `none` on the midline.
    pub side: crate::Side,
    /// The therapist's own words for the bony landmark ("above the lateral malleolus"),
    /// trimmed, at most `fascia::clinical::girth::MAX_LANDMARK_CHARS` characters. Free
    /// text by design, not a vocabulary, so it stays a string.
    pub landmark: String,
    /// Whole millimetres from the landmark.
    pub distance_mm: i32,
    /// Whole millimetres around.
    pub circumference_mm: i32,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
