//! `GET /api/v1/red-flags`: the red-flag catalogue with the caller's clinic numbers filled
//! in, so the PWA can guide a patient offline; and `/api/v1/clinic/settings`, where a
//! clinic's admins set those numbers and the escalation delay.
//!
//! The catalogue carries no health data, so unlike other API responses it may be
//! revalidated from a cache: it has an ETag and answers `If-None-Match` with 304.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Header, payload::Json};
use sha2::{Digest, Sha256};

use super::ApiTags;
use crate::{
    auth::{AdminAuth, UserAuth},
    clinical::{
        red_flags::{self, ClinicNumbers, Guidance, Tier},
        symptoms::RedFlag,
    },
    error::ApiError,
    services::clinic_settings::{
        self, DEFAULT_LATE_NOTE_DAYS, MAX_ESCALATION_DELAY_SECONDS, MAX_LATE_NOTE_DAYS, MIN_ESCALATION_DELAY_SECONDS,
        SafetySettings,
    },
    state::AppState,
};

/// How soon to act: `emergency_now` (call emergency services now), `same_day` (see a
/// doctor or urgent care today), `soon` (contact your physician within days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RedFlagTier {
    EmergencyNow,
    SameDay,
    Soon,
}

impl From<Tier> for RedFlagTier {
    fn from(t: Tier) -> Self {
        match t {
            Tier::EmergencyNow => Self::EmergencyNow,
            Tier::SameDay => Self::SameDay,
            Tier::Soon => Self::Soon,
        }
    }
}

/// One red flag with what to tell the patient.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct RedFlagEntryDto {
    pub flag: RedFlag,
    pub tier: RedFlagTier,
    /// Short name to show on the check-in screen.
    pub label: String,
    /// This flag's own line of guidance, clinic numbers filled in.
    pub guidance: String,
}

/// What to do for a tier; shown first when it is the highest tier reported.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct RedFlagTierDto {
    pub tier: RedFlagTier,
    pub headline: String,
}

/// Every red flag the app can report, with its tier and guidance. Offline, show the
/// headline of the highest tier reported, then each flag's line, then
/// `offline_follow_up` (the therapist is alerted only once the check-in reaches the server).
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct RedFlagCatalogue {
    /// Most urgent first.
    pub tiers: Vec<RedFlagTierDto>,
    pub flags: Vec<RedFlagEntryDto>,
    /// What to add while the check-in has not been sent yet.
    pub offline_follow_up: String,
}

pub fn catalogue(numbers: &ClinicNumbers) -> RedFlagCatalogue {
    RedFlagCatalogue {
        tiers: Tier::ALL
            .into_iter()
            .map(|t| RedFlagTierDto { tier: t.into(), headline: red_flags::headline(t, numbers) })
            .collect(),
        flags: RedFlag::ALL
            .into_iter()
            .map(|f| {
                let e = red_flags::entry(f);
                RedFlagEntryDto {
                    flag: f,
                    tier: e.tier.into(),
                    label: e.label.to_owned(),
                    guidance: numbers.fill(e.guidance),
                }
            })
            .collect(),
        offline_follow_up: numbers.fill(
            "Your check-in has not been sent yet, so your therapist does not know. Follow the advice above now, \
             and tell {clinic_phone} as well.",
        ),
    }
}

/// Guidance for the red flags of one request.
#[derive(Debug, Clone, Object)]
pub struct RedFlagGuidanceDto {
    /// The highest tier reported.
    pub tier: RedFlagTier,
    /// What to do now, for that tier.
    pub headline: String,
    /// Each reported flag with its own line, most urgent first.
    pub flags: Vec<RedFlagEntryDto>,
    /// True only when an alert was stored for the patient's therapist and their account exists.
    pub therapist_alerted: bool,
    /// "Your therapist has been alerted." or what to do instead.
    pub follow_up: String,
}

impl From<&Guidance> for RedFlagGuidanceDto {
    fn from(g: &Guidance) -> Self {
        Self {
            tier: g.tier.into(),
            headline: g.headline.clone(),
            flags: g
                .lines
                .iter()
                .map(|(e, line)| RedFlagEntryDto {
                    flag: e.flag,
                    tier: e.tier.into(),
                    label: e.label.to_owned(),
                    guidance: line.clone(),
                })
                .collect(),
            therapist_alerted: g.therapist_alerted,
            follow_up: g.follow_up.clone(),
        }
    }
}

#[derive(ApiResponse)]
pub enum CatalogueResponse {
    /// The catalogue; keep it with its ETag for offline use.
    #[oai(status = 200)]
    Ok(Json<RedFlagCatalogue>, #[oai(header = "ETag")] String, #[oai(header = "Cache-Control")] String),
    /// Unchanged since the ETag given in `If-None-Match`.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String, #[oai(header = "Cache-Control")] String),
}

/// A clinic's safety settings.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClinicSettingsDto {
    /// Filled into red-flag guidance, e.g. `112` or `911`; null says "emergency services".
    pub emergency_number: Option<String>,
    /// The clinic's phone, for patients told to get in touch; null says "your clinic".
    pub clinic_phone: Option<String>,
    /// For thoughts of self-harm, e.g. `988`; null uses the emergency number.
    pub crisis_line: Option<String>,
    /// How long an emergency or same-day red-flag alert may stay unacknowledged before it
    /// is pushed to the clinic's admins and the patient's other therapists (default 7200).
    pub escalation_delay_seconds: i64,
    /// A session note signed more than this many days after the session is marked late (default 3).
    pub late_note_days: i64,
}

