//! `/api/v1/care-plans/{id}/discharge`: ending a course of care with its summary.
//! Therapists and clinic admins only; another clinic's plan is not found.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AuditAction,
    discharge_summary::{GoalResultV1, GoalStatusV1, OutcomeV1},
};
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, text::Text};
use crate::{
    auth::TherapistAuth,
    clinical::{Direction, discharge::DischargeReason},
    error::ApiError,
    ids::PlanId,
    services::{
        audit::Event,
        discharge::{self, Discharge, DischargeError, DischargeInput, GoalRating},
    },
    state::AppState,
};

/// Why the course of care ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DischargeReasonDto {
    /// The goals were reached.
    GoalsMet,
    /// Progress stopped; more sessions are unlikely to help now.
    Plateau,
    /// Sent back to the referring physician.
    ReferredBack,
    /// The patient chose to stop.
    PatientChoice,
    /// The payer's authorization ran out.
    AuthorizationEnded,
}

impl From<DischargeReasonDto> for DischargeReason {
    fn from(r: DischargeReasonDto) -> Self {
        match r {
            DischargeReasonDto::GoalsMet => Self::GoalsMet,
            DischargeReasonDto::Plateau => Self::Plateau,
            DischargeReasonDto::ReferredBack => Self::ReferredBack,
            DischargeReasonDto::PatientChoice => Self::PatientChoice,
            DischargeReasonDto::AuthorizationEnded => Self::AuthorizationEnded,
        }
    }
}

impl From<DischargeReason> for DischargeReasonDto {
    fn from(r: DischargeReason) -> Self {
        match r {
            DischargeReason::GoalsMet => Self::GoalsMet,
            DischargeReason::Plateau => Self::Plateau,
            DischargeReason::ReferredBack => Self::ReferredBack,
            DischargeReason::PatientChoice => Self::PatientChoice,
            DischargeReason::AuthorizationEnded => Self::AuthorizationEnded,
        }
    }
}

/// How a goal came out, from its ratings: `met` at or above the target, `partly_met`
/// above the baseline but short of the target, `not_met` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum GoalResultStatus {
    Met,
    PartlyMet,
    NotMet,
}

