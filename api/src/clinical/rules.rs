//! When the therapist is alerted. Each rule is a pure function over what the database
//! already holds; `services::alerts` loads the inputs, applies them and stores alerts.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AlertKind {
        /// A check-in reported a red-flag symptom.
        RedFlag = "red_flag",
        /// Pain well above baseline on two check-ins in a row (at most 48 h apart), or severe pain.
        PainSpike = "pain_spike",
        /// No check-in and no exercise logged for the patient's set number of days.
        Disengaged = "disengaged",
        /// Under half of last week's prescribed exercises done (not within 7 days of a red flag).
        LowAdherence = "low_adherence",
        /// A completed visit left 2 or fewer visits on a payer authorization.
        AuthorizationLow = "authorization_low",
        /// A payer authorization ends within 7 days.
        AuthorizationExpiring = "authorization_expiring",
    }
}

/// Points above baseline that count as a spike when seen twice in a row.
pub const SPIKE_ABOVE_BASELINE: f64 = 3.0;
/// Two high readings are "in a row" only this close together; further apart they are
/// two separate bad moments, not a sustained rise.
pub const SPIKE_PAIR_WITHIN: Duration = Duration::hours(48);
/// Pain this high raises an alert on its own.
pub const SEVERE_PAIN: i16 = 8;
/// Adherence under this percent over the last 7 days raises an alert.
pub const LOW_ADHERENCE_PERCENT: f64 = 50.0;
/// After a red flag the patient was told to stop exercising and get checked, so low
/// adherence in the following days is expected and not alerted.
pub const NO_ADHERENCE_ALERT_AFTER_RED_FLAG: Duration = Duration::days(7);

/// One pain rating, marked whether it just arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub pain: i16,
    pub at: DateTime<Utc>,
    pub new: bool,
}

/// The latest pain-spike alert, once it has been acknowledged: the reading that raised
/// it, and whether some reading after it was no longer elevated (the episode ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledged {
    pub pain: i16,
    pub at: DateTime<Utc>,
    pub ended: bool,
}

/// Elevated: severe, or at least baseline + 3.
pub fn elevated(pain: i16, baseline: Option<f64>) -> bool {
    pain >= SEVERE_PAIN || baseline.is_some_and(|b| f64::from(pain) >= b + SPIKE_ABOVE_BASELINE)
}

/// Whether `pain` is elevated for some baseline (baselines are 0 or more): a reading
/// below this can never be part of a spike, so the rule needs no history for it.
pub fn could_be_elevated(pain: i16) -> bool {
    elevated(pain, Some(0.0))
}

/// Pain readings in recorded order. Returns the index of the first new reading that
/// raises a pain-spike alert: severe on its own, or elevated together with the reading
/// before it when the two are at most 48 h apart.
///
/// After an acknowledged spike alert, the same episode (no reading back below the
/// elevated level since) raises again only when pain rises above the reading that
/// raised it: the therapist has seen "8/10", another 8 tells them nothing new, a 9 does.
pub fn pain_spike(readings: &[Reading], baseline: Option<f64>, previous: Option<Acknowledged>) -> Option<usize> {
    let mut ended = previous.is_some_and(|p| p.ended);
    (0..readings.len()).find(|&i| {
        let r = readings[i];
        if let Some(p) = previous
            && r.at > p.at
            && !elevated(r.pain, baseline)
        {
            ended = true;
        }
        let paired = i > 0 && {
            let before = readings[i - 1];
            elevated(r.pain, baseline) && elevated(before.pain, baseline) && r.at - before.at <= SPIKE_PAIR_WITHIN
        };
        let spike = r.pain >= SEVERE_PAIN || paired;
        let news = match previous {
            None => true,
            // A reading from before the acknowledged one belongs to that episode.
            Some(p) => r.pain > p.pain || (ended && r.at > p.at),
        };
        r.new && spike && news
    })
}

