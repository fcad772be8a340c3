use sea_orm::entity::prelude::*;

/// One scar assessed in one session: its site, size and the four Vancouver Scar Scale
/// items with their total (computed by the server, never taken from a request).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scar_assessment")]
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
    /// The therapist's words for the scar; may be empty.
    pub label: String,
    pub length_mm: i32,
    pub width_mm: i32,
    pub pigmentation: i16,
    pub vascularity: i16,
    pub pliability: i16,
    pub height: i16,
    pub total: i16,
    pub recorded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
