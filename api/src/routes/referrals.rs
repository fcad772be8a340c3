//! `/api/v1/patients/{id}/referrals` and `/api/v1/referrals/{id}`: the physician's
//! referral (prescription) behind a course of treatment, for therapists and admins.

use chrono::{DateTime, NaiveDate, Utc};
use entity::AuditAction;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::Json,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::{ApiTags, text::Text};
use crate::{
    auth::TherapistAuth,
    domain::{DisplayName, Email, Icd10Code, Npi, PhoneNumber},
    error::ApiError,
    services::{
        audit::Event,
        referrals::{self, Diagnosis, NewReferral, Physician, Referral, ReferralChanges, ReferralError},
    },
    state::AppState,
};

/// The referring physician. Only the name is required.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PhysicianInput {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub name: Text,
    #[oai(nullable, validator(max_length = 200))]
    pub practice: Option<Text>,
    /// Digits, spaces and `+ - ( ) . /`.
    #[oai(nullable, validator(max_length = 40))]
    pub phone: Option<Text>,
    #[oai(nullable, validator(max_length = 40))]
    pub fax: Option<Text>,
    #[oai(nullable, validator(max_length = 254))]
    pub email: Option<Text>,
    /// US National Provider Identifier: 10 digits ending in its check digit.
    #[oai(nullable, validator(max_length = 10))]
    pub npi: Option<Text>,
}

impl Example for PhysicianInput {
    fn example() -> Self {
        Self {
            name: "Dr. Anna Brandt".into(),
            practice: Some("Brandt Family Practice".into()),
            phone: Some("+1 (555) 010-4477".into()),
            fax: Some("+1 (555) 010-4478".into()),
            email: Some("referrals@brandt-practice.example".into()),
            npi: Some("1234567893".into()),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PhysicianDto {
    pub name: String,
    pub practice: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub npi: Option<String>,
}

/// One diagnosis: an ICD-10-CM code and what it means in words.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct DiagnosisInput {
    /// A letter, a digit, a letter or digit, then optionally a dot and 1–4 letters or
    /// digits, e.g. `M54.2`; stored upper-case.
    #[oai(validator(max_length = 16))]
    pub code: Text,
    #[oai(validator(max_length = 500, min_length = 1))]
    pub description: Text,
}

impl Example for DiagnosisInput {
    fn example() -> Self {
        Self { code: "M54.2".into(), description: "Neck pain (cervicalgia)".into() }
    }
}

#[derive(Debug, Object)]
pub struct DiagnosisDto {
    pub code: String,
    pub description: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateReferralRequest {
    pub physician: PhysicianInput,
    /// The day the physician wrote the referral.
    pub referral_date: NaiveDate,
    /// 1–12 diagnoses.
    #[oai(validator(min_items = 1, max_items = 12))]
    pub diagnoses: Vec<DiagnosisInput>,
    /// What was ordered, in the physician's words.
    #[oai(validator(max_length = 2000, min_length = 1))]
    pub ordered: Text,
    /// 1–365.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "365")))]
    pub visits_ordered: Option<i64>,
    /// The last day the referral is valid (not before `referral_date`).
    #[oai(nullable)]
    pub expires_on: Option<NaiveDate>,
    #[oai(nullable, validator(max_length = 4000))]
    pub precautions: Option<Text>,
}

impl Example for CreateReferralRequest {
    fn example() -> Self {
        Self {
            physician: PhysicianInput::example(),
            referral_date: "2026-11-20".parse().expect("ISO date"),
            diagnoses: vec![DiagnosisInput::example()],
            ordered: "Medical massage 2x/week for 3 weeks, neck and upper back".into(),
            visits_ordered: Some(6),
            expires_on: Some("2027-02-20".parse().expect("ISO date")),
            precautions: Some("No deep pressure over the anterior neck".into()),
        }
    }
}

/// Send only what changes; `null` clears an optional field. A `physician` replaces the
/// whole physician.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdateReferralRequest {
    #[oai(nullable)]
    pub physician: Option<PhysicianInput>,
    #[oai(nullable)]
    pub referral_date: Option<NaiveDate>,
    #[oai(nullable, validator(min_items = 1, max_items = 12))]
    pub diagnoses: Option<Vec<DiagnosisInput>>,
    #[oai(nullable, validator(max_length = 2000, min_length = 1))]
    pub ordered: Option<Text>,
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "365")))]
    pub visits_ordered: MaybeUndefined<i64>,
    #[oai(nullable)]
    pub expires_on: MaybeUndefined<NaiveDate>,
    #[oai(nullable, validator(max_length = 4000))]
    pub precautions: MaybeUndefined<Text>,
}

