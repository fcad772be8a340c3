//! Share links for the progress report: the therapist creates, lists and revokes a
//! patient's links (`/api/v1/patients/{id}/share-links`); the patient lists and revokes
//! their own (`/api/v1/me/share-links`). The physician's page is outside the API (see
//! `routes::shared`).

use chrono::{DateTime, NaiveDate, Utc};
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent};
use crate::{
    auth::{PatientAuth, TherapistAuth},
    error::{ApiError, ErrorBody},
    services::{
        audit::Event,
        patients::PatientScope,
        share_links::{self, ExpiryDays, LinkSummary, NewShareLink, ShareError},
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateShareLinkRequest {
    /// First day of the shared report (default: the plan of care's start, else the first check-in).
    #[oai(nullable)]
    pub from: Option<NaiveDate>,
    /// Last day of the shared report (default: today).
    #[oai(nullable)]
    pub to: Option<NaiveDate>,
    /// Days until the link stops working: 1–90, default 14.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "90")))]
    pub expires_in_days: Option<u16>,
    /// Also require a 6-digit code, to be given to the physician separately (default false).
    #[oai(nullable)]
    pub require_code: Option<bool>,
}

impl Example for CreateShareLinkRequest {
    fn example() -> Self {
        Self {
            from: Some("2026-11-01".parse().expect("ISO date")),
            to: Some("2026-11-30".parse().expect("ISO date")),
            expires_in_days: Some(14),
            require_code: Some(true),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ShareLinkStatus {
    Active,
    Expired,
    Revoked,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct ShareLinkDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The report's first and last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub expires_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub revoked_at: Option<DateTime<Utc>>,
    pub status: ShareLinkStatus,
    pub requires_code: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Example for ShareLinkDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000f01"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            from: "2026-11-01".parse().expect("ISO date"),
            to: "2026-11-30".parse().expect("ISO date"),
            expires_at: "2026-12-14T09:00:00Z".parse().expect("RFC 3339 instant"),
            revoked_at: None,
            status: ShareLinkStatus::Active,
            requires_code: true,
            created_by: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            created_at: "2026-11-30T09:00:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl ShareLinkDto {
    fn from_summary(l: LinkSummary, now: DateTime<Utc>) -> Self {
        let status = match (l.revoked_at, now >= l.expires_at) {
            (Some(_), _) => ShareLinkStatus::Revoked,
            (None, true) => ShareLinkStatus::Expired,
            (None, false) => ShareLinkStatus::Active,
        };
        Self {
            id: l.id,
            patient_id: l.patient_id,
            from: l.period_from,
            to: l.period_to,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            status,
            requires_code: l.requires_code(),
            created_by: l.created_by,
            created_at: l.created_at,
        }
    }
}

/// The new link. `url` and `code` are shown this once and cannot be read again.
#[derive(Debug, Object)]
pub struct ShareLinkCreatedDto {
    pub link: ShareLinkDto,
    /// The address to give the physician; it holds the link's secret token.
    pub url: String,
    /// The 6-digit code, when one was asked for: give it by another channel than the URL.
    #[oai(skip_serializing_if_is_none)]
    pub code: Option<String>,
}

impl From<ShareError> for ApiError {
    fn from(err: ShareError) -> Self {
        match err {
            ShareError::NotFound => ApiError::not_found("share link"),
            ShareError::NoConsent => ApiError::Conflict(poem_openapi::payload::Json(ErrorBody::new(
                "consent_required",
                "the patient has not consented to sharing with their physician",
            ))),
            ShareError::Invalid(field, problem) => ApiError::invalid(field, problem),
            ShareError::Db(e) => e.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ShareLinkCreated {
    /// Created; the report is frozen as of now.
    #[oai(status = 201)]
    Created(Json<ShareLinkCreatedDto>),
}

pub struct ShareLinksApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Patients")]
impl ShareLinksApi {
    /// Share a frozen progress report with the patient's physician through an expiring link (needs the patient's consent).
    #[oai(path = "/patients/:id/share-links", method = "post", operation_id = "create_share_link")]
    async fn create_share_link(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateShareLinkRequest>,
    ) -> Result<ShareLinkCreated, ApiError> {
        let b = body.0;
        let new = NewShareLink {
            from: b.from,
            to: b.to,
            expires_in: ExpiryDays::new(b.expires_in_days)?,
            require_code: b.require_code.unwrap_or(false),
        };
        let now = state.now();
        let created = share_links::create(&state.db, now, &auth.0, id.0, new).await?;
        let url = format!("{}/shared/{}", state.settings.public_url, created.token);
        Ok(ShareLinkCreated::Created(Json(ShareLinkCreatedDto {
            link: ShareLinkDto::from_summary(created.link, now),
            url,
            code: created.code,
        })))
    }

    /// A patient's share links, newest first.
    #[oai(path = "/patients/:id/share-links", method = "get", operation_id = "list_share_links")]
    async fn list_share_links(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ShareLinkDto>>, ApiError> {
        let now = state.now();
        let rows = share_links::list_visible(&state.db, &auth.0, id.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::ShareLinkList).patient(id.0).at(now)).await?;
        Ok(Json(rows.into_iter().map(|l| ShareLinkDto::from_summary(l, now)).collect()))
    }

    /// Close a patient's share link now; the physician then sees that it was withdrawn.
    #[oai(path = "/patients/:id/share-links/:item_id", method = "delete", operation_id = "revoke_share_link")]
    async fn revoke_share_link(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        /// The share link.
        item_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        share_links::revoke_visible(&state.db, state.now(), &auth.0, id.0, item_id.0).await?;
        Ok(NoContent::Done)
    }

    /// The reports your therapist shared with your physician, newest first.
    #[oai(path = "/me/share-links", method = "get", operation_id = "list_my_share_links")]
    async fn list_my_share_links(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<ShareLinkDto>>, ApiError> {
        let now = state.now();
        let scope = PatientScope::from(&auth.0);
        let rows = share_links::list(&state.db, scope).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::ShareLinkList).patient(scope.uuid()).at(now)).await?;
        Ok(Json(rows.into_iter().map(|l| ShareLinkDto::from_summary(l, now)).collect()))
    }

    /// Withdraw one of your shared reports: the link stops working at once.
    #[oai(path = "/me/share-links/:id", method = "delete", operation_id = "revoke_my_share_link")]
    async fn revoke_my_share_link(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        /// The share link.
        id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        let scope = PatientScope::from(&auth.0);
        share_links::revoke(&state.db, state.now(), &auth.0, scope, id.0).await?;
        Ok(NoContent::Done)
    }
}