/// Whether `now` is `days` or more after the last sign of life (the last check-in or
/// exercise log, or the account's start when there is none).
pub fn disengaged(last_seen: DateTime<Utc>, now: DateTime<Utc>, days: i16) -> bool {
    now - last_seen >= Duration::days(i64::from(days))
}

/// Low adherence needs something prescribed to fall short of.
pub fn low_adherence(done: i64, prescribed: i64) -> bool {
    prescribed > 0 && (done as f64) * 100.0 / (prescribed as f64) < LOW_ADHERENCE_PERCENT
}

/// Whether a red flag reported at `flagged_at` still holds back a low-adherence alert.
pub fn adherence_alert_held_by_red_flag(flagged_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - flagged_at < NO_ADHERENCE_ALERT_AFTER_RED_FLAG
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").unwrap().to_utc() + Duration::hours(h)
    }

    /// New readings one hour apart.
    fn hourly(pains: &[i16]) -> Vec<Reading> {
        pains.iter().enumerate().map(|(i, p)| Reading { pain: *p, at: at(i as i64), new: true }).collect()
    }

    #[test]
    fn two_consecutive_readings_three_above_baseline_are_a_spike() {
        // Baseline 4: 7 is high. One high reading is not enough; two in a row are.
        assert_eq!(pain_spike(&hourly(&[4, 7, 5, 7]), Some(4.0), None), None);
        assert_eq!(pain_spike(&hourly(&[4, 7, 7]), Some(4.0), None), Some(2));
        // An older high reading still pairs with a new one, but raises nothing itself.
        let old_then_new = [Reading { pain: 7, at: at(0), new: false }, Reading { pain: 7, at: at(1), new: true }];
        assert_eq!(pain_spike(&old_then_new, Some(4.0), None), Some(1));
        let both_old = old_then_new.map(|r| Reading { new: false, ..r });
        assert_eq!(pain_spike(&both_old, Some(4.0), None), None);
    }

    #[test]
    fn two_high_readings_are_in_a_row_only_within_48_hours() {
        let pair =
            |gap_hours| [Reading { pain: 7, at: at(0), new: false }, Reading { pain: 7, at: at(gap_hours), new: true }];
        assert_eq!(pain_spike(&pair(48), Some(4.0), None), Some(1));
        assert_eq!(pain_spike(&pair(49), Some(4.0), None), None);
    }

    #[test]
    fn severe_pain_is_a_spike_even_without_a_baseline() {
        assert_eq!(pain_spike(&hourly(&[3, 8]), None, None), Some(1));
        assert_eq!(pain_spike(&hourly(&[6, 7]), None, None), None);
    }

    #[test]
    fn an_acknowledged_severe_episode_raises_again_only_when_pain_rises_or_the_episode_ends() {
        // Alert raised by 8/10 at hour 0 and acknowledged.
        let acked = Acknowledged { pain: 8, at: at(0), ended: false };
        let later = |pains: &[i16]| -> Vec<Reading> {
            pains.iter().enumerate().map(|(i, p)| Reading { pain: *p, at: at(i as i64 + 1), new: true }).collect()
        };
        // Still 8: the same episode, nothing new.
        assert_eq!(pain_spike(&later(&[8, 8]), None, Some(acked)), None);
        // Rising to 9 is news.
        assert_eq!(pain_spike(&later(&[8, 9]), None, Some(acked)), Some(1));
        // Down to 5, then 8 again: a new episode.
        assert_eq!(pain_spike(&later(&[5, 8]), None, Some(acked)), Some(1));
        // The episode already ended before these readings (found by the caller).
        assert_eq!(pain_spike(&later(&[8]), None, Some(Acknowledged { ended: true, ..acked })), Some(0));
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

    #[test]
    fn a_red_flag_holds_adherence_alerts_for_seven_days() {
        let flagged = at(0);
        assert!(adherence_alert_held_by_red_flag(flagged, flagged + Duration::days(7) - Duration::seconds(1)));
        assert!(!adherence_alert_held_by_red_flag(flagged, flagged + Duration::days(7)));
    }
}
