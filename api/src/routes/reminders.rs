//! `/api/v1/me/reminder-rules`, `/api/v1/patients/{id}/reminder-rules` and
//! `/api/v1/me/reminder-preferences`: when reminders come, for the patient and their
//! therapist (with the "adapt to my routine" switch and why a reminder moved), and the
//! user's quiet hours.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, reminder_rule};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::ApiTags;
use super::text::Text;
use crate::{
    auth::{PatientAuth, TherapistAuth, UserAuth},
    error::ApiError,
    reminders::{ReminderKind, adaptive},
    services::{
        audit::{self, Event},
        care_plans::Weekdays,
        patients, reminder_preferences,
        reminder_rules::{self, RuleChanges, RuleError, RuleView},
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ReminderRuleDto {
    pub id: Uuid,
    pub kind: ReminderKind,
    /// Local wall-clock time, `HH:MM`, in `timezone`; not used by session reminders.
    pub local_time: String,
    /// Session reminders only: minutes from the session's start (negative: before) or,
    /// for `post_session`, from its end.
    pub session_offset_minutes: Option<i32>,
    /// ISO weekdays 1 (Monday) – 7 (Sunday).
    pub days_of_week: Vec<u8>,
    pub enabled: bool,
    /// The patient's IANA time zone (change it with `PATCH /api/v1/me`).
    pub timezone: String,
    pub updated_at: DateTime<Utc>,
    /// Daily kinds only: whether the time follows the patient's routine (switch it with
    /// `adapt_to_routine` in the update). Absent for session reminders.
    pub adapt_to_routine: Option<bool>,
    /// Daily kinds only: the time the patient or therapist set; `local_time` goes back to
    /// it when adaptation is switched off.
    pub chosen_time: Option<String>,
    /// The last move made by adaptation, with its numbers; absent if the time has not
    /// been adapted since it was last set by hand.
    pub adaptation: Option<AdaptationDto>,
    /// Daily kinds only: set while this reminder comes only every other day because the
    /// last reminders were ignored; it comes daily again once the task is done.
    pub backing_off_since: Option<NaiveDate>,
}

/// Why a reminder moved: the numbers behind it and a sentence the app may show.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AdaptationDto {
    /// `HH:MM` before the move.
    pub moved_from: String,
    /// `HH:MM` after the move (the current `local_time`).
    pub moved_to: String,
    /// `HH:MM`: the median local time of the patient's first log of the task per day.
    pub usual_time: String,
    /// How many of the last `window_days` days had the task logged.
    pub observed_days: u8,
    pub window_days: u8,
    /// Reminders go this many minutes before the usual time (further moves are limited
    /// to 2 hours a week, never before 07:00 or inside quiet hours).
    pub lead_minutes: u8,
    /// The patient's local date of the move.
    pub changed_on: NaiveDate,
    /// E.g. "Moved to 07:30: you usually stretch around 08:00."
    pub explanation: String,
}

impl Example for AdaptationDto {
    fn example() -> Self {
        Self {
            moved_from: "09:00".into(),
            moved_to: "07:30".into(),
            usual_time: "08:00".into(),
            observed_days: 12,
            window_days: 21,
            lead_minutes: 30,
            changed_on: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
            explanation: "Moved to 07:30: you usually stretch around 08:00.".into(),
        }
    }
}

fn activity_words(kind: ReminderKind) -> &'static str {
    match kind {
        ReminderKind::Exercises => "stretch",
        ReminderKind::CheckIn => "check in",
        ReminderKind::Lesson => "read your lessons",
        ReminderKind::Appointment24h | ReminderKind::Appointment2h | ReminderKind::PostSession => "act",
    }
}

impl Example for ReminderRuleDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000001001"),
            kind: ReminderKind::Exercises,
            local_time: "07:30".into(),
            session_offset_minutes: None,
            days_of_week: vec![1, 2, 3, 4, 5],
            enabled: true,
            timezone: "Europe/Berlin".into(),
            updated_at: "2026-11-30T08:20:00Z".parse().expect("RFC 3339 instant"),
            adapt_to_routine: Some(true),
            chosen_time: Some("09:00".into()),
            adaptation: Some(AdaptationDto::example()),
            backing_off_since: None,
        }
    }
}

