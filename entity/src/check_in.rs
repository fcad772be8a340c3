use sea_orm::entity::prelude::*;

/// How the patient was at one moment: pain, where it hurt, stress, sleep. The id is made
/// on the phone, so an offline check-in synced any number of times is stored once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_in")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// Device instant.
    pub recorded_at: DateTimeUtc,
    /// `recorded_at` in the patient's zone, derived by the server.
    pub local_date: Date,
    pub pain: Option<i16>,
    pub stress: Option<i16>,
    pub sleep_quality: Option<i16>,
    /// The one medicine class of the quick answer ("what did you take for the pain?").
    pub medication: Option<Medication>,
    /// JSON array of `{class, name?, dose?}`: medicines named by class, with free text.
    pub medications: String,
    /// JSON array of `{region, side, intensity, qualities}`.
    pub pain_sites: String,
    /// JSON array of red-flag symptom codes.
    pub red_flags: String,
    /// `daily` | `pre_session` | `post_session` | `flare`.
    pub context: Context,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    /// Moves on every edit and on deletion; the sync cursor follows it.
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Why the check-in was made; stored as the `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Context {
    #[sea_orm(string_value = "daily")]
    Daily,
    #[sea_orm(string_value = "pre_session")]
    PreSession,
    #[sea_orm(string_value = "post_session")]
    PostSession,
    #[sea_orm(string_value = "flare")]
    Flare,
}

/// The medicine class a check-in's quick answer names; stored as the `snake_case` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Medication {
    #[sea_orm(string_value = "none")]
    None,
    #[sea_orm(string_value = "non_opioid")]
    NonOpioid,
    #[sea_orm(string_value = "opioid")]
    Opioid,
    #[sea_orm(string_value = "anticoagulant")]
    Anticoagulant,
    #[sea_orm(string_value = "antiplatelet")]
    Antiplatelet,
    #[sea_orm(string_value = "corticosteroid")]
    Corticosteroid,
    #[sea_orm(string_value = "muscle_relaxant")]
    MuscleRelaxant,
}
