//! In-clinic sessions: therapists schedule them; patients see what is coming up. The
//! session note has its own module (`routes::session_notes`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{AuditAction, appointment};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::{ApiTags, date_range::DateRange};
use crate::{
    auth::{PatientAuth, TherapistAuth},
    error::ApiError,
    services::{
        appointments::{self, AppointmentError, Booked, Changes, Links, Slot, Status},
        audit::Event,
        local_date, local_day_end, local_day_start, patients,
        payer_authorizations::BookingWarning,
    },
    state::AppState,
};

// Where a session stands, as the API spells it. Kept under its old schema name `Status`
// and without a doc comment (it would become a schema description) so the published spec
// does not change; the service's `appointments::Status` carries no API derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "Status", rename_all = "snake_case")]
pub enum AppointmentStatus {
    Scheduled,
    Completed,
    Cancelled,
    NoShow,
}

impl From<Status> for AppointmentStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Scheduled => Self::Scheduled,
            Status::Completed => Self::Completed,
            Status::Cancelled => Self::Cancelled,
            Status::NoShow => Self::NoShow,
        }
    }
}

impl From<AppointmentStatus> for Status {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Scheduled => Self::Scheduled,
            AppointmentStatus::Completed => Self::Completed,
            AppointmentStatus::Cancelled => Self::Cancelled,
            AppointmentStatus::NoShow => Self::NoShow,
        }
    }
}

/// Why a booking is past its payer authorization. Booking is allowed anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AuthorizationWarning {
    /// Every authorized visit is already completed or booked.
    NoneLeft,
    /// The session's day is outside the authorized dates.
    OutsideDates,
}

