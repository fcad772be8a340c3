//! The red-flag catalogue: for every [`RedFlag`] its tier (how soon the patient should
//! act), a short label and its own line of guidance, each with the source it follows.
//!
//! Wording rules: plain, second person, no diagnosis, no promise of what the therapist
//! will do. Text is the project's own. `{emergency}`, `{clinic_phone}` and `{crisis_line}`
//! are filled in with the clinic's settings ([`ClinicNumbers`]); without them the text
//! falls back to "emergency services" and "your clinic".
//!
//! The same catalogue answers a check-in and is served at `GET /api/v1/red-flags`, so the
//! PWA can show the right guidance offline before the check-in is sent.

use serde::Serialize;

use super::symptoms::RedFlag;

/// How soon a patient reporting a flag should act, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Call emergency services now.
    EmergencyNow,
    /// See a doctor or urgent care today.
    SameDay,
    /// Contact your physician within days, and tell your therapist.
    Soon,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::EmergencyNow, Tier::SameDay, Tier::Soon];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::EmergencyNow => "emergency_now",
            Tier::SameDay => "same_day",
            Tier::Soon => "soon",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether an unacknowledged alert of this tier is escalated to other staff.
    pub fn escalates(self) -> bool {
        matches!(self, Tier::EmergencyNow | Tier::SameDay)
    }

    /// What to do, for the highest tier reported.
    fn headline(self) -> &'static str {
        match self {
            Tier::EmergencyNow => {
                "Call {emergency} now, or ask someone near you to call. Do not wait to see if it passes, and do \
                 not drive yourself. Stop your home exercises."
            }
            Tier::SameDay => {
                "See a doctor or go to urgent care today. If it gets quickly worse, call {emergency}. Stop your home \
                 exercises until you have been checked."
            }
            Tier::Soon => {
                "Contact your physician within the next few days and tell your therapist. If it gets quickly worse, \
                 see a doctor sooner."
            }
        }
    }
}

/// One flag's entry in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub flag: RedFlag,
    pub tier: Tier,
    pub label: &'static str,
    /// May contain `{emergency}`, `{clinic_phone}`, `{crisis_line}`.
    pub guidance: &'static str,
}

