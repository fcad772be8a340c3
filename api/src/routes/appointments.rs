//! In-clinic sessions: therapists schedule them and write notes; patients see what is
//! coming up.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{appointment, rom_measure, session_note};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::{Example, MaybeUndefined},
};
use uuid::{Uuid, uuid};

use super::{ApiTags, date_range::DateRange, text::Text};
use crate::{
    auth::{PatientAuth, TherapistAuth},
    clinical::{
        body::{BodyRegion, BodySide},
        rom::{self, RomMeasurement, RomMethod, RomMode, RomMovement, RomSide},
    },
    domain::PainScore,
    error::ApiError,
    services::{
        appointments::{self, AppointmentError, Booked, Changes, Links, NoteInput, Slot, Status},
        audit::Event,
        local_date, local_day_end, local_day_start, patients,
        payer_authorizations::BookingWarning,
    },
    state::AppState,
};

/// Why a booking is past its payer authorization. Booking is allowed anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AuthorizationWarning {
    /// Every authorized visit is already completed or booked.
    NoneLeft,
    /// The session's day is outside the authorized dates.
    OutsideDates,
}

impl From<BookingWarning> for AuthorizationWarning {
    fn from(w: BookingWarning) -> Self {
        match w {
            BookingWarning::NoneLeft => Self::NoneLeft,
            BookingWarning::OutsideDates => Self::OutsideDates,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AppointmentDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: Status,
    /// The payer authorization this session counts against.
    pub authorization_id: Option<Uuid>,
    /// The plan of care this session belongs to.
    pub care_plan_id: Option<Uuid>,
    /// Only in the answer to booking or changing a session linked to an authorization:
    /// present when the booking is past it.
    pub authorization_warning: Option<AuthorizationWarning>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Example for AppointmentDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            patient_id: uuid!("0193a5b2-4c00-7000-8000-000000000101"),
            therapist_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            starts_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            ends_at: "2026-12-03T14:50:00Z".parse().expect("RFC 3339 instant"),
            status: Status::Scheduled,
            authorization_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000f01")),
            care_plan_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000201")),
            authorization_warning: None,
            created_at: "2026-11-26T16:30:00Z".parse().expect("RFC 3339 instant"),
            updated_at: "2026-11-26T16:30:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl AppointmentDto {
    /// What the patient's own app shows: payer matters stay with the clinic.
    pub fn for_patient(a: appointment::Model) -> Self {
        Self { authorization_id: None, ..a.into() }
    }
}

impl From<Booked> for AppointmentDto {
    fn from(b: Booked) -> Self {
        Self { authorization_warning: b.warning.map(Into::into), ..b.appointment.into() }
    }
}

impl From<appointment::Model> for AppointmentDto {
    fn from(a: appointment::Model) -> Self {
        Self {
            id: a.id,
            patient_id: a.patient_id,
            therapist_id: a.therapist_id,
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            status: a.status.into(),
            authorization_id: a.authorization_id,
            care_plan_id: a.care_plan_id,
            authorization_warning: None,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CreateAppointmentRequest {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Defaults to you.
    #[oai(nullable)]
    pub therapist_id: Option<Uuid>,
    /// A payer authorization of this patient the session counts against once completed.
    #[oai(nullable)]
    pub authorization_id: Option<Uuid>,
    /// A care plan (plan of care) of this patient.
    #[oai(nullable)]
    pub care_plan_id: Option<Uuid>,
}

impl Example for CreateAppointmentRequest {
    fn example() -> Self {
        Self {
            starts_at: "2026-12-03T14:00:00Z".parse().expect("RFC 3339 instant"),
            ends_at: "2026-12-03T14:50:00Z".parse().expect("RFC 3339 instant"),
            therapist_id: Some(uuid!("0193a5b2-4c00-7000-8000-0000000000a1")),
            authorization_id: None,
            care_plan_id: None,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct UpdateAppointmentRequest {
    #[oai(nullable)]
    pub starts_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub ends_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub status: Option<Status>,
    /// `null` unlinks the authorization.
    #[oai(nullable)]
    pub authorization_id: MaybeUndefined<Uuid>,
    /// `null` unlinks the care plan.
    #[oai(nullable)]
    pub care_plan_id: MaybeUndefined<Uuid>,
}

impl Example for UpdateAppointmentRequest {
    fn example() -> Self {
        Self {
            starts_at: Some("2026-12-04T09:00:00Z".parse().expect("RFC 3339 instant")),
            ends_at: Some("2026-12-04T09:50:00Z".parse().expect("RFC 3339 instant")),
            status: None,
            authorization_id: MaybeUndefined::Undefined,
            care_plan_id: MaybeUndefined::Undefined,
        }
    }
}

/// One range-of-motion measurement. Movements per region, with typical adult ranges:
/// neck and `lower_back` (trunk): flexion, extension, side_bending, rotation; shoulder:
/// flexion, extension, abduction, internal/external_rotation; elbow: flexion, extension;
/// forearm: pronation, supination; wrist: flexion, extension, radial/ulnar_deviation;
/// hip: flexion, extension, abduction, adduction, internal/external_rotation; knee:
/// flexion, extension; ankle: dorsiflexion, plantar_flexion, inversion, eversion.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct RomInput {
    pub region: BodyRegion,
    /// The limb measured at paired regions; for neck and trunk rotation and side bending,
    /// the side turned or bent towards. Absent otherwise.
    #[oai(nullable)]
    pub side: Option<RomSide>,
    pub movement: RomMovement,
    /// Degrees from neutral, 0–180. Elbow and knee extension, hip extension and ankle
    /// dorsiflexion are signed (−90–180): positive past neutral (hyperextension), negative
    /// short of it (extension lag: −10 is 10° short of straight).
    #[oai(validator(minimum(value = "-90"), maximum(value = "180")))]
    pub degrees: i64,
    pub mode: RomMode,
    pub method: RomMethod,
}

impl Example for RomInput {
    fn example() -> Self {
        Self {
            region: BodyRegion::Neck,
            side: Some(RomSide::Left),
            movement: RomMovement::Rotation,
            degrees: 62,
            mode: RomMode::Active,
            method: RomMethod::Inclinometer,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct SessionNoteRequest {
    #[oai(default, validator(max_length = 8000))]
    pub subjective: Text,
    #[oai(default, validator(max_length = 8000))]
    pub objective: Text,
    #[oai(default, validator(max_length = 8000))]
    pub assessment: Text,
    #[oai(default, validator(max_length = 8000))]
    pub plan: Text,
    /// 0–10, at the start of the session.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub pain_before: Option<i64>,
    /// 0–10, at the end.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub pain_after: Option<i64>,
    #[oai(default, validator(max_items = 40))]
    pub rom: Vec<RomInput>,
}

impl Example for SessionNoteRequest {
    fn example() -> Self {
        Self {
            subjective: "Neck stiff after three long desk days; turning left to reverse the car is hard.".into(),
            objective: "Tender, guarded upper trapezius and levator scapulae on the left.".into(),
            assessment: "Muscular neck pain, easing; rotation better after soft-tissue work.".into(),
            plan: "Keep chin tucks twice daily; add doorway chest stretch next session.".into(),
            pain_before: Some(6),
            pain_after: Some(3),
            rom: vec![
                RomInput::example(),
                RomInput {
                    region: BodyRegion::Shoulder,
                    side: Some(RomSide::Left),
                    movement: RomMovement::Flexion,
                    degrees: 165,
                    mode: RomMode::Active,
                    method: RomMethod::Goniometer,
                },
                RomInput {
                    region: BodyRegion::Knee,
                    side: Some(RomSide::Right),
                    movement: RomMovement::Extension,
                    degrees: -5,
                    mode: RomMode::Passive,
                    method: RomMethod::Goniometer,
                },
            ],
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RomDto {
    pub region: String,
    /// `both` appears only in measurements recorded before sides were per movement.
    pub side: Option<BodySide>,
    /// A movement of the vocabulary; older notes may hold free text.
    pub movement: String,
    /// Signed as described on `RomInput.degrees`.
    pub degrees: i16,
    /// Absent in measurements recorded before it was asked for.
    pub mode: Option<RomMode>,
    pub method: Option<RomMethod>,
    /// Typical adult end range of this movement (AAOS published values), for reference;
    /// absent for free-text movements of older notes.
    pub typical_degrees: Option<i16>,
}

impl From<rom_measure::Model> for RomDto {
    fn from(r: rom_measure::Model) -> Self {
        Self {
            side: appointments::parse_side(&r.side),
            typical_degrees: rom::reference_of_stored(&r.region, &r.movement).map(|x| x.typical_degrees),
            mode: r.mode.as_deref().and_then(RomMode::parse),
            method: r.method.as_deref().and_then(RomMethod::parse),
            region: r.region,
            movement: r.movement,
            degrees: r.degrees,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct SessionNoteDto {
    pub appointment_id: Uuid,
    pub author_id: Uuid,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub rom: Vec<RomDto>,
    pub updated_at: DateTime<Utc>,
}

impl Example for SessionNoteDto {
    fn example() -> Self {
        Self {
            appointment_id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            author_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            subjective: "Neck stiff after three long desk days; turning left to reverse the car is hard.".into(),
            objective: "Tender, guarded upper trapezius and levator scapulae on the left.".into(),
            assessment: "Muscular neck pain, easing; rotation better after soft-tissue work.".into(),
            plan: "Keep chin tucks twice daily; add doorway chest stretch next session.".into(),
            pain_before: Some(6),
            pain_after: Some(3),
            rom: vec![
                RomDto {
                    region: "neck".into(),
                    side: Some(BodySide::Left),
                    movement: "rotation".into(),
                    degrees: 62,
                    mode: Some(RomMode::Active),
                    method: Some(RomMethod::Inclinometer),
                    typical_degrees: Some(60),
                },
                RomDto {
                    region: "shoulder".into(),
                    side: Some(BodySide::Left),
                    movement: "flexion".into(),
                    degrees: 165,
                    mode: Some(RomMode::Active),
                    method: Some(RomMethod::Goniometer),
                    typical_degrees: Some(180),
                },
            ],
            updated_at: "2026-12-03T15:05:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl SessionNoteDto {
    fn new(n: session_note::Model, rom: Vec<rom_measure::Model>) -> Self {
        Self {
            appointment_id: n.appointment_id,
            author_id: n.author_id,
            subjective: n.subjective,
            objective: n.objective,
            assessment: n.assessment,
            plan: n.plan,
            pain_before: n.pain_before,
            pain_after: n.pain_after,
            rom: rom.into_iter().map(Into::into).collect(),
            updated_at: n.updated_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum AppointmentCreated {
    /// Scheduled.
    #[oai(status = 201)]
    Created(Json<AppointmentDto>),
}

impl From<AppointmentError> for ApiError {
    fn from(err: AppointmentError) -> Self {
        match err {
            AppointmentError::NotFound => ApiError::not_found("appointment"),
            AppointmentError::Invalid(field, problem) => ApiError::invalid(field, problem),
            AppointmentError::Conflict(message) => ApiError::conflict(message),
            AppointmentError::Db(e) => e.into(),
        }
    }
}

fn pain(field: &str, v: Option<i64>) -> Result<Option<PainScore>, ApiError> {
    v.map(|v| PainScore::new(v).map_err(|e| ApiError::invalid(field, e.0))).transpose()
}

pub struct AppointmentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Sessions")]
impl AppointmentsApi {
    /// Schedule an in-clinic session for a patient.
    #[oai(path = "/patients/:id/appointments", method = "post", operation_id = "create_appointment")]
    async fn create_appointment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<CreateAppointmentRequest>,
    ) -> Result<AppointmentCreated, ApiError> {
        let slot = Slot::new(body.starts_at, body.ends_at)?;
        let links = Links { authorization_id: body.authorization_id, care_plan_id: body.care_plan_id };
        let row = appointments::create(&state.db, state.now(), &auth.0, id.0, slot, body.therapist_id, links).await?;
        Ok(AppointmentCreated::Created(Json(row.into())))
    }

    /// A patient's sessions starting in a local date range (default: 30 days back to 60 days ahead).
    #[oai(path = "/patients/:id/appointments", method = "get", operation_id = "list_patient_appointments")]
    async fn list_patient_appointments(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<Vec<AppointmentDto>>, ApiError> {
        let now = state.now();
        let (record, tz) = patients::find_visible_in_zone(&state.db, &auth.0, id.0).await?;
        let today = local_date(now, tz);
        let to_default = to.0.unwrap_or(today + Duration::days(60));
        let from_default = from.0.or(Some(to_default - Duration::days(90)));
        let DateRange { from, to } = DateRange::from_query(from_default, Some(to_default), today)?;
        let rows =
            appointments::list(&state.db, record.scope(), local_day_start(from, tz), local_day_end(to, tz)).await?;
        state.audit.read(Event::by(&auth.0, "appointment.read").patient(record.id).at(now)).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Move a session, mark it completed, cancelled or a no-show, or link it to an authorization or plan.
    #[oai(path = "/appointments/:id", method = "patch", operation_id = "update_appointment")]
    async fn update_appointment(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<UpdateAppointmentRequest>,
    ) -> Result<Json<AppointmentDto>, ApiError> {
        let changes = Changes {
            starts_at: body.starts_at,
            ends_at: body.ends_at,
            status: body.status,
            authorization_id: body.authorization_id.as_opt_ref().map(|v| v.copied()),
            care_plan_id: body.care_plan_id.as_opt_ref().map(|v| v.copied()),
        };
        let row = appointments::update(&state.db, state.now(), &auth.0, id.0, changes).await?;
        Ok(Json(row.into()))
    }

    /// Write or rewrite the session note (SOAP, pain before/after, range of motion).
    #[oai(path = "/appointments/:id/note", method = "put", operation_id = "put_session_note")]
    async fn put_session_note(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<SessionNoteRequest>,
    ) -> Result<Json<SessionNoteDto>, ApiError> {
        let b = body.0;
        let mut rom = Vec::with_capacity(b.rom.len());
        for (i, r) in b.rom.into_iter().enumerate() {
            let measured = RomMeasurement::new(r.region, r.movement, r.side, r.degrees, r.mode, r.method)
                .map_err(|e| ApiError::invalid(&format!("rom[{i}].{}", e.field()), e.to_string()))?;
            rom.push(measured);
        }
        let input = NoteInput {
            subjective: b.subjective.into(),
            objective: b.objective.into(),
            assessment: b.assessment.into(),
            plan: b.plan.into(),
            pain_before: pain("pain_before", b.pain_before)?,
            pain_after: pain("pain_after", b.pain_after)?,
            rom,
        };
        let (note, rom) = appointments::put_note(&state.db, state.now(), &auth.0, id.0, input).await?;
        Ok(Json(SessionNoteDto::new(note, rom)))
    }

    /// Read a session note.
    #[oai(path = "/appointments/:id/note", method = "get", operation_id = "get_session_note")]
    async fn get_session_note(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<SessionNoteDto>, ApiError> {
        let (note, rom) = appointments::get_note(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(Json(SessionNoteDto::new(note, rom)))
    }

    /// Your upcoming sessions, soonest first.
    #[oai(path = "/me/appointments", method = "get", operation_id = "list_my_appointments")]
    async fn list_my_appointments(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<AppointmentDto>>, ApiError> {
        let now = state.now();
        let patient_id = auth.0.patient_id.uuid();
        let rows = appointments::upcoming(&state.db, (&auth.0).into(), now, 50).await?;
        state.audit.read(Event::by(&auth.0, "appointment.read").patient(patient_id).at(now)).await?;
        Ok(Json(rows.into_iter().map(AppointmentDto::for_patient).collect()))
    }
}
