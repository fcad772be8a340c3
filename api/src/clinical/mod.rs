//! Clinical knowledge, kept apart from storage and HTTP: the body map and symptom
//! vocabularies, the outcome-measure registry with its scoring rules, what counts as a
//! meaningful change, and the rules that raise alerts. Everything here is pure and
//! unit-tested against hand-worked examples.

pub mod body;
pub mod discharge;
pub mod girth;
pub mod instruments;
pub mod red_flags;
pub mod rom;
pub mod rules;
pub mod scar;
pub mod symptoms;
pub mod treatment;
pub mod units;

use crate::vocabulary::vocabulary;

/// The smallest change that matters to a patient: a number of points either way, and/or
/// a percentage of the baseline that counts only for an improvement from a baseline at
/// least `min_baseline`. Either threshold is enough when both apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mcid {
    pub points: Option<f64>,
    pub percent: Option<PercentOfBaseline>,
}

/// The relative half of an MCID. Percentages of a small baseline are tiny absolute
/// changes (30 % of 1.0 is 0.3 on a 0–10 scale, well inside measurement noise), and the
/// published relative thresholds were derived from improvement in patients with at least
/// moderate pain, so the rule is applied only there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentOfBaseline {
    pub percent: f64,
    pub min_baseline: f64,
}

vocabulary! {
    /// Which way a change went, judged by whether higher scores are worse.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Direction {
        Improved = "improved",
        Worsened = "worsened",
        Unchanged = "unchanged",
    }
}

// Means of whole-number ratings are fractions: 2.0 − 0.0000001 must still count as 2.
const EPSILON: f64 = 1e-9;

impl Mcid {
    /// Whether going from `baseline` to `value` is a clinically meaningful change.
    pub fn crossed(self, baseline: f64, value: f64, higher_is_worse: bool) -> bool {
        let change = (value - baseline).abs();
        let by_points = self.points.is_some_and(|p| change + EPSILON >= p);
        let improved = direction(baseline, value, higher_is_worse) == Direction::Improved;
        let by_percent = self.percent.is_some_and(|p| {
            improved
                && baseline.abs() + EPSILON >= p.min_baseline
                && baseline.abs() > 0.0
                && change * 100.0 / baseline.abs() + EPSILON >= p.percent
        });
        by_points || by_percent
    }

    /// The values around `baseline` that are *not* a meaningful change, as `(lower,
    /// upper)`: the band charts shade. Each edge is the nearest value [`Mcid::crossed`]
    /// accepts on that side; `None` when the worsening side has no point threshold.
    pub fn band(self, baseline: f64, higher_is_worse: bool) -> Option<(f64, f64)> {
        let points = self.points?;
        let relative = self
            .percent
            .filter(|p| baseline.abs() + EPSILON >= p.min_baseline && baseline.abs() > 0.0)
            .map(|p| baseline.abs() * p.percent / 100.0);
        let improving = relative.map_or(points, |r| r.min(points));
        Some(if higher_is_worse {
            (baseline - improving, baseline + points)
        } else {
            (baseline - points, baseline + improving)
        })
    }
}

pub fn direction(baseline: f64, value: f64, higher_is_worse: bool) -> Direction {
    let delta = value - baseline;
    if delta.abs() < EPSILON {
        Direction::Unchanged
    } else if (delta > 0.0) == higher_is_worse {
        Direction::Worsened
    } else {
        Direction::Improved
    }
}

/// Pain on the 0–10 numeric rating scale (Farrar 2001; Ostelo 2008): 2 points either
/// way, or a 30 % improvement from a baseline of at least 4 (moderate pain). Worsening
/// needs the 2 points.
pub const PAIN_MCID: Mcid =
    Mcid { points: Some(2.0), percent: Some(PercentOfBaseline { percent: 30.0, min_baseline: 4.0 }) };
/// Stress and sleep have no agreed threshold on a single 0–10 item; 2 points is used
/// as for pain so trends flag the same size of change.
pub const RATING_MCID: Mcid = Mcid { points: Some(2.0), percent: None };

/// The baseline of a daily rating: the mean of the daily means, so a day with five
/// check-ins weighs as much as a day with one. `readings` are (local day, value) pairs
/// already limited to the baseline week; `None` when there are none.
pub fn mean_of_daily_means(readings: &[(chrono::NaiveDate, i16)]) -> Option<f64> {
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, (i64, i64)> = Default::default();
    for (day, value) in readings {
        let entry = days.entry(*day).or_default();
        entry.0 += i64::from(*value);
        entry.1 += 1;
    }
    let mut totals: Vec<_> = days.into_iter().map(|(day, (sum, n))| (day, sum, n)).collect();
    mean_of_daily_totals(&mut totals)
}

