use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clinic")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// IANA zone used for patients until they pick their own.
    pub timezone: String,
    /// Seeded by `fascia demo`; the demo refuses to touch a database with real clinics.
    pub is_demo: bool,
    /// Used in red-flag guidance; `None` says "emergency services".
    pub emergency_number: Option<String>,
    /// The clinic's own phone, for patients told to get in touch.
    pub clinic_phone: Option<String>,
    /// Crisis line for thoughts of self-harm; `None` falls back to the emergency number.
    pub crisis_line: Option<String>,
    /// How long an emergency or same-day red-flag alert may stay unacknowledged before
    /// it is pushed to the clinic's admins and the patient's other therapists.
    pub escalation_delay_seconds: i32,
    /// A session note signed more than this many days after the session is marked late.
    pub late_note_days: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