/// The catalogue entry of `flag`. Every flag has one (a `match`, so a new flag without
/// an entry does not compile).
pub fn entry(flag: RedFlag) -> Entry {
    use RedFlag::*;
    use Tier::*;
    let (tier, label, guidance) = match flag {
        // Source: NICE CG95 (chest pain of recent onset): suspected acute coronary syndrome needs emergency care.
        ChestPain => (
            EmergencyNow,
            "Chest pain, pressure or tightness",
            "Chest pain or pressure can be a sign of a heart problem. Call {emergency} now; do not wait for it to pass.",
        ),
        // Source: NICE NG158 (venous thromboembolism): sudden breathlessness may be a clot in the lung.
        ShortnessOfBreath => (
            EmergencyNow,
            "Sudden shortness of breath",
            "Sudden breathlessness needs checking straight away. Call {emergency} now.",
        ),
        // Source: NICE CKS Headache – assessment: a thunderclap headache is a red flag for bleeding in the brain.
        SuddenSevereHeadache => (
            EmergencyNow,
            "Sudden, severe headache unlike any before",
            "A sudden, very severe headache needs to be seen now. Call {emergency}.",
        ),
        // Source: NICE NG59 and GIRFT national cauda equina pathway (2023): an emergency referral.
        BladderOrBowelChange => (
            EmergencyNow,
            "New trouble controlling bladder or bowel",
            "New trouble controlling your bladder or bowel needs emergency care today. Call {emergency} or go to an \
             emergency department now.",
        ),
        // Source: NICE NG59 and GIRFT national cauda equina pathway (2023): an emergency referral.
        SaddleNumbness => (
            EmergencyNow,
            "Numbness around the groin, buttocks or inner thighs",
            "New numbness between your legs or around your bottom needs emergency care today. Call {emergency} or go \
             to an emergency department now.",
        ),
        // Source: Finucane et al. 2020 (JOSPT international framework for red flags for serious spinal pathology).
        NewNumbnessOrWeakness => (
            EmergencyNow,
            "New numbness or weakness in an arm or leg",
            "New weakness or numbness, especially if it is spreading or came on suddenly, needs to be seen now. Call \
             {emergency}.",
        ),
        // Source: NICE NG128 (stroke and TIA) and the BE-FAST signs; IFOMPT cervical framework (Rushton et al. 2023).
        DoubleVision => (
            EmergencyNow,
            "Double vision",
            "New double vision can be a sign of a problem with blood flow to the brain. Call {emergency} now.",
        ),
        // Source: IFOMPT cervical framework (Rushton et al. 2023): drop attacks point to vascular problems.
        DropAttacks => (
            EmergencyNow,
            "Sudden falls without fainting",
            "Falling suddenly without warning needs to be checked now. Call {emergency}, and do not do neck \
             exercises.",
        ),
        // Source: NICE NG128 (stroke and TIA): speech disturbance is a FAST sign.
        SlurredSpeech => (
            EmergencyNow,
            "Slurred or muddled speech",
            "New slurred or muddled speech can be a sign of a stroke. Call {emergency} now and note the time it \
             started.",
        ),
        // Source: NICE NG128 and IFOMPT cervical framework (Rushton et al. 2023): dysphagia as a neurovascular sign.
        TroubleSwallowing => (
            EmergencyNow,
            "New trouble swallowing",
            "New trouble swallowing together with other new symptoms needs to be seen now. Call {emergency}.",
        ),
        // Source: NICE NG128 (stroke and TIA): facial weakness is a FAST sign.
        FacialNumbnessOrDroop => (
            EmergencyNow,
            "Face numb or drooping on one side",
            "A drooping or numb face can be a sign of a stroke. Call {emergency} now and note the time it started.",
        ),
        // Source: NICE NG225 (self-harm, 2022): anyone at risk is offered urgent help the same day.
        SelfHarmThoughts => (
            EmergencyNow,
            "Thoughts of harming yourself",
            "Thank you for telling us. You deserve help with this now. If you might act on these thoughts or are not \
             safe, call {emergency} now. Otherwise, talk to someone today: call {crisis_line}, or someone you trust.",
        ),
        // Source: NICE NG158 and the Wells score: a swollen, warm calf may be a deep-vein clot.
        CalfSwellingRedness => (
            SameDay,
            "Swollen, warm, red or painful calf",
            "A swollen, warm or red calf needs to be checked by a doctor today. Do not stretch or rub it. If you also \
             become short of breath or have chest pain, call {emergency}.",
        ),
        // Source: Finucane et al. 2020: fever with spinal pain may be an infection.
        FeverWithBackPain => {
            (SameDay, "Fever with back pain", "Fever together with back pain needs to be checked by a doctor today.")
        }
        // Source: NICE NG240 (meningitis, 2024): fever with a stiff neck needs urgent assessment.
        FeverWithNeckPain => (
            SameDay,
            "Fever with neck pain or a stiff neck",
            "Fever with a painful or stiff neck needs to be checked by a doctor today. If you also have a severe \
             headache, a rash, or feel confused or very drowsy, call {emergency}.",
        ),
        // Source: British Society for Rheumatology guideline on the hot swollen joint (Coakley et al. 2006).
        HotSwollenJoint => (
            SameDay,
            "Hot, swollen, painful joint",
            "A hot, swollen, painful joint needs to be checked by a doctor today. Do not massage or stretch it.",
        ),
        // Source: NICE CKS Anticoagulation – oral: unexplained bruising or bleeding on a blood thinner needs review.
        UnusualBruisingOrBleeding => (
            SameDay,
            "Unusual bruising or bleeding",
            "Unusual bruising or bleeding needs to be checked by a doctor today, especially if you take a blood \
             thinner. If the bleeding will not stop, call {emergency}.",
        ),
        // Source: IFOMPT cervical framework (Rushton et al. 2023): dizziness with neck movement before neck treatment.
        DizzinessWithNeckMovement => (
            SameDay,
            "Dizziness when moving the neck",
            "Stop all neck stretches and exercises. See a doctor today. If it comes with trouble speaking, seeing or \
             swallowing, call {emergency}.",
        ),
        // Source: Cook et al. 2010 (cervical myelopathy cluster); Finucane et al. 2020.
        ClumsyHands => (
            SameDay,
            "Hands newly clumsy",
            "Hands that have become clumsy need to be checked by a doctor today. Stop neck exercises until then.",
        ),
        // Source: Cook et al. 2010 (cervical myelopathy cluster); Finucane et al. 2020.
        UnsteadyWalking => (
            SameDay,
            "Walking newly unsteady",
            "Walking that has become unsteady needs to be checked by a doctor today. Take care not to fall.",
        ),
        // Source: Finucane et al. 2020: symptoms on both sides may mean pressure on the spinal cord.
        SymptomsInBothArmsOrLegs => (
            SameDay,
            "Tingling, numbness or weakness in both arms or both legs",
            "Symptoms in both arms or both legs need to be checked by a doctor today.",
        ),
        // Source: Finucane et al. 2020: trauma is the leading flag for a fracture, more so with osteoporosis.
        RecentTrauma => (
            SameDay,
            "A fall, accident or blow since your last session",
            "After a fall or accident, have a doctor check you today if the pain is new or severe, before you \
             continue your exercises.",
        ),
        // Source: NICE NG12 (suspected cancer): unexplained weight loss warrants review.
        UnexplainedWeightLoss => (
            Soon,
            "Weight loss you cannot explain",
            "Losing weight without trying is something your physician should know about. Make an appointment in the \
             next few days.",
        ),
        // Source: Finucane et al. 2020: constant night pain is a flag for serious spinal pathology.
        SevereNightPain => (
            Soon,
            "Pain that wakes you every night",
            "Pain that wakes you every night and does not ease with rest or changing position should be checked by \
             your physician in the next few days.",
        ),
        // Source: Finucane et al. 2020 and NICE NG12: a history of cancer is the strongest flag for spinal metastases.
        NewPainWithCancerHistory => (
            Soon,
            "New pain with a history of cancer",
            "New or different pain after cancer should be checked by your physician or cancer team in the next few \
             days.",
        ),
        // Source: NICE NG12 (suspected cancer) and CKS fever guidance: persistent fever or night sweats need review.
        FeverOrNightSweats => (
            Soon,
            "Fever, chills or drenching night sweats",
            "Fever or night sweats should be checked by your physician in the next few days; today if you feel very \
             unwell.",
        ),
    };
    Entry { flag, tier, label, guidance }
}

