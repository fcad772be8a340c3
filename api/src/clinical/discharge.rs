//! Discharge: why a course of care ended and how each functional goal came out.
//!
//! A goal is rated 0–10 (10 = as well as before the problem) at the start (its baseline)
//! and again at discharge. Its status follows from the numbers, so two therapists reading
//! the same ratings record the same status:
//! - `met`: the discharge rating reached the target;
//! - `partly_met`: better than the baseline but short of the target;
//! - `not_met`: no better than the baseline.
//!
//! Whether the change matters is judged with the functional-goal MCID (2 points, as for
//! the patient-specific functional scale).

use super::{Direction, Mcid, direction};

/// Why the course ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DischargeReason {
    GoalsMet,
    Plateau,
    ReferredBack,
    PatientChoice,
    AuthorizationEnded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalStatus {
    Met,
    PartlyMet,
    NotMet,
}

/// A functional goal changes meaningfully by 2 points either way.
pub const GOAL_MCID: Mcid = Mcid { points: Some(2.0), percent: None };

/// A goal rating, 0–10.
pub const GOAL_RATING_MAX: i16 = 10;

/// How one goal came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalOutcome {
    pub status: GoalStatus,
    /// Rating − baseline.
    pub change: i16,
    pub direction: Direction,
    pub meaningful: bool,
}

/// The outcome of a goal with this baseline and target rated `rating` at discharge
/// (higher ratings are better).
pub fn goal_outcome(baseline: i16, target: i16, rating: i16) -> GoalOutcome {
    let status = if rating >= target {
        GoalStatus::Met
    } else if rating > baseline {
        GoalStatus::PartlyMet
    } else {
        GoalStatus::NotMet
    };
    let (from, to) = (f64::from(baseline), f64::from(rating));
    GoalOutcome {
        status,
        change: rating - baseline,
        direction: direction(from, to, false),
        meaningful: GOAL_MCID.crossed(from, to, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_goal_is_met_at_its_target_partly_met_above_its_baseline_else_not_met() {
        assert_eq!(goal_outcome(3, 8, 8).status, GoalStatus::Met);
        assert_eq!(goal_outcome(3, 8, 10).status, GoalStatus::Met);
        assert_eq!(goal_outcome(3, 8, 7).status, GoalStatus::PartlyMet);
        assert_eq!(goal_outcome(3, 8, 4).status, GoalStatus::PartlyMet);
        assert_eq!(goal_outcome(3, 8, 3).status, GoalStatus::NotMet);
        assert_eq!(goal_outcome(3, 8, 1).status, GoalStatus::NotMet);
    }

    #[test]
    fn two_points_either_way_is_a_meaningful_change() {
        let up = goal_outcome(3, 8, 5);
        assert_eq!((up.change, up.direction, up.meaningful), (2, Direction::Improved, true));
        let small = goal_outcome(3, 8, 4);
        assert_eq!((small.change, small.meaningful), (1, false));
        let down = goal_outcome(5, 8, 3);
        assert_eq!((down.change, down.direction, down.meaningful), (-2, Direction::Worsened, true));
        assert_eq!(goal_outcome(5, 8, 5).direction, Direction::Unchanged);
    }
}
