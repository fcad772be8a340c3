//! `/api/v1/patients`: patient records for their therapists and clinic admins.

use chrono::{DateTime, Utc};
use entity::patient;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::{ApiTags, decode_cursor, into_page, page_limit, text::Text};
use crate::{
    auth::TherapistAuth,
    domain::{DisengagedDays, DisplayName, Email, Icd10Code, PainScore},
    error::ApiError,
    services::{
        adherence, alerts, care_plans, check_ins,
        invites::{self, SentInvite},
        messages,
        patients::{self, ListQuery, NewPatient, PatientChanges, PatientError},
        staff,
    },
    state::AppState,
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

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateInviteRequest {
    /// Where the patient will log in; becomes their account email.
    #[oai(validator(max_length = 254))]
    pub email: Text,
}

impl Example for CreateInviteRequest {
    fn example() -> Self {
        Self { email: "maria.keller@example.org".into() }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct InviteDto {
    pub invite_id: Uuid,
    /// Shown once; give it to the invitee (only its hash is stored).
    pub token: String,
    /// A link into the PWA carrying the token in the fragment, which browsers never send
    /// to servers.
    pub accept_url: String,
    pub expires_at: DateTime<Utc>,
    /// Whether the invite email went out; when `false`, pass the link on yourself or
    /// resend the invite.
    pub emailed: bool,
}

impl Example for InviteDto {
    fn example() -> Self {
        Self {
            invite_id: uuid!("0193a5b2-4c00-7000-8000-000000000d01"),
            token: "1mAZvQjQlVBlRLgoCBh-ICUQXXTNAYlAWgW42_ljCJ8".into(),
            accept_url: "https://app.example.org/invite#token=1mAZvQjQlVBlRLgoCBh-ICUQXXTNAYlAWgW42_ljCJ8".into(),
            expires_at: "2026-12-07T09:00:00Z".parse().expect("RFC 3339 instant"),
            emailed: true,
        }
    }
}

impl InviteDto {
    pub fn new(sent: SentInvite, public_url: &str) -> Self {
        let SentInvite { issued, emailed } = sent;
        Self {
            invite_id: issued.invite_id,
            accept_url: invites::accept_url(public_url, &issued.token),
            token: issued.token,
            expires_at: issued.expires_at,
            emailed,
        }
    }
}

#[derive(ApiResponse)]
pub enum PatientCreated {
    /// The new record.
    #[oai(status = 201)]
    Created(Json<PatientDto>),
}

#[derive(ApiResponse)]
pub enum InviteCreated {
    /// The invite; its token is shown only in this response.
    #[oai(status = 201)]
    Created(Json<InviteDto>),
}

impl From<PatientError> for ApiError {
    fn from(err: PatientError) -> Self {
        match err {
            PatientError::NotFound => ApiError::not_found("patient"),
            PatientError::UnknownTherapist => ApiError::invalid("primary_therapist_id", err.to_string()),
            PatientError::AlreadyHasAccount | PatientError::EmailTaken => ApiError::conflict(err.to_string()),
            PatientError::Db(e) => e.into(),
        }
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

pub struct PatientsApi;

#[OpenApi(prefix_path = "/api/v1/patients", tag = "ApiTags::Patients")]
impl PatientsApi {
    /// Create a patient record (no account yet: invite the patient afterwards).
    #[oai(path = "/", method = "post", operation_id = "create_patient")]
    async fn create_patient(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        body: Json<CreatePatientRequest>,
    ) -> Result<PatientCreated, ApiError> {
        let new = NewPatient::try_from(body.0)?;
        let record = patients::create(&state.db, state.now(), &auth.0, new).await?;
        Ok(PatientCreated::Created(Json(record.into())))
    }

    /// List your patients (admins: the clinic's), oldest first, with name search.
    #[oai(path = "/", method = "get", operation_id = "list_patients")]
    async fn list_patients(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        /// Case-insensitive part of the patient's name.
        #[oai(validator(max_length = 100))]
        search: Query<Option<String>>,
        /// Include archived patients.
        #[oai(default)]
        include_archived: Query<bool>,
        cursor: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u32>>,
    ) -> Result<Json<PatientPage>, ApiError> {
        let after = decode_cursor(cursor.0.as_deref())?;
        let limit = page_limit(limit.0);
        let query = ListQuery { search: search.0, include_archived: include_archived.0, after, limit: limit + 1 };
        let rows = patients::list(&state.db, state.now(), &auth.0, query).await?;
        let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let open_alerts = alerts::open_counts(&state.db, &ids).await?;
        let last_check_ins = check_ins::last_recorded(&state.db, &ids).await?;
        let plan_flags = care_plans::roster_flags(&state.db, auth.0.clinic(), &ids, state.now()).await?;
        let disabled_staff = staff::disabled_ids(&state.db, auth.0.clinic()).await?;
        let unread = messages::unread_for_care_team(&state.db, &ids).await?;
        let adherence = adherence::last_week_for(&state.db, &ids, state.now()).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let adherence = adherence.get(&row.id).copied().flatten();
            let open = open_alerts.get(&row.id).copied().unwrap_or(0);
            let flags = plan_flags.get(&row.id).copied().unwrap_or_default();
            items.push(PatientDto {
                adherence_7d: adherence,
                open_alerts: open,
                last_check_in_at: last_check_ins.get(&row.id).copied(),
                reevaluation_due: flags.reevaluation_due,
                certification_lapsed: flags.certification_lapsed,
                needs_therapist: disabled_staff.contains(&row.primary_therapist_id),
                unread_messages: unread.get(&row.id).copied().unwrap_or(0),
                ..row.into()
            });
        }
        Ok(Json(PatientPage { items, next_cursor }))
    }

    /// Read one patient record.
    #[oai(path = "/:id", method = "get", operation_id = "get_patient")]
    async fn get_patient(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<PatientDto>, ApiError> {
        Ok(Json(patients::get(&state.db, state.now(), &auth.0, id.0).await?.into()))
    }

    /// Update a patient record; only the fields sent change.
    #[oai(path = "/:id", method = "patch", operation_id = "update_patient")]
    async fn update_patient(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdatePatientRequest>,
    ) -> Result<Json<PatientDto>, ApiError> {
        let changes = PatientChanges::try_from(body.0)?;
        Ok(Json(patients::update(&state.db, state.now(), &auth.0, id.0, changes).await?.into()))
    }

    /// Archive a patient: off the active roster, record and history kept.
    #[oai(path = "/:id/archive", method = "post", operation_id = "archive_patient")]
    async fn archive_patient(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<PatientDto>, ApiError> {
        Ok(Json(patients::archive(&state.db, state.now(), &auth.0, id.0).await?.into()))
    }

    /// Invite the patient to the app and email them the link; earlier unused invites for
    /// them stop working.
    #[oai(path = "/:id/invites", method = "post", operation_id = "create_patient_invite")]
    async fn create_patient_invite(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateInviteRequest>,
    ) -> Result<InviteCreated, ApiError> {
        let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.0))?;
        let issued = invites::invite_patient(&state, &auth.0, id.0, email).await?;
        Ok(InviteCreated::Created(Json(InviteDto::new(issued, &state.settings.public_url))))
    }
}
