//! The fixed vocabularies of a check-in besides the body map: red-flag symptoms, pain
//! medication and the situation the check-in was made in.

use serde::{Deserialize, Serialize};

/// Symptoms that may mean something other than muscle or fascia pain and need a
/// physician's eyes soon. Any of them answers the patient with guidance at once and
/// alerts the therapist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// New numbness or weakness in an arm or a leg.
    NewNumbnessOrWeakness,
    /// Numbness around the groin, buttocks or inner thighs.
    SaddleNumbness,
    /// New trouble controlling the bladder or bowel.
    BladderOrBowelChange,
    /// Fever together with back pain.
    FeverWithBackPain,
    ChestPain,
    ShortnessOfBreath,
    /// Pain at night that rest and position do not ease.
    SevereNightPain,
    UnexplainedWeightLoss,
    /// A fall, accident or blow since the last session.
    RecentTrauma,
    /// A sudden, severe headache unlike any before.
    SuddenSevereHeadache,
    /// A swollen, warm, red calf.
    CalfSwellingRedness,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Medication {
    None,
    NonOpioid,
    Opioid,
}

impl Medication {
    pub fn as_str(self) -> &'static str {
        match self {
            Medication::None => "none",
            Medication::NonOpioid => "non_opioid",
            Medication::Opioid => "opioid",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Medication::None, Medication::NonOpioid, Medication::Opioid].into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CheckInContext {
    #[default]
    Daily,
    /// Just before an in-clinic session.
    PreSession,
    /// Just after one.
    PostSession,
    /// During a flare-up, whenever it happens.
    Flare,
}

impl CheckInContext {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInContext::Daily => "daily",
            CheckInContext::PreSession => "pre_session",
            CheckInContext::PostSession => "post_session",
            CheckInContext::Flare => "flare",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [CheckInContext::Daily, CheckInContext::PreSession, CheckInContext::PostSession, CheckInContext::Flare]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}
