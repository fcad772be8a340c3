//! `/api/v1/patients/{id}/fhir` and `/api/v1/me/fhir`: a patient's record as a FHIR R4
//! Bundle (type `collection`, `application/fhir+json`), for moving it to another system.
//!
//! The body is FHIR, not one of this API's DTOs: its schema is the official FHIR R4 JSON
//! schema (Bundle), which the tests check every export against, so the spec leaves it open.

use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use serde_json::Value;
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::{PatientAuth, TherapistAuth},
    error::ApiError,
    services::{
        audit::Event,
        fhir::{self, Links},
        patients,
    },
    state::AppState,
};

#[derive(ApiResponse)]
pub enum FhirBundle {
    /// A FHIR R4 Bundle of type `collection`: Patient, Practitioner, Organization,
    /// Condition, ServiceRequest, CarePlan, Goal, Observation, QuestionnaireResponse,
    /// Encounter, Procedure, Flag and DocumentReference; every reference is
    /// `urn:uuid:<id>` and resolves inside the Bundle.
    #[oai(status = 200, content_type = "application/fhir+json")]
    Bundle(Json<Value>),
}

fn links(state: &AppState) -> Links {
    Links::new(&state.settings.public_url)
}

pub struct FhirApi;

#[OpenApi(prefix_path = "/api/v1")]
impl FhirApi {
    /// Export a patient's whole record (signed notes only) as a FHIR R4 Bundle.
    #[oai(path = "/patients/:id/fhir", method = "get", operation_id = "export_patient_fhir", tag = "ApiTags::Patients")]
    async fn export_patient_fhir(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<FhirBundle, ApiError> {
        let now = state.now();
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let bundle = fhir::patient_bundle(&state.db, now, &links(&state), record).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::FhirExport).patient(id.0).at(now)).await?;
        Ok(FhirBundle::Bundle(Json(bundle)))
    }

    /// Export your own record as a FHIR R4 Bundle, to take it to another provider or app.
    #[oai(path = "/me/fhir", method = "get", operation_id = "export_my_fhir", tag = "ApiTags::Me")]
    async fn export_my_fhir(&self, state: Data<&AppState>, auth: PatientAuth) -> Result<FhirBundle, ApiError> {
        let now = state.now();
        let record = patients::own_record(&state.db, &auth.0).await?;
        let patient_id = record.id;
        let bundle = fhir::patient_bundle(&state.db, now, &links(&state), record).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::FhirExport).patient(patient_id).at(now)).await?;
        Ok(FhirBundle::Bundle(Json(bundle)))
    }
}
