//! From a rule's local wall-clock time to instants, by the DST policy:
//!
//! - a local time that exists once fires then;
//! - a local time skipped by a spring-forward gap fires at the same offset as before the
//!   gap, i.e. as far after the gap as it was into it (America/New_York 2026-03-08 02:30
//!   → 07:30Z, which is 03:30 EDT);
//! - a local time that happens twice in a fall-back fold fires once, at its first
//!   occurrence (America/New_York 2026-11-01 01:30 → 05:30Z, still EDT).
//!
//! Occurrences are keyed by (rule, local date), so whatever the zone does, a rule gives
//! exactly one occurrence per local day. Everything here is pure so it can be checked
//! over every day of many years in many zones.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

/// The instant a local time on a local date stands for in `tz`.
pub fn due_at(date: NaiveDate, minute: i16, tz: Tz) -> DateTime<Utc> {
    let minute = i64::from(minute.clamp(0, 24 * 60 - 1));
    let local = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minute);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => (local - offset_before_gap(local, tz)).and_utc(),
    }
}

/// The UTC offset in force just before the gap that swallowed `local`.
fn offset_before_gap(local: NaiveDateTime, tz: Tz) -> Duration {
    // Gaps are at most a few hours (a whole day only when a zone jumped the date line,
    // which the minute walk also covers). The first local time before `local` that exists
    // belongs to the offset before the gap.
    for back in 1..=(26 * 60) {
        if let Some(t) = tz.from_local_datetime(&(local - Duration::minutes(back))).earliest() {
            return Duration::seconds(i64::from(t.offset().fix().local_minus_utc()));
        }
    }
    Duration::zero()
}

/// A rule as the scheduler needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleTime {
    pub id: Uuid,
    pub minute: i16,
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub days_mask: i16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub rule_id: Uuid,
    pub local_date: NaiveDate,
    pub due_at: DateTime<Utc>,
}

pub fn runs_on(days_mask: i16, date: NaiveDate) -> bool {
    days_mask & (1 << (date.weekday().number_from_monday() - 1)) != 0
}

/// Local dates whose occurrences could fall in `(from, to]`: one day of margin either side
/// covers offsets of up to ±14 h and a gap pushing a late time past midnight.
pub fn candidate_dates(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let first = from.with_timezone(&tz).date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
    let last = to.with_timezone(&tz).date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
    first.iter_days().take_while(|d| *d <= last).collect()
}

/// Every occurrence of `rules` in `tz` whose due instant lies in `(from, to]`.
pub fn occurrences_in_window(rules: &[RuleTime], tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for date in candidate_dates(tz, from, to) {
        for rule in rules.iter().filter(|r| runs_on(r.days_mask, date)) {
            let due = due_at(date, rule.minute, tz);
            if from < due && due <= to {
                out.push(Occurrence { rule_id: rule.id, local_date: date, due_at: due });
            }
        }
    }
    out
}

/// The local minute-of-day ranges (inclusive) that rules must fall in to be due in
/// `(from, to]`, widened by `margin` minutes for DST shifts; used to query only the
/// rules that can be due instead of all of them.
pub fn minute_ranges(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>, margin: i64) -> Vec<(i16, i16)> {
    let day = 24 * 60;
    if to - from >= Duration::hours(22) {
        return vec![(0, (day - 1) as i16)];
    }
    let start = minute_of_day(from.with_timezone(&tz).naive_local()) - margin;
    let end = minute_of_day(to.with_timezone(&tz).naive_local()) + margin;
    let (start, end) = if end < start { (start, end + day) } else { (start, end) };
    if end - start >= day - 1 {
        return vec![(0, (day - 1) as i16)];
    }
    let clamp = |m: i64| m.rem_euclid(day) as i16;
    let (a, b) = (clamp(start), clamp(end));
    if a <= b { vec![(a, b)] } else { vec![(0, b), (a, (day - 1) as i16)] }
}

/// `margin` if the zone changes its offset within a day of the window, else 0: away from
/// DST changes local time maps to instants one to one and needs no widening.
pub fn dst_margin(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>, margin: i64) -> i64 {
    let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix().local_minus_utc();
    if offset(from - Duration::days(1)) == offset(to + Duration::days(1)) { 0 } else { margin }
}

