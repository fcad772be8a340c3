use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// JSON of [`DiagnosesV1`].
    pub diagnoses: crate::JsonText<DiagnosesV1>,
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

/// One diagnosis as `referral.diagnoses` keeps it: `{ "code": "M54.2", "description": "..." }`,
/// the code upper-case ICD-10-CM as validated on the way in. Unknown fields are ignored,
/// so a later build may add some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisV1 {
    pub code: String,
    pub description: String,
}

/// The `referral.diagnoses` column: a JSON array of [`DiagnosisV1`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DiagnosesV1(pub Vec<DiagnosisV1>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    #[test]
    fn stored_diagnoses_read_back_and_junk_is_an_error() {
        let stored = r#"[{"code":"M54.2","description":"Neck pain"}]"#;
        let d = JsonText::<DiagnosesV1>::from_text("referral.diagnoses", stored).unwrap();
        assert_eq!(d.0.0[0].code, "M54.2");
        assert_eq!(d.to_text(), stored);
        assert!(JsonText::<DiagnosesV1>::from_text("referral.diagnoses", r#"{"code":"M54.2"}"#).is_err());
    }
}
