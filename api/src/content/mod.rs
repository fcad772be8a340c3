//! The built-in exercise and lesson library: original text written by the project,
//! general education that each clinic can copy, edit or hide. It makes no treatment
//! claims. Items get stable ids derived from their slugs, so seeding on every start is
//! idempotent and replicas agree on ids.
//!
//! Domain only: writing the library into the database is `services::library_seed`, and
//! the stored forms of its words are converted in `services::library_words`.

mod exercises;
mod lessons;

use uuid::Uuid;

use crate::vocabulary::vocabulary;

pub use exercises::EXERCISES;
pub use lessons::LESSONS;

vocabulary! {
    /// Body regions an exercise works on. The list the API accepts for filtering.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Region {
        Neck = "neck",
        UpperBack = "upper_back",
        Shoulders = "shoulders",
        Chest = "chest",
        LowerBack = "lower_back",
        Hips = "hips",
        Legs = "legs",
        Feet = "feet",
        Wrists = "wrists",
        Jaw = "jaw",
    }
}

vocabulary! {
    /// What a lesson is about.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Topic {
        Posture = "posture",
        BodyMechanics = "body_mechanics",
        Ergonomics = "ergonomics",
        Breathing = "breathing",
        Sleep = "sleep",
        SelfCare = "self_care",
    }
}

vocabulary! {
    /// Which side a one-sided exercise is done on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Side {
        Left = "left",
        Right = "right",
        Both = "both",
        /// Not sided (e.g. chin tuck, breathing).
        None = "none",
    }
}

/// A starting dose; therapists adjust it per patient when they assign the exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dosage {
    pub sets: u8,
    pub reps: u8,
    /// 0 for movements that are not held.
    pub hold_seconds: u16,
    pub side: Side,
    pub rest_seconds: u16,
    pub times_per_day: u8,
}

#[derive(Debug, Clone, Copy)]
pub struct BuiltinExercise {
    /// Stable, unique, lowercase-with-hyphens; the id is derived from it.
    pub slug: &'static str,
    pub title: &'static str,
    /// One sentence on what it is for.
    pub summary: &'static str,
    pub regions: &'static [Region],
    pub steps: &'static [&'static str],
    pub cautions: &'static [&'static str],
    pub dosage: Dosage,
}

#[derive(Debug, Clone, Copy)]
pub struct CheckQuestion {
    pub prompt: &'static str,
    pub options: &'static [&'static str],
    /// Index into `options`.
    pub correct: usize,
    /// Shown after answering.
    pub explanation: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct BuiltinLesson {
    pub slug: &'static str,
    pub title: &'static str,
    pub topic: Topic,
    pub minutes: u8,
    /// Markdown.
    pub body: &'static str,
    pub questions: &'static [CheckQuestion],
}

/// Namespace for the v5 ids of built-in items.
const BUILTIN_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_2a8e_0c4d_4f5a_9e3b_7d21_c0de_fa5c);

pub fn builtin_id(kind: &str, slug: &str) -> Uuid {
    Uuid::new_v5(&BUILTIN_NAMESPACE, format!("{kind}:{slug}").as_bytes())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_library_has_enough_exercises_covering_every_region() {
        assert!(EXERCISES.len() >= 30, "{} exercises", EXERCISES.len());
        for region in Region::ALL.into_iter().filter(|r| *r != Region::Feet) {
            assert!(EXERCISES.iter().any(|e| e.regions.contains(&region)), "no exercise for {}", region.as_str());
        }
    }

    #[test]
    fn every_exercise_is_complete_and_sanely_dosed() {
        let mut slugs = HashSet::new();
        for e in EXERCISES {
            assert!(slugs.insert(e.slug), "duplicate slug {}", e.slug);
            assert!(e.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", e.slug);
            assert!(!e.title.is_empty() && !e.summary.is_empty(), "{}", e.slug);
            assert!(!e.regions.is_empty() && e.steps.len() >= 2 && !e.cautions.is_empty(), "{}", e.slug);
            let d = e.dosage;
            assert!((1..=10).contains(&d.sets) && (1..=30).contains(&d.reps), "{}", e.slug);
            assert!(d.hold_seconds <= 600 && (1..=10).contains(&d.times_per_day), "{}", e.slug);
        }
    }

    #[test]
    fn every_leg_exercise_warns_against_stretching_a_swollen_warm_red_calf() {
        for e in EXERCISES.iter().filter(|e| e.regions.contains(&Region::Legs)) {
            assert!(e.cautions.iter().any(|c| c.contains("swollen, warm, red")), "{} lacks the clot caution", e.slug);
        }
    }

    #[test]
    fn nerve_glides_keep_moving_and_are_never_held() {
        for e in EXERCISES.iter().filter(|e| e.slug.contains("nerve")) {
            assert_eq!(e.dosage.hold_seconds, 0, "{}", e.slug);
            assert!(e.cautions.iter().any(|c| c.contains("hold")), "{} does not say not to hold", e.slug);
        }
    }

    #[test]
    fn the_library_has_enough_lessons_each_with_one_to_three_questions() {
        assert!(LESSONS.len() >= 12, "{} lessons", LESSONS.len());
        let mut slugs = HashSet::new();
        for l in LESSONS {
            assert!(slugs.insert(l.slug), "duplicate slug {}", l.slug);
            assert!((1..=3).contains(&l.questions.len()), "{}", l.slug);
            assert!(l.minutes >= 1 && l.body.len() > 200, "{}", l.slug);
            for q in l.questions {
                assert!(q.options.len() >= 2 && q.correct < q.options.len(), "{}: {}", l.slug, q.prompt);
            }
        }
    }
}