impl From<SafetySettings> for ClinicSettingsDto {
    fn from(s: SafetySettings) -> Self {
        Self {
            emergency_number: s.numbers.emergency_number,
            clinic_phone: s.numbers.clinic_phone,
            crisis_line: s.numbers.crisis_line,
            escalation_delay_seconds: s.escalation_delay.num_seconds(),
            late_note_days: i64::from(s.late_note_days),
        }
    }
}

/// The whole settings; a null or blank number falls back to the generic wording.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateClinicSettings {
    #[oai(validator(max_length = 60))]
    pub emergency_number: Option<String>,
    #[oai(validator(max_length = 60))]
    pub clinic_phone: Option<String>,
    #[oai(validator(max_length = 120))]
    pub crisis_line: Option<String>,
    /// 300–86400 seconds.
    #[oai(validator(minimum(value = "300"), maximum(value = "86400")))]
    pub escalation_delay_seconds: i64,
    /// 0–60 days after the session; a note signed later is marked late. Absent means 3.
    #[oai(validator(minimum(value = "0"), maximum(value = "60")))]
    pub late_note_days: Option<i64>,
}

/// A number as text shown to patients: trimmed, blank meaning unset, no control
/// characters and no braces (they would read as placeholders).
fn number(field: &str, raw: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    let Some(value) = raw.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(ApiError::invalid(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(|c| c.is_control() || c == '{' || c == '}') {
        return Err(ApiError::invalid(field, "must not contain control characters or braces"));
    }
    Ok(Some(value))
}

impl TryFrom<UpdateClinicSettings> for SafetySettings {
    type Error = ApiError;
    fn try_from(b: UpdateClinicSettings) -> Result<Self, ApiError> {
        if !(MIN_ESCALATION_DELAY_SECONDS..=MAX_ESCALATION_DELAY_SECONDS).contains(&b.escalation_delay_seconds) {
            return Err(ApiError::invalid("escalation_delay_seconds", "must be between 300 and 86400"));
        }
        Ok(Self {
            numbers: ClinicNumbers {
                emergency_number: number("emergency_number", b.emergency_number, 60)?,
                clinic_phone: number("clinic_phone", b.clinic_phone, 60)?,
                crisis_line: number("crisis_line", b.crisis_line, 120)?,
            },
            escalation_delay: Duration::seconds(b.escalation_delay_seconds),
            late_note_days: match b.late_note_days {
                None => DEFAULT_LATE_NOTE_DAYS,
                Some(days @ 0..=MAX_LATE_NOTE_DAYS) => days as i32,
                Some(_) => return Err(ApiError::invalid("late_note_days", "must be between 0 and 60")),
            },
        })
    }
}

fn etag_of(body: &RedFlagCatalogue) -> String {
    let json = serde_json::to_vec(body).expect("catalogue serialises");
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&Sha256::digest(&json)[..16]))
}

/// Whether an `If-None-Match` value names `etag` (a list, weak tags and `*` included).
fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// Revalidate every time, but a cached copy may be used offline; private to the user
/// because the numbers are the clinic's.
const CATALOGUE_CACHE: &str = "private, no-cache";

pub struct RedFlagsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::RedFlags")]
impl RedFlagsApi {
    /// Every red flag with its tier, label and guidance (your clinic's numbers filled in), for offline use.
    #[oai(path = "/red-flags", method = "get", operation_id = "list_red_flags")]
    async fn list_red_flags(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<CatalogueResponse, ApiError> {
        let settings = clinic_settings::get(&state.db, auth.0.clinic()).await?;
        let body = catalogue(&settings.numbers);
        let etag = etag_of(&body);
        if if_none_match.0.as_deref().is_some_and(|v| matches(v, &etag)) {
            return Ok(CatalogueResponse::NotModified(etag, CATALOGUE_CACHE.into()));
        }
        Ok(CatalogueResponse::Ok(Json(body), etag, CATALOGUE_CACHE.into()))
    }

    /// Your clinic's settings: emergency number, clinic phone, crisis line, escalation delay, late-note days.
    #[oai(path = "/clinic/settings", method = "get", operation_id = "get_clinic_settings", tag = "ApiTags::Clinic")]
    async fn get_clinic_settings(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
    ) -> Result<Json<ClinicSettingsDto>, ApiError> {
        Ok(Json(clinic_settings::get(&state.db, auth.0.clinic()).await?.into()))
    }

    /// Replace your clinic's settings; red-flag guidance, escalation and late-note marking use them at once.
    #[oai(path = "/clinic/settings", method = "put", operation_id = "update_clinic_settings", tag = "ApiTags::Clinic")]
    async fn update_clinic_settings(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<UpdateClinicSettings>,
    ) -> Result<Json<ClinicSettingsDto>, ApiError> {
        let new = SafetySettings::try_from(body.0)?;
        Ok(Json(clinic_settings::update(&state.db, state.now(), &auth.0, new).await?.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        assert!(matches("\"abc\"", "\"abc\""));
        assert!(matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches("*", "\"abc\""));
        assert!(!matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn the_etag_changes_with_the_clinic_numbers() {
        let plain = etag_of(&catalogue(&ClinicNumbers::default()));
        let numbers = ClinicNumbers { emergency_number: Some("112".into()), ..Default::default() };
        assert_ne!(plain, etag_of(&catalogue(&numbers)));
        assert_eq!(plain, etag_of(&catalogue(&ClinicNumbers::default())));
    }
}
