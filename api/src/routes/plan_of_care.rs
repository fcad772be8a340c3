//! `/api/v1/care-plans/{id}/certification`: the physician's certification of a plan of
//! care. Frequency, duration and the re-evaluation date are plain plan fields (see
//! `care_plans`); a certification is an event of its own, so it has its own operation.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::Uuid;

use super::{ApiTags, plan_view_dto::PlanViewDto, text::Text};
use crate::{
    auth::TherapistAuth,
    domain::DisplayName,
    error::ApiError,
    ids::PlanId,
    services::care_plans::{self, NewCertification},
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CertifyPlanRequest {
    /// The certifying physician.
    #[oai(validator(max_length = 200, min_length = 1))]
    pub certified_by: Text,
    /// The day the physician signed.
    pub certified_on: NaiveDate,
    /// The last day the certification covers (not before `certified_on`).
    pub valid_until: NaiveDate,
}

impl Example for CertifyPlanRequest {
    fn example() -> Self {
        Self {
            certified_by: "Dr. Anna Brandt".into(),
            certified_on: "2026-12-01".parse().expect("ISO date"),
            valid_until: "2027-02-28".parse().expect("ISO date"),
        }
    }
}

pub struct PlanOfCareApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::CarePlans")]
impl PlanOfCareApi {
    /// Record the physician's (re)certification of a plan of care; it replaces the current one.
    #[oai(path = "/care-plans/:id/certification", method = "put", operation_id = "certify_care_plan")]
    async fn certify_care_plan(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CertifyPlanRequest>,
    ) -> Result<Json<PlanViewDto>, ApiError> {
        let by = DisplayName::parse(&body.certified_by).map_err(|e| ApiError::invalid("certified_by", e.0))?;
        let certification = NewCertification::new(by, body.certified_on, body.valid_until)?;
        Ok(Json(PlanViewDto::from(
            care_plans::certify(&state.db, state.now(), &auth.0, PlanId::new(id.0), certification).await?,
        )))
    }
}
