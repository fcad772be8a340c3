//! Outcome measures: the instrument registry and schedules per patient, for therapists.
//! Patients see and answer theirs through `routes::my_measures`.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, measure_schedule};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent, text::Text};
use crate::{
    auth::{AdminAuth, TherapistAuth},
    clinical::instruments::{self, Instrument, Items, LicensedItem},
    error::ApiError,
    services::{
        audit::Event,
        local_date,
        measures::{self, LicensedTextInput, MeasureError, NewSchedule},
        patient_timezone, patients,
    },
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct InstrumentDto {
    /// Use this id to schedule and answer it.
    pub id: String,
    pub name: String,
    pub instructions: String,
    /// Number of items; absent for `psfs`, whose items are the 3–5 chosen activities.
    pub item_count: Option<u32>,
    pub item_min: u8,
    pub item_max: u8,
    pub score_min: f64,
    pub score_max: f64,
    pub higher_is_worse: bool,
    /// Minimal clinically important difference in points, where established.
    pub mcid_points: Option<f64>,
    /// … or an improvement of this percent of the baseline score (counts only for an
    /// improvement from a baseline of at least `mcid_percent_min_baseline`).
    pub mcid_percent: Option<f64>,
    pub mcid_percent_min_baseline: Option<f64>,
    pub loinc: Option<String>,
    /// `free`, or `text_licensed` (scoring only until a clinic supplies the text).
    pub licence: String,
    /// Whether your clinic can schedule it.
    pub enabled: bool,
}

impl Example for InstrumentDto {
    fn example() -> Self {
        Self::new(&instruments::PEG, true)
    }
}

impl InstrumentDto {
    fn new(i: &Instrument, enabled: bool) -> Self {
        Self {
            id: i.id.to_owned(),
            name: i.name.to_owned(),
            instructions: i.instructions.to_owned(),
            item_count: match i.items {
                Items::PatientActivities { .. } => None,
                _ => Some(i.item_count(0) as u32),
            },
            item_min: i.item_min,
            item_max: i.item_max,
            score_min: i.score_min,
            score_max: i.score_max,
            higher_is_worse: i.higher_is_worse,
            mcid_points: i.mcid.and_then(|m| m.points),
            mcid_percent: i.mcid.and_then(|m| m.percent).map(|p| p.percent),
            mcid_percent_min_baseline: i.mcid.and_then(|m| m.percent).map(|p| p.min_baseline),
            loinc: i.loinc.map(str::to_owned),
            licence: measures::licence_name(i).to_owned(),
            enabled,
        }
    }
}

/// The licensed form as your licence gives it, so patients see it in its validated format.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct LicensedTextRequest {
    /// The form's instructions to the patient.
    #[oai(validator(max_length = 4000))]
    pub instructions: Text,
    /// The period the answers are about, e.g. "In the last month".
    #[oai(validator(max_length = 200))]
    pub recall_period: Text,
    /// One entry per item, in order.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub items: Vec<LicensedItemRequest>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LicensedItemRequest {
    #[oai(validator(max_length = 1000))]
    pub prompt: Text,
    /// One label per answer value, from `item_min` to `item_max` of the instrument, in order
    /// (e.g. five labels for answers 0–4); each at most 200 characters.
    #[oai(validator(min_items = 2, max_items = 11))]
    pub options: Vec<Text>,
}

