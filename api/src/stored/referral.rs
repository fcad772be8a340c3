//! The diagnoses of a referral as `referral.diagnoses` keeps them: a JSON array of
//! `{ "code": "M54.2", "description": "..." }`, codes upper-case ICD-10-CM as validated
//! on the way in. Unknown fields are ignored, so a later build may add some.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisV1 {
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DiagnosesV1(pub Vec<DiagnosisV1>);

impl DiagnosesV1 {
    pub fn decode(text: &str) -> Result<Self, sea_orm::DbErr> {
        super::decode("referral.diagnoses", text)
    }

    pub fn encode(&self) -> String {
        super::encode(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_diagnoses_read_back_and_junk_is_an_error() {
        let stored = r#"[{"code":"M54.2","description":"Neck pain"}]"#;
        let d = DiagnosesV1::decode(stored).unwrap();
        assert_eq!(d.0[0].code, "M54.2");
        assert_eq!(DiagnosesV1::decode(&d.encode()).unwrap(), d);
        assert!(DiagnosesV1::decode(r#"{"code":"M54.2"}"#).is_err());
    }
}
