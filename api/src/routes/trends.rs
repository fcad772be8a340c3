//! Trends: the patient's own (`/me/trends`) and a patient's for their therapist.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    types::Example,
};
use sea_orm::ActiveEnum;
use uuid::{Uuid, uuid};

use serde::Serialize;

use super::{
    ApiTags,
    date_range::DateRange,
    direct_json::{DirectJson, rfc3339},
};
use crate::{
    auth::{PatientAuth, TherapistAuth},
    clinical::{
        Direction,
        rom::{RomMethod, RomMode},
    },
    error::ApiError,
    services::{
        audit::Event,
        local_date,
        measured_site::region_word,
        patients,
        trends::{self, BaselineSource, Trends},
    },
    state::AppState,
};

#[derive(Debug, Object, Serialize)]
pub struct StatDto {
    pub mean: f64,
    pub min: i16,
    pub max: i16,
    /// Check-ins that day with this value.
    pub count: u32,
}

#[derive(Debug, Object, Serialize)]
pub struct MedicationDto {
    /// Check-ins that day reporting no pain medication, non-opioid, opioid.
    pub none: u32,
    pub non_opioid: u32,
    pub opioid: u32,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct TrendDayDto {
    pub date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain: Option<StatDto>,
    /// Mean of the daily means of the 7 days ending here (days with data only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain_7d: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress: Option<StatDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress_7d: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_quality: Option<StatDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_quality_7d: Option<f64>,
    pub medication: MedicationDto,
    pub exercises_prescribed: i64,
    pub exercises_done: i64,
}

#[derive(Debug, Clone, Copy, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BaselineSourceDto {
    Therapist,
    FirstWeek,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct BaselineDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain: Option<f64>,
    /// Whether the pain baseline was set by the therapist or comes from the first week.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain_source: Option<BaselineSourceDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_quality: Option<f64>,
    /// First day of the pain baseline week: the first day with a `daily` check-in that
    /// rated pain. The first-week baseline is the mean of that week's daily means of
    /// `daily` check-ins (pre/post-session and flare check-ins left out); stress and
    /// sleep quality each start their own week the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_week_from: Option<NaiveDate>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ChangeDto {
    /// `pain`, `stress`, `sleep_quality`, or an instrument id.
    pub metric: String,
    pub baseline: f64,
    pub current: f64,
    pub change: f64,
    /// Change in percent of the baseline (absent when the baseline is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// At least the minimal clinically important difference. Pain: 2 points either way,
    /// or a 30 % improvement from a baseline of at least 4.
    pub meaningful: bool,
    pub direction: Direction,
}

impl From<trends::Change> for ChangeDto {
    fn from(c: trends::Change) -> Self {
        Self {
            metric: c.metric.to_owned(),
            baseline: c.baseline,
            current: c.current,
            change: c.change,
            percent: c.percent,
            meaningful: c.meaningful,
            direction: c.direction,
        }
    }
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct MeasurePointDto {
    #[serde(serialize_with = "rfc3339")]
    pub recorded_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub score: f64,
    /// Against the history's baseline (absent for the baseline response itself, where
    /// the instrument has no MCID, and for patient-specific responses stored without
    /// their activities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeDto>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct MeasureHistoryDto {
    pub instrument: String,
    /// For `psfs`: the activities rated, in answer order. Each set of activities is its
    /// own history, since ratings of different activities are not comparable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<String>>,
    /// The first score recorded (for `psfs`, the first with these activities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    pub points: Vec<MeasurePointDto>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct SessionEffectDto {
    pub appointment_id: Uuid,
    #[serde(serialize_with = "rfc3339")]
    pub starts_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub ends_at: DateTime<Utc>,
    /// From the session note, else the patient's pre-session check-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain_before: Option<i16>,
    /// From the session note, else the patient's post-session check-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pain_after: Option<i16>,
    /// after − before: the session's immediate effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immediate_change: Option<i16>,
    /// Pain of the check-in nearest 24 h after the session (within 6 h).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_24h: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_48h: Option<i16>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct RomPointDto {
    #[serde(serialize_with = "rfc3339")]
    pub measured_at: DateTime<Utc>,
    /// Signed where the movement can stop short of neutral (extension lag: negative).
    pub degrees: i16,
    /// Absent for measurements recorded before the method was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<RomMethod>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct RomSeriesDto {
    pub region: String,
    /// `left`, `right` or `none` (`both` only in measurements recorded before sides were
    /// per movement). For neck and trunk rotation and side bending, the way turned or bent.
    pub side: String,
    pub movement: String,
    /// Active and passive ranges are separate series; absent for older measurements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<RomMode>,
    /// Typical adult end range (AAOS published values), for reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_degrees: Option<i16>,
    pub points: Vec<RomPointDto>,
}

#[derive(Debug, Object, Serialize)]
#[oai(example)]
pub struct TrendsDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub timezone: String,
    pub days: Vec<TrendDayDto>,
    pub baseline: BaselineDto,
    /// Latest 7-day means against the baseline.
    pub changes: Vec<ChangeDto>,
    pub measures: Vec<MeasureHistoryDto>,
    pub sessions: Vec<SessionEffectDto>,
    pub range_of_motion: Vec<RomSeriesDto>,
}

