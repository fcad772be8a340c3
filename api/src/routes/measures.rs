//! Outcome measures: the instrument registry, schedules per patient (therapists), and
//! answering them (patients).

use chrono::{DateTime, NaiveDate, Utc};
use entity::{measure_response, measure_schedule};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent, text::Text};
use crate::{
    auth::{AdminAuth, PatientAuth, TherapistAuth},
    clinical::instruments::{self, Instrument, Items, LicensedItem},
    error::ApiError,
    services::{
        audit::Event,
        check_ins::CLOCK_SKEW,
        exercise_logs::Stored,
        local_date,
        measures::{self, LicensedTextInput, MeasureError, NewSchedule, ResponseInput},
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

impl TryFrom<measure_schedule::Model> for MeasureScheduleDto {
    type Error = sea_orm::DbErr;

    /// Fails only when the stored activities do not decode.
    fn try_from(s: measure_schedule::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            activities: measures::activities_of(&s)?,
            id: s.id,
            instrument: s.instrument,
            every_days: s.every_days,
            starts_on: s.starts_on,
            created_at: s.created_at,
        })
    }
}

/// One answer a patient can pick, with the label to show.
#[derive(Debug, Object)]
pub struct AnswerOptionDto {
    /// The number to send in `answers`.
    pub value: u8,
    pub label: String,
}

#[derive(Debug, Object)]
pub struct MeasureItemDto {
    pub prompt: String,
    /// The answers with their labels, for instruments that label each answer (show them
    /// as given); empty for 0–10 ratings, whose anchors are in the prompt.
    pub options: Vec<AnswerOptionDto>,
}

/// A measure as the patient answers it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct MyMeasureDto {
    pub instrument: String,
    pub name: String,
    /// The instructions to show (for licensed instruments, the clinic's licensed text).
    pub instructions: String,
    /// The period the answers are about, where the form names one.
    pub recall_period: Option<String>,
    /// One prompt per item; answer each with a whole number in `item_min`–`item_max`.
    pub prompts: Vec<String>,
    /// The same items with their answer labels.
    pub items: Vec<MeasureItemDto>,
    pub item_min: u8,
    pub item_max: u8,
    pub every_days: i16,
    /// Not yet answered in the current period.
    pub due: bool,
}

impl Example for MyMeasureDto {
    fn example() -> Self {
        let peg = &instruments::PEG;
        let prompts = match peg.items {
            Items::Prompts(prompts) => prompts.iter().map(|p| (*p).to_owned()).collect(),
            _ => Vec::new(),
        };
        Self {
            instrument: peg.id.to_owned(),
            name: peg.name.to_owned(),
            instructions: peg.instructions.to_owned(),
            recall_period: None,
            items: prompts.iter().map(|p: &String| MeasureItemDto { prompt: p.clone(), options: vec![] }).collect(),
            prompts,
            item_min: peg.item_min,
            item_max: peg.item_max,
            every_days: 7,
            due: true,
        }
    }
}

impl From<measures::ScheduledMeasure> for MyMeasureDto {
    fn from(m: measures::ScheduledMeasure) -> Self {
        let min = m.instrument.item_min;
        Self {
            instrument: m.instrument.id.to_owned(),
            name: m.instrument.name.to_owned(),
            prompts: m.form.items.iter().map(|i| i.prompt.clone()).collect(),
            items: m
                .form
                .items
                .into_iter()
                .map(|i| MeasureItemDto {
                    prompt: i.prompt,
                    options: (min..).zip(i.options).map(|(value, label)| AnswerOptionDto { value, label }).collect(),
                })
                .collect(),
            instructions: m.form.instructions,
            recall_period: m.form.recall_period,
            item_min: m.instrument.item_min,
            item_max: m.instrument.item_max,
            every_days: m.schedule.every_days,
            due: m.due,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MeasureResponseRequest {
    /// Generated by the app, for safe retries.
    pub id: Uuid,
    #[oai(validator(max_length = 32))]
    pub instrument: Text,
    pub recorded_at: DateTime<Utc>,
    /// One answer per prompt, in order; `null` for a skipped item.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub answers: Vec<Option<i64>>,
}

impl Example for MeasureResponseRequest {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000c01"),
            instrument: "peg".into(),
            recorded_at: "2026-11-30T19:10:00Z".parse().expect("RFC 3339 instant"),
            answers: vec![Some(5), Some(4), Some(5)],
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct MeasureResponseDto {
    pub id: Uuid,
    pub instrument: String,
    pub answers: Vec<Option<u8>>,
    /// Computed by the server from the answers.
    pub score: f64,
    pub recorded_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    /// The schedule this answered (absent for responses stored before it was recorded).
    pub schedule_id: Option<Uuid>,
    /// For `psfs`: the activities rated, in answer order.
    pub activities: Option<Vec<String>>,
}

impl Example for MeasureResponseDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000c01"),
            instrument: "peg".into(),
            answers: vec![Some(5), Some(4), Some(5)],
            score: 4.67,
            recorded_at: "2026-11-30T19:10:00Z".parse().expect("RFC 3339 instant"),
            local_date: "2026-11-30".parse().expect("ISO date"),
            schedule_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000b01")),
            activities: None,
        }
    }
}

impl TryFrom<measure_response::Model> for MeasureResponseDto {
    type Error = sea_orm::DbErr;

