//! Adaptive reminder timing: the pure rule that moves a daily reminder towards the time
//! the patient actually does the task, and the fatigue rule that backs a reminder off
//! when it keeps being ignored. No database here; the nightly step in
//! `crate::workers::adaptive` feeds it and the benchmark simulation calls the same code.
//!
//! Invariants of [`decide`] (each checked by a unit test):
//! - it looks only at the last [`WINDOW_DAYS`] completed local days, and needs at least
//!   [`MIN_DAYS`] of them with the activity before it moves anything;
//! - the target is [`LEAD_MINUTES`] before the median first-activity time, rounded to 5
//!   minutes, never before [`EARLIEST_MINUTE`] and never inside quiet hours;
//! - one move per [`MIN_DAYS_BETWEEN_CHANGES`] days, each at most [`MAX_STEP_MINUTES`].
//!
//! Minutes are minutes after local midnight (0–1439), local dates are the patient's.

use chrono::NaiveDate;

pub const WINDOW_DAYS: i64 = 21;
pub const MIN_DAYS: usize = 5;
pub const LEAD_MINUTES: i16 = 30;
pub const EARLIEST_MINUTE: i16 = 7 * 60;
pub const MAX_STEP_MINUTES: i16 = 120;
pub const MIN_DAYS_BETWEEN_CHANGES: i64 = 7;
/// Ignored days in a row after which a reminder comes only every other day.
pub const IGNORED_DAYS_FOR_BACKOFF: u32 = 3;

/// What the rule looks at on `today` (the local date of the review).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub today: NaiveDate,
    /// The local minute of the first logged activity of each day; any order, at most one
    /// entry per date. Dates outside the window are ignored.
    pub first_times: &'a [(NaiveDate, i16)],
    /// The reminder's minute now.
    pub current: i16,
    /// The local date of the last adaptive move (or of the patient's own change).
    pub last_change: Option<NaiveDate>,
    /// Quiet hours `[start, end)`, possibly spanning midnight.
    pub quiet: Option<(i16, i16)>,
}

/// Why the reminder moved, with the numbers the app needs to explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: i16,
    pub to: i16,
    /// Where the rule would put the reminder without the 2-hour step limit.
    pub target: i16,
    /// The median local minute of the first activity.
    pub median: i16,
    /// How many of the window's days had the activity.
    pub days: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Move(Move),
    /// Fewer than [`MIN_DAYS`] days with the activity in the window.
    TooFewDays {
        days: u8,
    },
    /// Moved (or set by the patient) less than a week ago.
    ChangedRecently {
        on: NaiveDate,
    },
    /// The reminder is already where the rule puts it.
    AlreadyThere {
        median: i16,
        days: u8,
    },
}

/// The adaptive rule. Deterministic: same inputs, same answer.
pub fn decide(input: &Inputs<'_>) -> Decision {
    let first = input.today - chrono::Duration::days(WINDOW_DAYS);
    let mut times: Vec<i16> =
        input.first_times.iter().filter(|(d, _)| *d >= first && *d < input.today).map(|(_, m)| *m).collect();
    let days = times.len().min(u8::MAX as usize) as u8;
    if times.len() < MIN_DAYS {
        return Decision::TooFewDays { days };
    }
    if let Some(on) = input.last_change
        && (input.today - on).num_days() < MIN_DAYS_BETWEEN_CHANGES
    {
        return Decision::ChangedRecently { on };
    }
    times.sort_unstable();
    let median = median(&times);
    let target = allowed(round_to_5(median - LEAD_MINUTES).max(EARLIEST_MINUTE), input.quiet);
    let step = (target - input.current).clamp(-MAX_STEP_MINUTES, MAX_STEP_MINUTES);
    let mut to = input.current + step;
    if let Some((start, end)) = input.quiet
        && in_quiet(start, end, to)
    {
        // The step stopped inside quiet hours: stay on the side the reminder came from.
        to = if step < 0 { end } else { start - 5 };
    }
    let to = to.max(EARLIEST_MINUTE).clamp(0, 24 * 60 - 5);
    if to == input.current {
        Decision::AlreadyThere { median, days }
    } else {
        Decision::Move(Move { from: input.current, to, target, median, days })
    }
}

