//! Trends for one patient over a local date range: daily pain, stress, sleep, medication
//! and adherence with 7-day rolling means, the baseline and whether the change from it
//! is clinically meaningful, outcome-measure histories, the effect of each session on
//! pain, and range of motion over time.
//!
//! Days are the patient's local days as stored with each check-in, so DST changes never
//! split or merge a day. Every query is bounded by the range asked (plus a few days for
//! rolling means and session follow-ups) or is a single indexed lookup for a baseline:
//! the cost grows with the range, not with the length of the patient's history.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{JsonText, check_in, check_in_day};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    clinical::{self, Direction, Mcid, PAIN_MCID, RATING_MCID},
    services::{
        adherence, baselines, check_in_days, local_date, local_day_end, local_day_start, measures, patients::Visible,
    },
    store_error::StoreError,
};

mod sessions;
pub use sessions::{RomPoint, RomSeries, SessionEffect, session_effect};
use sessions::{rom_series, session_effects};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub min: i16,
    pub max: i16,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Medication {
    pub none: u32,
    pub non_opioid: u32,
    pub opioid: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    pub pain: Option<Stat>,
    pub pain_7d: Option<f64>,
    pub stress: Option<Stat>,
    pub stress_7d: Option<f64>,
    pub sleep_quality: Option<Stat>,
    pub sleep_quality_7d: Option<f64>,
    pub medication: Medication,
    /// (prescribed, done) exercise sessions.
    pub adherence: (i64, i64),
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A rating's day from its roll-up totals; none when the day has no value for it.
fn stat(
    date: NaiveDate,
    metric: &str,
    count: i32,
    sum: i32,
    min: Option<i16>,
    max: Option<i16>,
) -> Result<Option<Stat>, DbErr> {
    if count == 0 {
        return Ok(None);
    }
    match (u32::try_from(count), min, max) {
        // Integer sums are exact in f64, so this mean equals the one summed value by value.
        (Ok(n), Some(min), Some(max)) => {
            Ok(Some(Stat { mean: round2(f64::from(sum) / f64::from(n)), min, max, count: n }))
        }
        _ => Err(inconsistent(date, metric)),
    }
}

/// A day's stored totals that cannot all be true at once (a count without a minimum, a
/// negative count): the roll-up row is corrupt, never read as "no data".
fn inconsistent(date: NaiveDate, metric: &str) -> DbErr {
    StoreError::corrupt("check_in_day.totals", format!("{metric} totals of {date} do not agree")).into()
}

fn tally_count(date: NaiveDate, metric: &str, value: i32) -> Result<u32, DbErr> {
    u32::try_from(value).map_err(|_| inconsistent(date, metric))
}

/// The mean of the daily means of the 7 days ending at `i` (days without data are left
/// out; no data in the window gives none). `series` has one entry per consecutive day.
fn rolling(series: &[Option<Stat>], i: usize) -> Option<f64> {
    let means: Vec<f64> = series[i.saturating_sub(6)..=i].iter().filter_map(|s| s.map(|s| s.mean)).collect();
    (!means.is_empty()).then(|| round2(means.iter().sum::<f64>() / means.len() as f64))
}

/// Daily series for `[from, to]` from raw check-ins that cover at least `[from − 6, to]`
/// (withdrawn ones are left out): the roll-up computed in memory.
pub fn daily(check_ins: &[check_in::Model], from: NaiveDate, to: NaiveDate) -> Vec<Day> {
    let live = check_ins.iter().filter(|c| c.deleted_at.is_none());
    days_from(&check_in_days::tally(live), from, to).expect("a tally made in memory is consistent")
}

/// Daily series for `[from, to]` from one patient's roll-up rows covering at least
/// `[from − 6, to]`; rows outside that are ignored. One pass over the days: each rolling
/// mean adds its window's daily means in date order, as it always has, so rounding
/// gives the same numbers as before the roll-up.
pub fn days_from(rows: &[check_in_day::Model], from: NaiveDate, to: NaiveDate) -> Result<Vec<Day>, DbErr> {
    let first = from - Duration::days(6);
    let span = (to - first).num_days().max(0) as usize + 1;
    // One slot per day from `first`, so every lookup below is an index.
    let mut pain = vec![None; span];
    let mut stress = vec![None; span];
    let mut sleep = vec![None; span];
    let mut medication = vec![Medication::default(); span];
    for r in rows {
        let Ok(i) = usize::try_from((r.local_date - first).num_days()) else { continue };
        if i >= span {
            continue;
        }
        let d = r.local_date;
        pain[i] = stat(d, "pain", r.pain_count, r.pain_sum, r.pain_min, r.pain_max)?;
        stress[i] = stat(d, "stress", r.stress_count, r.stress_sum, r.stress_min, r.stress_max)?;
        sleep[i] = stat(
            d,
            "sleep_quality",
            r.sleep_quality_count,
            r.sleep_quality_sum,
            r.sleep_quality_min,
            r.sleep_quality_max,
        )?;
        medication[i] = Medication {
            none: tally_count(d, "medication", r.medication_none)?,
            non_opioid: tally_count(d, "medication", r.medication_non_opioid)?,
            opioid: tally_count(d, "medication", r.medication_opioid)?,
        };
    }
    Ok((6..span)
        .map(|i| Day {
            date: first + Duration::days(i as i64),
            pain: pain[i],
            pain_7d: rolling(&pain, i),
            stress: stress[i],
            stress_7d: rolling(&stress, i),
            sleep_quality: sleep[i],
            sleep_quality_7d: rolling(&sleep, i),
            medication: medication[i],
            adherence: (0, 0),
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineSource {
    /// Set by the therapist (intake pain).
    Therapist,
    /// The mean of the daily means of the first week of daily check-ins with pain.
    FirstWeek,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub pain: Option<f64>,
    pub pain_source: Option<BaselineSource>,
    pub stress: Option<f64>,
    pub sleep_quality: Option<f64>,
    /// First day of the pain baseline week (stress and sleep each have their own).
    pub first_week_from: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub metric: &'static str,
    pub baseline: f64,
    /// The latest 7-day rolling mean in the range.
    pub current: f64,
    pub change: f64,
    pub percent: Option<f64>,
    pub meaningful: bool,
    pub direction: Direction,
}

pub fn change(metric: &'static str, baseline: f64, current: f64, mcid: Mcid, higher_is_worse: bool) -> Change {
    Change {
        metric,
        baseline: round2(baseline),
        current,
        change: round2(current - baseline),
        percent: (baseline.abs() > 0.0).then(|| round2((current - baseline) * 100.0 / baseline)),
        meaningful: mcid.crossed(baseline, current, higher_is_worse),
        direction: clinical::direction(baseline, current, higher_is_worse),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasurePoint {
    pub recorded_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub score: f64,
    pub change: Option<Change>,
}

/// One instrument's scores over time. A patient-specific instrument has one history per
/// set of activities rated, each measured from its own first response.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureHistory {
    pub instrument: &'static str,
    /// The activities rated (patient-specific instruments; `None` in older responses).
    pub activities: Option<Vec<String>>,
    pub baseline: Option<f64>,
    pub points: Vec<MeasurePoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub timezone: Tz,
    pub days: Vec<Day>,
    pub baseline: Baseline,
    pub changes: Vec<Change>,
    pub measures: Vec<MeasureHistory>,
    pub sessions: Vec<SessionEffect>,
    pub rom: Vec<RomSeries>,
}

pub async fn for_patient<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Trends, DbErr> {
    // The parts below read different tables and do not depend on each other, so they
    // run at once on the readers' pool: the answer waits for the slowest, not the sum.
    let (start, end) = (local_day_start(from, tz), local_day_end(to, tz));
    let (totals, a, first, measures_out, sessions, rom) = futures::try_join!(
        // Six days before for rolling means: at most a row per day.
        check_in_days::in_range(db, record.scope(), from - Duration::days(6), to),
        adherence::for_patient(db, record.scope(), from, to, local_date(now, tz), tz),
        baselines::first_weeks(db, record.scope()),
        measure_histories(db, record.scope(), from, to),
        session_effects(db, record.scope(), start, end, from, to),
        rom_series(db, record.scope(), start, end),
    )?;
    let mut days = days_from(&totals, from, to)?;
    for (day, ad) in days.iter_mut().zip(a.days.iter()) {
        day.adherence = (ad.prescribed, ad.done);
    }

    // Shown and compared rounded, so the change the reader can recompute is the one judged.
    let first_pain = first.pain.map(|w| round2(w.mean));
    let baseline = Baseline {
        pain: record.baseline_pain.map(f64::from).or(first_pain),
        pain_source: match (record.baseline_pain, first_pain) {
            (Some(_), _) => Some(BaselineSource::Therapist),
            (None, Some(_)) => Some(BaselineSource::FirstWeek),
            (None, None) => None,
        },
        stress: first.stress.map(|w| round2(w.mean)),
        sleep_quality: first.sleep_quality.map(|w| round2(w.mean)),
        first_week_from: first.pain.map(|w| w.from),
    };
    let latest = |pick: fn(&Day) -> Option<f64>| days.iter().rev().find_map(pick);
    let mut changes = Vec::new();
    if let (Some(b), Some(c)) = (baseline.pain, latest(|d| d.pain_7d)) {
        changes.push(change("pain", b, c, PAIN_MCID, true));
    }
    if let (Some(b), Some(c)) = (baseline.stress, latest(|d| d.stress_7d)) {
        changes.push(change("stress", b, c, RATING_MCID, true));
    }
    if let (Some(b), Some(c)) = (baseline.sleep_quality, latest(|d| d.sleep_quality_7d)) {
        changes.push(change("sleep_quality", b, c, RATING_MCID, false));
    }

    Ok(Trends { from, to, timezone: tz, days, baseline, changes, measures: measures_out, sessions, rom })
}

/// Each instrument's scores in the range, each history measured from its own first
/// response.
async fn measure_histories<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<MeasureHistory>, DbErr> {
    let mut measures_out: Vec<MeasureHistory> = Vec::new();
    // The id of each history's baseline response, by index.
    let mut baseline_ids: Vec<Option<Uuid>> = Vec::new();
    for response in measures::responses(db, patient, from, to).await? {
        let inst = measures::registered(response.instrument);
        let activities = response.activities.clone().map(JsonText::into_inner);
        let (baseline_id, history) =
            match measures_out.iter().position(|m| m.instrument == inst.id && m.activities == activities) {
                Some(i) => (baseline_ids[i], &mut measures_out[i]),
                None => {
                    let first =
                        measures::first_response(db, patient, response.instrument, response.activities.as_ref())
                            .await?;
                    baseline_ids.push(first.as_ref().map(|f| f.id));
                    measures_out.push(MeasureHistory {
                        instrument: inst.id,
                        activities,
                        baseline: first.map(|f| f.score),
                        points: vec![],
                    });
                    (*baseline_ids.last().expect("just pushed"), measures_out.last_mut().expect("just pushed"))
                }
            };
        // Only against an earlier response: the baseline itself has no change.
        let change = match (history.baseline, inst.mcid) {
            (Some(b), Some(mcid)) if baseline_id != Some(response.id) => {
                Some(change(inst.id, b, response.score, mcid, inst.higher_is_worse))
            }
            _ => None,
        };
        history.points.push(MeasurePoint {
            recorded_at: response.recorded_at,
            local_date: response.local_date,
            score: response.score,
            change,
        });
    }

    Ok(measures_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_in(
        date: NaiveDate,
        pain: Option<i16>,
        stress: Option<i16>,
        medication: Option<check_in::Medication>,
    ) -> check_in::Model {
        let at = date.and_hms_opt(12, 0, 0).unwrap().and_utc();
        check_in::Model {
            id: Uuid::new_v4(),
            patient_id: Uuid::nil(),
            recorded_at: at,
            local_date: date,
            pain,
            stress,
            sleep_quality: None,
            medication,
            medications: Default::default(),
            pain_sites: Default::default(),
            red_flags: Default::default(),
            context: check_in::Context::Daily,
            note: None,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        }
    }

    #[test]
    fn days_have_mean_min_max_and_a_rolling_mean_over_days_with_data() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        let rows = vec![
            check_in(d(1), Some(6), None, Some(check_in::Medication::Opioid)),
            check_in(d(1), Some(3), Some(5), Some(check_in::Medication::None)),
            check_in(d(3), Some(4), None, None),
            check_in(d(9), Some(2), None, None),
        ];
        let days = daily(&rows, d(2), d(9));
        assert_eq!(days.len(), 8);
        // June 2 has no data; its 7-day mean covers June 1 only: 4.5.
        assert_eq!(days[0].pain, None);
        assert_eq!(days[0].pain_7d, Some(4.5));
        // June 3: (4.5 + 4) / 2 = 4.25
        assert_eq!(days[1].pain, Some(Stat { mean: 4.0, min: 4, max: 4, count: 1 }));
        assert_eq!(days[1].pain_7d, Some(4.25));
        // June 8: window June 2–8 holds June 3 only.
        assert_eq!(days[6].pain_7d, Some(4.0));
        // June 9: window June 3–9: (4 + 2) / 2 = 3
        assert_eq!(days[7].pain_7d, Some(3.0));
        assert_eq!(days.iter().map(|d| d.medication.opioid).sum::<u32>(), 0);
        let june1 = daily(&rows, d(1), d(1));
        assert_eq!(june1[0].pain, Some(Stat { mean: 4.5, min: 3, max: 6, count: 2 }));
        assert_eq!(june1[0].medication, Medication { none: 1, non_opioid: 0, opioid: 1 });
        assert_eq!(june1[0].stress, Some(Stat { mean: 5.0, min: 5, max: 5, count: 1 }));
    }

    #[test]
    fn change_from_baseline_is_flagged_at_the_mcid() {
        let c = change("pain", 6.0, 4.0, PAIN_MCID, true);
        assert!(c.meaningful);
        assert_eq!(c.direction, Direction::Improved);
        assert_eq!(c.percent, Some(-33.33));
        assert!(!change("pain", 6.0, 5.0, PAIN_MCID, true).meaningful);
        // +30 % of a mild baseline is noise, not a meaningful worsening.
        let c = change("pain", 1.0, 1.3, PAIN_MCID, true);
        assert_eq!((c.percent, c.meaningful, c.direction), (Some(30.0), false, Direction::Worsened));
    }
}
