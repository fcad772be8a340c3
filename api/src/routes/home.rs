//! `/api/v1/me/...` for patients: today's plan, the active plan and offline sync. Exercise
//! logs, lessons and adherence have modules of their own.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, lesson_completion};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{
    ApiTags,
    appointments::AppointmentDto,
    check_in_dto::CheckInDto,
    exercise_logs::ExerciseLogDto,
    exercises::ExerciseDto,
    lessons::LessonDto,
    my_lessons::PatientLessonDto,
    my_measures::MyMeasureDto,
    plan_view_dto::{AssignedLessonDto, PlanViewDto, PrescribedExerciseDto},
};
use crate::services::patients::PatientScope;
use crate::{
    auth::PatientAuth,
    content::Side,
    error::ApiError,
    services::{
        audit::{self, Event},
        library, local_date, measures, patients, sync, today,
    },
    state::AppState,
};

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
    pub prescription: PrescribedExerciseDto,
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
            prescription: PrescribedExerciseDto {
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
    pub lesson: AssignedLessonDto,
    pub completed: bool,
}

impl Example for TodayLessonDto {
    fn example() -> Self {
        Self {
            lesson: AssignedLessonDto {
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
    /// Messages from your care team you have not marked read.
    pub unread_messages: u64,
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
            unread_messages: 1,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SyncDto {
    /// The newest plan, when it changed since the cursor (always on a first sync).
    pub plan: Option<PlanViewDto>,
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
        let patient_id = who.patient_id.uuid();
        let (t, facts) = tokio::try_join!(
            today::today(&state.db, who.into(), date),
            today::day_facts(&state.db, who.into(), date, now)
        )?;
        let measures_due = if facts.measures_running {
            let record = patients::own_record(&state.db, who).await?;
            measures::for_day(&state.db, &record, date).await?.into_iter().filter(|m| m.due).collect()
        } else {
            vec![]
        };
        state.audit.read(Event::by(who, AuditAction::HomeTodayRead).patient(patient_id).at(now)).await?;
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
                        prescription: e.prescribed.into(),
                    })
                })
                .collect::<Result<_, sea_orm::DbErr>>()?,
            lessons: t
                .lessons
                .into_iter()
                .map(|l| TodayLessonDto { lesson: l.assigned.into(), completed: l.completed })
                .collect(),
            check_in_done: facts.check_in_done,
            measures_due: measures_due.into_iter().map(Into::into).collect(),
            next_appointment: facts.next_appointment.map(AppointmentDto::for_patient),
            unread_messages: facts.unread_messages,
        }))
    }

    /// Your active care plan.
    #[oai(path = "/plan", method = "get", operation_id = "get_my_plan")]
    async fn get_my_plan(&self, state: Data<&AppState>, auth: PatientAuth) -> Result<Json<PlanViewDto>, ApiError> {
        let patient_id = auth.0.patient_id.uuid();
        let plan = today::active_plan(&state.db, PatientScope::from(&auth.0))
            .await?
            .ok_or_else(|| ApiError::not_found("active care plan"))?;
        state.audit.read(Event::by(&auth.0, AuditAction::CarePlanRead).patient(patient_id).at(state.now())).await?;
        Ok(Json(PlanViewDto::from(plan)))
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
        let patient_id = auth.0.patient_id.uuid();
        let changes = sync::changes(&state.db, PatientScope::from(&auth.0), since, now).await?;
        audit::record(&state.db, now, Event::by(&auth.0, AuditAction::HomeSync).patient(patient_id)).await?;
        Ok(Json(SyncDto {
            plan: changes.plan.map(Into::into),
            exercises: changes.exercises.into_iter().map(|e| ExerciseDto::new(e, false)).collect::<Result<_, _>>()?,
            lessons: changes.lessons.into_iter().map(|l| LessonDto::new(l, false).into()).collect(),
            exercise_logs: changes.logs.into_iter().map(Into::into).collect(),
            lesson_completions: changes.completions.into_iter().map(Into::into).collect(),
            check_ins: changes.check_ins.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
            next_cursor: encode_since(changes.cursor),
        }))
    }
}
