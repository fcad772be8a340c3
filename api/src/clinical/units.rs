//! Billing units for timed procedures by the 8-minute rule.
//!
//! **The rule.** Units come from the *total* timed minutes of a session, not from each
//! code alone: below 8 minutes there are none; from 8 minutes on, units =
//! ⌊(total + 7) / 15⌋. So 7 → 0, 8 → 1, 22 → 1, 23 → 2, 37 → 2, 38 → 3: every further
//! unit needs its full 15 minutes except the last, which needs 8 of them.
//!
//! **Spreading them over codes** (the CMS way): each code first gets one unit per full
//! 15 minutes it had; units still left go to the codes with the largest leftover minutes
//! (the minutes past their full blocks), one each. Ties go to the code with more minutes
//! in all, then to the one listed first. Two 7-minute codes thus share one unit, given to
//! the first; 33 minutes of one code and 7 of another make 3 units, 2 and 1.
//!
//! Codes are identifiers only; nothing here knows what a code pays.

/// One code's minutes in a session, in the order the therapist listed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedMinutes<K> {
    pub code: K,
    pub minutes: u32,
}

/// The units of a session: the total, and each code's share in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Units<K> {
    pub total_minutes: u32,
    pub total_units: u32,
    pub per_code: Vec<(K, u32)>,
}

/// Units billable for `total` timed minutes.
pub fn units_for_minutes(total: u32) -> u32 {
    if total < 8 { 0 } else { (total + 7) / 15 }
}

/// Applies the rule to a session's timed minutes. Each code should appear once (the
/// caller merges or refuses repeats); a repeated code is treated as a separate line.
pub fn allocate<K: Copy>(lines: &[TimedMinutes<K>]) -> Units<K> {
    let total_minutes: u32 = lines.iter().map(|l| l.minutes).sum();
    let total_units = units_for_minutes(total_minutes);
    let mut units = vec![0u32; lines.len()];
    // Most minutes first; a stable sort keeps the listed order among equals.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lines[i].minutes));
    let mut left = total_units;
    for &i in &order {
        let full = (lines[i].minutes / 15).min(left);
        units[i] += full;
        left -= full;
    }
    // Leftover minutes largest first; ties keep the most-minutes-first order.
    let mut by_leftover = order.clone();
    by_leftover.sort_by_key(|&i| std::cmp::Reverse(lines[i].minutes % 15));
    for &i in &by_leftover {
        if left == 0 {
            break;
        }
        if !lines[i].minutes.is_multiple_of(15) {
            units[i] += 1;
            left -= 1;
        }
    }
    Units { total_minutes, total_units, per_code: lines.iter().zip(units).map(|(l, u)| (l.code, u)).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(minutes: u32) -> Units<&'static str> {
        allocate(&[TimedMinutes { code: "97140", minutes }])
    }

    fn split(lines: &[(&'static str, u32)]) -> Vec<(&'static str, u32)> {
        let lines: Vec<_> = lines.iter().map(|&(code, minutes)| TimedMinutes { code, minutes }).collect();
        allocate(&lines).per_code
    }

    #[test]
    fn seven_minutes_are_no_unit_and_eight_are_one() {
        assert_eq!((one(7).total_units, one(7).per_code), (0, vec![("97140", 0)]));
        assert_eq!((one(8).total_units, one(8).per_code), (1, vec![("97140", 1)]));
    }

    #[test]
    fn the_second_unit_starts_at_twenty_three_minutes() {
        assert_eq!(one(22).total_units, 1);
        assert_eq!(one(23).total_units, 2);
    }

    #[test]
    fn the_third_unit_starts_at_thirty_eight_minutes() {
        assert_eq!(one(37).total_units, 2);
        assert_eq!(one(38).total_units, 3);
        assert_eq!(one(38).per_code, vec![("97140", 3)]);
    }

    #[test]
    fn the_rule_runs_on_the_total_so_short_codes_add_up() {
        // 7 + 7 = 14 minutes: one unit, to the first listed of two equal codes.
        assert_eq!(split(&[("97140", 7), ("97110", 7)]), [("97140", 1), ("97110", 0)]);
        // 5 + 4 = 9 minutes: one unit, to the code with more minutes.
        assert_eq!(split(&[("97110", 4), ("97140", 5)]), [("97110", 0), ("97140", 1)]);
        // 3 + 4 = 7 minutes: nothing.
        assert_eq!(split(&[("97110", 3), ("97140", 4)]), [("97110", 0), ("97140", 0)]);
    }

    #[test]
    fn full_blocks_come_first_then_the_largest_leftover() {
        // 33 + 7 = 40 minutes, 3 units: 97110 has two full blocks (3 left over),
        // 97140's 7 minutes beat those 3 for the last unit.
        let lines = [TimedMinutes { code: "97110", minutes: 33 }, TimedMinutes { code: "97140", minutes: 7 }];
        let units = allocate(&lines);
        assert_eq!((units.total_minutes, units.total_units), (40, 3));
        assert_eq!(units.per_code, vec![("97110", 2), ("97140", 1)]);
        // 24 + 23 = 47 minutes, 3 units: one full block each, the last to the 9 leftover.
        assert_eq!(split(&[("97140", 23), ("97530", 24)]), [("97140", 1), ("97530", 2)]);
        // 20 + 20 + 20 = 60 minutes, 4 units: a block each, the fourth to the first listed.
        assert_eq!(split(&[("97124", 20), ("97140", 20), ("97110", 20)]), [("97124", 2), ("97140", 1), ("97110", 1)]);
    }

    #[test]
    fn units_never_exceed_the_total_and_never_go_to_a_code_without_leftover() {
        for a in 0..=60 {
            for b in 0..=60 {
                let per = split(&[("a", a), ("b", b)]);
                let sum: u32 = per.iter().map(|(_, u)| u).sum();
                assert_eq!(sum, units_for_minutes(a + b), "{a} + {b}");
                assert!(per[0].1 <= a.div_ceil(15) && per[1].1 <= b.div_ceil(15), "{a} + {b}: {per:?}");
            }
        }
    }

    #[test]
    fn no_lines_make_no_units() {
        let units = allocate::<&str>(&[]);
        assert_eq!((units.total_minutes, units.total_units, units.per_code), (0, 0, vec![]));
    }
}
