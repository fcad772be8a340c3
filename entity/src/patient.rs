use sea_orm::entity::prelude::*;

/// The clinical record. It exists before the patient has an account (`user_id` is set
/// when the invite is accepted) and outlives archiving.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    #[sea_orm(unique)]
    pub user_id: Option<Uuid>,
    pub primary_therapist_id: Uuid,
    pub display_name: String,
    /// Lower-cased display name, so search is case-insensitive on both backends.
    pub search_name: String,
    pub referring_physician_name: Option<String>,
    pub referring_physician_contact: Option<String>,
    pub diagnosis: Option<String>,
    /// ICD-10 codes joined with ',' (codes never contain one).
    pub icd10_codes: String,
    pub precautions: Option<String>,
    pub baseline_pain: Option<i16>,
    /// Days without a check-in before the therapist gets a disengaged alert.
    pub disengaged_after_days: i16,
    pub consent_reminders: bool,
    pub consent_physician_sharing: bool,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
