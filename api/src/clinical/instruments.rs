//! The outcome-measure registry: every instrument Fascia can score, with its items,
//! answer range, scoring rule (missing items included), score range, minimal clinically
//! important difference, LOINC code and licence.
//!
//! Item prompts shipped here are the project's own words. Instruments whose published
//! text is licensed ship their scoring only; a clinic switches one on by supplying what
//! its licence gives: per item the prompt and the label of every answer option, the
//! instructions and the recall period, so the patient sees the validated form and never
//! a placeholder.

use super::Mcid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Licence {
    /// Free to use; enabled everywhere with the prompts below.
    Free,
    /// The item text is licensed by `holder`; off until a clinic supplies it.
    TextLicensed { holder: &'static str },
}

/// The items an instrument asks.
#[derive(Debug, Clone, Copy)]
pub enum Items {
    /// Fixed prompts written by the project.
    Prompts(&'static [&'static str]),
    /// `count` items whose text a clinic must supply.
    Licensed { count: usize },
    /// Activities the therapist and patient choose together (`min`..=`max` of them).
    PatientActivities { min: usize, max: usize },
}

#[derive(Debug, Clone, Copy)]
pub enum Scoring {
    /// Mean of the items; every item must be answered.
    MeanAll,
    /// Sum of the items, the listed ones (0-based) reversed as `item_max − answer`;
    /// every item must be answered.
    SumAll { reversed: &'static [usize] },
    /// Sum of the items; up to `max_missing` may be skipped, and then the sum is scaled
    /// up to the full item count (sum × items / answered).
    ProratedSum { max_missing: usize },
}

#[derive(Debug, Clone, Copy)]
pub struct Instrument {
    pub id: &'static str,
    pub name: &'static str,
    pub instructions: &'static str,
    pub items: Items,
    pub item_min: u8,
    pub item_max: u8,
    pub scoring: Scoring,
    pub score_min: f64,
    pub score_max: f64,
    pub higher_is_worse: bool,
    /// `None` where no threshold is established for this use.
    pub mcid: Option<Mcid>,
    pub loinc: Option<&'static str>,
    pub licence: Licence,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("expected {expected} answers, got {got}")]
    WrongItemCount { expected: usize, got: usize },
    #[error("answer {item} must be between {min} and {max}")]
    OutOfRange { item: usize, min: u8, max: u8 },
    #[error("answer {item} is required")]
    Missing { item: usize },
    #[error("at most {allowed} items may be left unanswered")]
    TooManyMissing { allowed: usize },
}

pub const NPRS: Instrument = Instrument {
    id: "nprs",
    name: "Pain rating (0–10)",
    instructions: "Pick the number that fits your pain right now.",
    items: Items::Prompts(&[
        "How strong is your pain right now? 0 is no pain at all, 10 is the worst pain you can imagine.",
    ]),
    item_min: 0,
    item_max: 10,
    scoring: Scoring::MeanAll,
    score_min: 0.0,
    score_max: 10.0,
    higher_is_worse: true,
    mcid: Some(super::PAIN_MCID),
    loinc: Some("72514-3"),
    licence: Licence::Free,
};

pub const PEG: Instrument = Instrument {
    id: "peg",
    name: "Pain, enjoyment and activity (3 items)",
    instructions: "Think about the past 7 days and pick one number for each question.",
    items: Items::Prompts(&[
        "On average, how strong was your pain? 0 is no pain, 10 is the worst you can imagine.",
        "How much did pain get in the way of enjoying life? 0 is not at all, 10 is completely.",
        "How much did pain get in the way of your usual activities? 0 is not at all, 10 is completely.",
    ]),
    item_min: 0,
    item_max: 10,
    scoring: Scoring::MeanAll,
    score_min: 0.0,
    score_max: 10.0,
    higher_is_worse: true,
    // Its items are 0–10 ratings like the NPRS and its validation read a 30 % fall as
    // meaningful, so the pain rule applies: 2 points either way, or 30 % better from a
    // moderate baseline. A percentage alone would flag 1.0 → 1.3.
    mcid: Some(super::PAIN_MCID),
    loinc: None,
    licence: Licence::Free,
};

pub const PSFS: Instrument = Instrument {
    id: "psfs",
    name: "Patient-specific activities (0–10 each)",
    instructions: "For each activity you chose with your therapist, rate how well you can do it today. 0 means you \
                   cannot do it at all, 10 means you can do it as well as before your problem began.",
    items: Items::PatientActivities { min: 3, max: 5 },
    item_min: 0,
    item_max: 10,
    scoring: Scoring::MeanAll,
    score_min: 0.0,
    score_max: 10.0,
    higher_is_worse: false,
    mcid: Some(Mcid { points: Some(2.0), percent: None }),
    loinc: None,
    licence: Licence::Free,
};

