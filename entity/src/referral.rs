use sea_orm::entity::prelude::*;

/// A physician's referral (prescription) for treatment. A patient may have several over
/// time; the newest in force is the one that matters.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    pub physician_name: String,
    pub physician_practice: Option<String>,
    pub physician_phone: Option<String>,
    pub physician_fax: Option<String>,
    pub physician_email: Option<String>,
    /// 10 digits whose last is the NPI check digit.
    pub physician_npi: Option<String>,
    pub referral_date: Date,
    /// JSON of `fascia::stored::referral::DiagnosesV1`.
    #[sea_orm(column_type = "Text")]
    pub diagnoses: String,
    /// What was ordered, e.g. "medical massage 2x/week for 6 weeks".
    #[sea_orm(column_type = "Text")]
    pub ordered: String,
    pub visits_ordered: Option<i32>,
    pub expires_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub precautions: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
