//! The patient record as the API reads and writes it: the record (with the roster's
//! at-a-glance numbers), the create and update requests and their checks into domain
//! values, and the roster page.

use chrono::{DateTime, Utc};
use entity::patient;
use poem_openapi::{
    Object,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::text::Text;
use crate::{
    domain::{DisengagedDays, DisplayName, Icd10Code, PainScore},
    error::ApiError,
    services::{
        patients::{NewPatient, PatientChanges},
        roster::RosterRow,
    },
};

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct PatientDto {
    pub id: Uuid,
    pub display_name: String,
    /// The therapist who treats this patient.
    pub primary_therapist_id: Uuid,
    /// Whether the patient has accepted an invite and can use the app.
    pub has_account: bool,
    pub referring_physician_name: Option<String>,
    pub referring_physician_contact: Option<String>,
    pub diagnosis: Option<String>,
    pub icd10_codes: Vec<String>,
    pub precautions: Option<String>,
    /// Pain (0–10) at intake.
    pub baseline_pain: Option<i16>,
    /// Days without a check-in before the therapist is alerted (default 3).
    pub disengaged_after_days: i16,
    pub consent_reminders: bool,
    pub consent_physician_sharing: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Percent of prescribed exercises done over the last 7 local days (roster only;
    /// absent when nothing was prescribed).
    pub adherence_7d: Option<f64>,
    /// Unacknowledged alerts (roster only).
    pub open_alerts: u64,
    /// When the patient's newest check-in was recorded (roster only; absent when there
    /// is none).
    pub last_check_in_at: Option<DateTime<Utc>>,
    /// The active plan of care is due for re-evaluation today or earlier (roster only).
    pub reevaluation_due: bool,
    /// The active plan of care's certification ended before today (roster only).
    pub certification_lapsed: bool,
    /// The primary therapist's account is disabled: reassign the patient with
    /// `update_patient` (roster only).
    pub needs_therapist: bool,
    /// The patient's messages nobody on the care team has marked read (roster only).
    pub unread_messages: u64,
}

impl Example for PatientDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            display_name: "Maria Keller".into(),
            primary_therapist_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            has_account: true,
            referring_physician_name: Some("Dr. Anna Brandt".into()),
            referring_physician_contact: Some("praxis.brandt@example.org".into()),
            diagnosis: Some("Neck and upper-back stiffness after long desk days".into()),
            icd10_codes: vec!["M54.2".into()],
            precautions: Some("No deep pressure near the left scalene".into()),
            baseline_pain: Some(6),
            disengaged_after_days: 3,
            consent_reminders: true,
            consent_physician_sharing: false,
            archived_at: None,
            created_at: "2026-11-02T10:15:00Z".parse().expect("RFC 3339 instant"),
            updated_at: "2026-11-30T08:20:00Z".parse().expect("RFC 3339 instant"),
            adherence_7d: Some(71.4),
            open_alerts: 1,
            last_check_in_at: Some("2026-11-29T19:42:00Z".parse().expect("RFC 3339 instant")),
            reevaluation_due: false,
            certification_lapsed: false,
            needs_therapist: false,
            unread_messages: 0,
        }
    }
}