/// What therapists read about a licensed instrument; patients get the clinic's text.
const LICENSED_NOTE: &str = "Item text, answer labels, instructions and recall period are supplied by the clinic \
                             under its licence.";

pub const PSS4: Instrument = Instrument {
    id: "pss4",
    name: "Perceived stress, 4 items",
    instructions: LICENSED_NOTE,
    items: Items::Licensed { count: 4 },
    item_min: 0,
    item_max: 4,
    // Items 2 and 3 are worded positively, so they count reversed.
    scoring: Scoring::SumAll { reversed: &[1, 2] },
    score_min: 0.0,
    score_max: 16.0,
    higher_is_worse: true,
    mcid: None,
    loinc: None,
    licence: Licence::TextLicensed { holder: "Mind Garden" },
};

pub const NDI: Instrument = Instrument {
    id: "ndi",
    name: "Neck disability index",
    instructions: LICENSED_NOTE,
    items: Items::Licensed { count: 10 },
    item_min: 0,
    item_max: 5,
    // The published rule scores a form with a skipped item or two by scaling the sum up
    // to the full ten items; with more missing the form is not scored.
    scoring: Scoring::ProratedSum { max_missing: 2 },
    score_min: 0.0,
    score_max: 50.0,
    higher_is_worse: true,
    mcid: Some(Mcid { points: Some(7.5), percent: None }),
    loinc: None,
    licence: Licence::TextLicensed { holder: "Howard Vernon" },
};

pub const ALL: [Instrument; 5] = [NPRS, PEG, PSFS, PSS4, NDI];

pub fn find(id: &str) -> Option<&'static Instrument> {
    ALL.iter().find(|i| i.id == id)
}

impl Instrument {
    /// Number of answers expected, given the activities chosen for a patient.
    pub fn item_count(&self, activities: usize) -> usize {
        match self.items {
            Items::Prompts(p) => p.len(),
            Items::Licensed { count } => count,
            Items::PatientActivities { .. } => activities,
        }
    }

    pub fn enabled_by_default(&self) -> bool {
        self.licence == Licence::Free
    }

    /// Scores one response; `None` is an unanswered item. Rounded to two decimals.
    pub fn score(&self, answers: &[Option<u8>], activities: usize) -> Result<f64, ScoreError> {
        let expected = self.item_count(activities);
        if answers.len() != expected || expected == 0 {
            return Err(ScoreError::WrongItemCount { expected, got: answers.len() });
        }
        for (i, a) in answers.iter().enumerate() {
            if a.is_some_and(|v| v < self.item_min || v > self.item_max) {
                return Err(ScoreError::OutOfRange { item: i + 1, min: self.item_min, max: self.item_max });
            }
        }
        let first_missing = answers.iter().position(Option::is_none);
        let answered: Vec<(usize, f64)> =
            answers.iter().enumerate().filter_map(|(i, a)| a.map(|v| (i, f64::from(v)))).collect();
        let raw = match self.scoring {
            Scoring::MeanAll => {
                if let Some(i) = first_missing {
                    return Err(ScoreError::Missing { item: i + 1 });
                }
                answered.iter().map(|(_, v)| v).sum::<f64>() / answered.len() as f64
            }
            Scoring::SumAll { reversed } => {
                if let Some(i) = first_missing {
                    return Err(ScoreError::Missing { item: i + 1 });
                }
                let max = f64::from(self.item_max);
                answered.iter().map(|(i, v)| if reversed.contains(i) { max - v } else { *v }).sum()
            }
            Scoring::ProratedSum { max_missing } => {
                if expected - answered.len() > max_missing {
                    return Err(ScoreError::TooManyMissing { allowed: max_missing });
                }
                answered.iter().map(|(_, v)| v).sum::<f64>() * expected as f64 / answered.len() as f64
            }
        };
        Ok((raw * 100.0).round() / 100.0)
    }
}

/// One item of a licensed form as the licence gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensedItem {
    pub prompt: String,
    /// One label per answer value, from `item_min` to `item_max`.
    pub options: Vec<String>,
}

