//! `/api/v1/me/adherence`: how much of the prescribed home programme the patient did. The
//! therapist's view of the same numbers (`/care-plans/...`) shares these DTOs.

use chrono::NaiveDate;
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, date_range::DateRange};
use crate::services::patients::PatientScope;
use crate::{
    auth::PatientAuth,
    error::ApiError,
    services::{adherence, audit::Event, local_date},
    state::AppState,
};

#[derive(Debug, Object)]
pub struct DayAdherenceDto {
    pub date: NaiveDate,
    pub prescribed: i64,
    pub done: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExerciseAdherenceDto {
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub title: String,
    pub prescribed: i64,
    pub done: i64,
    pub percent: Option<f64>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AdherenceDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Prescribed exercise sessions in the range.
    pub prescribed: i64,
    /// Done, counting at most the prescribed number per exercise and day.
    pub done: i64,
    /// done / prescribed × 100, one decimal; absent when nothing was prescribed.
    pub percent: Option<f64>,
    /// Days in a row, back from `to`, with everything prescribed done.
    pub streak_days: i64,
    pub days: Vec<DayAdherenceDto>,
    pub exercises: Vec<ExerciseAdherenceDto>,
}

impl Example for AdherenceDto {
    fn example() -> Self {
        Self {
            from: "2026-11-27".parse().expect("ISO date"),
            to: "2026-11-30".parse().expect("ISO date"),
            prescribed: 4,
            done: 3,
            percent: Some(75.0),
            streak_days: 0,
            days: vec![
                DayAdherenceDto { date: "2026-11-27".parse().expect("ISO date"), prescribed: 2, done: 2 },
                DayAdherenceDto { date: "2026-11-28".parse().expect("ISO date"), prescribed: 0, done: 0 },
                DayAdherenceDto { date: "2026-11-29".parse().expect("ISO date"), prescribed: 0, done: 0 },
                DayAdherenceDto { date: "2026-11-30".parse().expect("ISO date"), prescribed: 2, done: 1 },
            ],
            exercises: vec![ExerciseAdherenceDto {
                plan_exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"),
                exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
                title: "Chin tucks".into(),
                prescribed: 4,
                done: 3,
                percent: Some(75.0),
            }],
        }
    }
}

impl AdherenceDto {
    pub fn new(a: adherence::Adherence, from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from,
            to,
            prescribed: a.prescribed,
            done: a.done,
            percent: adherence::percent(a.done, a.prescribed),
            streak_days: a.streak_days,
            days: a
                .days
                .into_iter()
                .map(|d| DayAdherenceDto { date: d.date, prescribed: d.prescribed, done: d.done })
                .collect(),
            exercises: a
                .exercises
                .into_iter()
                .map(|e| ExerciseAdherenceDto {
                    percent: adherence::percent(e.done, e.prescribed),
                    plan_exercise_id: e.plan_exercise_id,
                    exercise_id: e.exercise_id,
                    title: e.title,
                    prescribed: e.prescribed,
                    done: e.done,
                })
                .collect(),
        }
    }
}

pub struct AdherenceApi;

#[OpenApi(prefix_path = "/api/v1/me", tag = "ApiTags::Home")]
impl AdherenceApi {
    /// Your adherence over a local date range (default: the last 7 days).
    #[oai(path = "/adherence", method = "get", operation_id = "get_my_adherence")]
    async fn get_my_adherence(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<AdherenceDto>, ApiError> {
        let tz = auth.0.timezone();
        let now = state.now();
        let today = local_date(now, tz);
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, today)?;
        let patient_id = auth.0.patient_id.uuid();
        let a = adherence::for_patient(&state.db, PatientScope::from(&auth.0), from, to, today, tz).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::AdherenceRead).patient(patient_id).at(now)).await?;
        Ok(Json(AdherenceDto::new(a, from, to)))
    }
}
