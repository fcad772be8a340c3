use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The therapist's SOAP note for one appointment (at most one per appointment), with the
/// treatment given. A draft until its author signs it; a signed note never changes
/// (corrections are rows of `session_note_addendum`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_note")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    /// Who wrote the note first; the only one who may sign it.
    pub author_id: Uuid,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Starts at 1 and moves on every write (edit, signature, addendum): the ETag.
    pub version: i32,
    /// When the author signed it; `None` while it is a draft.
    pub signed_at: Option<DateTimeUtc>,
    /// Signed more than the clinic's `late_note_days` after the session's date.
    pub signed_late: bool,
    /// How the patient was placed; `None` when not recorded.
    pub position: Option<Position>,
    pub pressure: Option<Pressure>,
    /// The patient's response to treatment; empty when not recorded.
    pub response: String,
    /// Techniques and regions treated; `None` in notes written before they were asked for.
    pub treatment: Option<Treatment>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Position {
        Prone = "prone",
        Supine = "supine",
        SideLying = "side_lying",
        Seated = "seated",
    }
}

crate::vocabulary! {
    /// Stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(16))")]
    pub enum Pressure {
        Light = "light",
        Moderate = "moderate",
        Firm = "firm",
    }
}

/// Current layout of [`Treatment`]; a stored value of another version is an error.
pub const TREATMENT_VERSION: u16 = 1;

/// The `treatment` JSON column: `{"v": 1, "techniques": [...], "regions": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    pub v: u16,
    pub techniques: Vec<Technique>,
    /// Body-region words of `fascia::clinical::body::BodyRegion`.
    pub regions: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    Swedish,
    MyofascialRelease,
    TriggerPoint,
    Neuromuscular,
    LymphaticDrainage,
    ScarMobilisation,
    InstrumentAssisted,
    Cupping,
    Stretching,
}
