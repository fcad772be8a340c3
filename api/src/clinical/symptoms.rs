//! The fixed vocabularies of a check-in besides the body map: red-flag symptoms, pain
//! medication and the situation the check-in was made in.

use serde::{Deserialize, Serialize};

/// Symptoms that may mean something other than muscle or fascia pain and need a
/// physician's eyes. Any of them answers the patient with guidance at once and alerts the
/// therapist; [`super::red_flags`] gives each its tier, wording and source.
///
/// New values are only ever appended: stored check-ins keep their flags sorted in this
/// order, and a replay is compared with the stored text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// New numbness or weakness in an arm or a leg, or spreading.
    NewNumbnessOrWeakness,
    /// Numbness around the groin, buttocks or inner thighs.
    SaddleNumbness,
    /// New trouble controlling the bladder or bowel.
    BladderOrBowelChange,
    /// Fever together with back pain.
    FeverWithBackPain,
    /// Chest pain, pressure or tightness.
    ChestPain,
    /// Sudden shortness of breath.
    ShortnessOfBreath,
    /// Pain that wakes you every night and that rest and position do not ease.
    SevereNightPain,
    UnexplainedWeightLoss,
    /// A fall, accident or blow since the last session.
    RecentTrauma,
    /// A sudden, severe headache unlike any before.
    SuddenSevereHeadache,
    /// A swollen, warm, red or painful calf.
    CalfSwellingRedness,
    /// Dizziness or light-headedness when moving or stretching the neck.
    DizzinessWithNeckMovement,
    DoubleVision,
    /// Falling to the ground suddenly without losing consciousness.
    DropAttacks,
    SlurredSpeech,
    TroubleSwallowing,
    /// Numbness of the face, or one side of the face drooping.
    FacialNumbnessOrDroop,
    /// Hands newly clumsy: dropping things, trouble with buttons or writing.
    ClumsyHands,
    /// Walking newly unsteady, as if the legs do not do what you ask.
    UnsteadyWalking,
    /// Tingling, numbness or weakness in both arms or both legs.
    SymptomsInBothArmsOrLegs,
    /// Fever, chills or drenching night sweats.
    FeverOrNightSweats,
    /// Fever together with neck pain or a stiff neck.
    FeverWithNeckPain,
    /// A joint that is hot, swollen and painful.
    HotSwollenJoint,
    /// Bruising or bleeding that is unusual for you.
    UnusualBruisingOrBleeding,
    /// New or different pain when you have had cancer.
    NewPainWithCancerHistory,
    /// Thoughts of harming yourself or of ending your life.
    SelfHarmThoughts,
}

impl RedFlag {
    pub const ALL: [RedFlag; 26] = [
        RedFlag::NewNumbnessOrWeakness,
        RedFlag::SaddleNumbness,
        RedFlag::BladderOrBowelChange,
        RedFlag::FeverWithBackPain,
        RedFlag::ChestPain,
        RedFlag::ShortnessOfBreath,
        RedFlag::SevereNightPain,
        RedFlag::UnexplainedWeightLoss,
        RedFlag::RecentTrauma,
        RedFlag::SuddenSevereHeadache,
        RedFlag::CalfSwellingRedness,
        RedFlag::DizzinessWithNeckMovement,
        RedFlag::DoubleVision,
        RedFlag::DropAttacks,
        RedFlag::SlurredSpeech,
        RedFlag::TroubleSwallowing,
        RedFlag::FacialNumbnessOrDroop,
        RedFlag::ClumsyHands,
        RedFlag::UnsteadyWalking,
        RedFlag::SymptomsInBothArmsOrLegs,
        RedFlag::FeverOrNightSweats,
        RedFlag::FeverWithNeckPain,
        RedFlag::HotSwollenJoint,
        RedFlag::UnusualBruisingOrBleeding,
        RedFlag::NewPainWithCancerHistory,
        RedFlag::SelfHarmThoughts,
    ];

    /// The wire name, e.g. `chest_pain`.
    pub fn as_str(self) -> &'static str {
        match self {
            RedFlag::NewNumbnessOrWeakness => "new_numbness_or_weakness",
            RedFlag::SaddleNumbness => "saddle_numbness",
            RedFlag::BladderOrBowelChange => "bladder_or_bowel_change",
            RedFlag::FeverWithBackPain => "fever_with_back_pain",
            RedFlag::ChestPain => "chest_pain",
            RedFlag::ShortnessOfBreath => "shortness_of_breath",
            RedFlag::SevereNightPain => "severe_night_pain",
            RedFlag::UnexplainedWeightLoss => "unexplained_weight_loss",
            RedFlag::RecentTrauma => "recent_trauma",
            RedFlag::SuddenSevereHeadache => "sudden_severe_headache",
            RedFlag::CalfSwellingRedness => "calf_swelling_redness",
            RedFlag::DizzinessWithNeckMovement => "dizziness_with_neck_movement",
            RedFlag::DoubleVision => "double_vision",
            RedFlag::DropAttacks => "drop_attacks",
            RedFlag::SlurredSpeech => "slurred_speech",
            RedFlag::TroubleSwallowing => "trouble_swallowing",
            RedFlag::FacialNumbnessOrDroop => "facial_numbness_or_droop",
            RedFlag::ClumsyHands => "clumsy_hands",
            RedFlag::UnsteadyWalking => "unsteady_walking",
            RedFlag::SymptomsInBothArmsOrLegs => "symptoms_in_both_arms_or_legs",
            RedFlag::FeverOrNightSweats => "fever_or_night_sweats",
            RedFlag::FeverWithNeckPain => "fever_with_neck_pain",
            RedFlag::HotSwollenJoint => "hot_swollen_joint",
            RedFlag::UnusualBruisingOrBleeding => "unusual_bruising_or_bleeding",
            RedFlag::NewPainWithCancerHistory => "new_pain_with_cancer_history",
            RedFlag::SelfHarmThoughts => "self_harm_thoughts",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Medicine taken since the last check-in, by the class that matters for pain care or
/// for massage safety (blood thinners bruise easily; steroids thin skin and bone; muscle
/// relaxants dull the feedback a stretch relies on). The first three are the original
/// pain-medication values; old clients keep sending them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Medication {
    None,
    NonOpioid,
    Opioid,
    /// A blood thinner such as warfarin, apixaban or rivaroxaban.
    Anticoagulant,
    /// A platelet inhibitor such as aspirin (for the heart) or clopidogrel.
    Antiplatelet,
    /// A steroid by mouth or injection, such as prednisolone.
    Corticosteroid,
    MuscleRelaxant,
}

impl Medication {
    const ALL: [Medication; 7] = [
        Medication::None,
        Medication::NonOpioid,
        Medication::Opioid,
        Medication::Anticoagulant,
        Medication::Antiplatelet,
        Medication::Corticosteroid,
        Medication::MuscleRelaxant,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Medication::None => "none",
            Medication::NonOpioid => "non_opioid",
            Medication::Opioid => "opioid",
            Medication::Anticoagulant => "anticoagulant",
            Medication::Antiplatelet => "antiplatelet",
            Medication::Corticosteroid => "corticosteroid",
            Medication::MuscleRelaxant => "muscle_relaxant",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One medicine the patient named: its class and, if they like, its name and dose as
/// they would say them (free text, not checked against a formulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationTaken {
    pub class: Medication,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<String>,
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
