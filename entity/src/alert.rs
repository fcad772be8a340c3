use sea_orm::entity::prelude::*;

/// Something the therapist should look at. At most one unacknowledged alert per patient
/// and kind (a partial unique index); a red-flag alert collects every flag reported
/// while it is open, and each new flag pushes it again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    /// `red_flag` | `pain_spike` | `disengaged` | `low_adherence` | `authorization_low` |
    /// `authorization_expiring`.
    pub kind: Kind,
    /// Human-readable reason shown to the therapist.
    pub details: String,
    /// When what it is about happened (the check-in instant, the start of the silence).
    pub triggered_at: DateTimeUtc,
    /// The check-in that raised it, when one did; for authorization alerts, the
    /// authorization.
    pub source_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    /// When a worker claimed pushing this alert to the therapist's devices.
    pub pushed_at: Option<DateTimeUtc>,
    /// Red-flag alerts: the flags reported while it was open (JSON of
    /// [`crate::RedFlagsV1`]); `[]` otherwise.
    pub flags: crate::JsonText<crate::RedFlagsV1>,
    /// Red-flag alerts: the highest tier among `flags`.
    pub tier: Option<Tier>,
    /// When it first carried an emergency or same-day flag: the escalation delay runs from here.
    pub urgent_since: Option<DateTimeUtc>,
    /// When it was escalated to the clinic's admins and the patient's other therapists.
    pub escalated_at: Option<DateTimeUtc>,
    /// Moves when flags are added; `None` only for rows older than this column.
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Stored as the `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Kind {
    #[sea_orm(string_value = "red_flag")]
    RedFlag,
    #[sea_orm(string_value = "pain_spike")]
    PainSpike,
    #[sea_orm(string_value = "disengaged")]
    Disengaged,
    #[sea_orm(string_value = "low_adherence")]
    LowAdherence,
    #[sea_orm(string_value = "authorization_low")]
    AuthorizationLow,
    #[sea_orm(string_value = "authorization_expiring")]
    AuthorizationExpiring,
}

/// How urgent a red-flag alert is; stored as the `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Tier {
    #[sea_orm(string_value = "emergency_now")]
    EmergencyNow,
    #[sea_orm(string_value = "same_day")]
    SameDay,
    #[sea_orm(string_value = "soon")]
    Soon,
}
