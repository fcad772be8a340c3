//! Erasure requests and the clinic's retention period: the patient asks
//! (`/me/erasure-request`), a clinic admin confirms or declines
//! (`/erasure-requests/{id}/...`). What confirming deletes and keeps is described in
//! `services::erasure`.

use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::erasure_request::{self, Status};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::Uuid;

use super::{ApiTags, text::Text};
use crate::{
    auth::{AdminAuth, PatientAuth},
    error::ApiError,
    services::{
        audit::Event,
        erasure::{self, ErasureError, MAX_RETENTION_YEARS},
    },
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ErasureStatusDto {
    /// Waiting for a clinic admin.
    Requested,
    /// The clinic declined; `decline_reason` says why.
    Declined,
    /// Self-care data deleted and the account closed; the clinical record is kept until
    /// `retain_until`.
    Confirmed,
    /// The clinical record is being purged right now.
    Purging,
    /// Everything is gone.
    Purged,
}

impl From<Status> for ErasureStatusDto {
    fn from(s: Status) -> Self {
        match s {
            Status::Requested => Self::Requested,
            Status::Declined => Self::Declined,
            Status::Confirmed => Self::Confirmed,
            Status::Purging => Self::Purging,
            Status::Purged => Self::Purged,
        }
    }
}

impl From<ErasureStatusDto> for Status {
    fn from(s: ErasureStatusDto) -> Self {
        match s {
            ErasureStatusDto::Requested => Self::Requested,
            ErasureStatusDto::Declined => Self::Declined,
            ErasureStatusDto::Confirmed => Self::Confirmed,
            ErasureStatusDto::Purging => Self::Purging,
            ErasureStatusDto::Purged => Self::Purged,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErasureRequestDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub status: ErasureStatusDto,
    /// What the patient wrote with the request.
    pub patient_note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    /// When the retained clinical record will be purged.
    pub retain_until: Option<DateTime<Utc>>,
    pub purged_at: Option<DateTime<Utc>>,
}

impl From<erasure_request::Model> for ErasureRequestDto {
    fn from(m: erasure_request::Model) -> Self {
        Self {
            id: m.id,
            patient_id: m.patient_id,
            status: m.status.into(),
            patient_note: m.patient_note,
            requested_at: m.requested_at,
            decided_at: m.decided_at,
            decline_reason: m.decline_reason,
            retain_until: m.retain_until,
            purged_at: m.purged_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ErasureRequestBody {
    /// Anything the patient wants the clinic to know.
    #[oai(nullable, validator(max_length = 2000))]
    pub note: Option<Text>,
}

impl Example for ErasureRequestBody {
    fn example() -> Self {
        Self { note: Some("I am moving abroad and no longer need the app.".into()) }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct DeclineErasureBody {
    /// Why the clinic cannot erase the data now; shown to the patient.
    #[oai(validator(max_length = 2000, min_length = 1))]
    pub reason: Text,
}

impl Example for DeclineErasureBody {
    fn example() -> Self {
        Self { reason: "An insurance claim about your treatment is still open.".into() }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct DataRetentionDto {
    /// Years the clinical record is kept after an erasure is confirmed (1–50).
    #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
    pub retention_years: i32,
}

impl Example for DataRetentionDto {
    fn example() -> Self {
        Self { retention_years: erasure::DEFAULT_RETENTION_YEARS }
    }
}

impl From<ErasureError> for ApiError {
    fn from(e: ErasureError) -> Self {
        match e {
            ErasureError::NotFound => ApiError::not_found("erasure request"),
            ErasureError::Conflict(why) => ApiError::conflict(why),
            ErasureError::Db(e) => e.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ErasureRequested {
    /// Recorded; a clinic admin will decide.
    #[oai(status = 201)]
    Created(Json<ErasureRequestDto>),
}

fn filled(t: Option<Text>) -> Option<String> {
    t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

pub struct ErasureApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::DataRights")]
impl ErasureApi {
    /// Ask the clinic to erase your data. Your account closes when an admin confirms.
    #[oai(path = "/me/erasure-request", method = "post", operation_id = "request_erasure")]
    async fn request_erasure(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: Json<ErasureRequestBody>,
    ) -> Result<ErasureRequested, ApiError> {
        let row = erasure::request(&state.db, state.now(), &auth.0, filled(body.0.note)).await?;
        Ok(ErasureRequested::Created(Json(row.into())))
    }

    /// Your erasure requests and what became of them, newest first.
    #[oai(path = "/me/erasure-requests", method = "get", operation_id = "list_my_erasure_requests")]
    async fn list_my_erasure_requests(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<ErasureRequestDto>>, ApiError> {
        let rows = erasure::list_own(&state.db, &auth.0).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// The clinic's erasure requests, newest first; `status` narrows them.
    #[oai(path = "/erasure-requests", method = "get", operation_id = "list_erasure_requests")]
    async fn list_erasure_requests(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        status: Query<Option<ErasureStatusDto>>,
    ) -> Result<Json<Vec<ErasureRequestDto>>, ApiError> {
        let rows = erasure::list(&state.db, &auth.0, status.0.map(Into::into)).await?;
        let event =
            Event::by(&auth.0, AuditAction::ErasureRequestList).resource(format!("erasure_requests:{}", rows.len()));
        state.audit.read(event.at(state.now())).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Confirm a request: self-care data is deleted and the patient's account closed now;
    /// the clinical record is purged when the retention period ends.
    #[oai(path = "/erasure-requests/:id/confirm", method = "post", operation_id = "confirm_erasure_request")]
    async fn confirm_erasure_request(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<Json<ErasureRequestDto>, ApiError> {
        let confirmed = erasure::confirm(&state.db, state.now(), &auth.0, id.0).await?;
        // The patient's logins ended in that transaction; their tokens fail from now on.
        state.live_sessions.changed();
        Ok(Json(confirmed.into()))
    }

    /// Decline a request, with the reason the patient will see. Nothing is deleted.
    #[oai(path = "/erasure-requests/:id/decline", method = "post", operation_id = "decline_erasure_request")]
    async fn decline_erasure_request(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<DeclineErasureBody>,
    ) -> Result<Json<ErasureRequestDto>, ApiError> {
        let reason = filled(Some(body.0.reason)).ok_or_else(|| ApiError::invalid("reason", "must not be empty"))?;
        Ok(Json(erasure::decline(&state.db, state.now(), &auth.0, id.0, reason).await?.into()))
    }

    /// How many years the clinic keeps the clinical record after an erasure.
    #[oai(path = "/clinic/data-retention", method = "get", operation_id = "get_data_retention")]
    async fn get_data_retention(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
    ) -> Result<Json<DataRetentionDto>, ApiError> {
        let years = erasure::retention_years(&state.db, auth.0.clinic()).await?;
        Ok(Json(DataRetentionDto { retention_years: years }))
    }

    /// Set how many years the clinical record is kept after an erasure (later confirmations only).
    #[oai(path = "/clinic/data-retention", method = "put", operation_id = "update_data_retention")]
    async fn update_data_retention(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<DataRetentionDto>,
    ) -> Result<Json<DataRetentionDto>, ApiError> {
        let years = body.0.retention_years;
        if !(1..=MAX_RETENTION_YEARS).contains(&years) {
            return Err(ApiError::invalid("retention_years", "must be 1–50"));
        }
        let years = erasure::set_retention_years(&state.db, state.now(), &auth.0, years).await?;
        Ok(Json(DataRetentionDto { retention_years: years }))
    }
}
