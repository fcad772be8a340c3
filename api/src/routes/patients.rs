//! `/api/v1/patients`: patient records for their therapists and clinic admins, and the
//! invite that gives a patient the app. The record's shapes are in `patient_dto`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::{Uuid, uuid};

use super::{
    ApiTags, decode_cursor, into_page, page_limit,
    patient_dto::{CreatePatientRequest, PatientDto, PatientPage, UpdatePatientRequest},
    text::Text,
};
use crate::{
    auth::TherapistAuth,
    domain::Email,
    error::ApiError,
    services::{
        invites::{self, SentInvite},
        patients::{self, ListQuery, NewPatient, PatientChanges, PatientError},
        roster,
    },
    state::AppState,
};

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
        let rows = roster::annotate(&state.db, state.now(), &auth.0, rows).await?;
        let items = rows.into_iter().map(PatientDto::from).collect();
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
