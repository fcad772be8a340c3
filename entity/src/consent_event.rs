use sea_orm::entity::prelude::*;

/// One change of a patient's consent: which consent, the new value, who changed it and
/// when. Append-only by convention; purged with the patient record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub consent: Consent,
    pub granted: bool,
    /// The account that made the change; `None` when the server did (none yet).
    pub changed_by: Option<Uuid>,
    pub changed_by_role: crate::audit_event::ActorRole,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(32))")]
    pub enum Consent {
        Reminders = "reminders",
        PhysicianSharing = "physician_sharing",
    }
}