/// The median of sorted minutes; with an even count, the mean of the middle two, rounded down.
fn median(sorted: &[i16]) -> i16 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 }
}

/// To the nearest multiple of 5 (halves cannot happen with whole minutes).
fn round_to_5(m: i16) -> i16 {
    (m + 2).div_euclid(5) * 5
}

fn in_quiet(start: i16, end: i16, minute: i16) -> bool {
    if start <= end { (start..end).contains(&minute) } else { minute >= start || minute < end }
}

/// `m`, or the nearest quiet-hours edge outside them if `m` falls inside.
fn allowed(m: i16, quiet: Option<(i16, i16)>) -> i16 {
    let Some((start, end)) = quiet else { return m };
    if !in_quiet(start, end, m) {
        return m;
    }
    let day = 24 * 60;
    let before = (start - 5).rem_euclid(day);
    let dist = |a: i16, b: i16| {
        let d = (a - b).rem_euclid(day);
        d.min(day - d)
    };
    let candidate = if dist(m, end) <= dist(m, before) { end } else { before };
    if candidate < EARLIEST_MINUTE { before.max(EARLIEST_MINUTE) } else { candidate }
}

/// One past day of one reminder kind, for the fatigue rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub reminded: bool,
    pub acted: bool,
}

/// How many days in a row, counting back from the latest, the reminder was sent and the
/// task not done. Days without a reminder and without the task (back-off days) neither
/// count nor break the run; a day with the task ends it.
pub fn ignored_streak(days: &[Day]) -> u32 {
    let mut sorted = days.to_vec();
    sorted.sort_by_key(|d| d.date);
    let mut streak = 0;
    for day in sorted.iter().rev() {
        if day.acted {
            break;
        }
        if day.reminded {
            streak += 1;
        }
    }
    streak
}

/// The first day of the back-off, if the reminder should back off from `today` on:
/// kept if already backing off, else `today` once the streak reaches the threshold;
/// `None` (recovered) as soon as the patient acted after the streak.
pub fn backoff_since(days: &[Day], today: NaiveDate, current: Option<NaiveDate>) -> Option<NaiveDate> {
    if ignored_streak(days) >= IGNORED_DAYS_FOR_BACKOFF { Some(current.unwrap_or(today)) } else { None }
}

/// Whether a backed-off reminder goes out on `date`: every other day from the start.
pub fn sends_on(backoff_since: Option<NaiveDate>, date: NaiveDate) -> bool {
    match backoff_since {
        Some(since) if date >= since => (date - since).num_days() % 2 == 1,
        _ => true,
    }
}

