//! `/api/v1/patients/{id}/authorizations` and `/api/v1/authorizations/{id}`: what a payer
//! authorized, and how much of it is used. The member id goes in whole and only ever
//! comes back masked (`••••1234`); no answer, error body or log line carries it.

use entity::AuditAction;
use std::{borrow::Cow, fmt};

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::Json,
    registry::MetaSchemaRef,
    types::{Example, MaybeUndefined, ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;
use uuid::{Uuid, uuid};

use super::{ApiTags, text::Text};
use crate::{
    auth::TherapistAuth,
    domain::MemberId,
    error::ApiError,
    services::{
        audit::Event,
        payer_authorizations::{
            self, Authorization, AuthorizationChanges, AuthorizationError, NewAuthorization, Period,
        },
    },
    state::AppState,
};

/// A string field whose value must never be repeated: unlike [`Text`], a wrong type is
/// refused without quoting what was sent, and `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretText(String);

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

impl Type for SecretText {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        String::name()
    }
    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }
    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for SecretText {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(Self(s)),
            _ => Err(ParseError::custom("must be a JSON string")),
        }
    }
}

impl ToJSON for SecretText {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

fn member_id(raw: &SecretText) -> Result<MemberId, ApiError> {
    MemberId::parse(&raw.0).map_err(|e| ApiError::invalid("member_id", e.0))
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateAuthorizationRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub payer_name: Text,
    /// The patient's member id with the payer: 6–40 letters, digits or dashes. Stored
    /// encrypted and only ever shown masked.
    pub member_id: SecretText,
    #[oai(validator(max_length = 100, min_length = 1))]
    pub authorization_number: Text,
    /// 1–365.
    #[oai(validator(minimum(value = "1"), maximum(value = "365")))]
    pub visits_authorized: i64,
    /// First authorized day.
    pub starts_on: NaiveDate,
    /// Last authorized day, not before `starts_on`.
    pub ends_on: NaiveDate,
    /// The patient's referral this authorization rests on.
    #[oai(nullable)]
    pub referral_id: Option<Uuid>,
}

impl Example for CreateAuthorizationRequest {
    fn example() -> Self {
        Self {
            payer_name: "Northwind Health Plan".into(),
            member_id: SecretText("NWH-558812340".into()),
            authorization_number: "AUTH-2026-11-0042".into(),
            visits_authorized: 6,
            starts_on: "2026-12-01".parse().expect("ISO date"),
            ends_on: "2027-01-31".parse().expect("ISO date"),
            referral_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000e01")),
        }
    }
}

/// Send only what changes; `referral_id: null` unlinks the referral.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdateAuthorizationRequest {
    #[oai(nullable, validator(max_length = 200, min_length = 1))]
    pub payer_name: Option<Text>,
    #[oai(nullable)]
    pub member_id: Option<SecretText>,
    #[oai(nullable, validator(max_length = 100, min_length = 1))]
    pub authorization_number: Option<Text>,
    /// 1–365. Raising it lets the "visits running low" alert fire again.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "365")))]
    pub visits_authorized: Option<i64>,
    #[oai(nullable)]
    pub starts_on: Option<NaiveDate>,
    /// A later day lets the "ending soon" alert fire again.
    #[oai(nullable)]
    pub ends_on: Option<NaiveDate>,
    #[oai(nullable)]
    pub referral_id: MaybeUndefined<Uuid>,
}