impl From<patient::Model> for PatientDto {
    fn from(p: patient::Model) -> Self {
        Self {
            id: p.id,
            display_name: p.display_name,
            primary_therapist_id: p.primary_therapist_id,
            has_account: p.user_id.is_some(),
            referring_physician_name: p.referring_physician_name,
            referring_physician_contact: p.referring_physician_contact,
            diagnosis: p.diagnosis,
            icd10_codes: p.icd10_codes.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            precautions: p.precautions,
            baseline_pain: p.baseline_pain,
            disengaged_after_days: p.disengaged_after_days,
            consent_reminders: p.consent_reminders,
            consent_physician_sharing: p.consent_physician_sharing,
            archived_at: p.archived_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            adherence_7d: None,
            open_alerts: 0,
            last_check_in_at: None,
            reevaluation_due: false,
            certification_lapsed: false,
            needs_therapist: false,
            unread_messages: 0,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreatePatientRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub display_name: Text,
    /// Defaults to the caller. Only clinic admins may assign another therapist.
    #[oai(nullable)]
    pub primary_therapist_id: Option<Uuid>,
    #[oai(nullable, validator(max_length = 200))]
    pub referring_physician_name: Option<Text>,
    #[oai(nullable, validator(max_length = 500))]
    pub referring_physician_contact: Option<Text>,
    #[oai(nullable, validator(max_length = 4000))]
    pub diagnosis: Option<Text>,
    #[oai(default, validator(max_items = 20))]
    pub icd10_codes: Vec<Text>,
    #[oai(nullable, validator(max_length = 4000))]
    pub precautions: Option<Text>,
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub baseline_pain: Option<i64>,
    /// 1–60; default 3.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "60")))]
    pub disengaged_after_days: Option<i64>,
    #[oai(default)]
    pub consent_reminders: bool,
    #[oai(default)]
    pub consent_physician_sharing: bool,
}

impl Example for CreatePatientRequest {
    fn example() -> Self {
        Self {
            display_name: "Maria Keller".into(),
            primary_therapist_id: Some(uuid!("0193a5b2-4c00-7000-8000-0000000000a1")),
            referring_physician_name: Some("Dr. Anna Brandt".into()),
            referring_physician_contact: Some("praxis.brandt@example.org".into()),
            diagnosis: Some("Neck and upper-back stiffness after long desk days".into()),
            icd10_codes: vec!["M54.2".into()],
            precautions: Some("No deep pressure near the left scalene".into()),
            baseline_pain: Some(6),
            disengaged_after_days: Some(3),
            consent_reminders: true,
            consent_physician_sharing: false,
        }
    }
}

/// Send only what changes; `null` clears an optional field.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdatePatientRequest {
    #[oai(nullable, validator(max_length = 200, min_length = 1))]
    pub display_name: Option<Text>,
    #[oai(nullable)]
    pub primary_therapist_id: Option<Uuid>,
    #[oai(nullable, validator(max_length = 200))]
    pub referring_physician_name: MaybeUndefined<Text>,
    #[oai(nullable, validator(max_length = 500))]
    pub referring_physician_contact: MaybeUndefined<Text>,
    #[oai(nullable, validator(max_length = 4000))]
    pub diagnosis: MaybeUndefined<Text>,
    #[oai(nullable, validator(max_items = 20))]
    pub icd10_codes: Option<Vec<Text>>,
    #[oai(nullable, validator(max_length = 4000))]
    pub precautions: MaybeUndefined<Text>,
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub baseline_pain: MaybeUndefined<i64>,
    /// 1–60.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "60")))]
    pub disengaged_after_days: Option<i64>,
    #[oai(nullable)]
    pub consent_reminders: Option<bool>,
    #[oai(nullable)]
    pub consent_physician_sharing: Option<bool>,
}

impl Example for UpdatePatientRequest {
    fn example() -> Self {
        Self {
            display_name: None,
            primary_therapist_id: None,
            referring_physician_name: MaybeUndefined::Undefined,
            referring_physician_contact: MaybeUndefined::Undefined,
            diagnosis: MaybeUndefined::Undefined,
            icd10_codes: Some(vec!["M54.2".into(), "M54.6".into()]),
            precautions: MaybeUndefined::Value("Avoid end-range neck rotation for two weeks".into()),
            baseline_pain: MaybeUndefined::Undefined,
            disengaged_after_days: Some(5),
            consent_reminders: None,
            consent_physician_sharing: Some(true),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct PatientPage {
    pub items: Vec<PatientDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Example for PatientPage {
    fn example() -> Self {
        Self { items: vec![PatientDto::example()], next_cursor: None }
    }
}

fn parse_codes(raw: &[Text]) -> Result<Vec<Icd10Code>, ApiError> {
    raw.iter().map(|c| Icd10Code::parse(c)).collect::<Result<_, _>>().map_err(|e| ApiError::invalid("icd10_codes", e.0))
}

fn parse_pain(raw: i64) -> Result<PainScore, ApiError> {
    PainScore::new(raw).map_err(|e| ApiError::invalid("baseline_pain", e.0))
}

fn parse_days(raw: i64) -> Result<DisengagedDays, ApiError> {
    DisengagedDays::new(raw).map_err(|e| ApiError::invalid("disengaged_after_days", e.0))
}

fn parse_name(raw: &str) -> Result<DisplayName, ApiError> {
    DisplayName::parse(raw).map_err(|e| ApiError::invalid("display_name", e.0))
}

/// Optional free text: surrounding whitespace trimmed, empty means absent.
fn text(raw: Option<&Text>) -> Option<String> {
    raw.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn maybe_text(raw: &MaybeUndefined<Text>) -> Option<Option<String>> {
    match raw {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(text(Some(v))),
    }
}

impl TryFrom<CreatePatientRequest> for NewPatient {
    type Error = ApiError;
    fn try_from(r: CreatePatientRequest) -> Result<Self, ApiError> {
        Ok(NewPatient {
            display_name: parse_name(&r.display_name)?,
            primary_therapist_id: r.primary_therapist_id,
            referring_physician_name: text(r.referring_physician_name.as_ref()),
            referring_physician_contact: text(r.referring_physician_contact.as_ref()),
            diagnosis: text(r.diagnosis.as_ref()),
            icd10_codes: parse_codes(&r.icd10_codes)?,
            precautions: text(r.precautions.as_ref()),
            baseline_pain: r.baseline_pain.map(parse_pain).transpose()?,
            disengaged_after_days: r.disengaged_after_days.map(parse_days).transpose()?.unwrap_or_default(),
            consent_reminders: r.consent_reminders,
            consent_physician_sharing: r.consent_physician_sharing,
        })
    }
}

impl TryFrom<UpdatePatientRequest> for PatientChanges {
    type Error = ApiError;
    fn try_from(r: UpdatePatientRequest) -> Result<Self, ApiError> {
        Ok(PatientChanges {
            display_name: r.display_name.as_deref().map(parse_name).transpose()?,
            primary_therapist_id: r.primary_therapist_id,
            referring_physician_name: maybe_text(&r.referring_physician_name),
            referring_physician_contact: maybe_text(&r.referring_physician_contact),
            diagnosis: maybe_text(&r.diagnosis),
            icd10_codes: r.icd10_codes.as_deref().map(parse_codes).transpose()?,
            precautions: maybe_text(&r.precautions),
            baseline_pain: match r.baseline_pain {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(parse_pain(v)?)),
            },
            disengaged_after_days: r.disengaged_after_days.map(parse_days).transpose()?,
            consent_reminders: r.consent_reminders,
            consent_physician_sharing: r.consent_physician_sharing,
        })
    }
}

impl From<RosterRow> for PatientDto {
    fn from(r: RosterRow) -> Self {
        Self {
            adherence_7d: r.adherence_7d,
            open_alerts: r.open_alerts,
            last_check_in_at: r.last_check_in_at,
            reevaluation_due: r.reevaluation_due,
            certification_lapsed: r.certification_lapsed,
            needs_therapist: r.needs_therapist,
            unread_messages: r.unread_messages,
            ..r.patient.into()
        }
    }
}
