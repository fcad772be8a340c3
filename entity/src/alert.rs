use sea_orm::entity::prelude::*;

/// Something the therapist should look at. At most one unacknowledged alert per patient
/// and kind (a partial unique index).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    /// `red_flag` | `pain_spike` | `disengaged` | `low_adherence`.
    pub kind: String,
    /// Human-readable reason shown to the therapist.
    pub details: String,
    /// When what it is about happened (the check-in instant, the start of the silence).
    pub triggered_at: DateTimeUtc,
    /// The check-in that raised it, when one did.
    pub source_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    /// When a worker claimed pushing this alert to the therapist's devices.
    pub pushed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