impl From<GoalStatusV1> for GoalResultStatus {
    fn from(s: GoalStatusV1) -> Self {
        match s {
            GoalStatusV1::Met => Self::Met,
            GoalStatusV1::PartlyMet => Self::PartlyMet,
            GoalStatusV1::NotMet => Self::NotMet,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct GoalRatingInput {
    pub goal_id: Uuid,
    /// How well the patient does the activity now: 0 (unable) – 10 (as before the problem).
    #[oai(validator(minimum(value = "0"), maximum(value = "10")))]
    pub rating: i64,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct DischargeRequest {
    pub reason: DischargeReasonDto,
    /// A discharge rating for every goal of the plan, each once.
    #[oai(default, validator(max_items = 100))]
    pub goals: Vec<GoalRatingInput>,
    /// What the patient keeps doing at home, in your words (at most 8000 characters).
    #[oai(default, validator(max_length = 8000))]
    pub home_programme: Text,
}

impl Example for DischargeRequest {
    fn example() -> Self {
        Self {
            reason: DischargeReasonDto::GoalsMet,
            goals: vec![GoalRatingInput { goal_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"), rating: 8 }],
            home_programme: "Chin tucks and the doorway chest stretch once a day; a short walk at lunch.".into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct GoalResultDto {
    pub goal_id: Uuid,
    pub activity: String,
    /// Rating when the goal was set, 0–10.
    pub baseline: i16,
    pub target: i16,
    /// Rating at discharge, 0–10.
    pub rating: i16,
    pub status: GoalResultStatus,
    /// rating − baseline.
    pub change: i16,
    pub direction: Direction,
    /// Whether the change is at least the 2 points that matter for a functional goal.
    pub clinically_meaningful: bool,
}

impl From<GoalResultV1> for GoalResultDto {
    fn from(g: GoalResultV1) -> Self {
        Self {
            goal_id: g.goal_id,
            activity: g.activity,
            baseline: g.baseline,
            target: g.target,
            rating: g.rating,
            status: g.status.into(),
            change: g.change,
            direction: g.direction.into(),
            clinically_meaningful: g.meaningful,
        }
    }
}

/// One outcome measure over the course, first → last.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutcomeDto {
    /// `pain` (daily check-ins: mean of the first week's daily means → of the last
    /// week's) or an instrument id (`nprs`, `peg`, `psfs`, `pss4`, `ndi`: first → last
    /// response).
    pub measure: String,
    /// The activities rated (`psfs`); each set of activities is its own outcome.
    pub activities: Option<Vec<String>>,
    pub first: f64,
    pub first_on: NaiveDate,
    pub last: f64,
    pub last_on: NaiveDate,
    /// last − first.
    pub change: f64,
    pub direction: Direction,
    /// Whether the change crosses the measure's minimal clinically important difference;
    /// absent when none is established for it.
    pub clinically_meaningful: Option<bool>,
    /// Check-ins or responses the values come from.
    pub readings: u32,
}

impl From<OutcomeV1> for OutcomeDto {
    fn from(o: OutcomeV1) -> Self {
        Self {
            measure: o.measure,
            activities: o.activities,
            first: o.first,
            first_on: o.first_on,
            last: o.last,
            last_on: o.last_on,
            change: o.change,
            direction: o.direction.into(),
            clinically_meaningful: o.meaningful,
            readings: o.readings,
        }
    }
}

#[derive(Debug, Object)]
pub struct DischargeDto {
    pub id: Uuid,
    pub care_plan_id: Uuid,
    pub patient_id: Uuid,
    pub reason: DischargeReasonDto,
    pub discharged_at: DateTime<Utc>,
    /// The patient's local date of the discharge; outcomes cover the plan's start to it.
    pub discharge_date: NaiveDate,
    pub discharged_by: Uuid,
    pub home_programme: String,
    pub goals: Vec<GoalResultDto>,
    pub outcomes: Vec<OutcomeDto>,
}

impl From<Discharge> for DischargeDto {
    fn from(d: Discharge) -> Self {
        Self {
            id: d.row.id,
            care_plan_id: d.row.care_plan_id,
            patient_id: d.row.patient_id,
            reason: discharge::reason_from_stored(d.row.reason).into(),
            discharged_at: d.row.discharged_at,
            discharge_date: d.row.discharge_date,
            discharged_by: d.row.discharged_by,
            home_programme: d.row.home_programme,
            goals: d.summary.goals.into_iter().map(Into::into).collect(),
            outcomes: d.summary.outcomes.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<DischargeError> for ApiError {
    fn from(err: DischargeError) -> Self {
        match err {
            DischargeError::NotFound => ApiError::not_found("discharge"),
            DischargeError::AlreadyDischarged => ApiError::conflict(err.to_string()),
            DischargeError::Invalid(field, problem) => ApiError::invalid(&field, problem),
            DischargeError::Db(e) => e.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum Discharged {
    /// Discharged: the plan is completed and its reminders stop.
    #[oai(status = 201)]
    Created(Json<DischargeDto>),
}

pub struct DischargeApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::CarePlans")]
impl DischargeApi {
    /// Discharge a care plan: rate its goals, record the reason and home programme; closes the plan.
    #[oai(path = "/care-plans/:id/discharge", method = "post", operation_id = "discharge_care_plan")]
    async fn discharge_care_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<DischargeRequest>,
    ) -> Result<Discharged, ApiError> {
        let b = body.0;
        let mut goals = Vec::with_capacity(b.goals.len());
        for (i, g) in b.goals.iter().enumerate() {
            let rating = i16::try_from(g.rating)
                .map_err(|_| ApiError::invalid(&format!("goals[{i}].rating"), "must be between 0 and 10"))?;
            goals.push(GoalRating { goal_id: g.goal_id, rating });
        }
        let input =
            DischargeInput { reason: b.reason.into(), goals, home_programme: b.home_programme.trim().to_owned() };
        let done = discharge::discharge(&state.db, state.now(), &auth.0, PlanId::new(id.0), input).await?;
        Ok(Discharged::Created(Json(done.into())))
    }

    /// A care plan's discharge summary: reason, goal results, outcomes first → last, home programme.
    #[oai(path = "/care-plans/:id/discharge", method = "get", operation_id = "get_discharge_summary")]
    async fn get_discharge_summary(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<DischargeDto>, ApiError> {
        let now = state.now();
        let found = discharge::get(&state.db, &auth.0, PlanId::new(id.0)).await?;
        let event = Event::by(&auth.0, AuditAction::DischargeSummaryRead)
            .patient(found.row.patient_id)
            .resource(format!("care_plan:{}", found.row.care_plan_id))
            .at(now);
        state.audit.read(event).await?;
        Ok(Json(found.into()))
    }
}
