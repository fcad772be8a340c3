//! `/api/v1/audit-events`: the clinic's audit trail, for its admin.

use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_event};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use sea_orm::ActiveEnum;
use uuid::Uuid;

use super::{ApiTags, decode_cursor, into_page, page_limit};
use crate::{auth::AdminAuth, error::ApiError, services::audit, state::AppState};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEventDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_role: Option<String>,
    /// What happened, e.g. `auth.login`, `patient.read`.
    pub action: String,
    pub patient_id: Option<Uuid>,
    pub resource: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub request_id: Option<String>,
}

impl From<audit_event::Model> for AuditEventDto {
    fn from(e: audit_event::Model) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor_role: e.actor_role.map(|r| r.to_value()),
            action: e.action.as_str().to_owned(),
            patient_id: e.patient_id,
            resource: e.resource,
            outcome: match e.outcome {
                audit_event::Outcome::Success => audit::Outcome::Success,
                audit_event::Outcome::Failure => audit::Outcome::Failure,
                audit_event::Outcome::Denied => audit::Outcome::Denied,
            }
            .as_str()
            .to_owned(),
            request_id: e.request_id,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEventPage {
    pub items: Vec<AuditEventDto>,
    pub next_cursor: Option<String>,
}

pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1/audit-events", tag = "ApiTags::Audit")]
impl AuditApi {
    /// List the clinic's audit events, newest first, with filters.
    #[oai(path = "/", method = "get", operation_id = "list_audit_events")]
    async fn list_audit_events(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        patient_id: Query<Option<Uuid>>,
        actor_user_id: Query<Option<Uuid>>,
        #[oai(validator(max_length = 64))] action: Query<Option<String>>,
        #[oai(validator(max_length = 16))] outcome: Query<Option<String>>,
        /// Events at or after this instant.
        from: Query<Option<DateTime<Utc>>>,
        /// Events before this instant.
        to: Query<Option<DateTime<Utc>>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<AuditEventPage>, ApiError> {
        let after = decode_cursor(cursor.0.as_deref())?;
        let limit = page_limit(limit.0);
        // A word the server never writes matches no event: the same empty page the
        // filter gave when the column was free text.
        let action = match action.0.as_deref().map(AuditAction::parse) {
            Some(None) => return Ok(Json(AuditEventPage { items: vec![], next_cursor: None })),
            known => known.flatten(),
        };
        let filter = audit::Filter {
            patient_id: patient_id.0,
            actor_user_id: actor_user_id.0,
            action,
            outcome: outcome.0,
            from: from.0,
            to: to.0,
        };
        // Reads' events reach the table a moment after the read; wait for this process's
        // queue so the log shows everything that happened before this request.
        state.audit.flush().await?;
        let rows = audit::list(&state.db, auth.0.clinic(), filter, after, limit + 1).await?;
        let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
        Ok(Json(AuditEventPage { items: rows.into_iter().map(Into::into).collect(), next_cursor }))
    }
}