impl Example for TrendsDto {
    fn example() -> Self {
        let stat = |mean, min, max, count| Some(StatDto { mean, min, max, count });
        let none_taken = |none| MedicationDto { none, non_opioid: 0, opioid: 0 };
        Self {
            from: "2026-11-29".parse().expect("ISO date"),
            to: "2026-11-30".parse().expect("ISO date"),
            timezone: "Europe/Berlin".into(),
            days: vec![
                TrendDayDto {
                    date: "2026-11-29".parse().expect("ISO date"),
                    pain: stat(4.0, 4, 4, 1),
                    pain_7d: Some(4.2),
                    stress: stat(3.0, 3, 3, 1),
                    stress_7d: Some(3.4),
                    sleep_quality: stat(6.0, 6, 6, 1),
                    sleep_quality_7d: Some(5.9),
                    medication: none_taken(1),
                    exercises_prescribed: 0,
                    exercises_done: 0,
                },
                TrendDayDto {
                    date: "2026-11-30".parse().expect("ISO date"),
                    pain: stat(4.5, 3, 6, 2),
                    pain_7d: Some(3.9),
                    stress: stat(2.5, 2, 3, 2),
                    stress_7d: Some(3.2),
                    sleep_quality: stat(7.0, 7, 7, 1),
                    sleep_quality_7d: Some(6.1),
                    medication: none_taken(2),
                    exercises_prescribed: 2,
                    exercises_done: 1,
                },
            ],
            baseline: BaselineDto {
                pain: Some(6.0),
                pain_source: Some(BaselineSourceDto::Therapist),
                stress: Some(3.8),
                sleep_quality: Some(5.5),
                first_week_from: Some("2026-11-02".parse().expect("ISO date")),
            },
            changes: vec![ChangeDto {
                metric: "pain".into(),
                baseline: 6.0,
                current: 3.9,
                change: -2.1,
                percent: Some(-35.0),
                meaningful: true,
                direction: Direction::Improved,
            }],
            measures: vec![MeasureHistoryDto {
                instrument: "peg".into(),
                activities: None,
                baseline: Some(6.33),
                points: vec![MeasurePointDto {
                    recorded_at: "2026-11-30T19:10:00Z".parse().expect("RFC 3339 instant"),
                    local_date: "2026-11-30".parse().expect("ISO date"),
                    score: 4.67,
                    change: Some(ChangeDto {
                        metric: "peg".into(),
                        baseline: 6.33,
                        current: 4.67,
                        change: -1.66,
                        percent: Some(-26.22),
                        meaningful: false,
                        direction: Direction::Improved,
                    }),
                }],
            }],
            sessions: vec![SessionEffectDto {
                appointment_id: uuid!("0193a5b2-4c00-7000-8000-000000000700"),
                starts_at: "2026-11-30T09:00:00Z".parse().expect("RFC 3339 instant"),
                ends_at: "2026-11-30T09:50:00Z".parse().expect("RFC 3339 instant"),
                pain_before: Some(6),
                pain_after: Some(3),
                immediate_change: Some(-3),
                follow_up_24h: None,
                follow_up_48h: None,
            }],
            range_of_motion: vec![RomSeriesDto {
                region: "neck".into(),
                side: "left".into(),
                movement: "rotation".into(),
                mode: Some(RomMode::Active),
                typical_degrees: Some(60),
                points: vec![RomPointDto {
                    measured_at: "2026-11-30T09:50:00Z".parse().expect("RFC 3339 instant"),
                    degrees: 62,
                    method: Some(RomMethod::Inclinometer),
                }],
            }],
        }
    }
}

fn stat(s: Option<trends::Stat>) -> Option<StatDto> {
    s.map(|s| StatDto { mean: s.mean, min: s.min, max: s.max, count: s.count })
}

