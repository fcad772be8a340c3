//! `/health` and `/ready`: probes for load balancers and orchestrators. Neither needs a
//! token, and neither says anything about the data.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{db, error::ApiError, state::AppState};

#[derive(Debug, Object)]
pub struct ProbeStatus {
    /// `ok` for `/health`, `ready` for `/ready`.
    pub status: String,
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::Operations")]
impl HealthApi {
    /// Liveness: answers 200 while the process runs, without touching the database.
    #[oai(path = "/health", method = "get", operation_id = "get_health")]
    async fn get_health(&self) -> Result<Json<ProbeStatus>, ApiError> {
        // Always Ok; the error type documents what the edge may answer (429, 500).
        Ok(Json(ProbeStatus { status: "ok".into() }))
    }

    /// Readiness: 200 when the database answers (migrations ran at start-up), else 503.
    #[oai(path = "/ready", method = "get", operation_id = "get_readiness")]
    async fn get_readiness(&self, state: Data<&AppState>) -> Result<Json<ProbeStatus>, ApiError> {
        if db::is_ready_within(&state.db, db::READY_WITHIN).await {
            Ok(Json(ProbeStatus { status: "ready".into() }))
        } else {
            Err(ApiError::unavailable())
        }
    }
}
