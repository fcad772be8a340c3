//! `/api/v1/me/sessions`: where you are signed in, and signing other devices out.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent};
use crate::{
    auth::UserAuth,
    error::ApiError,
    services::my_sessions::{self, MySessionError, SessionView},
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct SessionDto {
    pub id: Uuid,
    /// Browser and system, e.g. "Safari on iPhone".
    pub device_label: String,
    /// The client address seen at login.
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    /// This is the session making the request.
    pub current: bool,
}

impl Example for SessionDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000e01"),
            device_label: "Safari on iPhone".into(),
            address: Some("203.0.113.24".into()),
            created_at: "2026-11-28T18:02:00Z".parse().expect("RFC 3339 instant"),
            last_used_at: "2026-11-30T07:45:00Z".parse().expect("RFC 3339 instant"),
            current: true,
        }
    }
}

impl From<SessionView> for SessionDto {
    fn from(s: SessionView) -> Self {
        Self {
            id: s.id,
            device_label: s.device_label,
            address: s.address,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            current: s.current,
        }
    }
}

impl From<MySessionError> for ApiError {
    fn from(err: MySessionError) -> Self {
        match err {
            MySessionError::NotFound => ApiError::not_found("session"),
            MySessionError::Db(e) => e.into(),
        }
    }
}

pub struct MySessionsApi;

#[OpenApi(prefix_path = "/api/v1/me/sessions", tag = "ApiTags::Me")]
impl MySessionsApi {
    /// Where you are signed in: each live login, most recently used first.
    #[oai(path = "/", method = "get", operation_id = "list_my_sessions")]
    async fn list_my_sessions(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
    ) -> Result<Json<Vec<SessionDto>>, ApiError> {
        let rows = my_sessions::list(&state.db, state.now(), &auth.0).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Sign out one session (a lost phone, say); ending your current one logs you out.
    #[oai(path = "/:id", method = "delete", operation_id = "delete_my_session")]
    async fn delete_my_session(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        my_sessions::end(&state.db, state.now(), &auth.0, id.0).await?;
        state.live_sessions.changed();
        Ok(NoContent::Done)
    }

    /// Sign out everywhere except here.
    #[oai(path = "/", method = "delete", operation_id = "delete_other_sessions")]
    async fn delete_other_sessions(&self, state: Data<&AppState>, auth: UserAuth) -> Result<NoContent, ApiError> {
        my_sessions::end_others(&state.db, state.now(), &auth.0).await?;
        state.live_sessions.changed();
        Ok(NoContent::Done)
    }
}