/// A licensed instrument's text, complete for its instrument: one item per scored item,
/// one label per answer value, instructions and recall period. Only
/// [`LicensedText::new`] (or [`LicensedText::from_stored`], on what it made) makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensedText {
    instructions: String,
    recall_period: String,
    items: Vec<LicensedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicensedTextError {
    #[error("this instrument ships its own item text")]
    NotLicensed,
    #[error("give {expected} items, one per scored item")]
    ItemCount { expected: usize },
    #[error("item {item}: give {expected} answer labels, one for each answer from {min} to {max}")]
    OptionCount { item: usize, expected: usize, min: u8, max: u8 },
    #[error("{0} must not be empty")]
    Empty(&'static str),
}

impl LicensedText {
    pub fn new(
        inst: &Instrument,
        instructions: String,
        recall_period: String,
        items: Vec<LicensedItem>,
    ) -> Result<Self, LicensedTextError> {
        let Items::Licensed { count } = inst.items else {
            return Err(LicensedTextError::NotLicensed);
        };
        let trimmed = |s: String| s.trim().to_owned();
        let (instructions, recall_period) = (trimmed(instructions), trimmed(recall_period));
        if instructions.is_empty() {
            return Err(LicensedTextError::Empty("instructions"));
        }
        if recall_period.is_empty() {
            return Err(LicensedTextError::Empty("recall_period"));
        }
        if items.len() != count {
            return Err(LicensedTextError::ItemCount { expected: count });
        }
        let expected = usize::from(inst.item_max - inst.item_min) + 1;
        let mut clean = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if item.options.len() != expected {
                let (min, max) = (inst.item_min, inst.item_max);
                return Err(LicensedTextError::OptionCount { item: i + 1, expected, min, max });
            }
            let prompt = trimmed(item.prompt);
            let options: Vec<String> = item.options.into_iter().map(trimmed).collect();
            if prompt.is_empty() {
                return Err(LicensedTextError::Empty("prompt"));
            }
            if options.iter().any(String::is_empty) {
                return Err(LicensedTextError::Empty("answer label"));
            }
            clean.push(LicensedItem { prompt, options });
        }
        Ok(Self { instructions, recall_period, items: clean })
    }

    /// Text read back from storage, when it still fits `inst` exactly as stored: what
    /// [`LicensedText::new`] accepts and would leave unchanged (already trimmed).
    pub fn from_stored(
        inst: &Instrument,
        instructions: String,
        recall_period: String,
        items: Vec<LicensedItem>,
    ) -> Option<Self> {
        let stored = Self { instructions, recall_period, items };
        let checked = Self::new(inst, stored.instructions.clone(), stored.recall_period.clone(), stored.items.clone());
        (checked.as_ref() == Ok(&stored)).then_some(stored)
    }
    pub fn instructions(&self) -> &str {
        &self.instructions
    }
    pub fn recall_period(&self) -> &str {
        &self.recall_period
    }
    pub fn items(&self) -> &[LicensedItem] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(v: &[u8]) -> Vec<Option<u8>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn nprs_is_the_rating_itself() {
        assert_eq!(NPRS.score(&all(&[7]), 0), Ok(7.0));
        assert_eq!(NPRS.score(&[None], 0), Err(ScoreError::Missing { item: 1 }));
        assert_eq!(NPRS.score(&all(&[11]), 0), Err(ScoreError::OutOfRange { item: 1, min: 0, max: 10 }));
        assert_eq!(NPRS.loinc, Some("72514-3"));
    }

    #[test]
    fn peg_is_the_mean_of_three_items_all_required() {
        // (6 + 5 + 7) / 3 = 6
        assert_eq!(PEG.score(&all(&[6, 5, 7]), 0), Ok(6.0));
        // (6 + 5 + 6) / 3 = 5.666… → 5.67
        assert_eq!(PEG.score(&all(&[6, 5, 6]), 0), Ok(5.67));
        assert_eq!(PEG.score(&[Some(6), None, Some(7)], 0), Err(ScoreError::Missing { item: 2 }));
        assert_eq!(PEG.score(&all(&[6, 5]), 0), Err(ScoreError::WrongItemCount { expected: 3, got: 2 }));
    }

    #[test]
    fn psfs_is_the_mean_of_the_chosen_activities() {
        // Three activities: (4 + 6 + 5) / 3 = 5
        assert_eq!(PSFS.score(&all(&[4, 6, 5]), 3), Ok(5.0));
        // Five activities: (2 + 3 + 4 + 5 + 7) / 5 = 4.2
        assert_eq!(PSFS.score(&all(&[2, 3, 4, 5, 7]), 5), Ok(4.2));
        assert_eq!(PSFS.score(&[Some(4), Some(6), None], 3), Err(ScoreError::Missing { item: 3 }));
        assert_eq!(PSFS.mcid.unwrap().points, Some(2.0));
    }

    #[test]
    fn pss4_reverses_items_two_and_three() {
        // 2 + (4 − 1) + (4 − 3) + 2 = 8
        assert_eq!(PSS4.score(&all(&[2, 1, 3, 2]), 0), Ok(8.0));
        // Worst possible: 4 + (4 − 0) + (4 − 0) + 4 = 16; best: 0 + 4−4 + 4−4 + 0 = 0
        assert_eq!(PSS4.score(&all(&[4, 0, 0, 4]), 0), Ok(16.0));
        assert_eq!(PSS4.score(&all(&[0, 4, 4, 0]), 0), Ok(0.0));
        assert_eq!(PSS4.score(&[Some(2), Some(1), None, Some(2)], 0), Err(ScoreError::Missing { item: 3 }));
        assert_eq!(PSS4.score(&all(&[5, 1, 3, 2]), 0), Err(ScoreError::OutOfRange { item: 1, min: 0, max: 4 }));
        assert!(!PSS4.enabled_by_default());
    }

    #[test]
    fn ndi_sums_ten_items_and_prorates_up_to_two_missing() {
        // 1+2+0+3+1+2+1+0+2+1 = 13
        assert_eq!(NDI.score(&all(&[1, 2, 0, 3, 1, 2, 1, 0, 2, 1]), 0), Ok(13.0));
        // Item 5 skipped: 12 over nine items → 12 × 10 / 9 = 13.33
        let one_missing = [Some(1), Some(2), Some(0), Some(3), None, Some(2), Some(1), Some(0), Some(2), Some(1)];
        assert_eq!(NDI.score(&one_missing, 0), Ok(13.33));
        // Items 5 and 10 skipped: 11 over eight items → 11 × 10 / 8 = 13.75
        let two_missing = [Some(1), Some(2), Some(0), Some(3), None, Some(2), Some(1), Some(0), Some(2), None];
        assert_eq!(NDI.score(&two_missing, 0), Ok(13.75));
        let three_missing = [None, Some(2), Some(0), Some(3), None, Some(2), Some(1), Some(0), Some(2), None];
        assert_eq!(NDI.score(&three_missing, 0), Err(ScoreError::TooManyMissing { allowed: 2 }));
        assert_eq!(NDI.score(&all(&[5; 10]), 0), Ok(50.0));
    }

    #[test]
    fn ids_are_unique_and_free_ones_have_prompts() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(ALL[i + 1..].iter().all(|b| b.id != a.id));
            if a.licence == Licence::Free {
                assert!(!matches!(a.items, Items::Licensed { .. }), "{} has no prompts", a.id);
            }
        }
    }

    fn item(prompt: &str, labels: usize) -> LicensedItem {
        LicensedItem { prompt: prompt.into(), options: (0..labels).map(|i| format!("label {i}")).collect() }
    }

    #[test]
    fn stored_text_is_taken_back_only_when_it_still_fits_as_stored() {
        let stored = |recall: &str, items| LicensedText::from_stored(&PSS4, "Read.".into(), recall.into(), items);
        let made = LicensedText::new(&PSS4, "Read.".into(), "In the last month".into(), vec![item("a", 5); 4]);
        assert_eq!(stored("In the last month", vec![item("a", 5); 4]), Some(made.unwrap()));
        assert_eq!(stored("In the last month", vec![item("a", 5); 3]), None, "an item short");
        assert_eq!(stored(" In the last month ", vec![item("a", 5); 4]), None, "not as new() leaves it");
    }

    #[test]
    fn licensed_text_needs_every_item_with_a_label_per_answer_plus_instructions_and_recall() {
        let text = |items| LicensedText::new(&PSS4, "Read each question.".into(), "In the last month".into(), items);
        // PSS-4 answers 0–4: five labels per item, four items.
        assert!(text(vec![item("a", 5), item("b", 5), item("c", 5), item("d", 5)]).is_ok());
        assert_eq!(text(vec![item("a", 5); 3]), Err(LicensedTextError::ItemCount { expected: 4 }));
        assert_eq!(
            text(vec![item("a", 5), item("b", 4), item("c", 5), item("d", 5)]),
            Err(LicensedTextError::OptionCount { item: 2, expected: 5, min: 0, max: 4 })
        );
        assert_eq!(text(vec![item(" ", 5); 4]), Err(LicensedTextError::Empty("prompt")));
        let no_recall = LicensedText::new(&PSS4, "Read.".into(), "  ".into(), vec![item("a", 5); 4]);
        assert_eq!(no_recall, Err(LicensedTextError::Empty("recall_period")));
        let free = LicensedText::new(&NPRS, "Read.".into(), "Now".into(), vec![item("a", 11)]);
        assert_eq!(free, Err(LicensedTextError::NotLicensed));
        // NDI answers 0–5: six labels.
        assert!(LicensedText::new(&NDI, "Read.".into(), "Today".into(), vec![item("q", 6); 10]).is_ok());
    }
}
