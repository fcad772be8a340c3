//! The kinds of reminder: their defaults, how the push service should treat them, and the
//! words the patient sees (reminder text only, no health data).

use crate::{
    push::{Delivery, Urgency},
    vocabulary::vocabulary,
};

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ReminderKind {
        /// Today's prescribed exercises; skipped when all are logged.
        Exercises = "exercises",
        /// The daily pain and stress check-in; skipped when one is logged that day.
        CheckIn = "check_in",
        /// A lesson that unlocks that day; skipped when it is completed.
        Lesson = "lesson",
        /// 24 hours before a scheduled session; skipped if it was cancelled or moved.
        Appointment24h = "appointment_24h",
        /// 2 hours before a scheduled session; skipped if it was cancelled or moved.
        Appointment2h = "appointment_2h",
        /// A check-in prompt 3 hours after a session ends; skipped once a check-in is logged.
        PostSession = "post_session",
    }
}

/// What a session reminder is timed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    SessionStart,
    SessionEnd,
}

impl ReminderKind {
    /// For session reminders: the moment they are timed from and the offset in minutes.
    /// Daily kinds have none (they follow the rule's local time instead).
    pub fn session_offset(self) -> Option<(Anchor, i64)> {
        match self {
            Self::Appointment24h => Some((Anchor::SessionStart, -24 * 60)),
            Self::Appointment2h => Some((Anchor::SessionStart, -2 * 60)),
            Self::PostSession => Some((Anchor::SessionEnd, 3 * 60)),
            Self::Exercises | Self::CheckIn | Self::Lesson => None,
        }
    }

    /// Minutes after local midnight for a new patient's rule.
    pub fn default_minute(self) -> i16 {
        match self {
            Self::Exercises => 18 * 60,
            Self::CheckIn => 20 * 60,
            Self::Lesson => 19 * 60,
            // Session reminders ignore the local time.
            Self::Appointment24h | Self::Appointment2h | Self::PostSession => 0,
        }
    }

    /// A reminder stale after a few hours is noise, so the push service may drop it then;
    /// one topic per kind lets a newer reminder replace an undelivered older one.
    pub fn delivery(self) -> Delivery {
        let (ttl_hours, urgency, topic) = match self {
            Self::Exercises => (4, Urgency::Normal, "exercises"),
            Self::CheckIn => (4, Urgency::Normal, "check-in"),
            Self::Lesson => (8, Urgency::Low, "lesson"),
            Self::Appointment24h => (6, Urgency::Normal, "session"),
            Self::Appointment2h => (1, Urgency::High, "session"),
            Self::PostSession => (6, Urgency::Normal, "post-session"),
        };
        Delivery::reminder(ttl_hours * 3600, urgency, topic)
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
            Self::Appointment24h => {
                ("Your session is tomorrow", "Your massage therapy session is coming up tomorrow.", "/appointments")
            }
            Self::Appointment2h => {
                ("Your session starts soon", "Your massage therapy session starts in about two hours.", "/appointments")
            }
            Self::PostSession => (
                "How do you feel after your session?",
                "A short check-in helps your therapist plan the next one.",
                "/check-in?context=post_session",
            ),
        }
    }
}