impl Example for LicensedTextRequest {
    fn example() -> Self {
        // Placeholders: the real wording comes from the clinic's own licensed copy.
        let item = |n: u8| LicensedItemRequest {
            prompt: format!("Item {n} as worded in your licensed copy").as_str().into(),
            options: (0..=4).map(|v| format!("Label for answer {v}, as worded in your copy").as_str().into()).collect(),
        };
        Self {
            instructions: "The instructions as worded in your licensed copy.".into(),
            recall_period: "The recall period your licensed copy names".into(),
            items: (1..=4).map(item).collect(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ScheduleMeasureRequest {
    /// An instrument id from `GET /api/v1/instruments`.
    #[oai(validator(max_length = 32))]
    pub instrument: Text,
    /// How often it is due, in days (7 = weekly, 14 = every two weeks).
    #[oai(validator(minimum(value = "1"), maximum(value = "365")))]
    pub every_days: i64,
    /// First due date (default: today in the patient's time zone).
    #[oai(nullable)]
    pub starts_on: Option<NaiveDate>,
    /// For `psfs` only: the 3–5 activities chosen with the patient.
    #[oai(default, validator(max_items = 5))]
    pub activities: Vec<Text>,
}

impl Example for ScheduleMeasureRequest {
    fn example() -> Self {
        Self {
            instrument: "psfs".into(),
            every_days: 14,
            starts_on: Some("2026-12-01".parse().expect("ISO date")),
            activities: vec![
                "Turn head to check the blind spot".into(),
                "Work at the laptop for an hour".into(),
                "Carry two grocery bags home".into(),
            ],
        }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct MeasureScheduleDto {
    pub id: Uuid,
    pub instrument: String,
    pub every_days: i16,
    pub starts_on: NaiveDate,
    pub activities: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl Example for MeasureScheduleDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000e01"),
            instrument: "psfs".into(),
            every_days: 14,
            starts_on: "2026-12-01".parse().expect("ISO date"),
            activities: vec![
                "Turn head to check the blind spot".into(),
                "Work at the laptop for an hour".into(),
                "Carry two grocery bags home".into(),
            ],
            created_at: "2026-11-30T09:10:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<measure_schedule::Model> for MeasureScheduleDto {
    fn from(s: measure_schedule::Model) -> Self {
        Self {
            activities: s.activities.into_inner(),
            id: s.id,
            instrument: s.instrument.as_str().to_owned(),
            every_days: s.every_days,
            starts_on: s.starts_on,
            created_at: s.created_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum ScheduleCreated {
    /// Scheduled (a running schedule of the same instrument was replaced).
    #[oai(status = 201)]
    Created(Json<MeasureScheduleDto>),
}

impl From<MeasureError> for ApiError {
    fn from(err: MeasureError) -> Self {
        match err {
            MeasureError::PatientNotFound => ApiError::not_found("patient"),
            MeasureError::NotFound => ApiError::not_found("scheduled measure"),
            MeasureError::UnknownInstrument => ApiError::invalid("instrument", err.to_string()),
            MeasureError::NotEnabled => ApiError::invalid("instrument", err.to_string()),
            MeasureError::Invalid(problem) => ApiError::invalid("body", problem),
            MeasureError::Score(e) => ApiError::invalid("answers", e.to_string()),
            MeasureError::LicensedText(e) => ApiError::invalid("body", e.to_string()),
            MeasureError::Db(e) => e.into(),
        }
    }
}

pub struct MeasuresApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Measures")]
impl MeasuresApi {
    /// The outcome measures Fascia can score, and whether your clinic can use each.
    #[oai(path = "/instruments", method = "get", operation_id = "list_instruments")]
    async fn list_instruments(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
    ) -> Result<Json<Vec<InstrumentDto>>, ApiError> {
        let enabled = measures::licensed_enabled(&state.db, auth.0.clinic()).await?;
        Ok(Json(
            instruments::ALL
                .iter()
                .map(|i| InstrumentDto::new(i, i.enabled_by_default() || enabled.iter().any(|e| e.as_str() == i.id)))
                .collect(),
        ))
    }

    /// Switch on a licensed instrument for your clinic by supplying its licensed text: per item the prompt and every answer label, plus instructions and recall period (admins).
    #[oai(path = "/instruments/:id/licensed-text", method = "put", operation_id = "put_instrument_text")]
    async fn put_instrument_text(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<String>,
        body: Json<LicensedTextRequest>,
    ) -> Result<NoContent, ApiError> {
        if instruments::find(&id.0).is_none() {
            return Err(ApiError::not_found("instrument"));
        }
        if body.items.iter().flat_map(|i| &i.options).any(|o| o.chars().count() > 200) {
            return Err(ApiError::invalid("items", "each answer label must be at most 200 characters"));
        }
        let b = body.0;
        let input = LicensedTextInput {
            instructions: b.instructions.into(),
            recall_period: b.recall_period.into(),
            items: b
                .items
                .into_iter()
                .map(|i| LicensedItem { prompt: i.prompt.into(), options: strings(i.options) })
                .collect(),
        };
        measures::supply_licensed_text(&state.db, state.now(), &auth.0, &id.0, input).await?;
        Ok(NoContent::Done)
    }

    /// Schedule an outcome measure for a patient (replaces a running one of that instrument).
    #[oai(path = "/patients/:id/measures", method = "post", operation_id = "schedule_measure")]
    async fn schedule_measure(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<ScheduleMeasureRequest>,
    ) -> Result<ScheduleCreated, ApiError> {
        let now = state.now();
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let every_days = i16::try_from(body.every_days).unwrap_or(0);
        let starts_on = match body.starts_on {
            Some(d) => d,
            None => local_date(now, patient_timezone(&state.db, record.scope()).await?),
        };
        let new = NewSchedule {
            instrument: body.0.instrument.into(),
            every_days,
            starts_on,
            activities: strings(body.0.activities),
        };
        if new.activities.iter().any(|a| a.chars().count() > 200) {
            return Err(ApiError::invalid("activities", "each activity must be at most 200 characters"));
        }
        let row = measures::schedule(&state.db, now, &auth.0, &record, new).await?;
        Ok(ScheduleCreated::Created(Json(row.into())))
    }

    /// A patient's running measure schedules.
    #[oai(path = "/patients/:id/measures", method = "get", operation_id = "list_patient_measures")]
    async fn list_patient_measures(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<MeasureScheduleDto>>, ApiError> {
        let record = patients::find_visible(&state.db, &auth.0, id.0).await?;
        let rows = measures::running(&state.db, record.scope()).await?;
        state
            .audit
            .read(Event::by(&auth.0, AuditAction::MeasureScheduleRead).patient(record.id).at(state.now()))
            .await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Stop a measure schedule (answers given so far are kept).
    #[oai(path = "/patients/:id/measures/:item_id", method = "delete", operation_id = "end_patient_measure")]
    async fn end_patient_measure(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        /// The schedule's id.
        item_id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        measures::end(&state.db, state.now(), &auth.0, id.0, item_id.0).await?;
        Ok(NoContent::Done)
    }
}

fn strings(texts: Vec<Text>) -> Vec<String> {
    texts.into_iter().map(Text::into_string).collect()
}
