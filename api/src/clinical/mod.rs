//! Clinical knowledge, kept apart from storage and HTTP: the body map and symptom
//! vocabularies, the outcome-measure registry with its scoring rules, what counts as a
//! meaningful change, and the rules that raise alerts. Everything here is pure and
//! unit-tested against hand-worked examples.

pub mod body;
pub mod instruments;
pub mod red_flags;
pub mod rules;
pub mod symptoms;

/// The smallest change that matters to a patient, in points and/or percent of baseline.
/// Either threshold is enough when both are given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mcid {
    pub points: Option<f64>,
    pub percent: Option<f64>,
}

/// Which way a change went, judged by whether higher scores are worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum Direction {
    Improved,
    Worsened,
    Unchanged,
}

impl Mcid {
    /// Whether going from `baseline` to `value` is a clinically meaningful change.
    pub fn crossed(self, baseline: f64, value: f64) -> bool {
        let change = (value - baseline).abs();
        // A small epsilon so 2.0 − 0.0000001 from float means still counts as 2.
        let by_points = self.points.is_some_and(|p| change + 1e-9 >= p);
        let by_percent =
            self.percent.is_some_and(|p| baseline.abs() > 0.0 && change * 100.0 / baseline.abs() + 1e-9 >= p);
        by_points || by_percent
    }
}

pub fn direction(baseline: f64, value: f64, higher_is_worse: bool) -> Direction {
    let delta = value - baseline;
    if delta.abs() < 1e-9 {
        Direction::Unchanged
    } else if (delta > 0.0) == higher_is_worse {
        Direction::Worsened
    } else {
        Direction::Improved
    }
}

/// Pain on the 0–10 numeric rating scale: 2 points or 30 % (Farrar 2001; Ostelo 2008).
pub const PAIN_MCID: Mcid = Mcid { points: Some(2.0), percent: Some(30.0) };
/// Stress and sleep have no agreed threshold on a single 0–10 item; 2 points is used
/// as for pain so trends flag the same size of change.
pub const RATING_MCID: Mcid = Mcid { points: Some(2.0), percent: None };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pain_change_counts_at_two_points_or_thirty_percent() {
        assert!(PAIN_MCID.crossed(6.0, 4.0));
        assert!(!PAIN_MCID.crossed(6.0, 4.5));
        // 3 → 2 is only one point but a third of the baseline.
        assert!(PAIN_MCID.crossed(3.0, 2.0));
        assert!(!PAIN_MCID.crossed(0.0, 1.0));
    }

    #[test]
    fn direction_depends_on_which_end_is_worse() {
        assert_eq!(direction(6.0, 4.0, true), Direction::Improved);
        assert_eq!(direction(4.0, 6.0, false), Direction::Improved);
        assert_eq!(direction(4.0, 6.0, true), Direction::Worsened);
        assert_eq!(direction(4.0, 4.0, true), Direction::Unchanged);
    }
}
