//! Alerts for therapists: list with filters, acknowledge.

use chrono::{DateTime, Utc};
use entity::alert;
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::{Uuid, uuid};

use super::{ApiTags, decode_cursor, into_page, page_limit, red_flags::RedFlagTier};
use crate::{
    auth::TherapistAuth,
    clinical::{red_flags::Tier, rules::AlertKind, symptoms::RedFlag},
    error::ApiError,
    services::{
        alerts::{self, Filter, Status},
        red_flags,
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AlertDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: AlertKind,
    /// Why it was raised, for the therapist.
    pub details: String,
    /// When what it is about happened.
    pub triggered_at: DateTime<Utc>,
    /// The check-in that raised it, if one did.
    pub check_in_id: Option<Uuid>,
    /// Authorization alerts: the payer authorization it is about.
    pub authorization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Red-flag alerts: every flag reported while it was open (empty for other kinds).
    pub red_flags: Vec<RedFlag>,
    /// Red-flag alerts: the highest tier among `red_flags`.
    pub tier: Option<RedFlagTier>,
    /// Last change (a red-flag alert moves when a flag is added and is pushed again).
    pub updated_at: DateTime<Utc>,
    /// When the alert was escalated to the clinic's admins and the patient's other therapists.
    pub escalated_at: Option<DateTime<Utc>>,
}

impl Example for AlertDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000801"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            kind: AlertKind::PainSpike,
            details: "Pain 8/10 reported.".into(),
            triggered_at: "2026-11-28T09:12:00Z".parse().expect("RFC 3339 instant"),
            check_in_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000901")),
            authorization_id: None,
            created_at: "2026-11-28T09:12:01Z".parse().expect("RFC 3339 instant"),
            acknowledged_by: None,
            acknowledged_at: None,
            red_flags: vec![],
            tier: None,
            updated_at: "2026-11-28T09:12:01Z".parse().expect("RFC 3339 instant"),
            escalated_at: None,
        }
    }
}

impl From<alert::Model> for AlertDto {
    fn from(a: alert::Model) -> Self {
        // `source_id` names what raised the alert; which kind of thing depends on the kind.
        let about_authorization = matches!(a.kind, alert::Kind::AuthorizationLow | alert::Kind::AuthorizationExpiring);
        Self {
            id: a.id,
            patient_id: a.patient_id,
            kind: a.kind.into(),
            details: a.details,
            triggered_at: a.triggered_at,
            check_in_id: a.source_id.filter(|_| !about_authorization),
            authorization_id: a.source_id.filter(|_| about_authorization),
            created_at: a.created_at,
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: a.acknowledged_at,
            red_flags: red_flags::flags_of(&a.flags.0),
            tier: a.tier.map(Tier::from).map(Into::into),
            updated_at: a.updated_at.unwrap_or(a.created_at),
            escalated_at: a.escalated_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Acknowledged,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AlertPage {
    pub items: Vec<AlertDto>,
    pub next_cursor: Option<String>,
}

impl Example for AlertPage {
    fn example() -> Self {
        Self { items: vec![AlertDto::example()], next_cursor: None }
    }
}

pub struct AlertsApi;

#[OpenApi(prefix_path = "/api/v1/alerts", tag = "ApiTags::Alerts")]
impl AlertsApi {
    /// Alerts about your patients (admins: the clinic's), newest first.
    #[oai(path = "/", method = "get", operation_id = "list_alerts")]
    async fn list_alerts(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        patient_id: Query<Option<Uuid>>,
        kind: Query<Option<AlertKind>>,
        status: Query<Option<AlertStatus>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<AlertPage>, ApiError> {
        let limit = page_limit(limit.0);
        let filter = Filter {
            patient_id: patient_id.0,
            kind: kind.0,
            status: status.0.map(|s| match s {
                AlertStatus::Open => Status::Open,
                AlertStatus::Acknowledged => Status::Acknowledged,
            }),
        };
        let after = decode_cursor(cursor.0.as_deref())?;
        let rows = alerts::list(&state.db, state.now(), &auth.0, filter, after, limit + 1).await?;
        let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
        Ok(Json(AlertPage { items: rows.into_iter().map(Into::into).collect(), next_cursor }))
    }

    /// Mark an alert as seen (idempotent).
    #[oai(path = "/:id/acknowledge", method = "post", operation_id = "acknowledge_alert")]
    async fn acknowledge_alert(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<AlertDto>, ApiError> {
        let row = alerts::acknowledge(&state.db, state.now(), &auth.0, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("alert"))?;
        Ok(Json(row.into()))
    }
}
