//! `/api/v1/lessons`: the clinic's posture and body-mechanics lessons.

use entity::lesson::{self, QuestionV1};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent, decode_cursor, exercises::HiddenRequest, into_page, page_limit, text::Text};
use crate::{
    auth::{AdminAuth, TherapistAuth},
    content::Topic,
    error::ApiError,
    services::library::{self, LessonContent, LibraryQuery},
    state::AppState,
};

/// A multiple-choice question checking the lesson was understood.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct CheckQuestionDto {
    #[oai(validator(max_length = 500))]
    pub prompt: Text,
    #[oai(validator(min_items = 2, max_items = 6))]
    pub options: Vec<Text>,
    /// Index of the right option.
    pub correct: u8,
    #[oai(validator(max_length = 1000))]
    pub explanation: Text,
}

impl Example for CheckQuestionDto {
    fn example() -> Self {
        Self {
            prompt: "Where should the top of your screen sit?".into(),
            options: vec!["Well above eye level".into(), "At or just below eye level".into(), "At desk height".into()],
            correct: 1,
            explanation: "Looking slightly down keeps the neck long without craning forward.".into(),
        }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct LessonDto {
    pub id: Uuid,
    pub builtin: bool,
    pub source_id: Option<Uuid>,
    pub title: String,
    pub topic: Topic,
    pub minutes: i16,
    /// Markdown.
    pub body: String,
    pub questions: Vec<CheckQuestionDto>,
    pub hidden: bool,
}

impl Example for LessonDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000501"),
            builtin: true,
            source_id: None,
            title: "Setting up your desk for a quieter neck".into(),
            topic: Topic::Ergonomics,
            minutes: 4,
            body: "## Screen height\n\nRaise the screen until your eyes meet its top edge.".into(),
            questions: vec![CheckQuestionDto::example()],
            hidden: false,
        }
    }
}

/// The lesson's check questions with their answers, read from their stored form.
pub fn questions_of(row: &lesson::Model) -> Vec<CheckQuestionDto> {
    row.questions
        .0
        .iter()
        .map(|q| CheckQuestionDto {
            prompt: q.prompt.as_str().into(),
            options: q.options.iter().map(|o| o.as_str().into()).collect(),
            correct: q.correct,
            explanation: q.explanation.as_str().into(),
        })
        .collect()
}