impl From<RuleView> for ReminderRuleDto {
    fn from(view: RuleView) -> Self {
        let kind = ReminderKind::from(view.rule.kind);
        let a = view.adaptation;
        let moved = a.as_ref().and_then(|a| {
            let (from, to, median, days, on) =
                (a.moved_from?, a.moved_to?, a.median_minute?, a.observed_days?, a.changed_on?);
            Some(AdaptationDto {
                moved_from: format_minute(from),
                moved_to: format_minute(to),
                usual_time: format_minute(median),
                observed_days: u8::try_from(days).unwrap_or(u8::MAX),
                window_days: adaptive::WINDOW_DAYS as u8,
                lead_minutes: adaptive::LEAD_MINUTES as u8,
                changed_on: on,
                explanation: format!(
                    "Moved to {}: you usually {} around {}.",
                    format_minute(to),
                    activity_words(kind),
                    format_minute(median)
                ),
            })
        });
        let daily = kind.session_offset().is_none();
        Self {
            adapt_to_routine: daily.then(|| a.as_ref().is_some_and(|a| a.adapt)),
            chosen_time: daily.then(|| format_minute(a.as_ref().map_or(view.rule.local_minute, |a| a.chosen_minute))),
            adaptation: moved,
            backing_off_since: a.as_ref().and_then(|a| a.backoff_since),
            ..Self::from(view.rule)
        }
    }
}