    fn try_from(r: measure_response::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            activities: measures::activities_of_response(&r)?,
            schedule_id: r.schedule_id,
            answers: crate::stored::decode("measure_response.answers", &r.answers)?,
            id: r.id,
            instrument: r.instrument,
            score: r.score,
            recorded_at: r.recorded_at,
            local_date: r.local_date,
        })
    }
}

#[derive(ApiResponse)]
pub enum ResponseStored {
    /// Scored and stored now.
    #[oai(status = 201)]
    Created(Json<MeasureResponseDto>),
    /// Already stored with the same answers (a retry).
    #[oai(status = 200)]
    Replayed(Json<MeasureResponseDto>),
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
        let enabled = measures::licensed_enabled(&state.db, auth.0.clinic_id).await?;
        Ok(Json(
            instruments::ALL
                .iter()
                .map(|i| InstrumentDto::new(i, i.enabled_by_default() || enabled.iter().any(|e| e == i.id)))
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
            None => local_date(now, patient_timezone(&state.db, record.id).await?),
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
        Ok(ScheduleCreated::Created(Json(row.try_into()?)))
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
        let rows = measures::running(&state.db, record.id).await?;
        state.audit.read(Event::by(&auth.0, "measure_schedule.read").patient(record.id).at(state.now())).await?;
        Ok(Json(rows.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?))
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

    /// The measures your therapist asked you to answer, with their questions and whether one is due today.
    #[oai(path = "/me/measures", method = "get", operation_id = "list_my_measures")]
    async fn list_my_measures(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
    ) -> Result<Json<Vec<MyMeasureDto>>, ApiError> {
        let now = state.now();
        let patient_id = auth.0.patient_id.uuid();
        let record = patients::own_record(&state.db, patient_id).await?;
        let list = measures::for_day(&state.db, &record, local_date(now, auth.0.timezone())).await?;
        state.audit.read(Event::by(&auth.0, "measure_schedule.read").patient(patient_id).at(now)).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Answer a measure; the server scores it. Safe to resend.
    #[oai(path = "/me/measure-responses", method = "post", operation_id = "create_measure_response")]
    async fn create_measure_response(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: Json<MeasureResponseRequest>,
    ) -> Result<ResponseStored, ApiError> {
        let now = state.now();
        if body.recorded_at > now + CLOCK_SKEW {
            return Err(ApiError::invalid("recorded_at", "is in the future"));
        }
        let answers = body
            .answers
            .iter()
            .map(|a| {
                a.map(|v| u8::try_from(v).map_err(|_| ApiError::invalid("answers", "answers are small whole numbers")))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let input = ResponseInput {
            id: body.id,
            instrument: body.0.instrument.into(),
            recorded_at: body.0.recorded_at,
            answers,
        };
        match measures::respond(&state.db, now, &auth.0, auth.0.timezone(), input).await? {
            Stored::Created(row) => Ok(ResponseStored::Created(Json(row.try_into()?))),
            Stored::Replayed(row) => Ok(ResponseStored::Replayed(Json(row.try_into()?))),
            Stored::Conflict | Stored::NotFound => {
                Err(ApiError::conflict("this id was already used for a different response"))
            }
        }
    }
}

fn strings(texts: Vec<Text>) -> Vec<String> {
    texts.into_iter().map(Text::into_string).collect()
}