impl LessonDto {
    pub fn new(row: lesson::Model, hidden: bool) -> Self {
        Self {
            questions: questions_of(&row),
            id: row.id,
            builtin: row.clinic_id.is_none(),
            source_id: row.source_id,
            title: row.title,
            topic: row.topic.into(),
            minutes: row.minutes,
            body: row.body,
            hidden,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct LessonPage {
    pub items: Vec<LessonDto>,
    pub next_cursor: Option<String>,
}

impl Example for LessonPage {
    fn example() -> Self {
        Self { items: vec![LessonDto::example()], next_cursor: None }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct LessonRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub title: Text,
    pub topic: Topic,
    /// 1–60.
    #[oai(validator(minimum(value = "1"), maximum(value = "60")))]
    pub minutes: i16,
    /// Markdown, up to 20,000 characters.
    #[oai(validator(max_length = 20000, min_length = 1))]
    pub body: Text,
    /// 1–3 questions.
    #[oai(validator(min_items = 1, max_items = 3))]
    pub questions: Vec<CheckQuestionDto>,
}

impl Example for LessonRequest {
    fn example() -> Self {
        Self {
            title: "Setting up your desk for a quieter neck".into(),
            topic: Topic::Ergonomics,
            minutes: 4,
            body: "## Screen height\n\nRaise the screen until your eyes meet its top edge.".into(),
            questions: vec![CheckQuestionDto::example()],
        }
    }
}

#[derive(ApiResponse)]
pub enum LessonCreated {
    /// The new clinic-owned lesson.
    #[oai(status = 201)]
    Created(Json<LessonDto>),
}

impl TryFrom<LessonRequest> for LessonContent {
    type Error = ApiError;
    fn try_from(r: LessonRequest) -> Result<Self, ApiError> {
        let title = r.title.trim().to_owned();
        if title.is_empty() {
            return Err(ApiError::invalid("title", "must not be empty"));
        }
        if !(1..=60).contains(&r.minutes) {
            return Err(ApiError::invalid("minutes", "must be 1–60"));
        }
        if r.body.trim().is_empty() {
            return Err(ApiError::invalid("body", "must not be empty"));
        }
        if r.questions.iter().any(|q| usize::from(q.correct) >= q.options.len() || q.prompt.trim().is_empty()) {
            return Err(ApiError::invalid(
                "questions",
                "each needs a prompt and `correct` must index one of its options",
            ));
        }
        Ok(LessonContent {
            title,
            topic: r.topic,
            minutes: r.minutes,
            body: r.body.into(),
            questions: r
                .questions
                .iter()
                .map(|q| QuestionV1 {
                    prompt: q.prompt.to_string(),
                    options: q.options.iter().map(|o| o.to_string()).collect(),
                    correct: q.correct,
                    explanation: q.explanation.to_string(),
                })
                .collect(),
        })
    }
}

pub struct LessonsApi;

#[OpenApi(prefix_path = "/api/v1/lessons", tag = "ApiTags::Library")]
impl LessonsApi {
    /// List the clinic's lessons: built-ins not hidden plus its own, filterable.
    #[oai(path = "/", method = "get", operation_id = "list_lessons")]
    async fn list_lessons(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        topic: Query<Option<Topic>>,
        /// Case-insensitive part of the title.
        #[oai(validator(max_length = 100))]
        search: Query<Option<String>>,
        #[oai(default)] include_hidden: Query<bool>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<LessonPage>, ApiError> {
        let limit = page_limit(limit.0);
        let query = LibraryQuery {
            topic: topic.0,
            search: search.0,
            include_hidden: include_hidden.0,
            after: decode_cursor(cursor.0.as_deref())?,
            limit: limit + 1,
            ..Default::default()
        };
        let rows = library::list_lessons(&state.db, auth.0.clinic(), query).await?;
        let (rows, next_cursor) = into_page(rows, limit, |(r, _)| r.id);
        Ok(Json(LessonPage { items: rows.into_iter().map(|(r, h)| LessonDto::new(r, h)).collect(), next_cursor }))
    }

    /// Read one lesson of the library.
    #[oai(path = "/:id", method = "get", operation_id = "get_lesson")]
    async fn get_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<LessonDto>, ApiError> {
        let (row, hidden) = library::get_lesson(&state.db, auth.0.clinic(), id.0).await?;
        Ok(Json(LessonDto::new(row, hidden)))
    }

    /// Add a clinic-owned lesson.
    #[oai(path = "/", method = "post", operation_id = "create_lesson")]
    async fn create_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        body: Json<LessonRequest>,
    ) -> Result<LessonCreated, ApiError> {
        let content = LessonContent::try_from(body.0)?;
        let row = library::create_lesson(&state.db, state.now(), &auth.0, content, None).await?;
        Ok(LessonCreated::Created(Json(LessonDto::new(row, false))))
    }

    /// Replace a clinic-owned lesson's content (built-ins answer 409: copy them first).
    #[oai(path = "/:id", method = "put", operation_id = "update_lesson")]
    async fn update_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<LessonRequest>,
    ) -> Result<Json<LessonDto>, ApiError> {
        let content = LessonContent::try_from(body.0)?;
        let row = library::update_lesson(&state.db, state.now(), &auth.0, id.0, content).await?;
        Ok(Json(LessonDto::new(row, false)))
    }

    /// Copy a lesson (typically a built-in) into the clinic's own library to edit it.
    #[oai(path = "/:id/copy", method = "post", operation_id = "copy_lesson")]
    async fn copy_lesson(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<LessonCreated, ApiError> {
        let row = library::copy_lesson(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(LessonCreated::Created(Json(LessonDto::new(row, false))))
    }

    /// Hide a lesson from (or show it again in) the clinic's library lists.
    #[oai(path = "/:id/hidden", method = "put", operation_id = "set_lesson_hidden")]
    async fn set_lesson_hidden(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<HiddenRequest>,
    ) -> Result<NoContent, ApiError> {
        library::get_lesson(&state.db, auth.0.clinic(), id.0).await?;
        library::set_hidden(&state.db, state.now(), &auth.0, id.0, body.hidden).await?;
        Ok(NoContent::Done)
    }
}
