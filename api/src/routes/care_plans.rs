//! `/api/v1/care-plans` and `/api/v1/patients/{id}/care-plans`: prescribing home care.

use chrono::NaiveDate;
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiTags,
    adherence::AdherenceDto,
    care_plan_dto::{
        AddExerciseRequest, AddLessonRequest, CreatePlanRequest, GoalRequest, MoveExerciseRequest, PlanCreated,
        PlanSummary, PrescriptionRequest, UpdateGoalRequest, UpdatePlanRequest, bounded, changed, title,
    },
    date_range::DateRange,
    plan_view_dto::PlanViewDto,
};
use crate::{
    auth::TherapistAuth,
    error::ApiError,
    ids::PlanId,
    services::{
        self, adherence,
        audit::Event,
        care_plans::{self, GoalChanges, NewGoal, NewPlan, PlanChanges, Prescription},
        patients,
    },
    state::AppState,
};

pub struct CarePlansApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::CarePlans")]
impl CarePlansApi {
    /// Start a care plan for a patient (one active plan per patient).
    #[oai(path = "/patients/:id/care-plans", method = "post", operation_id = "create_care_plan")]
    async fn create_care_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreatePlanRequest>,
    ) -> Result<PlanCreated, ApiError> {
        let care = care_plans::PlanOfCare {
            sessions_per_week: body.sessions_per_week.map(|v| bounded("sessions_per_week", v, 1, 7)).transpose()?,
            duration_weeks: body.duration_weeks.map(|v| bounded("duration_weeks", v, 1, 52)).transpose()?,
            reevaluation_due: body.reevaluation_due,
        };
        let new = NewPlan { title: title(&body.title)?, start_date: body.start_date, end_date: body.end_date, care };
        let plan = care_plans::create(&state.db, state.now(), &auth.0, id.0, new).await?;
        Ok(PlanCreated::Created(Json(plan.into())))
    }

    /// List a patient's care plans, newest first.
    #[oai(path = "/patients/:id/care-plans", method = "get", operation_id = "list_care_plans")]
    async fn list_care_plans(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<PlanSummary>>, ApiError> {
        let plans = care_plans::list_for_patient(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(Json(plans.into_iter().map(Into::into).collect()))
    }

    /// Read a care plan as it stands now, with goals, exercises and lessons.
    #[oai(path = "/care-plans/:id", method = "get", operation_id = "get_care_plan")]
    async fn get_care_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        Ok(Json(PlanViewDto::from(care_plans::get(&state.db, state.now(), &auth.0, PlanId::new(id.0)).await?)))
    }

    /// Rename a plan, pause, complete or resume it, or change its end date.
    #[oai(path = "/care-plans/:id", method = "patch", operation_id = "update_care_plan")]
    async fn update_care_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdatePlanRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let changes = PlanChanges {
            title: body.title.as_deref().map(title).transpose()?,
            status: body.status.map(Into::into),
            end_date: body.end_date.as_opt_ref().map(|d| d.copied()),
            sessions_per_week: changed(&body.sessions_per_week, "sessions_per_week", 1, 7)?,
            duration_weeks: changed(&body.duration_weeks, "duration_weeks", 1, 52)?,
            reevaluation_due: body.reevaluation_due.as_opt_ref().map(|d| d.copied()),
        };
        Ok(Json(PlanViewDto::from(
            care_plans::update(&state.db, state.now(), &auth.0, PlanId::new(id.0), changes).await?,
        )))
    }

    /// What was prescribed on a given local day (the plan version in force at its end).
    #[oai(path = "/care-plans/:id/prescribed", method = "get", operation_id = "get_prescribed_plan")]
    async fn get_prescribed_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        /// Local date in the patient's time zone (default: their today).
        date: Query<Option<NaiveDate>>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let found = care_plans::prescribed_on(&state.db, state.now(), &auth.0, PlanId::new(id.0), date.0).await?;
        found.map(|p| Json(p.into())).ok_or_else(|| ApiError::not_found("plan version on that date"))
    }

    /// A patient's adherence over a local date range (default: the last 7 days).
    #[oai(path = "/patients/:id/adherence", method = "get", operation_id = "get_patient_adherence")]
    async fn get_patient_adherence(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<AdherenceDto>, ApiError> {
        let now = state.now();
        let patient = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let tz = services::patient_timezone(&state.db, patient.scope()).await?;
        let today = services::local_date(now, tz);
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, today)?;
        let a = adherence::for_patient(&state.db, patient.scope(), from, to, today, tz).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::AdherenceRead).patient(patient.id).at(now)).await?;
        Ok(Json(AdherenceDto::new(a, from, to)))
    }

    /// Add a functional goal rated 0–10.
    #[oai(path = "/care-plans/:id/goals", method = "post", operation_id = "add_plan_goal")]
    async fn add_plan_goal(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<GoalRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let activity = body.activity.trim().to_owned();
        if activity.is_empty() {
            return Err(ApiError::invalid("activity", "must not be empty"));
        }
        let goal = NewGoal {
            activity,
            baseline: bounded("baseline", body.baseline, 0, 10)?,
            target: bounded("target", body.target, 0, 10)?,
            target_date: body.target_date,
        };
        Ok(Json(PlanViewDto::from(
            care_plans::add_goal(&state.db, state.now(), &auth.0, PlanId::new(id.0), goal).await?,
        )))
    }

    /// Change a goal's target or mark it achieved or dropped.
    #[oai(path = "/care-plans/:id/goals/:item_id", method = "patch", operation_id = "update_plan_goal")]
    async fn update_plan_goal(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
        body: Json<UpdateGoalRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let changes = GoalChanges {
            target: body.target.map(|t| bounded("target", t, 0, 10)).transpose()?,
            status: body.status.map(Into::into),
            target_date: body.target_date.as_opt_ref().map(|d| d.copied()),
        };
        Ok(Json(PlanViewDto::from(
            care_plans::update_goal(&state.db, state.now(), &auth.0, PlanId::new(id.0), item_id.0, changes).await?,
        )))
    }

    /// Prescribe an exercise from the clinic's library with its dosage and schedule.
    #[oai(path = "/care-plans/:id/exercises", method = "post", operation_id = "add_plan_exercise")]
    async fn add_plan_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<AddExerciseRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let AddExerciseRequest { exercise_id, prescription, position } = body.0;
        let p = Prescription::try_from(prescription)?;
        Ok(Json(PlanViewDto::from(
            care_plans::add_exercise(&state.db, state.now(), &auth.0, PlanId::new(id.0), exercise_id, p, position)
                .await?,
        )))
    }

    /// Change the dosage or schedule of a prescribed exercise.
    #[oai(path = "/care-plans/:id/exercises/:item_id", method = "put", operation_id = "update_plan_exercise")]
    async fn update_plan_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
        body: Json<PrescriptionRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let p = Prescription::try_from(body.0)?;
        Ok(Json(PlanViewDto::from(
            care_plans::update_exercise(&state.db, state.now(), &auth.0, PlanId::new(id.0), item_id.0, p).await?,
        )))
    }

    /// Move a prescribed exercise to another place in the patient's list (0 is first).
    #[oai(path = "/care-plans/:id/exercises/:item_id/position", method = "put", operation_id = "move_plan_exercise")]
    async fn move_plan_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
        body: Json<MoveExerciseRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let position = body.position;
        Ok(Json(PlanViewDto::from(
            care_plans::move_exercise(&state.db, state.now(), &auth.0, PlanId::new(id.0), item_id.0, position).await?,
        )))
    }

    /// Stop prescribing an exercise (its logs stay in the history).
    #[oai(path = "/care-plans/:id/exercises/:item_id", method = "delete", operation_id = "remove_plan_exercise")]
    async fn remove_plan_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        Ok(Json(PlanViewDto::from(
            care_plans::remove_exercise(&state.db, state.now(), &auth.0, PlanId::new(id.0), item_id.0).await?,
        )))
    }

    /// Assign a lesson, readable from its unlock date.
    #[oai(path = "/care-plans/:id/lessons", method = "post", operation_id = "add_plan_lesson")]
    async fn add_plan_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<AddLessonRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        Ok(Json(PlanViewDto::from(
            care_plans::add_lesson(
                &state.db,
                state.now(),
                &auth.0,
                PlanId::new(id.0),
                body.lesson_id,
                body.unlock_date,
            )
            .await?,
        )))
    }

    /// Withdraw an assigned lesson.
    #[oai(path = "/care-plans/:id/lessons/:item_id", method = "delete", operation_id = "remove_plan_lesson")]
    async fn remove_plan_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        Ok(Json(PlanViewDto::from(
            care_plans::remove_lesson(&state.db, state.now(), &auth.0, PlanId::new(id.0), item_id.0).await?,
        )))
    }
}
