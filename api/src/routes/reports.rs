//! `GET /api/v1/patients/{id}/report`: a patient's progress report for the referring
//! physician, as printable HTML or PDF, for the patient's therapist or a clinic admin.

use chrono::NaiveDate;
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, OpenApi, ResponseContent,
    param::{Path, Query},
    payload::{Binary, Html},
};
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::TherapistAuth,
    error::ApiError,
    services::{
        audit::Event,
        report::{self, Format, Rendered, ReportError, html::content_security_policy},
    },
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReportFormat {
    Html,
    Pdf,
}

#[derive(ResponseContent)]
pub enum ReportBody {
    /// A self-contained page (inline SVG charts, no script), printable on A4 and Letter.
    Html(Html<String>),
    /// The same report as an A4 PDF.
    #[oai(content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum ReportResponse {
    /// The report.
    #[oai(status = 200)]
    Report(
        ReportBody,
        /// Nothing loads and nothing runs; the one stylesheet is allowed by its hash.
        #[oai(header = "Content-Security-Policy")]
        String,
    ),
}

impl From<ReportError> for ApiError {
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::NotFound => ApiError::not_found("patient"),
            ReportError::Invalid(field, problem) => ApiError::invalid(field, problem),
            ReportError::Db(e) => e.into(),
        }
    }
}

pub struct ReportsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Patients")]
impl ReportsApi {
    /// A patient's progress report for the referring physician (default: from the plan of care's start to today).
    #[oai(path = "/patients/:id/report", method = "get", operation_id = "get_patient_report")]
    async fn get_patient_report(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        /// First local day (default: the plan of care's start, else the first check-in).
        from: Query<Option<NaiveDate>>,
        /// Last local day (default: today). At most 366 days after `from`.
        to: Query<Option<NaiveDate>>,
        /// `html` (default) or `pdf`.
        format: Query<Option<ReportFormat>>,
    ) -> Result<ReportResponse, ApiError> {
        let now = state.now();
        let format = match format.0.unwrap_or(ReportFormat::Html) {
            ReportFormat::Html => Format::Html,
            ReportFormat::Pdf => Format::Pdf,
        };
        let rendered = report::render_for(&state.db, &auth.0, id.0, from.0, to.0, format, now).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::ReportRead).patient(id.0).at(now)).await?;
        let body = match rendered {
            Rendered::Html(page) => ReportBody::Html(Html(page)),
            Rendered::Pdf(bytes) => ReportBody::Pdf(Binary(bytes)),
        };
        Ok(ReportResponse::Report(body, content_security_policy()))
    }
}