/// [`mean_of_daily_means`] from each day's sum and count, as a database can add them up;
/// days are taken in date order, so both give the same float.
pub fn mean_of_daily_totals(days: &mut [(chrono::NaiveDate, i64, i64)]) -> Option<f64> {
    days.sort_unstable_by_key(|(day, _, _)| *day);
    let means: Vec<f64> = days.iter().filter(|(_, _, n)| *n > 0).map(|(_, sum, n)| *sum as f64 / *n as f64).collect();
    (!means.is_empty()).then(|| means.iter().sum::<f64>() / means.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_edges_are_the_first_meaningful_values() {
        for (mcid, baseline, worse) in [(PAIN_MCID, 6.0, true), (PAIN_MCID, 3.0, true), (RATING_MCID, 5.0, false)] {
            let (lo, hi) = mcid.band(baseline, worse).unwrap();
            assert!(mcid.crossed(baseline, lo, worse) && mcid.crossed(baseline, hi, worse));
            assert!(!mcid.crossed(baseline, lo + 0.01, worse) && !mcid.crossed(baseline, hi - 0.01, worse));
        }
        // 30 % of 6 is 1.8, nearer than 2 points.
        let (lo, hi) = PAIN_MCID.band(6.0, true).unwrap();
        assert!((lo - 4.2).abs() < 1e-9 && (hi - 8.0).abs() < 1e-9);
    }

    #[test]
    fn pain_change_counts_at_two_points_either_way() {
        // 6 → 4 and 2 → 4: two points, down or up.
        assert!(PAIN_MCID.crossed(6.0, 4.0, true));
        assert!(PAIN_MCID.crossed(2.0, 4.0, true));
        // 6 → 4.5: 1.5 points and 25 %: neither threshold.
        assert!(!PAIN_MCID.crossed(6.0, 4.5, true));
        assert!(!PAIN_MCID.crossed(0.0, 1.0, true));
    }

    #[test]
    fn thirty_percent_counts_only_for_improvement_from_a_moderate_baseline() {
        // 1.0 → 1.3 is +30 % of a mild baseline, and worse: not meaningful.
        assert!(!PAIN_MCID.crossed(1.0, 1.3, true));
        // 1.0 → 0.7 is −30 % but the baseline is mild (< 4): not meaningful.
        assert!(!PAIN_MCID.crossed(1.0, 0.7, true));
        // 3 → 2 is a third of the baseline, still mild: not meaningful.
        assert!(!PAIN_MCID.crossed(3.0, 2.0, true));
        // 4 → 2.8: 1.2 points, 30 % down from a moderate baseline: meaningful.
        assert!(PAIN_MCID.crossed(4.0, 2.8, true));
        // 4 → 2.9: 27.5 %: not.
        assert!(!PAIN_MCID.crossed(4.0, 2.9, true));
        // 5 → 6.5: +30 % but worse, and only 1.5 points: not meaningful.
        assert!(!PAIN_MCID.crossed(5.0, 6.5, true));
    }

    #[test]
    fn the_baseline_is_the_mean_of_daily_means() {
        let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        // June 1: (2 + 4 + 6) / 3 = 4; June 2: 7. Mean of days (4 + 7) / 2 = 5.5,
        // not the mean of readings 19 / 4 = 4.75.
        assert_eq!(mean_of_daily_means(&[(d(1), 2), (d(1), 4), (d(2), 7), (d(1), 6)]), Some(5.5));
        assert_eq!(mean_of_daily_means(&[]), None);
    }

    #[test]
    fn daily_totals_give_the_same_float_as_the_readings_whatever_their_order() {
        let d = |day| chrono::NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        // Thirds make the float depend on the order of the additions.
        let readings = [(d(3), 1), (d(1), 2), (d(2), 1), (d(3), 1), (d(1), 1), (d(2), 2), (d(3), 2), (d(2), 1)];
        let mut totals = vec![(d(3), 4, 3), (d(1), 3, 2), (d(2), 4, 3)];
        assert_eq!(mean_of_daily_totals(&mut totals), mean_of_daily_means(&readings));
        assert_eq!(mean_of_daily_totals(&mut []), None);
    }

    #[test]
    fn direction_depends_on_which_end_is_worse() {
        assert_eq!(direction(6.0, 4.0, true), Direction::Improved);
        assert_eq!(direction(4.0, 6.0, false), Direction::Improved);
        assert_eq!(direction(4.0, 6.0, true), Direction::Worsened);
        assert_eq!(direction(4.0, 4.0, true), Direction::Unchanged);
    }
}
