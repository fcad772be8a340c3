use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// JSON array of [`MedicationTakenV1`]: medicines named by class, with free text.
    pub medications: crate::JsonText<Vec<MedicationTakenV1>>,
    /// JSON array of [`PainSiteV1`]: the body map.
    pub pain_sites: crate::JsonText<Vec<PainSiteV1>>,
    /// JSON of [`crate::RedFlagsV1`]: the red-flag symptoms named, sorted.
    pub red_flags: crate::JsonText<crate::RedFlagsV1>,
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

// The JSON kept in `check_in.medications` and `check_in.pain_sites`, version 1. Field
// names and order are those the columns were first written with, so a row reads back and
// a new one is written byte for byte as before. Vocabulary words (medicine classes, body
// regions, sides, pain qualities) stay text, as red-flag words do (see `crate::red_flags`):
// the services read them with the domain's word lists, and a word those do not know is a
// corrupt value where the check-in is shown, not a row that no query can read.

/// One medicine named in a check-in: `{"class":"opioid","name":"...","dose":"..."}`, the
/// free-text fields left out when not given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MedicationTakenV1 {
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
}

/// One marked spot of the body map:
/// `{"region":"neck","side":null,"intensity":3,"qualities":["aching","stiff"]}`; `side` is
/// `null` on the midline, `qualities` sorted in the vocabulary's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PainSiteV1 {
    pub region: String,
    pub side: Option<String>,
    pub intensity: u8,
    pub qualities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    #[test]
    fn medications_read_back_and_write_as_before() {
        let stored = r#"[{"class":"opioid","name":"Tramadol","dose":"50 mg"},{"class":"none"}]"#;
        let read = JsonText::<Vec<MedicationTakenV1>>::from_text("check_in.medications", stored).unwrap();
        assert_eq!(read.0[1], MedicationTakenV1 { class: "none".into(), name: None, dose: None });
        assert_eq!(read.to_text(), stored);
    }

    #[test]
    fn pain_sites_read_back_and_write_as_before() {
        let stored = r#"[{"region":"neck","side":null,"intensity":3,"qualities":["aching","stiff"]},{"region":"knee","side":"left","intensity":10,"qualities":[]}]"#;
        let read = JsonText::<Vec<PainSiteV1>>::from_text("check_in.pain_sites", stored).unwrap();
        assert_eq!(read.0[1].side.as_deref(), Some("left"));
        assert_eq!(read.to_text(), stored);
    }

    #[test]
    fn json_columns_of_another_shape_are_errors() {
        assert!(JsonText::<Vec<MedicationTakenV1>>::from_text("check_in.medications", r#"[{"name":"x"}]"#).is_err());
        assert!(JsonText::<Vec<PainSiteV1>>::from_text("check_in.pain_sites", r#"[{"region":"neck"}]"#).is_err());
        assert!(
            JsonText::<Vec<PainSiteV1>>::from_text(
                "check_in.pain_sites",
                r#"[{"region":"neck","side":null,"intensity":300,"qualities":[]}]"#
            )
            .is_err()
        );
        assert!(JsonText::<Vec<PainSiteV1>>::from_text("check_in.pain_sites", "{not json").is_err());
    }
}
