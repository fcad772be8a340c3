//! The HTTP API: one poem-openapi struct per resource, combined into one service.
//! DTOs live next to the operations that use them and are never entity models.

mod adherence;
mod alerts;
mod appointments;
mod audit_events;
mod auth;
mod care_plan_dto;
mod care_plans;
mod check_in_dto;
mod check_in_payload;
mod check_ins;
mod date_range;
mod direct_json;
mod discharge;
mod enum_schema;
mod exercise_logs;
mod exercises;
mod fhir;
mod girths;
mod health;
mod home;
mod lenient_json;
mod lessons;
mod listed;
mod me;
mod measures;
mod mfa;
mod mfa_challenge;
mod my_lessons;
mod my_measures;
mod patient_dto;
mod patients;
mod payer_authorizations;
mod plan_of_care;
mod plan_view_dto;
mod push;
mod red_flags;
mod referrals;
mod reminders;
mod scars;
mod session_note_dto;
mod session_notes;
// Issue 14: the progress report and its share links.
mod reports;
mod share_links;
pub mod shared;
pub mod spec;
pub mod text;
mod therapists;
mod treatment_vocabulary;
mod trends;
// Issue 15 (accounts): password reset, invites, login sessions.
mod invites;
mod my_sessions;
mod password_reset;
// Issue 15: patient data rights.
mod consents;
mod erasure;
mod my_export;
// The web app's cookie sessions (issue 16).
mod browser_sessions;
// Issue 17: secure messaging.
mod clinic_hours;
mod message_dto;
mod messages;
mod patient_messages;

use poem_openapi::{ApiResponse, Enum, OpenApiService, Tags};
use uuid::Uuid;

use crate::{error::ApiError, services};

pub use patient_dto::PatientDto;

#[derive(Tags)]
pub enum ApiTags {
    /// Logging in and out, token refresh, invites, passwords.
    Auth,
    /// The signed-in user's own account.
    Me,
    /// Patient records, for therapists and clinic admins.
    Patients,
    /// Clinic staff, for clinic admins.
    Therapists,
    /// The audit trail, for clinic admins.
    Audit,
    /// The exercise and lesson library.
    Library,
    /// Care plans: goals, prescribed exercises and lessons, and their history.
    CarePlans,
    /// The patient's own day: today's plan, logging, lessons, sync, adherence.
    Home,
    /// Pain and stress check-ins with the body map.
    CheckIns,
    /// Outcome measures: the instrument registry, schedules and answers.
    Measures,
    /// In-clinic sessions and session notes.
    Sessions,
    /// Alerts to therapists when a patient worsens, reports a red flag or drops off.
    Alerts,
    /// Pain, stress, sleep, adherence and outcome trends.
    Trends,
    /// Web Push: the server's key and your devices.
    Push,
    /// When reminders come: rules per kind and quiet hours.
    Reminders,
    /// The red-flag catalogue: tiers, labels and guidance, for showing offline.
    RedFlags,
    /// Clinic-wide settings, for clinic admins.
    Clinic,
    /// Physician referrals and payer authorizations behind a course of treatment.
    Referrals,
    /// Probes for load balancers: liveness and readiness.
    Operations,
    /// The patient's data rights: export, erasure, consent history, retention.
    DataRights,
    /// Secure messages between a patient and their care team.
    Messages,
}

/// Lists the API once and makes both the combined type and its value from it: every API
/// is a unit struct, so the same tuple reads as a type and as an expression.
macro_rules! apis {
    ($list:tt) => {
        pub type Api = $list;

        fn apis() -> Api {
            $list
        }
    };
}

apis!((
    auth::AuthApi,
    me::MeApi,
    patients::PatientsApi,
    therapists::TherapistsApi,
    audit_events::AuditApi,
    exercises::ExercisesApi,
    lessons::LessonsApi,
    (care_plans::CarePlansApi, discharge::DischargeApi),
    (home::HomeApi, exercise_logs::ExerciseLogsApi, my_lessons::MyLessonsApi, adherence::AdherenceApi),
    check_ins::CheckInsApi,
    (measures::MeasuresApi, my_measures::MyMeasuresApi),
    (appointments::AppointmentsApi, session_notes::SessionNotesApi, scars::ScarsApi, girths::GirthsApi),
    alerts::AlertsApi,
    trends::TrendsApi,
    push::PushApi,
    // poem-openapi combines at most 16 APIs per tuple; nesting adds more.
    (
        reminders::RemindersApi,
        red_flags::RedFlagsApi,
        // The clinical record (issue 13).
        (referrals::ReferralsApi, payer_authorizations::PayerAuthorizationsApi, plan_of_care::PlanOfCareApi),
        // Issue 15 (accounts).
        (password_reset::PasswordResetApi, invites::InvitesApi, my_sessions::MySessionsApi),
        // The progress report and its share links (issue 14).
        (reports::ReportsApi, share_links::ShareLinksApi),
        // Issue 15: MFA and the probes.
        (mfa::MfaApi, health::HealthApi),
        // Patient data rights (issue 15).
        (my_export::MyExportApi, erasure::ErasureApi, consents::ConsentsApi),
        // FHIR R4 export (issue 14).
        fhir::FhirApi,
        // The web app's cookie sessions (issue 16).
        browser_sessions::BrowserSessionsApi,
        // Secure messaging (issue 17).
        (messages::MessagesApi, patient_messages::PatientMessagesApi, clinic_hours::ClinicHoursApi),
    ),
));

pub const API_TITLE: &str = "Fascia API";

/// Device clocks may run ahead of the server by this much before something the phone
/// recorded is "in the future".
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

/// The OpenAPI service, built the same way for serving and for the committed spec.
pub fn openapi_service() -> OpenApiService<Api, ()> {
    OpenApiService::new(apis(), API_TITLE, env!("CARGO_PKG_VERSION")).description(
        "Backend of a patient self-care PWA for medical massage therapy. \
         Authenticate with `POST /api/v1/auth/login` and send the access token as a Bearer token.",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Therapist,
    Patient,
}

impl From<entity::Role> for RoleDto {
    fn from(r: entity::Role) -> Self {
        match r {
            entity::Role::Admin => Self::Admin,
            entity::Role::Therapist => Self::Therapist,
            entity::Role::Patient => Self::Patient,
        }
    }
}

/// An empty success.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

/// Page size: default 50, at most 200.
pub fn page_limit(requested: Option<u32>) -> u64 {
    u64::from(requested.unwrap_or(50).clamp(1, 200))
}

/// The row id a `cursor` query parameter points after.
pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    cursor
        .map(|c| {
            services::cursor::decode(c).ok_or_else(|| ApiError::invalid("cursor", "is not a cursor from this API"))
        })
        .transpose()
}

/// Cuts a page fetched with `limit + 1` rows down to `limit`, and says where the next
/// page starts if there is one.
pub fn into_page<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
    if rows.len() as u64 <= limit {
        return (rows, None);
    }
    rows.truncate(limit as usize);
    let next = rows.last().map(|r| services::cursor::encode(id(r)));
    (rows, next)
}
