//! The fixed vocabularies of a check-in besides the body map: red-flag symptoms, pain
//! medication and the situation the check-in was made in.

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// Symptoms that may mean something other than muscle or fascia pain and need a
    /// physician's eyes. Any of them answers the patient with guidance at once and alerts the
    /// therapist; [`super::red_flags`] gives each its tier, wording and source.
    ///
    /// New values are only ever appended: stored check-ins keep their flags sorted in this
    /// order, and a replay is compared with the stored text.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RedFlag {
        /// New numbness or weakness in an arm or a leg, or spreading.
        NewNumbnessOrWeakness = "new_numbness_or_weakness",
        /// Numbness around the groin, buttocks or inner thighs.
        SaddleNumbness = "saddle_numbness",
        /// New trouble controlling the bladder or bowel.
        BladderOrBowelChange = "bladder_or_bowel_change",
        /// Fever together with back pain.
        FeverWithBackPain = "fever_with_back_pain",
        /// Chest pain, pressure or tightness.
        ChestPain = "chest_pain",
        /// Sudden shortness of breath.
        ShortnessOfBreath = "shortness_of_breath",
        /// Pain that wakes you every night and that rest and position do not ease.
        SevereNightPain = "severe_night_pain",
        UnexplainedWeightLoss = "unexplained_weight_loss",
        /// A fall, accident or blow since the last session.
        RecentTrauma = "recent_trauma",
        /// A sudden, severe headache unlike any before.
        SuddenSevereHeadache = "sudden_severe_headache",
        /// A swollen, warm, red or painful calf.
        CalfSwellingRedness = "calf_swelling_redness",
        /// Dizziness or light-headedness when moving or stretching the neck.
        DizzinessWithNeckMovement = "dizziness_with_neck_movement",
        DoubleVision = "double_vision",
        /// Falling to the ground suddenly without losing consciousness.
        DropAttacks = "drop_attacks",
        SlurredSpeech = "slurred_speech",
        TroubleSwallowing = "trouble_swallowing",
        /// Numbness of the face, or one side of the face drooping.
        FacialNumbnessOrDroop = "facial_numbness_or_droop",
        /// Hands newly clumsy: dropping things, trouble with buttons or writing.
        ClumsyHands = "clumsy_hands",
        /// Walking newly unsteady, as if the legs do not do what you ask.
        UnsteadyWalking = "unsteady_walking",
        /// Tingling, numbness or weakness in both arms or both legs.
        SymptomsInBothArmsOrLegs = "symptoms_in_both_arms_or_legs",
        /// Fever, chills or drenching night sweats.
        FeverOrNightSweats = "fever_or_night_sweats",
        /// Fever together with neck pain or a stiff neck.
        FeverWithNeckPain = "fever_with_neck_pain",
        /// A joint that is hot, swollen and painful.
        HotSwollenJoint = "hot_swollen_joint",
        /// Bruising or bleeding that is unusual for you.
        UnusualBruisingOrBleeding = "unusual_bruising_or_bleeding",
        /// New or different pain when you have had cancer.
        NewPainWithCancerHistory = "new_pain_with_cancer_history",
        /// Thoughts of harming yourself or of ending your life.
        SelfHarmThoughts = "self_harm_thoughts",
    }
}

vocabulary! {
    /// Medicine taken since the last check-in, by the class that matters for pain care or
    /// for massage safety (blood thinners bruise easily; steroids thin skin and bone; muscle
    /// relaxants dull the feedback a stretch relies on). The first three are the original
    /// pain-medication values; old clients keep sending them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Medication {
        None = "none",
        NonOpioid = "non_opioid",
        Opioid = "opioid",
        /// A blood thinner such as warfarin, apixaban or rivaroxaban.
        Anticoagulant = "anticoagulant",
        /// A platelet inhibitor such as aspirin (for the heart) or clopidogrel.
        Antiplatelet = "antiplatelet",
        /// A steroid by mouth or injection, such as prednisolone.
        Corticosteroid = "corticosteroid",
        MuscleRelaxant = "muscle_relaxant",
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

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum CheckInContext {
        #[default]
        Daily = "daily",
        /// Just before an in-clinic session.
        PreSession = "pre_session",
        /// Just after one.
        PostSession = "post_session",
        /// During a flare-up, whenever it happens.
        Flare = "flare",
    }
}
