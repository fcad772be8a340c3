//! `/api/v1/me/export`: the patient's copy of everything the clinic holds about them,
//! as JSON or as a ZIP of CSV files (see `services::export` for what is in it).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    payload::{Binary, Json},
};
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::PatientAuth,
    error::ApiError,
    services::{
        export::{self, Export},
        fhir::Links,
    },
    state::AppState,
};

/// One kind of record, e.g. `check_in`: the same rows as `<name>.csv` in the ZIP.
#[derive(Debug, Object)]
pub struct ExportTableDto {
    pub name: String,
    /// Every column, in the CSV's order.
    pub columns: Vec<String>,
    /// One object per row, column name to value as text; an empty (NULL) value is left out.
    pub rows: Vec<HashMap<String, String>>,
}

/// A file that is part of the export as a whole (none yet; the FHIR bundle will be one).
#[derive(Debug, Object)]
pub struct ExportDocumentDto {
    pub file_name: String,
    pub media_type: String,
    /// The file as text (documents are UTF-8 JSON or XML).
    pub content: String,
}

#[derive(Debug, Object)]
pub struct PatientExportDto {
    /// Changes when the shape of the export changes.
    pub format_version: u32,
    pub patient_id: Uuid,
    pub generated_at: DateTime<Utc>,
    pub tables: Vec<ExportTableDto>,
    pub documents: Vec<ExportDocumentDto>,
}

impl From<Export> for PatientExportDto {
    fn from(e: Export) -> Self {
        let tables = e
            .tables
            .into_iter()
            .map(|t| {
                let rows = t
                    .rows
                    .into_iter()
                    .map(|row| t.columns.iter().zip(row).filter_map(|(c, v)| v.map(|v| (c.clone(), v))).collect())
                    .collect();
                ExportTableDto { name: t.name.to_owned(), columns: t.columns, rows }
            })
            .collect();
        let documents = e
            .documents
            .into_iter()
            .map(|d| ExportDocumentDto {
                file_name: d.file_name,
                media_type: d.media_type.to_owned(),
                content: String::from_utf8_lossy(&d.bytes).into_owned(),
            })
            .collect();
        Self {
            format_version: export::FORMAT_VERSION,
            patient_id: e.patient_id,
            generated_at: e.generated_at,
            tables,
            documents,
        }
    }
}

#[derive(ApiResponse)]
pub enum ZipExport {
    /// The ZIP: `README.txt` and one CSV file per kind of record.
    #[oai(status = 200, content_type = "application/zip")]
    Zip(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

pub struct MyExportApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::DataRights")]
impl MyExportApi {
    /// Download everything held about you as JSON: one table per kind of record.
    #[oai(path = "/me/export", method = "get", operation_id = "export_my_data")]
    async fn export_my_data(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<PatientExportDto>, ApiError> {
        Ok(Json(export::build(&state.db, state.now(), &auth.0, &Links::new(&state.settings.public_url)).await?.into()))
    }

    /// Download everything held about you as a ZIP of CSV files, one per kind of record.
    #[oai(path = "/me/export/zip", method = "get", operation_id = "export_my_data_zip")]
    async fn export_my_data_zip(&self, state: Data<&AppState>, auth: PatientAuth) -> Result<ZipExport, ApiError> {
        let built = export::build(&state.db, state.now(), &auth.0, &Links::new(&state.settings.public_url)).await?;
        let bytes = export::zip(&built).map_err(|e| ApiError::internal(&e))?;
        let name = format!("attachment; filename=\"fascia-export-{}.zip\"", built.generated_at.format("%Y-%m-%d"));
        Ok(ZipExport::Zip(Binary(bytes), name))
    }
}
