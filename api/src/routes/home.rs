//! `/api/v1/me/...` for patients: today's plan, logging, lessons, sync and adherence.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{exercise_log, lesson_completion};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use sea_orm::EntityTrait;
use uuid::{Uuid, uuid};

use super::{
    ApiTags,
    appointments::AppointmentDto,
    check_ins::CheckInDto,
    date_range::DateRange,
    decode_cursor,
    exercises::ExerciseDto,
    into_page,
    lessons::{LessonDto, questions_of},
    measures::MyMeasureDto,
    page_limit,
    text::Text,
};
use crate::{
    auth::{PatientAuth, Principal},
    content::Side,
    error::{ApiError, ErrorBody},
    services::{
        adherence, appointments,
        audit::{self, Event},
        care_plans::{AssignedLesson, PlanView, PrescribedExercise},
        check_ins,
        exercise_logs::{self, CompletionInput, LogInput, Stored},
        library, local_date, measures, patients, sync, today,
    },
    state::AppState,
};

/// Device clocks may run ahead of the server by this much before a log is "in the future".
const CLOCK_SKEW: Duration = Duration::minutes(5);

#[derive(Debug, Object)]
#[oai(example)]
pub struct PlanRef {
    pub id: Uuid,
    pub title: String,
    pub version: i32,
}

impl Example for PlanRef {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000201"),
            title: "Desk-day neck and upper back".into(),
            version: 4,
        }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct TodayExerciseDto {
    pub prescription: PrescribedExercise,
    pub summary: String,
    pub steps: Vec<String>,
    pub cautions: Vec<String>,
    /// Times done today (logs), at most `times_per_day`.
    pub done: i64,
    pub remaining: i64,
}