impl Example for UpdateReferralRequest {
    fn example() -> Self {
        Self {
            physician: None,
            referral_date: None,
            diagnoses: None,
            ordered: None,
            visits_ordered: MaybeUndefined::Value(8),
            expires_on: MaybeUndefined::Value("2027-03-20".parse().expect("ISO date")),
            precautions: MaybeUndefined::Undefined,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ReferralDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub physician: PhysicianDto,
    pub referral_date: NaiveDate,
    pub diagnoses: Vec<DiagnosisDto>,
    pub ordered: String,
    pub visits_ordered: Option<i32>,
    pub expires_on: Option<NaiveDate>,
    pub precautions: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Example for ReferralDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000e01"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            physician: PhysicianDto {
                name: "Dr. Anna Brandt".into(),
                practice: Some("Brandt Family Practice".into()),
                phone: Some("+1 (555) 010-4477".into()),
                fax: None,
                email: None,
                npi: Some("1234567893".into()),
            },
            referral_date: "2026-11-20".parse().expect("ISO date"),
            diagnoses: vec![DiagnosisDto { code: "M54.2".into(), description: "Neck pain (cervicalgia)".into() }],
            ordered: "Medical massage 2x/week for 3 weeks, neck and upper back".into(),
            visits_ordered: Some(6),
            expires_on: Some("2027-02-20".parse().expect("ISO date")),
            precautions: None,
            created_by: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            created_at: "2026-11-30T09:00:00Z".parse().expect("RFC 3339 instant"),
            updated_at: "2026-11-30T09:00:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<Referral> for ReferralDto {
    fn from(r: Referral) -> Self {
        let row = r.row;
        Self {
            id: row.id,
            patient_id: row.patient_id,
            physician: PhysicianDto {
                name: row.physician_name,
                practice: row.physician_practice,
                phone: row.physician_phone,
                fax: row.physician_fax,
                email: row.physician_email,
                npi: row.physician_npi,
            },
            referral_date: row.referral_date,
            diagnoses: r
                .diagnoses
                .into_iter()
                .map(|d| DiagnosisDto { code: d.code, description: d.description })
                .collect(),
            ordered: row.ordered,
            visits_ordered: row.visits_ordered,
            expires_on: row.expires_on,
            precautions: row.precautions,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<ReferralError> for ApiError {
    fn from(err: ReferralError) -> Self {
        match err {
            ReferralError::NotFound => ApiError::not_found("referral"),
            ReferralError::Invalid(field, problem) => ApiError::invalid(field, problem),
            ReferralError::Db(e) => e.into(),
        }
    }
}

/// Trimmed text, or `None` when only whitespace was sent.
fn filled(t: Option<Text>) -> Option<String> {
    t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn required(field: &str, t: &str) -> Result<String, ApiError> {
    let t = t.trim();
    if t.is_empty() { Err(ApiError::invalid(field, "must not be empty")) } else { Ok(t.to_owned()) }
}

fn parse_opt<T>(
    field: &str,
    raw: Option<Text>,
    parse: impl Fn(&str) -> Result<T, crate::domain::Invalid>,
) -> Result<Option<T>, ApiError> {
    filled(raw).map(|v| parse(&v).map_err(|e| ApiError::invalid(field, e.0))).transpose()
}

impl TryFrom<PhysicianInput> for Physician {
    type Error = ApiError;
    fn try_from(p: PhysicianInput) -> Result<Self, ApiError> {
        Ok(Physician {
            name: DisplayName::parse(&p.name).map_err(|e| ApiError::invalid("physician.name", e.0))?,
            practice: parse_opt("physician.practice", p.practice, DisplayName::parse)?,
            phone: parse_opt("physician.phone", p.phone, PhoneNumber::parse)?,
            fax: parse_opt("physician.fax", p.fax, PhoneNumber::parse)?,
            email: parse_opt("physician.email", p.email, Email::parse)?,
            npi: parse_opt("physician.npi", p.npi, Npi::parse)?,
        })
    }
}

fn diagnoses(items: Vec<DiagnosisInput>) -> Result<Vec<Diagnosis>, ApiError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            Ok(Diagnosis {
                code: Icd10Code::parse(&d.code).map_err(|e| ApiError::invalid(&format!("diagnoses[{i}].code"), e.0))?,
                description: required(&format!("diagnoses[{i}].description"), &d.description)?,
            })
        })
        .collect()
}

/// `visits_ordered` is declared 1–365, so the conversion cannot fail; kept checked anyway.
fn visits(v: i64) -> Result<i32, ApiError> {
    i32::try_from(v)
        .ok()
        .filter(|v| (1..=365).contains(v))
        .ok_or_else(|| ApiError::invalid("visits_ordered", "must be 1–365"))
}

pub struct ReferralsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Referrals")]
impl ReferralsApi {
    /// Record a physician's referral for a patient: physician, diagnoses, what was ordered.
    #[oai(path = "/patients/:id/referrals", method = "post", operation_id = "create_referral")]
    async fn create_referral(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateReferralRequest>,
    ) -> Result<ReferralCreated, ApiError> {
        let b = body.0;
        let new = NewReferral {
            physician: b.physician.try_into()?,
            referral_date: b.referral_date,
            diagnoses: diagnoses(b.diagnoses)?,
            ordered: required("ordered", &b.ordered)?,
            visits_ordered: b.visits_ordered.map(visits).transpose()?,
            expires_on: b.expires_on,
            precautions: filled(b.precautions),
        };
        let created = referrals::create(&state.db, state.now(), &auth.0, id.0, new).await?;
        Ok(ReferralCreated::Created(Json(created.into())))
    }

    /// A patient's referrals, newest first.
    #[oai(path = "/patients/:id/referrals", method = "get", operation_id = "list_referrals")]
    async fn list_referrals(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ReferralDto>>, ApiError> {
        let rows = referrals::list(&state.db, &auth.0, id.0).await?;
        state.audit.read(Event::by(&auth.0, AuditAction::ReferralList).patient(id.0).at(state.now())).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Read one referral.
    #[oai(path = "/referrals/:id", method = "get", operation_id = "get_referral")]
    async fn get_referral(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<ReferralDto>, ApiError> {
        let found = referrals::get(&state.db, &auth.0, id.0).await?;
        let event = Event::by(&auth.0, AuditAction::ReferralRead)
            .patient(found.row.patient_id)
            .resource(format!("referral:{}", id.0));
        state.audit.read(event.at(state.now())).await?;
        Ok(Json(found.into()))
    }

    /// Correct or extend a referral; send only what changes.
    #[oai(path = "/referrals/:id", method = "patch", operation_id = "update_referral")]
    async fn update_referral(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdateReferralRequest>,
    ) -> Result<Json<ReferralDto>, ApiError> {
        let b = body.0;
        let changes = ReferralChanges {
            physician: b.physician.map(Physician::try_from).transpose()?,
            referral_date: b.referral_date,
            diagnoses: b.diagnoses.map(diagnoses).transpose()?,
            ordered: b.ordered.map(|o| required("ordered", &o)).transpose()?,
            visits_ordered: match b.visits_ordered {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(visits(v)?)),
            },
            expires_on: b.expires_on.as_opt_ref().map(|d| d.copied()),
            precautions: match b.precautions {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(filled(Some(v))),
            },
        };
        Ok(Json(referrals::update(&state.db, state.now(), &auth.0, id.0, changes).await?.into()))
    }
}

#[derive(ApiResponse)]
pub enum ReferralCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ReferralDto>),
}