impl From<reminder_rule::Model> for ReminderRuleDto {
    fn from(r: reminder_rule::Model) -> Self {
        Self {
            adapt_to_routine: None,
            chosen_time: None,
            adaptation: None,
            backing_off_since: None,
            id: r.id,
            kind: r.kind.into(),
            local_time: format_minute(r.local_minute),
            session_offset_minutes: ReminderKind::from(r.kind).session_offset().map(|(_, minutes)| minutes as i32),
            days_of_week: Weekdays::from_mask(r.days_mask).iso_days(),
            enabled: r.enabled,
            timezone: r.timezone,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct UpdateRuleRequest {
    /// `HH:MM`, 00:00–23:59.
    #[oai(nullable, validator(max_length = 5, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub local_time: Option<Text>,
    /// ISO weekdays 1–7, at least one.
    #[oai(nullable, validator(max_items = 7, min_items = 1, minimum(value = "1"), maximum(value = "7")))]
    pub days_of_week: Option<Vec<u8>>,
    #[oai(nullable)]
    pub enabled: Option<bool>,
    /// Daily kinds only: let the time follow your routine (`false` goes back to
    /// `chosen_time`). Setting `local_time` by hand makes it the chosen time, and
    /// adaptation then waits a week before moving it.
    #[oai(nullable)]
    pub adapt_to_routine: Option<bool>,
}

impl Example for UpdateRuleRequest {
    fn example() -> Self {
        Self {
            local_time: Some("18:30".into()),
            days_of_week: Some(vec![1, 3, 5]),
            enabled: Some(true),
            adapt_to_routine: Some(true),
        }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct QuietHoursDto {
    /// `HH:MM` local time when reminders stop.
    #[oai(validator(max_length = 5))]
    pub start: String,
    /// `HH:MM` local time when held reminders go out; may be earlier than `start`
    /// (the quiet hours then span midnight).
    #[oai(validator(max_length = 5))]
    pub end: String,
}

impl Example for QuietHoursDto {
    fn example() -> Self {
        Self { start: "22:00".into(), end: "07:00".into() }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ReminderPreferencesDto {
    /// No reminders arrive in this window; ones that fall due in it are held until it ends.
    pub quiet_hours: Option<QuietHoursDto>,
}

impl Example for ReminderPreferencesDto {
    fn example() -> Self {
        Self { quiet_hours: Some(QuietHoursDto::example()) }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct UpdatePreferencesRequest {
    /// `null` removes quiet hours.
    #[oai(nullable)]
    pub quiet_hours: Option<QuietHoursDto>,
}

impl Example for UpdatePreferencesRequest {
    fn example() -> Self {
        Self { quiet_hours: Some(QuietHoursDto::example()) }
    }
}

fn format_minute(m: i16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn parse_minute(field: &str, value: &str) -> Result<i16, ApiError> {
    let bad = || ApiError::invalid(field, "must be a local time HH:MM between 00:00 and 23:59");
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i16, i16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if (0..24).contains(&h) && (0..60).contains(&m) { Ok(h * 60 + m) } else { Err(bad()) }
}

impl TryFrom<UpdateRuleRequest> for RuleChanges {
    type Error = ApiError;
    fn try_from(body: UpdateRuleRequest) -> Result<Self, ApiError> {
        Ok(RuleChanges {
            local_minute: body.local_time.as_deref().map(|t| parse_minute("local_time", t)).transpose()?,
            days_mask: body
                .days_of_week
                .map(|days| {
                    Weekdays::from_iso(&days)
                        .map(Weekdays::mask)
                        .ok_or_else(|| ApiError::invalid("days_of_week", "needs at least one day, each 1–7"))
                })
                .transpose()?,
            enabled: body.enabled,
            adapt: body.adapt_to_routine,
        })
    }
}

impl From<RuleError> for ApiError {
    fn from(err: RuleError) -> Self {
        match err {
            RuleError::NotFound => ApiError::not_found("reminder rule"),
            RuleError::NotAdaptable => {
                ApiError::invalid("adapt_to_routine", "only exercise, check-in and lesson reminders adapt")
            }
            RuleError::Db(e) => e.into(),
        }
    }
}

pub struct RemindersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reminders")]
impl RemindersApi {
    /// Your reminder rules: one per kind, with its local time and days.
    #[oai(path = "/me/reminder-rules", method = "get", operation_id = "list_my_reminder_rules")]
    async fn list_my_reminder_rules(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<ReminderRuleDto>>, ApiError> {
        let rules = reminder_rules::list(&state.db, state.now(), (&auth.0).into()).await?;
        Ok(Json(rules.into_iter().map(Into::into).collect()))
    }

    /// Change when one of your reminders comes, or turn it off.
    #[oai(path = "/me/reminder-rules/:id", method = "patch", operation_id = "update_my_reminder_rule")]
    async fn update_my_reminder_rule(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
        body: Json<UpdateRuleRequest>,
    ) -> Result<Json<ReminderRuleDto>, ApiError> {
        let changes = RuleChanges::try_from(body.0)?;
        let rule = reminder_rules::update(&state.db, state.now(), (&auth.0).into(), id.0, changes).await?;
        Ok(Json(rule.into()))
    }

    /// A patient's reminder rules, for their therapist.
    #[oai(path = "/patients/:id/reminder-rules", method = "get", operation_id = "list_patient_reminder_rules")]
    async fn list_patient_reminder_rules(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<ReminderRuleDto>>, ApiError> {
        let patient = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let rules = reminder_rules::list(&state.db, state.now(), patient.scope()).await?;
        Ok(Json(rules.into_iter().map(Into::into).collect()))
    }

    /// Change one of a patient's reminder rules.
    #[oai(
        path = "/patients/:id/reminder-rules/:item_id",
        method = "patch",
        operation_id = "update_patient_reminder_rule"
    )]
    async fn update_patient_reminder_rule(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        item_id: Path<Uuid>,
        body: Json<UpdateRuleRequest>,
    ) -> Result<Json<ReminderRuleDto>, ApiError> {
        let changes = RuleChanges::try_from(body.0)?;
        let patient = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let rule = reminder_rules::update(&state.db, state.now(), patient.scope(), item_id.0, changes).await?;
        audit::record(&state.db, state.now(), Event::by(&auth.0, AuditAction::ReminderRuleUpdate).patient(patient.id))
            .await?;
        Ok(Json(rule.into()))
    }

    /// Your quiet hours.
    #[oai(path = "/me/reminder-preferences", method = "get", operation_id = "get_reminder_preferences")]
    async fn get_reminder_preferences(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
    ) -> Result<Json<ReminderPreferencesDto>, ApiError> {
        let quiet = reminder_preferences::quiet_hours(&state.db, auth.0.user()).await?;
        Ok(Json(ReminderPreferencesDto {
            quiet_hours: quiet.map(|(s, e)| QuietHoursDto { start: format_minute(s), end: format_minute(e) }),
        }))
    }

    /// Set or clear your quiet hours (local time; may span midnight).
    #[oai(path = "/me/reminder-preferences", method = "put", operation_id = "update_reminder_preferences")]
    async fn update_reminder_preferences(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        body: Json<UpdatePreferencesRequest>,
    ) -> Result<Json<ReminderPreferencesDto>, ApiError> {
        let quiet = match &body.quiet_hours {
            Some(q) => {
                let (start, end) =
                    (parse_minute("quiet_hours.start", &q.start)?, parse_minute("quiet_hours.end", &q.end)?);
                if start == end {
                    return Err(ApiError::invalid("quiet_hours.end", "must differ from start"));
                }
                Some((start, end))
            }
            None => None,
        };
        reminder_preferences::set_quiet_hours(&state.db, state.now(), auth.0.user(), quiet).await?;
        Ok(Json(ReminderPreferencesDto {
            quiet_hours: quiet.map(|(s, e)| QuietHoursDto { start: format_minute(s), end: format_minute(e) }),
        }))
    }
}