/// The clinic's numbers used in the text; `None` uses the generic wording.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClinicNumbers {
    pub emergency_number: Option<String>,
    pub clinic_phone: Option<String>,
    pub crisis_line: Option<String>,
}

impl ClinicNumbers {
    /// `text` with the clinic's numbers filled in.
    pub fn fill(&self, text: &str) -> String {
        let emergency = self.emergency_number.clone().unwrap_or_else(|| "emergency services".to_owned());
        let clinic = self.clinic_phone.as_ref().map(|p| format!("your clinic on {p}")).unwrap_or("your clinic".into());
        let crisis = self.crisis_line.clone().unwrap_or_else(|| emergency.clone());
        text.replace("{emergency}", &emergency).replace("{clinic_phone}", &clinic).replace("{crisis_line}", &crisis)
    }
}

/// The headline for `tier`, numbers filled in.
pub fn headline(tier: Tier, numbers: &ClinicNumbers) -> String {
    numbers.fill(tier.headline())
}

/// What the patient is told after reporting `flags`: the highest tier first, then each
/// flag's own line, then who knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidance {
    pub tier: Tier,
    pub headline: String,
    pub lines: Vec<(Entry, String)>,
    pub therapist_alerted: bool,
    pub follow_up: String,
}

impl Guidance {
    /// `None` when no flag was reported.
    pub fn for_flags(flags: &[RedFlag], numbers: &ClinicNumbers, therapist_alerted: bool) -> Option<Self> {
        let mut flags = flags.to_vec();
        flags.sort();
        flags.dedup();
        let mut entries: Vec<Entry> = flags.into_iter().map(entry).collect();
        entries.sort_by_key(|e| (e.tier, e.flag));
        let tier = entries.first()?.tier;
        let follow_up = if therapist_alerted {
            "Your therapist has been alerted.".to_owned()
        } else {
            numbers.fill("Please also tell {clinic_phone} about this yourself.")
        };
        Some(Self {
            tier,
            headline: headline(tier, numbers),
            lines: entries.into_iter().map(|e| (e, numbers.fill(e.guidance))).collect(),
            therapist_alerted,
            follow_up,
        })
    }

