//! The kinds of reminder: their defaults, how the push service should treat them, and the
//! words the patient sees (reminder text only, no health data).

use poem_openapi::Enum;

use crate::push::{Delivery, Urgency};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Today's prescribed exercises; skipped when all are logged.
    Exercises,
    /// The daily pain and stress check-in; skipped when one is logged that day.
    CheckIn,
    /// A lesson that unlocks that day; skipped when it is completed.
    Lesson,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 3] = [Self::Exercises, Self::CheckIn, Self::Lesson];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exercises => "exercises",
            Self::CheckIn => "check_in",
            Self::Lesson => "lesson",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Minutes after local midnight for a new patient's rule.
    pub fn default_minute(self) -> i16 {
        match self {
            Self::Exercises => 18 * 60,
            Self::CheckIn => 20 * 60,
            Self::Lesson => 19 * 60,
        }
    }

    /// A reminder stale after a few hours is noise, so the push service may drop it then;
    /// one topic per kind lets a newer reminder replace an undelivered older one.
    pub fn delivery(self) -> Delivery {
        match self {
            Self::Exercises => {
                Delivery { ttl: 4 * 3600, urgency: Urgency::Normal, topic: Some("exercises"), purpose: "reminder" }
            }
            Self::CheckIn => {
                Delivery { ttl: 4 * 3600, urgency: Urgency::Normal, topic: Some("check-in"), purpose: "reminder" }
            }
            Self::Lesson => {
                Delivery { ttl: 8 * 3600, urgency: Urgency::Low, topic: Some("lesson"), purpose: "reminder" }
            }
        }
    }

    /// (title, body, path in the PWA).
    pub fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Exercises => {
                ("Time for your stretches", "Your home exercises for today are ready when you are.", "/today")
            }
            Self::CheckIn => ("How was your day?", "A quick check-in takes less than a minute.", "/check-in"),
            Self::Lesson => {
                ("A new lesson is open", "A short read from your therapist is waiting for you.", "/lessons")
            }
        }
    }
}
