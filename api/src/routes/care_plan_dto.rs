//! Care-plan DTOs: the requests a therapist sends and the plan summary, each turned
//! into the service's own types here.

use chrono::{DateTime, NaiveDate, Utc};
use entity::care_plan;
use poem_openapi::{
    ApiResponse, Object,
    payload::Json,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::{
    plan_view_dto::{GoalStatusDto, PlanStatusDto, PlanViewDto},
    text::Text,
};
use crate::{
    content::Side,
    error::ApiError,
    services::care_plans::{PlanError, PlanStatus, Prescription, Weekdays},
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct PlanSummary {
    pub id: Uuid,
    pub title: String,
    pub status: PlanStatusDto,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl Example for PlanSummary {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000201"),
            title: "Desk-day neck and upper back".into(),
            status: PlanStatusDto::Active,
            start_date: "2026-11-16".parse().expect("ISO date"),
            end_date: Some("2027-01-10".parse().expect("ISO date")),
            version: 4,
            updated_at: "2026-11-30T08:20:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<care_plan::Model> for PlanSummary {
    fn from(p: care_plan::Model) -> Self {
        Self {
            id: p.id,
            title: p.title,
            status: PlanStatus::from(p.status).into(),
            start_date: p.start_date,
            end_date: p.end_date,
            version: p.version,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreatePlanRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub title: Text,
    pub start_date: NaiveDate,
    #[oai(nullable)]
    pub end_date: Option<NaiveDate>,
    /// Plan of care: in-clinic sessions per week, 1–7.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "7")))]
    pub sessions_per_week: Option<i16>,
    /// Plan of care: for how many weeks, 1–52.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "52")))]
    pub duration_weeks: Option<i16>,
    /// When the patient is due for re-evaluation.
    #[oai(nullable)]
    pub reevaluation_due: Option<NaiveDate>,
}

impl Example for CreatePlanRequest {
    fn example() -> Self {
        Self {
            title: "Desk-day neck and upper back".into(),
            start_date: "2026-11-30".parse().expect("ISO date"),
            end_date: Some("2027-01-24".parse().expect("ISO date")),
            sessions_per_week: Some(2),
            duration_weeks: Some(3),
            reevaluation_due: Some("2026-12-18".parse().expect("ISO date")),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdatePlanRequest {
    #[oai(nullable, validator(max_length = 200, min_length = 1))]
    pub title: Option<Text>,
    /// `paused` or `completed` ends reminders and today's list; `active` resumes.
    #[oai(nullable)]
    pub status: Option<PlanStatusDto>,
    /// `null` removes the end date.
    #[oai(nullable)]
    pub end_date: MaybeUndefined<NaiveDate>,
    /// 1–7; `null` clears.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "7")))]
    pub sessions_per_week: MaybeUndefined<i16>,
    /// 1–52; `null` clears.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "52")))]
    pub duration_weeks: MaybeUndefined<i16>,
    /// `null` clears.
    #[oai(nullable)]
    pub reevaluation_due: MaybeUndefined<NaiveDate>,
}

impl Example for UpdatePlanRequest {
    fn example() -> Self {
        Self {
            title: None,
            status: Some(PlanStatusDto::Paused),
            end_date: MaybeUndefined::Value("2027-02-07".parse().expect("ISO date")),
            sessions_per_week: MaybeUndefined::Undefined,
            duration_weeks: MaybeUndefined::Undefined,
            reevaluation_due: MaybeUndefined::Value("2027-01-08".parse().expect("ISO date")),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct GoalRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub activity: Text,
    /// 0–10.
    #[oai(validator(minimum(value = "0"), maximum(value = "10")))]
    pub baseline: i16,
    /// 0–10.
    #[oai(validator(minimum(value = "0"), maximum(value = "10")))]
    pub target: i16,
    /// When the target should be reached.
    #[oai(nullable)]
    pub target_date: Option<NaiveDate>,
}

impl Example for GoalRequest {
    fn example() -> Self {
        Self {
            activity: "Turn head to check the blind spot".into(),
            baseline: 3,
            target: 8,
            target_date: Some("2026-12-21".parse().expect("ISO date")),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct UpdateGoalRequest {
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub target: Option<i16>,
    #[oai(nullable)]
    pub status: Option<GoalStatusDto>,
    /// `null` clears.
    #[oai(nullable)]
    pub target_date: MaybeUndefined<NaiveDate>,
}

impl Example for UpdateGoalRequest {
    fn example() -> Self {
        Self { target: Some(9), status: Some(GoalStatusDto::Active), target_date: MaybeUndefined::Undefined }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PrescriptionRequest {
    /// 1–10.
    #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
    pub sets: i16,
    /// 1–100.
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub reps: i16,
    /// 0–600 seconds.
    #[oai(validator(minimum(value = "0"), maximum(value = "600")))]
    pub hold_seconds: i16,
    pub side: Side,
    /// 1–10.
    #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
    pub times_per_day: i16,
    /// ISO weekdays 1 (Monday) – 7 (Sunday); default every day.
    #[oai(default = "every_day", validator(max_items = 7, minimum(value = "1"), maximum(value = "7")))]
    pub days_of_week: Vec<u8>,
    /// 0–600 seconds.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "600")))]
    pub rest_seconds: i16,
    #[oai(nullable, validator(max_length = 2000))]
    pub notes: Option<Text>,
}

impl Example for PrescriptionRequest {
    fn example() -> Self {
        Self {
            sets: 2,
            reps: 10,
            hold_seconds: 5,
            side: Side::None,
            times_per_day: 2,
            days_of_week: vec![1, 2, 3, 4, 5],
            rest_seconds: 30,
            notes: Some("Keep the eyes level; stop if you feel tingling in the arm".into()),
        }
    }
}

fn every_day() -> Vec<u8> {
    (1..=7).collect()
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AddExerciseRequest {
    pub exercise_id: Uuid,
    pub prescription: PrescriptionRequest,
    /// Order in today's list; default: last.
    #[oai(nullable)]
    pub position: Option<i32>,
}

impl Example for AddExerciseRequest {
    fn example() -> Self {
        Self {
            exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
            prescription: PrescriptionRequest::example(),
            position: Some(1),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MoveExerciseRequest {
    /// Where the exercise goes among the plan's current exercises: 0 is first, and it must
    /// be below their number. The others keep their order around it.
    #[oai(validator(maximum(value = "1000")))]
    pub position: u32,
}

impl Example for MoveExerciseRequest {
    fn example() -> Self {
        Self { position: 0 }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct AddLessonRequest {
    pub lesson_id: Uuid,
    /// The patient can open it from this local date; default: the plan's start.
    #[oai(nullable)]
    pub unlock_date: Option<NaiveDate>,
}

impl Example for AddLessonRequest {
    fn example() -> Self {
        Self {
            lesson_id: uuid!("0193a5b2-4c00-7000-8000-000000000501"),
            unlock_date: Some("2026-12-02".parse().expect("ISO date")),
        }
    }
}

#[derive(ApiResponse)]
pub enum PlanCreated {
    /// The new plan, version 1.
    #[oai(status = 201)]
    Created(Json<PlanViewDto>),
}

impl From<PlanError> for ApiError {
    fn from(err: PlanError) -> Self {
        match err {
            PlanError::NotFound => ApiError::not_found("care plan"),
            PlanError::ActivePlanExists | PlanError::Discharged => ApiError::conflict(err.to_string()),
            PlanError::UnknownLibraryItem(what) => ApiError::invalid(&format!("{what}_id"), err.to_string()),
            PlanError::BadDates => ApiError::invalid("end_date", err.to_string()),
            PlanError::Invalid(field, problem) => ApiError::invalid(field, problem),
            PlanError::Db(e) => e.into(),
        }
    }
}

pub(super) fn bounded(field: &str, value: i16, min: i16, max: i16) -> Result<i16, ApiError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(field, format!("must be {min}–{max}")))
    }
}

/// A bounded optional number of a partial update: `None` untouched, `Some(None)` cleared.
pub(super) fn changed(
    v: &MaybeUndefined<i16>,
    field: &str,
    min: i16,
    max: i16,
) -> Result<Option<Option<i16>>, ApiError> {
    v.as_opt_ref().map(|v| v.map(|v| bounded(field, *v, min, max)).transpose()).transpose()
}

pub(super) fn title(raw: &str) -> Result<String, ApiError> {
    let t = raw.trim();
    if t.is_empty() { Err(ApiError::invalid("title", "must not be empty")) } else { Ok(t.to_owned()) }
}

impl TryFrom<PrescriptionRequest> for Prescription {
    type Error = ApiError;
    fn try_from(r: PrescriptionRequest) -> Result<Self, ApiError> {
        Ok(Prescription {
            sets: bounded("sets", r.sets, 1, 10)?,
            reps: bounded("reps", r.reps, 1, 100)?,
            hold_seconds: bounded("hold_seconds", r.hold_seconds, 0, 600)?,
            side: r.side,
            times_per_day: bounded("times_per_day", r.times_per_day, 1, 10)?,
            days: Weekdays::from_iso(&r.days_of_week)
                .ok_or_else(|| ApiError::invalid("days_of_week", "needs at least one day, each 1–7"))?,
            rest_seconds: bounded("rest_seconds", r.rest_seconds, 0, 600)?,
            notes: r.notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        })
    }
}
