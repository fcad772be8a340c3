//! Adaptive reminder timing, simulated (a printed comparison, not a timed test).
//!
//! Synthetic patients whose routines drift follow 8 weeks of exercise reminders twice:
//! once at the fixed default time (18:00) and once with the adaptive rule the server uses
//! (`fascia::reminders::adaptive::decide`, reviewed nightly, with the fatigue back-off).
//! Both skip a reminder whose task is already done, as the server does. Printed per
//! routine and overall:
//!
//! - timely: the share of reminders sent that came within 60 minutes before the activity;
//! - already done: reminders that fell due after that day's task was done (the server
//!   skips these, so they are mistimed reminders rather than pushes);
//! - sent: pushes sent, and of those, ones on days the patient did nothing.
//!
//! The patients' behaviour does not react to reminders here, so the figures compare the
//! timing alone. `cargo bench -p fascia-tests --bench adaptive`; pure computation, no
//! network, no database.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use fascia::reminders::adaptive::{self, Decision, Inputs};
use rand::{Rng, SeedableRng, rngs::StdRng};

const DAYS: i64 = 56;
const PATIENTS_PER_ROUTINE: usize = 500;
const FIXED: i16 = 18 * 60;
const QUIET: (i16, i16) = (22 * 60, 7 * 60);

#[derive(Clone, Copy, Debug)]
enum Routine {
    /// Exercises around 07:15 on waking, drifting 30 minutes earlier over the weeks.
    EarlyBird,
    /// After work around 19:30.
    Evening,
    /// Alternating fortnights of early shifts (exercise ~15:30) and late shifts (~10:30).
    ShiftWorker,
    /// 07:45 on weekdays, 10:30 at weekends.
    WeekendChange,
    /// Starts at 21:00 and drifts to 17:00 across the eight weeks.
    Drifting,
}

const ROUTINES: [Routine; 5] =
    [Routine::EarlyBird, Routine::Evening, Routine::ShiftWorker, Routine::WeekendChange, Routine::Drifting];

/// The local minute the patient does the task on day `n` (before noise).
fn usual(routine: Routine, n: i64, date: NaiveDate) -> i16 {
    let n = n as i16;
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    match routine {
        Routine::EarlyBird => 7 * 60 + 15 - n * 30 / DAYS as i16,
        Routine::Evening => 19 * 60 + 30,
        Routine::ShiftWorker => {
            if (n / 14) % 2 == 0 {
                15 * 60 + 30
            } else {
                10 * 60 + 30
            }
        }
        Routine::WeekendChange => {
            if weekend {
                10 * 60 + 30
            } else {
                7 * 60 + 45
            }
        }
        Routine::Drifting => 21 * 60 - n * 240 / DAYS as i16,
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    sent: u64,
    timely: u64,
    already_done: u64,
    sent_on_idle_days: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.sent += o.sent;
        self.timely += o.timely;
        self.already_done += o.already_done;
        self.sent_on_idle_days += o.sent_on_idle_days;
    }
}

/// One patient over the simulation: `activity[n]` is the minute of day `n`'s task, if any.
fn simulate(start: NaiveDate, activity: &[Option<i16>], adapt: bool) -> Tally {
    let mut t = Tally::default();
    let mut current = FIXED;
    let mut last_change = None;
    let mut backoff = None;
    let mut history: Vec<(NaiveDate, i16)> = Vec::new();
    let mut days: Vec<adaptive::Day> = Vec::new();
    for (n, act) in activity.iter().enumerate() {
        let date = start + Duration::days(n as i64);
        if adapt {
            // The nightly review, before the day's reminder.
            if let Decision::Move(m) = adaptive::decide(&Inputs {
                today: date,
                first_times: &history,
                current,
                last_change,
                quiet: Some(QUIET),
            }) {
                current = m.to;
                last_change = Some(date);
            }
            backoff = adaptive::backoff_since(&days, date, backoff);
        }
        let done_before = act.is_some_and(|a| a <= current);
        let mut reminded = false;
        if done_before {
            t.already_done += 1;
        } else if adaptive::sends_on(backoff, date) {
            reminded = true;
            t.sent += 1;
            match act {
                Some(a) if *a - current <= 60 => t.timely += 1,
                Some(_) => {}
                None => t.sent_on_idle_days += 1,
            }
        }
        if let Some(a) = act {
            history.push((date, *a));
        }
        days.push(adaptive::Day { date, reminded, acted: act.is_some() });
    }
    t
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 }
}

fn print_row(name: &str, fixed: Tally, adaptive: Tally) {
    println!(
        "{name:<15} fixed: {:>5.1}% timely, {:>6} already done, {:>6} sent ({:>5} idle) | adaptive: {:>5.1}% timely, {:>6} already done, {:>6} sent ({:>5} idle)",
        pct(fixed.timely, fixed.sent),
        fixed.already_done,
        fixed.sent,
        fixed.sent_on_idle_days,
        pct(adaptive.timely, adaptive.sent),
        adaptive.already_done,
        adaptive.sent,
        adaptive.sent_on_idle_days,
    );
}

fn main() {
    let mut rng = StdRng::seed_from_u64(17);
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let (mut all_fixed, mut all_adaptive) = (Tally::default(), Tally::default());
    println!(
        "adaptive reminder timing: {} patients per routine, {DAYS} days, fixed time {}, quiet hours {}–{}",
        PATIENTS_PER_ROUTINE,
        adaptive::clock(FIXED),
        adaptive::clock(QUIET.0),
        adaptive::clock(QUIET.1)
    );
    for routine in ROUTINES {
        let (mut fixed, mut adapted) = (Tally::default(), Tally::default());
        for _ in 0..PATIENTS_PER_ROUTINE {
            // Each patient does the task on 60–95% of days, within ±25 minutes of their usual time.
            let diligence: f64 = rng.gen_range(0.6..0.95);
            let activity: Vec<Option<i16>> = (0..DAYS)
                .map(|n| {
                    let date = start + Duration::days(n);
                    rng.gen_bool(diligence).then(|| (usual(routine, n, date) + rng.gen_range(-25..=25)).clamp(0, 1439))
                })
                .collect();
            fixed.add(simulate(start, &activity, false));
            adapted.add(simulate(start, &activity, true));
        }
        print_row(&format!("{routine:?}"), fixed, adapted);
        all_fixed.add(fixed);
        all_adaptive.add(adapted);
    }
    print_row("all", all_fixed, all_adaptive);
}