impl From<Trends> for TrendsDto {
    fn from(t: Trends) -> Self {
        Self {
            from: t.from,
            to: t.to,
            timezone: t.timezone.name().to_owned(),
            days: t
                .days
                .into_iter()
                .map(|d| TrendDayDto {
                    date: d.date,
                    pain: stat(d.pain),
                    pain_7d: d.pain_7d,
                    stress: stat(d.stress),
                    stress_7d: d.stress_7d,
                    sleep_quality: stat(d.sleep_quality),
                    sleep_quality_7d: d.sleep_quality_7d,
                    medication: MedicationDto {
                        none: d.medication.none,
                        non_opioid: d.medication.non_opioid,
                        opioid: d.medication.opioid,
                    },
                    exercises_prescribed: d.adherence.0,
                    exercises_done: d.adherence.1,
                })
                .collect(),
            baseline: BaselineDto {
                pain: t.baseline.pain,
                pain_source: t.baseline.pain_source.map(|s| match s {
                    BaselineSource::Therapist => BaselineSourceDto::Therapist,
                    BaselineSource::FirstWeek => BaselineSourceDto::FirstWeek,
                }),
                stress: t.baseline.stress,
                sleep_quality: t.baseline.sleep_quality,
                first_week_from: t.baseline.first_week_from,
            },
            changes: t.changes.into_iter().map(Into::into).collect(),
            measures: t
                .measures
                .into_iter()
                .map(|m| MeasureHistoryDto {
                    instrument: m.instrument.to_owned(),
                    activities: m.activities,
                    baseline: m.baseline,
                    points: m
                        .points
                        .into_iter()
                        .map(|p| MeasurePointDto {
                            recorded_at: p.recorded_at,
                            local_date: p.local_date,
                            score: p.score,
                            change: p.change.map(Into::into),
                        })
                        .collect(),
                })
                .collect(),
            sessions: t
                .sessions
                .into_iter()
                .map(|s| SessionEffectDto {
                    appointment_id: s.appointment_id,
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    pain_before: s.pain_before,
                    pain_after: s.pain_after,
                    immediate_change: s.immediate_change,
                    follow_up_24h: s.follow_up_24h,
                    follow_up_48h: s.follow_up_48h,
                })
                .collect(),
            range_of_motion: t
                .rom
                .into_iter()
                .map(|r| RomSeriesDto {
                    region: region_word(r.region),
                    side: r.side.to_value(),
                    movement: r.movement.as_str().to_owned(),
                    mode: r.mode,
                    typical_degrees: r.typical_degrees,
                    points: r
                        .points
                        .into_iter()
                        .map(|p| RomPointDto { measured_at: p.measured_at, degrees: p.degrees, method: p.method })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Default range: the 30 days ending today; at most 366 days.
fn range(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to_or_today = to.unwrap_or(today);
    let DateRange { from, to } =
        DateRange::from_query(Some(from.unwrap_or(to_or_today - Duration::days(29))), Some(to_or_today), today)?;
    Ok((from, to))
}

pub struct TrendsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Trends")]
impl TrendsApi {
    /// Your pain, stress, sleep, medication and exercise trends (default: the last 30 days).
    #[oai(path = "/me/trends", method = "get", operation_id = "get_my_trends")]
    async fn get_my_trends(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<DirectJson<TrendsDto>, ApiError> {
        let now = state.now();
        let patient_id = auth.0.patient_id.uuid();
        let record = patients::own_record(&state.db, &auth.0).await?;
        let tz = auth.0.timezone();
        let (from, to) = range(from.0, to.0, local_date(now, tz))?;
        let _turn = state.heavy_read().await;
        let t = trends::for_patient(&state.db, &record, tz, from, to, now).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::TrendsRead).patient(patient_id).at(now)).await?;
        Ok(DirectJson(t.into()))
    }

    /// A patient's trends with baseline, meaningful changes, measures, session effects and range of motion.
    #[oai(path = "/patients/:id/trends", method = "get", operation_id = "get_patient_trends")]
    async fn get_patient_trends(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<DirectJson<TrendsDto>, ApiError> {
        let now = state.now();
        let (record, tz) = patients::find_visible_in_zone(&state.db, &auth.0, id.0).await?;
        let (from, to) = range(from.0, to.0, local_date(now, tz))?;
        let _turn = state.heavy_read().await;
        let t = trends::for_patient(&state.db, &record, tz, from, to, now).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::TrendsRead).patient(record.id).at(now)).await?;
        Ok(DirectJson(t.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::direct_json::same_as_to_json;

    #[test]
    fn trends_are_written_directly_as_they_are_documented() {
        let mut t = TrendsDto::example();
        assert!(same_as_to_json(&t));
        // The other shape of each optional part: a day without data, a history with
        // activities and no baseline, a series without mode or method.
        t.days.push(TrendDayDto {
            date: "2026-12-01".parse().expect("ISO date"),
            pain: None,
            pain_7d: None,
            stress: None,
            stress_7d: None,
            sleep_quality: None,
            sleep_quality_7d: None,
            medication: MedicationDto { none: 0, non_opioid: 1, opioid: 2 },
            exercises_prescribed: 3,
            exercises_done: 0,
        });
        t.baseline =
            BaselineDto { pain: None, pain_source: None, stress: None, sleep_quality: None, first_week_from: None };
        t.measures[0].activities = Some(vec!["kneel \"to garden\"".into()]);
        t.measures[0].baseline = None;
        t.measures[0].points[0].change = None;
        t.range_of_motion[0].mode = None;
        t.range_of_motion[0].points[0].method = None;
        t.range_of_motion[0].points[0].measured_at = "2026-03-29T01:30:00.123456Z".parse().expect("RFC 3339 instant");
        t.changes[0].percent = None;
        t.changes[0].direction = Direction::Worsened;
        assert!(same_as_to_json(&t));
    }
}