impl Example for UpdateAuthorizationRequest {
    fn example() -> Self {
        Self {
            payer_name: None,
            member_id: None,
            authorization_number: None,
            visits_authorized: Some(10),
            starts_on: None,
            ends_on: Some("2027-03-31".parse().expect("ISO date")),
            referral_id: MaybeUndefined::Undefined,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AuthorizationDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub payer_name: String,
    /// Masked: `••••` and the last four characters.
    pub member_id: String,
    pub authorization_number: String,
    pub visits_authorized: i32,
    /// Completed sessions linked to this authorization.
    pub visits_used: i64,
    /// Authorized minus used; negative when more were completed than authorized.
    pub visits_remaining: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Example for AuthorizationDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000f01"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            referral_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000e01")),
            payer_name: "Northwind Health Plan".into(),
            member_id: "••••2340".into(),
            authorization_number: "AUTH-2026-11-0042".into(),
            visits_authorized: 6,
            visits_used: 4,
            visits_remaining: 2,
            starts_on: "2026-12-01".parse().expect("ISO date"),
            ends_on: "2027-01-31".parse().expect("ISO date"),
            created_at: "2026-11-30T09:10:00Z".parse().expect("RFC 3339 instant"),
            updated_at: "2026-11-30T09:10:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<Authorization> for AuthorizationDto {
    fn from(a: Authorization) -> Self {
        let visits_remaining = a.visits_remaining();
        let row = a.row;
        Self {
            id: row.id,
            patient_id: row.patient_id,
            referral_id: row.referral_id,
            payer_name: row.payer_name,
            member_id: a.member_id_masked,
            authorization_number: row.authorization_number,
            visits_authorized: row.visits_authorized,
            visits_used: a.visits_used,
            visits_remaining,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<AuthorizationError> for ApiError {
    fn from(err: AuthorizationError) -> Self {
        match err {
            AuthorizationError::NotFound => ApiError::not_found("authorization"),
            AuthorizationError::Invalid(field, problem) => ApiError::invalid(field, problem),
            AuthorizationError::Db(e) => e.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum AuthorizationCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<AuthorizationDto>),
}

fn required(field: &str, t: &str) -> Result<String, ApiError> {
    let t = t.trim();
    if t.is_empty() || t.chars().any(char::is_control) {
        Err(ApiError::invalid(field, "must be non-empty text without control characters"))
    } else {
        Ok(t.to_owned())
    }
}

/// Declared 1–365, checked again so the conversion never truncates.
fn visits(v: i64) -> Result<i32, ApiError> {
    i32::try_from(v)
        .ok()
        .filter(|v| (1..=365).contains(v))
        .ok_or_else(|| ApiError::invalid("visits_authorized", "must be 1–365"))
}

pub struct PayerAuthorizationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Referrals")]
impl PayerAuthorizationsApi {
    /// Record a payer's authorization of visits for a patient.
    #[oai(path = "/patients/:id/authorizations", method = "post", operation_id = "create_authorization")]
    async fn create_authorization(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateAuthorizationRequest>,
    ) -> Result<AuthorizationCreated, ApiError> {
        let b = body.0;
        let new = NewAuthorization {
            payer_name: required("payer_name", &b.payer_name)?,
            member_id: member_id(&b.member_id)?,
            authorization_number: required("authorization_number", &b.authorization_number)?,
            visits_authorized: visits(b.visits_authorized)?,
            period: Period::new(b.starts_on, b.ends_on)?,
            referral_id: b.referral_id,
        };
        let created = payer_authorizations::create(&state.db, &state.data_key, state.now(), &auth.0, id.0, new).await?;
        Ok(AuthorizationCreated::Created(Json(created.into())))
    }

    /// A patient's payer authorizations with visits used and left, latest first.
    #[oai(path = "/patients/:id/authorizations", method = "get", operation_id = "list_authorizations")]
    async fn list_authorizations(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<AuthorizationDto>>, ApiError> {
        let rows = payer_authorizations::list(&state.db, &state.data_key, &auth.0, id.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::PayerAuthorizationList).patient(id.0).at(state.now())).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Read one payer authorization with visits used and left.
    #[oai(path = "/authorizations/:id", method = "get", operation_id = "get_authorization")]
    async fn get_authorization(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<AuthorizationDto>, ApiError> {
        let found = payer_authorizations::get(&state.db, &state.data_key, &auth.0, id.0).await?;
        let event = Event::by(&auth.0, AuditAction::PayerAuthorizationRead)
            .patient(found.row.patient_id)
            .resource(format!("payer_authorization:{}", id.0));
        state.audit.read(event.at(state.now())).await?;
        Ok(Json(found.into()))
    }

    /// Correct or extend a payer authorization; send only what changes.
    #[oai(path = "/authorizations/:id", method = "patch", operation_id = "update_authorization")]
    async fn update_authorization(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdateAuthorizationRequest>,
    ) -> Result<Json<AuthorizationDto>, ApiError> {
        let b = body.0;
        let changes = AuthorizationChanges {
            payer_name: b.payer_name.map(|v| required("payer_name", &v)).transpose()?,
            member_id: b.member_id.as_ref().map(member_id).transpose()?,
            authorization_number: b.authorization_number.map(|v| required("authorization_number", &v)).transpose()?,
            visits_authorized: b.visits_authorized.map(visits).transpose()?,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            referral_id: b.referral_id.as_opt_ref().map(|r| r.copied()),
        };
        let updated =
            payer_authorizations::update(&state.db, &state.data_key, state.now(), &auth.0, id.0, changes).await?;
        Ok(Json(updated.into()))
    }
}
