//! When the therapist is alerted. Each rule is a pure function over what the database
//! already holds; `services::alerts` loads the inputs, applies them and stores alerts.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, poem_openapi::Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A check-in reported a red-flag symptom.
    RedFlag,
    /// Pain well above baseline on two check-ins in a row, or severe pain.
    PainSpike,
    /// No check-in for the patient's set number of days.
    Disengaged,
    /// Under half of last week's prescribed exercises done.
    LowAdherence,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] =
        [AlertKind::RedFlag, AlertKind::PainSpike, AlertKind::Disengaged, AlertKind::LowAdherence];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RedFlag => "red_flag",
            AlertKind::PainSpike => "pain_spike",
            AlertKind::Disengaged => "disengaged",
            AlertKind::LowAdherence => "low_adherence",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Points above baseline that count as a spike when seen twice in a row.
pub const SPIKE_ABOVE_BASELINE: f64 = 3.0;
/// Pain this high raises an alert on its own.
pub const SEVERE_PAIN: i16 = 8;
/// Adherence under this percent over the last 7 days raises an alert.
pub const LOW_ADHERENCE_PERCENT: f64 = 50.0;

/// Pain readings in recorded order, each marked whether it just arrived. Returns the
/// index of the first new reading that raises a pain-spike alert: severe on its own, or
/// at least baseline + 3 together with the reading before it.
pub fn pain_spike(readings: &[(i16, bool)], baseline: Option<f64>) -> Option<usize> {
    let high = |p: i16| baseline.is_some_and(|b| f64::from(p) >= b + SPIKE_ABOVE_BASELINE);
    (0..readings.len()).find(|&i| {
        let (pain, new) = readings[i];
        new && (pain >= SEVERE_PAIN || (i > 0 && high(pain) && high(readings[i - 1].0)))
    })
}

/// Whether `now` is `days` or more after the last sign of life (the last check-in, or
/// the account's start when there is none).
pub fn disengaged(last_seen: DateTime<Utc>, now: DateTime<Utc>, days: i16) -> bool {
    now - last_seen >= Duration::days(i64::from(days))
}

/// Low adherence needs something prescribed to fall short of.
pub fn low_adherence(done: i64, prescribed: i64) -> bool {
    prescribed > 0 && (done as f64) * 100.0 / (prescribed as f64) < LOW_ADHERENCE_PERCENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_consecutive_readings_three_above_baseline_are_a_spike() {
        let new = |pains: &[i16]| pains.iter().map(|p| (*p, true)).collect::<Vec<_>>();
        // Baseline 4: 7 is high. One high reading is not enough; two in a row are.
        assert_eq!(pain_spike(&new(&[4, 7, 5, 7]), Some(4.0)), None);
        assert_eq!(pain_spike(&new(&[4, 7, 7]), Some(4.0)), Some(2));
        // An older high reading still pairs with a new one, but raises nothing itself.
        assert_eq!(pain_spike(&[(7, false), (7, true)], Some(4.0)), Some(1));
        assert_eq!(pain_spike(&[(7, false), (7, false)], Some(4.0)), None);
    }

    #[test]
    fn severe_pain_is_a_spike_even_without_a_baseline() {
        assert_eq!(pain_spike(&[(3, true), (8, true)], None), Some(1));
        assert_eq!(pain_spike(&[(6, true), (7, true)], None), None);
    }

    #[test]
    fn disengaged_after_the_set_number_of_days() {
        let last = DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z").unwrap().to_utc();
        assert!(!disengaged(last, last + Duration::days(3) - Duration::seconds(1), 3));
        assert!(disengaged(last, last + Duration::days(3), 3));
    }

    #[test]
    fn adherence_under_half_is_low() {
        assert!(low_adherence(6, 13));
        assert!(!low_adherence(7, 14));
        assert!(!low_adherence(0, 0));
    }
}