impl From<BookingWarning> for AuthorizationWarning {
    fn from(w: BookingWarning) -> Self {
        match w {
            BookingWarning::NoneLeft => Self::NoneLeft,
            BookingWarning::OutsideDates => Self::OutsideDates,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AppointmentDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: AppointmentStatus,
    /// The payer authorization this session counts against.
    pub authorization_id: Option<Uuid>,
    /// The plan of care this session belongs to.
    pub care_plan_id: Option<Uuid>,
    /// Only in the answer to booking or changing a session linked to an authorization:
    /// present when the booking is past it.
    pub authorization_warning: Option<AuthorizationWarning>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Example for AppointmentDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            therapist_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            starts_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            ends_at: "2026-12-03T14:50:00Z".parse().expect("RFC 3339 instant"),
            status: AppointmentStatus::Scheduled,
            authorization_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000f01")),
            care_plan_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000201")),
            authorization_warning: None,
            created_at: "2026-11-26T16:30:00Z".parse().expect("RFC 3339 instant"),
            updated_at: "2026-11-26T16:30:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl AppointmentDto {
    /// What the patient's own app shows: payer matters stay with the clinic.
    pub fn for_patient(a: appointment::Model) -> Self {
        Self { authorization_id: None, ..a.into() }
    }
}

impl From<Booked> for AppointmentDto {
    fn from(b: Booked) -> Self {
        Self { authorization_warning: b.warning.map(Into::into), ..b.appointment.into() }
    }
}

impl From<appointment::Model> for AppointmentDto {
    fn from(a: appointment::Model) -> Self {
        Self {
            id: a.id,
            patient_id: a.patient_id,
            therapist_id: a.therapist_id,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            status: Status::from(a.status).into(),
            authorization_id: a.authorization_id,
            care_plan_id: a.care_plan_id,
            authorization_warning: None,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateAppointmentRequest {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Defaults to you.
    #[oai(nullable)]
    pub therapist_id: Option<Uuid>,
    /// A payer authorization of this patient the session counts against once completed.
    #[oai(nullable)]
    pub authorization_id: Option<Uuid>,
    /// A care plan (plan of care) of this patient.
    #[oai(nullable)]
    pub care_plan_id: Option<Uuid>,
}

impl Example for CreateAppointmentRequest {
    fn example() -> Self {
        Self {
            starts_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            ends_at: "2026-12-03T14:50:00Z".parse().expect("RFC 3339 instant"),
            therapist_id: Some(uuid!("0193a5b2-4c00-7000-8000-0000000000a1")),
            authorization_id: None,
            care_plan_id: None,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdateAppointmentRequest {
    #[oai(nullable)]
    pub starts_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub ends_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub status: Option<AppointmentStatus>,
    /// `null` unlinks the authorization.
    #[oai(nullable)]
    pub authorization_id: MaybeUndefined<Uuid>,
    /// `null` unlinks the care plan.
    #[oai(nullable)]
    pub care_plan_id: MaybeUndefined<Uuid>,
}

impl Example for UpdateAppointmentRequest {
    fn example() -> Self {
        Self {
            starts_at: Some("2026-12-04T09:00:00Z".parse().expect("RFC 3339 instant")),
            ends_at: Some("2026-12-04T09:50:00Z".parse().expect("RFC 3339 instant")),
            status: None,
            authorization_id: MaybeUndefined::Undefined,
            care_plan_id: MaybeUndefined::Undefined,
        }
    }
}

#[derive(ApiResponse)]
pub enum AppointmentCreated {
    /// Scheduled.
    #[oai(status = 201)]
    Created(Json<AppointmentDto>),
}

impl From<AppointmentError> for ApiError {
    fn from(err: AppointmentError) -> Self {
        match err {
            AppointmentError::NotFound => ApiError::not_found("appointment"),
            AppointmentError::Invalid(field, problem) => ApiError::invalid(field, problem),
            AppointmentError::Conflict(message) => ApiError::conflict(message),
            AppointmentError::Db(e) => e.into(),
        }
    }
}

pub struct AppointmentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Sessions")]
impl AppointmentsApi {
    /// Schedule an in-clinic session for a patient.
    #[oai(path = "/patients/:id/appointments", method = "post", operation_id = "create_appointment")]
    async fn create_appointment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateAppointmentRequest>,
    ) -> Result<AppointmentCreated, ApiError> {
        let slot = Slot::new(body.starts_at, body.ends_at)?;
        let links = Links { authorization_id: body.authorization_id, care_plan_id: body.care_plan_id };
        let row = appointments::create(&state.db, state.now(), &auth.0, id.0, slot, body.therapist_id, links).await?;
        Ok(AppointmentCreated::Created(Json(row.into())))
    }

    /// A patient's sessions starting in a local date range (default: 30 days back to 60 days ahead).
    #[oai(path = "/patients/:id/appointments", method = "get", operation_id = "list_patient_appointments")]
    async fn list_patient_appointments(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<Vec<AppointmentDto>>, ApiError> {
        let now = state.now();
        let (record, tz) = patients::find_visible_in_zone(&state.db, &auth.0, id.0).await?;
        let today = local_date(now, tz);
        let to_default = to.0.unwrap_or(today + Duration::days(60));
        let from_default = from.0.or(Some(to_default - Duration::days(90)));
        let DateRange { from, to } = DateRange::from_query(from_default, Some(to_default), today)?;
        let rows =
            appointments::list(&state.db, record.scope(), local_day_start(from, tz), local_day_end(to, tz)).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::AppointmentRead).patient(record.id).at(now)).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Move a session, mark it completed, cancelled or a no-show, or link it to an authorization or plan.
    #[oai(path = "/appointments/:id", method = "patch", operation_id = "update_appointment")]
    async fn update_appointment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdateAppointmentRequest>,
    ) -> Result<Json<AppointmentDto>, ApiError> {
        let changes = Changes {
            starts_at: body.starts_at,
            ends_at: body.ends_at,
            status: body.status.map(Into::into),
            authorization_id: body.authorization_id.as_opt_ref().map(|v| v.copied()),
            care_plan_id: body.care_plan_id.as_opt_ref().map(|v| v.copied()),
        };
        let row = appointments::update(&state.db, state.now(), &auth.0, id.0, changes).await?;
        Ok(Json(row.into()))
    }

    /// Your upcoming sessions, soonest first.
    #[oai(path = "/me/appointments", method = "get", operation_id = "list_my_appointments")]
    async fn list_my_appointments(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<AppointmentDto>>, ApiError> {
        let now = state.now();
        let patient_id = auth.0.patient_id.uuid();
        let rows = appointments::upcoming(&state.db, (&auth.0).into(), now, 50).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::AppointmentRead).patient(patient_id).at(now)).await?;
        Ok(Json(rows.into_iter().map(AppointmentDto::for_patient).collect()))
    }
}
