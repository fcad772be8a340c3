//! `/api/v1/therapists`: clinic staff, managed by the clinic admin.

use chrono::{DateTime, Utc};
use entity::{Role, user};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{
    ApiTags, RoleDto,
    patients::{InviteCreated, InviteDto},
    text::Text,
};
use crate::{
    auth::AdminAuth,
    domain::{DisplayName, Email},
    error::ApiError,
    services::{
        invites,
        staff::{self, StaffError},
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct StaffDto {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: RoleDto,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Example for StaffDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            email: "jonas.weber@example.org".into(),
            display_name: "Jonas Weber".into(),
            role: RoleDto::Therapist,
            disabled_at: None,
            created_at: "2026-09-14T09:00:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<user::Model> for StaffDto {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role.into(),
            disabled_at: u.disabled_at,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct InviteTherapistRequest {
    #[oai(validator(max_length = 254))]
    pub email: Text,
    #[oai(validator(max_length = 200, min_length = 1))]
    pub display_name: Text,
}

impl Example for InviteTherapistRequest {
    fn example() -> Self {
        Self { email: "lena.hoffmann@example.org".into(), display_name: "Lena Hoffmann".into() }
    }
}

impl From<StaffError> for ApiError {
    fn from(err: StaffError) -> Self {
        match err {
            StaffError::EmailTaken | StaffError::LastAdmin => ApiError::conflict(err.to_string()),
            StaffError::NotFound => ApiError::not_found("staff member"),
            StaffError::Db(e) => e.into(),
        }
    }
}

pub struct TherapistsApi;

#[OpenApi(prefix_path = "/api/v1/therapists", tag = "ApiTags::Therapists")]
impl TherapistsApi {
    /// Invite a therapist to the clinic and email them the link; they accept with
    /// `accept_invite`.
    #[oai(path = "/invites", method = "post", operation_id = "create_therapist_invite")]
    async fn create_therapist_invite(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<InviteTherapistRequest>,
    ) -> Result<InviteCreated, ApiError> {
        let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.0))?;
        let name = DisplayName::parse(&body.display_name).map_err(|e| ApiError::invalid("display_name", e.0))?;
        let issued = invites::invite_staff(&state, &auth.0, Role::Therapist, email, name).await?;
        Ok(InviteCreated::Created(Json(InviteDto::new(issued, &state.settings.public_url))))
    }

    /// List the clinic's therapists and admins.
    #[oai(path = "/", method = "get", operation_id = "list_therapists")]
    async fn list_therapists(&self, state: Data<&AppState>, auth: AdminAuth) -> Result<Json<Vec<StaffDto>>, ApiError> {
        Ok(Json(staff::list(&state.db, &auth.0).await?.into_iter().map(Into::into).collect()))
    }

    /// Invite another clinic admin and email them the link; they accept with `accept_invite`.
    #[oai(path = "/admin-invites", method = "post", operation_id = "create_admin_invite")]
    async fn create_admin_invite(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<InviteTherapistRequest>,
    ) -> Result<InviteCreated, ApiError> {
        let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.0))?;
        let name = DisplayName::parse(&body.display_name).map_err(|e| ApiError::invalid("display_name", e.0))?;
        let issued = invites::invite_staff(&state, &auth.0, Role::Admin, email, name).await?;
        Ok(InviteCreated::Created(Json(InviteDto::new(issued, &state.settings.public_url))))
    }

    /// Disable a therapist or admin: their tokens stop working at once and they cannot
    /// log in; their patients show `needs_therapist` until reassigned. The clinic's last
    /// enabled admin cannot be disabled (409).
    #[oai(path = "/:id/disable", method = "post", operation_id = "disable_therapist")]
    async fn disable_therapist(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<Json<StaffDto>, ApiError> {
        let disabled = staff::set_disabled(&state.db, state.now(), &auth.0, id.0, true).await?;
        // Their access tokens must fail from the next request on, not after the cache's TTL.
        state.live_sessions.changed();
        Ok(Json(disabled.into()))
    }

    /// Re-enable a disabled therapist or admin; they log in again (old sessions stay ended).
    #[oai(path = "/:id/enable", method = "post", operation_id = "enable_therapist")]
    async fn enable_therapist(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<Json<StaffDto>, ApiError> {
        Ok(Json(staff::set_disabled(&state.db, state.now(), &auth.0, id.0, false).await?.into()))
    }
}
