//! `/api/v1/invites`: the invites a clinic has sent — list, resend, revoke. Creating
//! them lives with what they are for (`create_patient_invite`, `create_therapist_invite`,
//! `create_admin_invite`); accepting is `accept_invite`.

use chrono::{DateTime, Utc};
use entity::invite;
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent, RoleDto, decode_cursor, into_page, page_limit, patients::InviteDto};
use crate::{
    auth::TherapistAuth,
    error::ApiError,
    services::invites::{self, InviteError, InviteStatus},
    state::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum InviteStatusDto {
    /// Sent, not yet used; the link works.
    Pending,
    /// Used: the account exists.
    Accepted,
    /// Withdrawn by staff.
    Revoked,
    /// Not used in time; resend it for a new link.
    Expired,
}

impl From<InviteStatus> for InviteStatusDto {
    fn from(s: InviteStatus) -> Self {
        match s {
            InviteStatus::Pending => Self::Pending,
            InviteStatus::Accepted => Self::Accepted,
            InviteStatus::Revoked => Self::Revoked,
            InviteStatus::Expired => Self::Expired,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct InviteSummaryDto {
    pub id: Uuid,
    pub role: RoleDto,
    pub email: String,
    pub display_name: String,
    /// The patient record a patient invite is for.
    pub patient_id: Option<Uuid>,
    pub status: InviteStatusDto,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Example for InviteSummaryDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000d01"),
            role: RoleDto::Patient,
            email: "maria.keller@example.org".into(),
            display_name: "Maria Keller".into(),
            patient_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000101")),
            status: InviteStatusDto::Pending,
            expires_at: "2026-12-07T09:00:00Z".parse().expect("RFC 3339 instant"),
            created_at: "2026-11-30T09:00:00Z".parse().expect("RFC 3339 instant"),
            accepted_at: None,
            revoked_at: None,
        }
    }
}

impl InviteSummaryDto {
    fn new(inv: invite::Model, now: DateTime<Utc>) -> Self {
        Self {
            status: invites::status(&inv, now).into(),
            id: inv.id,
            role: inv.role.into(),
            email: inv.email,
            display_name: inv.display_name,
            patient_id: inv.patient_id,
            expires_at: inv.expires_at,
            created_at: inv.created_at,
            accepted_at: inv.accepted_at,
            revoked_at: inv.revoked_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct InvitePage {
    pub items: Vec<InviteSummaryDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Example for InvitePage {
    fn example() -> Self {
        Self { items: vec![InviteSummaryDto::example()], next_cursor: None }
    }
}

impl From<InviteError> for ApiError {
    fn from(err: InviteError) -> Self {
        match err {
            InviteError::NotFound => ApiError::not_found("invite"),
            InviteError::Accepted | InviteError::Revoked => ApiError::conflict(err.to_string()),
            InviteError::Db(e) => e.into(),
        }
    }
}

pub struct InvitesApi;

#[OpenApi(prefix_path = "/api/v1/invites", tag = "ApiTags::Auth")]
impl InvitesApi {
    /// List invites: a clinic admin sees all of the clinic's, a therapist those of their patients.
    #[oai(path = "/", method = "get", operation_id = "list_invites")]
    async fn list_invites(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<InvitePage>, ApiError> {
        let after = decode_cursor(cursor.0.as_deref())?;
        let limit = page_limit(limit.0);
        let rows = invites::list(&state.db, &auth.0, after, limit + 1).await?;
        let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
        let now = state.now();
        Ok(Json(InvitePage { items: rows.into_iter().map(|r| InviteSummaryDto::new(r, now)).collect(), next_cursor }))
    }

    /// Resend an invite with a new link and a new expiry; the old link stops working.
    #[oai(path = "/:id/resend", method = "post", operation_id = "resend_invite")]
    async fn resend_invite(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<InviteDto>, ApiError> {
        let sent = invites::resend(&state, &auth.0, id.0).await?;
        Ok(Json(InviteDto::new(sent, &state.settings.public_url)))
    }

    /// Revoke an invite that has not been accepted: its link stops working.
    #[oai(path = "/:id", method = "delete", operation_id = "revoke_invite")]
    async fn revoke_invite(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        invites::revoke(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }
}