/// `HH:MM` for a minute after midnight.
pub fn clock(m: i16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    fn hm(h: i16, m: i16) -> i16 {
        h * 60 + m
    }

    fn input(times: &[(NaiveDate, i16)], current: i16) -> Inputs<'_> {
        Inputs { today: d(29), first_times: times, current, last_change: None, quiet: None }
    }

    fn daily(from: u32, to: u32, minute: i16) -> Vec<(NaiveDate, i16)> {
        (from..=to).map(|day| (d(day), minute)).collect()
    }

    #[test]
    fn moves_to_half_an_hour_before_the_median_rounded_to_five_minutes() {
        let times =
            vec![(d(20), hm(8, 2)), (d(21), hm(7, 58)), (d(22), hm(8, 1)), (d(23), hm(8, 9)), (d(24), hm(7, 50))];
        match decide(&input(&times, hm(9, 0))) {
            Decision::Move(m) => assert_eq!((m.median, m.target, m.to, m.days), (hm(8, 1), hm(7, 30), hm(7, 30), 5)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn needs_five_days_in_the_last_21() {
        let mut times = daily(24, 27, hm(8, 0));
        // Old days and today do not count.
        times.push((d(7), hm(8, 0)));
        times.push((d(29), hm(8, 0)));
        assert_eq!(decide(&input(&times, hm(18, 0))), Decision::TooFewDays { days: 4 });
        times.push((d(8), hm(8, 0)));
        assert!(matches!(decide(&input(&times, hm(9, 0))), Decision::Move(_)));
    }

    #[test]
    fn moves_at_most_two_hours_at_a_time() {
        let times = daily(10, 28, hm(8, 0));
        let Decision::Move(m) = decide(&input(&times, hm(18, 0))) else { panic!() };
        assert_eq!((m.to, m.target), (hm(16, 0), hm(7, 30)));
        let Decision::Move(up) = decide(&input(&daily(10, 28, hm(23, 0)), hm(18, 0))) else { panic!() };
        assert_eq!(up.to, hm(20, 0));
    }

    #[test]
    fn never_before_seven() {
        let times = daily(10, 28, hm(6, 10));
        let Decision::Move(m) = decide(&input(&times, hm(8, 0))) else { panic!() };
        assert_eq!(m.to, hm(7, 0));
    }

    #[test]
    fn never_inside_quiet_hours() {
        let times = daily(10, 28, hm(8, 30));
        // 08:00 is quiet until 08:30: the nearest allowed time is the end.
        let mut i = input(&times, hm(9, 0));
        i.quiet = Some((hm(22, 0), hm(8, 30)));
        let Decision::Move(m) = decide(&i) else { panic!() };
        assert_eq!(m.to, hm(8, 30));
        // A late routine whose target is quiet gets the last time before quiet hours.
        let late = daily(10, 28, hm(23, 30));
        let mut i = input(&late, hm(20, 0));
        i.quiet = Some((hm(21, 0), hm(7, 0)));
        let Decision::Move(m) = decide(&i) else { panic!() };
        assert_eq!(m.to, hm(20, 55));
        // Every minute of the day as a routine, with quiet hours spanning midnight.
        for minute in (0..1440).step_by(7) {
            let times = daily(10, 28, minute);
            for current in [hm(7, 0), hm(12, 0), hm(18, 0), hm(20, 55)] {
                let mut i = input(&times, current);
                i.quiet = Some((hm(21, 0), hm(7, 30)));
                if let Decision::Move(m) = decide(&i) {
                    assert!(!in_quiet(hm(21, 0), hm(7, 30), m.to), "{minute} from {current} → {}", m.to);
                    assert!(m.to >= EARLIEST_MINUTE && (m.to - current).abs() <= MAX_STEP_MINUTES);
                    assert_eq!(m.to % 5, 0);
                }
            }
        }
    }

    #[test]
    fn changes_at_most_once_a_week() {
        let times = daily(10, 28, hm(8, 0));
        let mut i = input(&times, hm(18, 0));
        i.last_change = Some(d(23));
        assert_eq!(decide(&i), Decision::ChangedRecently { on: d(23) });
        i.last_change = Some(d(22));
        assert!(matches!(decide(&i), Decision::Move(_)));
    }

    #[test]
    fn stays_when_already_there() {
        let times = daily(10, 28, hm(8, 0));
        assert_eq!(decide(&input(&times, hm(7, 30))), Decision::AlreadyThere { median: hm(8, 0), days: 19 });
    }

    #[test]
    fn even_counts_take_the_mean_of_the_middle_two() {
        assert_eq!(median(&[480, 490, 500, 510]), 495);
        assert_eq!(round_to_5(452), 450);
        assert_eq!(round_to_5(453), 455);
    }

    fn day(n: u32, reminded: bool, acted: bool) -> Day {
        Day { date: d(n), reminded, acted }
    }

    #[test]
    fn three_ignored_days_back_off_to_every_other_day_until_the_patient_acts() {
        let mut days = vec![day(1, true, true), day(2, true, false), day(3, true, false)];
        assert_eq!(backoff_since(&days, d(4), None), None);
        days.push(day(4, true, false));
        let since = backoff_since(&days, d(5), None);
        assert_eq!(since, Some(d(5)));
        let sent: Vec<bool> = (5..=8).map(|n| sends_on(since, d(n))).collect();
        assert_eq!(sent, [false, true, false, true]);
        // Quiet days of the back-off keep it going; acting ends it.
        days.push(day(5, false, false));
        assert_eq!(backoff_since(&days, d(6), since), Some(d(5)));
        days.push(day(6, true, true));
        assert_eq!(backoff_since(&days, d(7), since), None);
        assert!(sends_on(None, d(7)));
    }
}