fn minute_of_day(t: NaiveDateTime) -> i64 {
    use chrono::Timelike;
    i64::from(t.hour() * 60 + t.minute())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn spring_forward_gaps_fire_at_the_offset_before_the_gap() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(due_at(date(2026, 3, 8), 2 * 60 + 30, ny), utc("2026-03-08T07:30:00Z"));
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(due_at(date(2026, 3, 29), 2 * 60 + 30, berlin), utc("2026-03-29T01:30:00Z"));
    }

    #[test]
    fn fall_back_folds_fire_at_the_first_occurrence() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(due_at(date(2026, 11, 1), 60 + 30, ny), utc("2026-11-01T05:30:00Z"));
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(due_at(date(2026, 10, 25), 2 * 60 + 30, berlin), utc("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn ordinary_days_fire_at_the_local_time() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        assert_eq!(due_at(date(2026, 6, 1), 18 * 60, tokyo), utc("2026-06-01T09:00:00Z"));
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        assert_eq!(due_at(date(2026, 6, 1), 20 * 60, kolkata), utc("2026-06-01T14:30:00Z"));
    }

    #[test]
    fn minute_ranges_cover_every_rule_due_in_the_window() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let from = utc("2026-06-01T21:50:00Z");
        let to = utc("2026-06-01T22:20:00Z");
        // 23:50–00:20 local wraps midnight.
        assert_eq!(minute_ranges(berlin, from, to, 0), vec![(0, 20), (23 * 60 + 50, 1439)]);
    }

    /// Walks 2025–2030 in day-long windows that do not start at midnight (as a worker would, a window at a time) for a
    /// wide sample of zones, with rule times at the usual DST hours: every rule gives
    /// exactly one occurrence per local day, each window query finds it once, and the
    /// minute-range prefilter never drops a due rule.
    #[test]
    fn every_zone_gives_exactly_one_occurrence_per_rule_per_local_day_2025_to_2030() {
        let minutes: [i16; 6] = [0, 30, 60 + 30, 2 * 60 + 30, 12 * 60, 23 * 60 + 45];
        let rules: Vec<RuleTime> =
            minutes.iter().map(|m| RuleTime { id: Uuid::from_u128(*m as u128), minute: *m, days_mask: 0x7f }).collect();
        let start = utc("2024-12-31T07:13:00Z");
        let end = utc("2031-01-01T00:00:00Z");
        // Every zone with DST or odd offsets is interesting; take every fifth of all zones
        // plus the ones named in the design notes,, to keep the test fast in debug builds.
        let mut zones: Vec<Tz> = chrono_tz::TZ_VARIANTS.iter().step_by(5).copied().collect();
        for name in ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia"] {
            zones.push(name.parse().unwrap());
        }
        let window = Duration::hours(24);
        for tz in zones {
            let mut seen: HashMap<(Uuid, NaiveDate), DateTime<Utc>> = HashMap::new();
            let mut from = start;
            while from < end {
                let to = from + window;
                let ranges = minute_ranges(tz, from, to, dst_margin(tz, from, to, 180));
                for occ in occurrences_in_window(&rules, tz, from, to) {
                    let minute = rules.iter().find(|r| r.id == occ.rule_id).unwrap().minute;
                    assert!(
                        ranges.iter().any(|(a, b)| (*a..=*b).contains(&minute)),
                        "{tz}: {minute} outside {ranges:?} for {from}"
                    );
                    let previous = seen.insert((occ.rule_id, occ.local_date), occ.due_at);
                    assert!(previous.is_none(), "{tz}: two occurrences of {minute} on {}", occ.local_date);
                }
                from = to;
            }
            let first_day = start.with_timezone(&tz).date_naive().succ_opt().unwrap();
            let last_day = end.with_timezone(&tz).date_naive().pred_opt().unwrap().pred_opt().unwrap();
            for day in first_day.iter_days().take_while(|d| *d <= last_day) {
                for rule in &rules {
                    // Zones that skipped a whole calendar day (Apia, 2011) are outside 2025–2030.
                    assert!(seen.contains_key(&(rule.id, day)), "{tz}: no occurrence of {} on {day}", rule.minute);
                }
            }
        }
    }
}