impl Example for TodayExerciseDto {
    fn example() -> Self {
        Self {
            prescription: PrescribedExercise {
                plan_exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"),
                exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
                title: "Chin tucks".into(),
                sets: 2,
                reps: 10,
                hold_seconds: 5,
                side: Side::None,
                times_per_day: 2,
                days_of_week: vec![1, 2, 3, 4, 5],
                rest_seconds: 30,
                notes: Some("Keep the eyes level; stop if you feel tingling in the arm".into()),
                position: 0,
            },
            summary: "Glide the head straight back to ease a stiff neck after screen work.".into(),
            steps: vec![
                "Sit tall with your shoulders relaxed.".into(),
                "Slide your chin straight back, as if making a double chin.".into(),
                "Hold, then let the head glide forward again.".into(),
            ],
            cautions: vec!["Stop if you feel tingling or numbness in the arm.".into()],
            done: 1,
            remaining: 1,
        }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct TodayLessonDto {
    pub lesson: AssignedLesson,
    pub completed: bool,
}

impl Example for TodayLessonDto {
    fn example() -> Self {
        Self {
            lesson: AssignedLesson {
                plan_lesson_id: uuid!("0193a5b2-4c00-7000-8000-000000000601"),
                lesson_id: uuid!("0193a5b2-4c00-7000-8000-000000000501"),
                title: "Setting up your desk for a quieter neck".into(),
                minutes: 4,
                unlock_date: "2026-11-30".parse().expect("ISO date"),
            },
            completed: false,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct TodayDto {
    /// The local date shown, in `timezone`.
    pub date: NaiveDate,
    pub timezone: String,
    pub plan: Option<PlanRef>,
    pub exercises: Vec<TodayExerciseDto>,
    /// Lessons open on this date.
    pub lessons: Vec<TodayLessonDto>,
    /// Whether you have checked in (pain / stress) on this date.
    pub check_in_done: bool,
    /// Outcome measures to answer on this date.
    pub measures_due: Vec<MyMeasureDto>,
    /// Your next in-clinic session, if one is scheduled.
    pub next_appointment: Option<AppointmentDto>,
}

impl Example for TodayDto {
    fn example() -> Self {
        Self {
            date: "2026-11-30".parse().expect("ISO date"),
            timezone: "Europe/Berlin".into(),
            plan: Some(PlanRef::example()),
            exercises: vec![TodayExerciseDto::example()],
            lessons: vec![TodayLessonDto::example()],
            check_in_done: true,
            measures_due: vec![MyMeasureDto::example()],
            next_appointment: Some(AppointmentDto::example()),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ExerciseLogInput {
    /// Generated by the app; sending the same id again never creates a second record.
    pub id: Uuid,
    pub plan_exercise_id: Uuid,
    /// When it was done, by the device clock.
    pub performed_at: DateTime<Utc>,
    /// The patient's local date when it was done.
    pub local_date: NaiveDate,
    #[oai(nullable)]
    pub sets_done: Option<i16>,
    /// Pain during the exercise, 0–10.
    #[oai(nullable)]
    pub pain_during: Option<i16>,
    /// 1 (easy) – 5 (very hard).
    #[oai(nullable)]
    pub difficulty: Option<i16>,
    #[oai(nullable, validator(max_length = 2000))]
    pub note: Option<Text>,
}

impl Example for ExerciseLogInput {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000a01"),
            plan_exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"),
            performed_at: "2026-11-30T07:40:00Z".parse().expect("RFC 3339 instant"),
            local_date: "2026-11-30".parse().expect("ISO date"),
            sets_done: Some(2),
            pain_during: Some(3),
            difficulty: Some(2),
            note: Some("Easier than yesterday; the left side still pulls a little".into()),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ExerciseLogBatch {
    /// 1–100 logs.
    #[oai(validator(min_items = 1, max_items = 100))]
    pub items: Vec<ExerciseLogInput>,
}

impl Example for ExerciseLogBatch {
    fn example() -> Self {
        Self { items: vec![ExerciseLogInput::example()] }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ExerciseLogDto {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub performed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub sets_done: Option<i16>,
    pub pain_during: Option<i16>,
    pub difficulty: Option<i16>,
    pub note: Option<String>,
    /// The exercise was no longer in the running plan when this was logged.
    pub off_plan: bool,
    pub created_at: DateTime<Utc>,
}

impl Example for ExerciseLogDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000a01"),
            plan_id: uuid!("0193a5b2-4c00-7000-8000-000000000201"),
            plan_exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"),
            exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
            performed_at: "2026-11-30T07:40:00Z".parse().expect("RFC 3339 instant"),
            local_date: "2026-11-30".parse().expect("ISO date"),
            sets_done: Some(2),
            pain_during: Some(3),
            difficulty: Some(2),
            note: Some("Easier than yesterday; the left side still pulls a little".into()),
            off_plan: false,
            created_at: "2026-11-30T07:41:12Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<exercise_log::Model> for ExerciseLogDto {
    fn from(l: exercise_log::Model) -> Self {
        Self {
            id: l.id,
            plan_id: l.plan_id,
            plan_exercise_id: l.plan_exercise_id,
            exercise_id: l.exercise_id,
            performed_at: l.performed_at,
            local_date: l.local_date,
            sets_done: l.sets_done,
            pain_during: l.pain_during,
            difficulty: l.difficulty,
            note: l.note,
            off_plan: l.off_plan,
            created_at: l.created_at,
        }
    }
}

/// The outcome of one item of a batch.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExerciseLogResult {
    pub id: Uuid,
    /// 201 stored now, 200 already stored with the same body, 409 same id with another
    /// body, 404 unknown plan exercise, 422 invalid values.
    pub status: u16,
    pub log: Option<ExerciseLogDto>,
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct ExerciseLogBatchResult {
    pub results: Vec<ExerciseLogResult>,
}

impl Example for ExerciseLogBatchResult {
    fn example() -> Self {
        let log = ExerciseLogDto::example();
        Self { results: vec![ExerciseLogResult { id: log.id, status: 201, log: Some(log), error: None }] }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExerciseLogPage {
    pub items: Vec<ExerciseLogDto>,
    pub next_cursor: Option<String>,
}

/// A lesson as the patient sees it: the questions without their answers.
#[derive(Debug, Object)]
pub struct PatientLessonDto {
    pub id: Uuid,
    pub title: String,
    pub minutes: i16,
    /// Markdown.
    pub body: String,
    pub questions: Vec<PatientQuestionDto>,
}

#[derive(Debug, Object)]
pub struct PatientQuestionDto {
    pub prompt: String,
    pub options: Vec<String>,
}

impl From<LessonDto> for PatientLessonDto {
    fn from(l: LessonDto) -> Self {
        Self {
            id: l.id,
            title: l.title,
            minutes: l.minutes,
            body: l.body,
            questions: l
                .questions
                .into_iter()
                .map(|q| PatientQuestionDto {
                    prompt: q.prompt.into(),
                    options: q.options.into_iter().map(Text::into_string).collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CompletionRequest {
    /// Generated by the app, for safe retries.
    pub id: Uuid,
    pub completed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    /// The chosen option index for each question, in order.
    #[oai(validator(max_items = 3))]
    pub answers: Vec<u8>,
}

impl Example for CompletionRequest {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000b01"),
            completed_at: "2026-11-30T19:05:00Z".parse().expect("RFC 3339 instant"),
            local_date: "2026-11-30".parse().expect("ISO date"),
            answers: vec![1],
        }
    }
}

#[derive(Debug, Object)]
pub struct AnswerFeedback {
    pub correct: bool,
    pub correct_option: u8,
    pub explanation: String,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct CompletionDto {
    pub id: Uuid,
    pub lesson_id: Uuid,
    pub completed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub correct_count: i16,
    pub feedback: Vec<AnswerFeedback>,
}

impl Example for CompletionDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000b01"),
            lesson_id: uuid!("0193a5b2-4c00-7000-8000-000000000501"),
            completed_at: "2026-11-30T19:05:00Z".parse().expect("RFC 3339 instant"),
            local_date: "2026-11-30".parse().expect("ISO date"),
            correct_count: 1,
            feedback: vec![AnswerFeedback {
                correct: true,
                correct_option: 1,
                explanation: "Looking slightly down keeps the neck long without craning forward.".into(),
            }],
        }
    }
}

#[derive(ApiResponse)]
pub enum CompletionStored {
    /// Recorded now.
    #[oai(status = 201)]
    Created(Json<CompletionDto>),
    /// Already recorded with the same answers (a retry).
    #[oai(status = 200)]
    Replayed(Json<CompletionDto>),
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SyncDto {
    /// The newest plan, when it changed since the cursor (always on a first sync).
    pub plan: Option<PlanView>,
    /// Library exercises used by that plan.
    pub exercises: Vec<ExerciseDto>,
    /// Lessons assigned in that plan, without answers.
    pub lessons: Vec<PatientLessonDto>,
    pub exercise_logs: Vec<ExerciseLogDto>,
    pub lesson_completions: Vec<CompletionSummary>,
    /// Check-ins created, corrected or withdrawn (`deleted_at` set) since the cursor.
    pub check_ins: Vec<CheckInDto>,
    /// Pass as `since` next time.
    pub next_cursor: String,
}

#[derive(Debug, Object)]
pub struct CompletionSummary {
    pub id: Uuid,
    pub lesson_id: Uuid,
    pub completed_at: DateTime<Utc>,
    pub local_date: NaiveDate,
    pub correct_count: i16,
}

impl From<lesson_completion::Model> for CompletionSummary {
    fn from(c: lesson_completion::Model) -> Self {
        Self {
            id: c.id,
            lesson_id: c.lesson_id,
            completed_at: c.completed_at,
            local_date: c.local_date,
            correct_count: c.correct_count,
        }
    }
}

#[derive(Debug, Object)]
pub struct DayAdherenceDto {
    pub date: NaiveDate,
    pub prescribed: i64,
    pub done: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ExerciseAdherenceDto {
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub title: String,
    pub prescribed: i64,
    pub done: i64,
    pub percent: Option<f64>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct AdherenceDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Prescribed exercise sessions in the range.
    pub prescribed: i64,
    /// Done, counting at most the prescribed number per exercise and day.
    pub done: i64,
    /// done / prescribed × 100, one decimal; absent when nothing was prescribed.
    pub percent: Option<f64>,
    /// Days in a row, back from `to`, with everything prescribed done.
    pub streak_days: i64,
    pub days: Vec<DayAdherenceDto>,
    pub exercises: Vec<ExerciseAdherenceDto>,
}

impl Example for AdherenceDto {
    fn example() -> Self {
        Self {
            from: "2026-11-27".parse().expect("ISO date"),
            to: "2026-11-30".parse().expect("ISO date"),
            prescribed: 4,
            done: 3,
            percent: Some(75.0),
            streak_days: 0,
            days: vec![
                DayAdherenceDto { date: "2026-11-27".parse().expect("ISO date"), prescribed: 2, done: 2 },
                DayAdherenceDto { date: "2026-11-28".parse().expect("ISO date"), prescribed: 0, done: 0 },
                DayAdherenceDto { date: "2026-11-29".parse().expect("ISO date"), prescribed: 0, done: 0 },
                DayAdherenceDto { date: "2026-11-30".parse().expect("ISO date"), prescribed: 2, done: 1 },
            ],
            exercises: vec![ExerciseAdherenceDto {
                plan_exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000301"),
                exercise_id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
                title: "Chin tucks".into(),
                prescribed: 4,
                done: 3,
                percent: Some(75.0),
            }],
        }
    }
}

impl AdherenceDto {
    pub fn new(a: adherence::Adherence, from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from,
            to,
            prescribed: a.prescribed,
            done: a.done,
            percent: adherence::percent(a.done, a.prescribed),
            streak_days: a.streak_days,
            days: a
                .days
                .into_iter()
                .map(|d| DayAdherenceDto { date: d.date, prescribed: d.prescribed, done: d.done })
                .collect(),
            exercises: a
                .exercises
                .into_iter()
                .map(|e| ExerciseAdherenceDto {
                    percent: adherence::percent(e.done, e.prescribed),
                    plan_exercise_id: e.plan_exercise_id,
                    exercise_id: e.exercise_id,
                    title: e.title,
                    prescribed: e.prescribed,
                    done: e.done,
                })
                .collect(),
        }
    }
}

fn check_item(item: &ExerciseLogInput, now: DateTime<Utc>) -> Result<LogInput, (&'static str, &'static str)> {
    if item.performed_at > now + CLOCK_SKEW {
        return Err(("performed_at", "is in the future"));
    }
    // The device's local date must be the instant's date in some real UTC offset.
    let utc_date = item.performed_at.date_naive();
    if (item.local_date - utc_date).num_days().abs() > 1 {
        return Err(("local_date", "does not match performed_at"));
    }
    let in_range = |v: Option<i16>, min, max| v.is_none_or(|v| (min..=max).contains(&v));
    if !in_range(item.pain_during, 0, 10) {
        return Err(("pain_during", "must be 0–10"));
    }
    if !in_range(item.difficulty, 1, 5) {
        return Err(("difficulty", "must be 1–5"));
    }
    if !in_range(item.sets_done, 0, 50) {
        return Err(("sets_done", "must be 0–50"));
    }
    Ok(LogInput {
        id: item.id,
        plan_exercise_id: item.plan_exercise_id,
        performed_at: item.performed_at,
        local_date: item.local_date,
        sets_done: item.sets_done,
        pain_during: item.pain_during,
        difficulty: item.difficulty,
        note: item.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
    })
}

fn item_error(code: &str, message: &str) -> Option<ErrorBody> {
    Some(ErrorBody::new(code, message))
}

fn encode_since(at: DateTime<Utc>) -> String {
    URL_SAFE_NO_PAD.encode(at.timestamp_micros().to_be_bytes())
}

fn decode_since(cursor: &str) -> Option<DateTime<Utc>> {
    let bytes: [u8; 8] = URL_SAFE_NO_PAD.decode(cursor).ok()?.try_into().ok()?;
    DateTime::from_timestamp_micros(i64::from_be_bytes(bytes))
}

pub struct HomeApi;

#[OpenApi(prefix_path = "/api/v1/me", tag = "ApiTags::Home")]
impl HomeApi {
    /// Today's exercises with dosage and progress, and the lessons open today.
    #[oai(path = "/today", method = "get", operation_id = "get_today")]
    async fn get_today(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        /// A local date (default: today in your time zone).
        date: Query<Option<NaiveDate>>,
    ) -> Result<Json<TodayDto>, ApiError> {
        let who = &auth.0;
        let tz = who.timezone();
        let now = state.now();
        let date = date.0.unwrap_or_else(|| local_date(now, tz));
        let patient_id = who.patient_id.unwrap_or_default();
        let t = today::today(&state.db, patient_id, date).await?;
        let record = patients::own_record(&state.db, patient_id).await?;
        let check_in_done = check_ins::done_on(&state.db, patient_id, date).await?;
        let measures_due = measures::for_day(&state.db, &record, date).await?.into_iter().filter(|m| m.due);
        let next_appointment = appointments::upcoming(&state.db, patient_id, now, 1).await?.pop();
        state.audit.read(Event::by(who, "home.today_read").patient(patient_id).at(now)).await?;
        Ok(Json(TodayDto {
            date,
            timezone: tz.name().to_owned(),
            plan: t.plan.map(|p| PlanRef { id: p.id, title: p.title, version: p.version }),
            exercises: t
                .exercises
                .into_iter()
                .map(|e| {
                    // No library row (it was deleted) shows the prescription alone; a row
                    // whose content does not decode is an error.
                    let content = e.exercise.as_ref().map(library::exercise_content).transpose()?;
                    Ok(TodayExerciseDto {
                        summary: content.as_ref().map(|c| c.summary.clone()).unwrap_or_default(),
                        steps: content.as_ref().map(|c| c.steps.clone()).unwrap_or_default(),
                        cautions: content.map(|c| c.cautions).unwrap_or_default(),
                        remaining: i64::from(e.prescribed.times_per_day) - e.done,
                        done: e.done,
                        prescription: e.prescribed,
                    })
                })
                .collect::<Result<_, sea_orm::DbErr>>()?,
            lessons: t
                .lessons
                .into_iter()
                .map(|l| TodayLessonDto { lesson: l.assigned, completed: l.completed })
                .collect(),
            check_in_done,
            measures_due: measures_due.map(Into::into).collect(),
            next_appointment: next_appointment.map(Into::into),
        }))
    }

    /// Your active care plan.
    #[oai(path = "/plan", method = "get", operation_id = "get_my_plan")]
    async fn get_my_plan(&self, state: Data<&AppState>, auth: PatientAuth) -> Result<Json<PlanView>, ApiError> {
        let patient_id = auth.0.patient_id.unwrap_or_default();
        let plan =
            today::active_plan(&state.db, patient_id).await?.ok_or_else(|| ApiError::not_found("active care plan"))?;
        state.audit.read(Event::by(&auth.0, "care_plan.read").patient(patient_id).at(state.now())).await?;
        Ok(Json(plan))
    }

    /// Record exercises done: 1–100 logs, each answered on its own; safe to resend.
    #[oai(path = "/exercise-logs", method = "post", operation_id = "create_exercise_logs")]
    async fn create_exercise_logs(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        body: Json<ExerciseLogBatch>,
    ) -> Result<Json<ExerciseLogBatchResult>, ApiError> {
        let now = state.now();
        let mut checked = Vec::with_capacity(body.items.len());
        let mut results: Vec<Option<ExerciseLogResult>> = Vec::with_capacity(body.items.len());
        for item in &body.items {
            match check_item(item, now) {
                Ok(input) => {
                    checked.push(input);
                    results.push(None);
                }
                Err((field, problem)) => {
                    let mut error = ErrorBody::new("validation_failed", format!("{field}: {problem}"));
                    error.details.push(crate::error::ErrorDetail { field: field.into(), problem: problem.into() });
                    results.push(Some(ExerciseLogResult { id: item.id, status: 422, log: None, error: Some(error) }));
                }
            }
        }
        let ids: Vec<Uuid> = checked.iter().map(|c| c.id).collect();
        let batch = exercise_logs::prepare(&state.db, now, &auth.0, checked).await?;
        let stored =
            state.writer.write(batch, move |txn, batch| Box::pin(exercise_logs::record(txn, now, batch))).await?;
        let mut stored = stored.into_iter().zip(ids);
        let results = results
            .into_iter()
            .map(|slot| match slot {
                Some(done) => done,
                None => {
                    let (outcome, id) = stored.next().expect("one outcome per checked item");
                    match outcome {
                        Stored::Created(row) => {
                            ExerciseLogResult { id, status: 201, log: Some(row.into()), error: None }
                        }
                        Stored::Replayed(row) => {
                            ExerciseLogResult { id, status: 200, log: Some(row.into()), error: None }
                        }
                        Stored::Conflict => ExerciseLogResult {
                            id,
                            status: 409,
                            log: None,
                            error: item_error("conflict", "this id was already used for a different log"),
                        },
                        Stored::NotFound => ExerciseLogResult {
                            id,
                            status: 404,
                            log: None,
                            error: item_error("not_found", "plan exercise not found"),
                        },
                    }
                }
            })
            .collect();
        Ok(Json(ExerciseLogBatchResult { results }))
    }

    /// Your exercise logs by local date range (default: the last 7 days).
    #[oai(path = "/exercise-logs", method = "get", operation_id = "list_my_exercise_logs")]
    async fn list_my_exercise_logs(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<ExerciseLogPage>, ApiError> {
        let now = state.now();
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, local_date(now, auth.0.timezone()))?;
        let limit = page_limit(limit.0);
        let patient_id = auth.0.patient_id.unwrap_or_default();
        let rows = exercise_logs::list(&state.db, patient_id, from, to, decode_cursor(cursor.0.as_deref())?, limit + 1)
            .await?;
        let (rows, next_cursor) = into_page(rows, limit, |r| r.id);
        state.audit.read(Event::by(&auth.0, "exercise_log.read").patient(patient_id).at(now)).await?;
        Ok(Json(ExerciseLogPage { items: rows.into_iter().map(Into::into).collect(), next_cursor }))
    }

    /// Read a lesson assigned to you (once it is unlocked).
    #[oai(path = "/lessons/:id", method = "get", operation_id = "get_my_lesson")]
    async fn get_my_lesson(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
    ) -> Result<Json<PatientLessonDto>, ApiError> {
        let lesson = open_lesson(&state, &auth.0, id.0).await?;
        Ok(Json(LessonDto::new(lesson, false)?.into()))
    }

    /// Finish a lesson by answering its check questions; safe to resend.
    #[oai(path = "/lessons/:id/completions", method = "post", operation_id = "complete_lesson")]
    async fn complete_lesson(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        id: Path<Uuid>,
        body: Json<CompletionRequest>,
    ) -> Result<CompletionStored, ApiError> {
        let now = state.now();
        if body.completed_at > now + CLOCK_SKEW {
            return Err(ApiError::invalid("completed_at", "is in the future"));
        }
        let lesson = open_lesson(&state, &auth.0, id.0).await?;
        let questions = questions_of(&lesson)?;
        if body.answers.len() != questions.len() {
            return Err(ApiError::invalid("answers", format!("expected {} answers", questions.len())));
        }
        if body.answers.iter().zip(&questions).any(|(a, q)| usize::from(*a) >= q.options.len()) {
            return Err(ApiError::invalid("answers", "an answer is not one of the options"));
        }
        let feedback: Vec<AnswerFeedback> = body
            .answers
            .iter()
            .zip(&questions)
            .map(|(a, q)| AnswerFeedback {
                correct: *a == q.correct,
                correct_option: q.correct,
                explanation: q.explanation.to_string(),
            })
            .collect();
        let input = CompletionInput {
            id: body.id,
            lesson_id: lesson.id,
            completed_at: body.completed_at,
            local_date: body.local_date,
            answers: body.answers.clone(),
            correct_count: feedback.iter().filter(|f| f.correct).count() as i16,
        };
        let dto = |row: lesson_completion::Model, feedback| CompletionDto {
            id: row.id,
            lesson_id: row.lesson_id,
            completed_at: row.completed_at,
            local_date: row.local_date,
            correct_count: row.correct_count,
            feedback,
        };
        match exercise_logs::record_completion(&state.db, now, &auth.0, input).await? {
            Stored::Created(row) => Ok(CompletionStored::Created(Json(dto(row, feedback)))),
            Stored::Replayed(row) => Ok(CompletionStored::Replayed(Json(dto(row, feedback)))),
            Stored::Conflict => Err(ApiError::conflict("this id was already used for a different completion")),
            Stored::NotFound => Err(ApiError::not_found("lesson")),
        }
    }

    /// Everything that changed since `since` (omit it for a first, full sync).
    #[oai(path = "/sync", method = "get", operation_id = "sync_home")]
    async fn sync_home(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        /// `next_cursor` of the previous sync.
        since: Query<Option<String>>,
    ) -> Result<Json<SyncDto>, ApiError> {
        let since = since
            .0
            .as_deref()
            .map(|c| decode_since(c).ok_or_else(|| ApiError::invalid("since", "is not a cursor from this API")))
            .transpose()?;
        let now = state.now();
        let patient_id = auth.0.patient_id.unwrap_or_default();
        let changes = sync::changes(&state.db, patient_id, since, now).await?;
        audit::record(&state.db, now, Event::by(&auth.0, "home.sync").patient(patient_id)).await?;
        Ok(Json(SyncDto {
            plan: changes.plan,
            exercises: changes.exercises.into_iter().map(|e| ExerciseDto::new(e, false)).collect::<Result<_, _>>()?,
            lessons: changes
                .lessons
                .into_iter()
                .map(|l| LessonDto::new(l, false).map(Into::into))
                .collect::<Result<_, _>>()?,
            exercise_logs: changes.logs.into_iter().map(Into::into).collect(),
            lesson_completions: changes.completions.into_iter().map(Into::into).collect(),
            check_ins: changes.check_ins.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
            next_cursor: encode_since(changes.cursor),
        }))
    }

    /// Your adherence over a local date range (default: the last 7 days).
    #[oai(path = "/adherence", method = "get", operation_id = "get_my_adherence")]
    async fn get_my_adherence(
        &self,
        state: Data<&AppState>,
        auth: PatientAuth,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<AdherenceDto>, ApiError> {
        let tz = auth.0.timezone();
        let now = state.now();
        let today = local_date(now, tz);
        let DateRange { from, to } = DateRange::from_query(from.0, to.0, today)?;
        let patient_id = auth.0.patient_id.unwrap_or_default();
        let a = adherence::for_patient(&state.db, patient_id, from, to, today, tz).await?;
        state.audit.read(Event::by(&auth.0, "adherence.read").patient(patient_id).at(now)).await?;
        Ok(Json(AdherenceDto::new(a, from, to)))
    }
}

/// A lesson of the patient's active plan that is unlocked today.
async fn open_lesson(state: &AppState, who: &Principal, lesson_id: Uuid) -> Result<entity::lesson::Model, ApiError> {
    let patient_id = who.patient_id.unwrap_or_default();
    let today = local_date(state.now(), who.timezone());
    let plan = today::active_plan(&state.db, patient_id).await?;
    let assigned = plan.is_some_and(|p| p.lessons.iter().any(|l| l.lesson_id == lesson_id && l.unlock_date <= today));
    if !assigned {
        return Err(ApiError::not_found("lesson"));
    }
    let row = entity::lesson::Entity::find_by_id(lesson_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found("lesson"))?;
    audit::record(
        &state.db,
        state.now(),
        Event::by(who, "lesson.read").patient(patient_id).resource(format!("lesson:{lesson_id}")),
    )
    .await?;
    Ok(row)
}
