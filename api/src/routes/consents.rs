//! Consent history: when the reminders and physician-sharing consents were given and
//! withdrawn, by whom. Read by the patient (`/me`) and by staff who may see the record.

use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_event::ActorRole, consent_event};
use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, param::Path, payload::Json};
use uuid::Uuid;

use super::{ApiTags, RoleDto};
use crate::{
    auth::{PatientAuth, TherapistAuth},
    error::ApiError,
    services::{audit::Event, consent_history, patients},
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ConsentDto {
    /// Push reminders.
    Reminders,
    /// Sharing progress with the referring physician.
    PhysicianSharing,
}

/// One change of a consent.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ConsentChangeDto {
    pub id: Uuid,
    pub consent: ConsentDto,
    /// The value from this moment on: `true` given, `false` withdrawn.
    pub granted: bool,
    /// The account that changed it.
    pub changed_by: Option<Uuid>,
    /// Its role at the time; absent when the server changed it.
    pub changed_by_role: Option<RoleDto>,
    pub at: DateTime<Utc>,
}

impl From<consent_event::Model> for ConsentChangeDto {
    fn from(m: consent_event::Model) -> Self {
        Self {
            id: m.id,
            consent: match m.consent {
                consent_event::Consent::Reminders => ConsentDto::Reminders,
                consent_event::Consent::PhysicianSharing => ConsentDto::PhysicianSharing,
            },
            granted: m.granted,
            changed_by: m.changed_by,
            changed_by_role: match m.changed_by_role {
                ActorRole::Admin => Some(RoleDto::Admin),
                ActorRole::Therapist => Some(RoleDto::Therapist),
                ActorRole::Patient => Some(RoleDto::Patient),
                ActorRole::System => None,
            },
            at: m.at,
        }
    }
}

pub struct ConsentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::DataRights")]
impl ConsentsApi {
    /// Your consent history, oldest first: each time a consent was given or withdrawn.
    #[oai(path = "/me/consent-history", method = "get", operation_id = "list_my_consent_history")]
    async fn list_my_consent_history(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<ConsentChangeDto>>, ApiError> {
        let rows = consent_history::history(&state.db, (&auth.0).into()).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// A patient's consent history, oldest first.
    #[oai(path = "/patients/:id/consent-history", method = "get", operation_id = "list_consent_history")]
    async fn list_consent_history(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ConsentChangeDto>>, ApiError> {
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let rows = consent_history::history(&state.db, record.scope()).await?;
        state
            .audit
            .read(Event::by(&auth.0, AuditAction::ConsentHistoryRead).patient(record.id).at(state.now()))
            .await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }
}
