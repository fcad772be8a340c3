use sea_orm::entity::prelude::*;

/// When a patient wants to be reminded of one kind of task: a local wall-clock time on
/// some days of the week. One rule per patient and kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_rule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// `exercises`, `check_in`, `lesson`, or a session reminder kind.
    pub kind: crate::reminder_kind::ReminderKind,
    /// Minutes after local midnight, 0–1439.
    pub local_minute: i16,
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub days_mask: i16,
    pub enabled: bool,
    /// The patient's IANA zone, kept in step with their account.
    pub timezone: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