    /// The whole guidance as one text, for clients that show a single message.
    pub fn text(&self) -> String {
        let mut parts = vec![self.headline.clone()];
        parts.extend(self.lines.iter().map(|(_, l)| l.clone()));
        parts.push(self.follow_up.clone());
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_an_entry_with_wording_for_the_patient() {
        for flag in RedFlag::ALL {
            let e = entry(flag);
            assert!(!e.label.is_empty() && e.guidance.ends_with('.'), "{flag:?}");
            // Second person, no promise about the therapist in a flag's own line.
            assert!(!e.guidance.to_lowercase().contains("therapist will"), "{flag:?}");
        }
    }

    #[test]
    fn the_highest_tier_leads_and_each_flag_keeps_its_line() {
        let g = Guidance::for_flags(
            &[RedFlag::UnexplainedWeightLoss, RedFlag::ChestPain, RedFlag::CalfSwellingRedness],
            &ClinicNumbers::default(),
            true,
        )
        .unwrap();
        assert_eq!(g.tier, Tier::EmergencyNow);
        assert!(g.headline.contains("Call emergency services now"));
        let order: Vec<RedFlag> = g.lines.iter().map(|(e, _)| e.flag).collect();
        assert_eq!(order, [RedFlag::ChestPain, RedFlag::CalfSwellingRedness, RedFlag::UnexplainedWeightLoss]);
        assert!(g.text().ends_with("Your therapist has been alerted."));
    }

    #[test]
    fn clinic_numbers_are_filled_in_and_the_crisis_line_falls_back_to_emergency() {
        let numbers = ClinicNumbers {
            emergency_number: Some("112".into()),
            clinic_phone: Some("+49 30 1234".into()),
            crisis_line: None,
        };
        let g = Guidance::for_flags(&[RedFlag::SelfHarmThoughts], &numbers, false).unwrap();
        assert!(g.lines[0].1.contains("call 112 now") && g.lines[0].1.contains("call 112, or"), "{:?}", g.lines);
        assert_eq!(g.follow_up, "Please also tell your clinic on +49 30 1234 about this yourself.");
        assert!(!g.text().contains('{'));
    }

    #[test]
    fn tiers_match_the_issue_examples() {
        assert_eq!(entry(RedFlag::SaddleNumbness).tier, Tier::EmergencyNow);
        assert_eq!(entry(RedFlag::CalfSwellingRedness).tier, Tier::SameDay);
        assert_eq!(entry(RedFlag::HotSwollenJoint).tier, Tier::SameDay);
        assert_eq!(entry(RedFlag::SevereNightPain).tier, Tier::Soon);
        assert!(Guidance::for_flags(&[], &ClinicNumbers::default(), true).is_none());
    }
}
