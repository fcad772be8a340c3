//! `/api/v1/exercises`: the clinic's exercise library (built-ins and its own).

use entity::exercise;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::Example,
};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent, decode_cursor, into_page, page_limit, text::Text};
use crate::{
    auth::{AdminAuth, TherapistAuth},
    content::{Region, Side},
    error::ApiError,
    services::library::{self, DefaultDosage, ExerciseContent, LibraryError, LibraryQuery},
    state::AppState,
};

#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct DosageDto {
    pub sets: i16,
    pub reps: i16,
    /// Seconds each repetition is held; 0 for movements that are not held.
    pub hold_seconds: i16,
    pub side: Side,
    /// Seconds of rest between sets.
    pub rest_seconds: i16,
    pub times_per_day: i16,
}

impl Example for DosageDto {
    fn example() -> Self {
        Self { sets: 2, reps: 10, hold_seconds: 5, side: Side::None, rest_seconds: 30, times_per_day: 2 }
    }
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ExerciseDto {
    pub id: Uuid,
    /// Part of Fascia's built-in library (read-only; copy it to edit).
    pub builtin: bool,
    /// The item this one was copied from.
    pub source_id: Option<Uuid>,
    pub title: String,
    pub summary: String,
    pub regions: Vec<Region>,
    pub steps: Vec<String>,
    pub cautions: Vec<String>,
    pub media_urls: Vec<String>,
    pub default_dosage: DosageDto,
    /// Hidden from this clinic's library lists.
    pub hidden: bool,
}

impl Example for ExerciseDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000401"),
            builtin: false,
            source_id: Some(uuid!("0193a5b2-4c00-7000-8000-000000000400")),
            title: "Chin tucks".into(),
            summary: "Glide the head straight back to ease a stiff neck after screen work.".into(),
            regions: vec![Region::Neck, Region::UpperBack],
            steps: vec![
                "Sit tall with your shoulders relaxed.".into(),
                "Slide your chin straight back, as if making a double chin.".into(),
                "Hold, then let the head glide forward again.".into(),
            ],
            cautions: vec!["Stop if you feel tingling or numbness in the arm.".into()],
            media_urls: vec!["https://media.example.org/exercises/chin-tucks.mp4".into()],
            default_dosage: DosageDto::example(),
            hidden: false,
        }
    }
}

impl ExerciseDto {
    pub fn new(row: exercise::Model, hidden: bool) -> Result<Self, sea_orm::DbErr> {
        let c = library::exercise_content(&row)?;
        Ok(Self {
            id: row.id,
            builtin: row.clinic_id.is_none(),
            source_id: row.source_id,
            title: c.title,
            summary: c.summary,
            regions: c.regions,
            steps: c.steps,
            cautions: c.cautions,
            media_urls: c.media_urls,
            default_dosage: DosageDto {
                sets: c.dosage.sets,
                reps: c.dosage.reps,
                hold_seconds: c.dosage.hold_seconds,
                side: c.dosage.side,
                rest_seconds: c.dosage.rest_seconds,
                times_per_day: c.dosage.times_per_day,
            },
            hidden,
        })
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct ExercisePage {
    pub items: Vec<ExerciseDto>,
    pub next_cursor: Option<String>,
}

impl Example for ExercisePage {
    fn example() -> Self {
        Self { items: vec![ExerciseDto::example()], next_cursor: None }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct DosageRequest {
    /// 1–10.
    #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
    pub sets: i16,
    /// 1–100.
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub reps: i16,
    /// 0–600 seconds.
    #[oai(validator(minimum(value = "0"), maximum(value = "600")))]
    pub hold_seconds: i16,
    pub side: Side,
    /// 0–600 seconds.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "600")))]
    pub rest_seconds: i16,
    /// 1–10.
    #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
    pub times_per_day: i16,
}

impl Example for DosageRequest {
    fn example() -> Self {
        Self { sets: 2, reps: 10, hold_seconds: 5, side: Side::None, rest_seconds: 30, times_per_day: 2 }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ExerciseRequest {
    #[oai(validator(max_length = 200, min_length = 1))]
    pub title: Text,
    #[oai(validator(max_length = 1000, min_length = 1))]
    pub summary: Text,
    #[oai(validator(min_items = 1, max_items = 10, unique_items))]
    pub regions: Vec<Region>,
    #[oai(validator(min_items = 1, max_items = 20))]
    pub steps: Vec<Text>,
    #[oai(default, validator(max_items = 10))]
    pub cautions: Vec<Text>,
    #[oai(default, validator(max_items = 5))]
    pub media_urls: Vec<Text>,
    pub default_dosage: DosageRequest,
}

impl Example for ExerciseRequest {
    fn example() -> Self {
        Self {
            title: "Chin tucks".into(),
            summary: "Glide the head straight back to ease a stiff neck after screen work.".into(),
            regions: vec![Region::Neck, Region::UpperBack],
            steps: vec![
                "Sit tall with your shoulders relaxed.".into(),
                "Slide your chin straight back, as if making a double chin.".into(),
                "Hold, then let the head glide forward again.".into(),
            ],
            cautions: vec!["Stop if you feel tingling or numbness in the arm.".into()],
            media_urls: vec!["https://media.example.org/exercises/chin-tucks.mp4".into()],
            default_dosage: DosageRequest::example(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct HiddenRequest {
    pub hidden: bool,
}

impl Example for HiddenRequest {
    fn example() -> Self {
        Self { hidden: true }
    }
}

#[derive(ApiResponse)]
pub enum ExerciseCreated {
    /// The new clinic-owned exercise.
    #[oai(status = 201)]
    Created(Json<ExerciseDto>),
}

impl From<LibraryError> for ApiError {
    fn from(err: LibraryError) -> Self {
        match err {
            LibraryError::NotFound => ApiError::not_found("library item"),
            LibraryError::ReadOnly => ApiError::conflict(err.to_string()),
            LibraryError::Db(e) => e.into(),
        }
    }
}

fn in_range(field: &str, value: i16, min: i16, max: i16) -> Result<i16, ApiError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(field, format!("must be {min}–{max}")))
    }
}

impl TryFrom<&DosageRequest> for DefaultDosage {
    type Error = ApiError;
    fn try_from(d: &DosageRequest) -> Result<Self, ApiError> {
        Ok(DefaultDosage {
            sets: in_range("sets", d.sets, 1, 10)?,
            reps: in_range("reps", d.reps, 1, 100)?,
            hold_seconds: in_range("hold_seconds", d.hold_seconds, 0, 600)?,
            side: d.side,
            rest_seconds: in_range("rest_seconds", d.rest_seconds, 0, 600)?,
            times_per_day: in_range("times_per_day", d.times_per_day, 1, 10)?,
        })
    }
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(ApiError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(t.to_owned())
}

fn texts(field: &str, raw: &[Text], max: usize) -> Result<Vec<String>, ApiError> {
    raw.iter().map(|s| text(field, s, max)).collect()
}

impl TryFrom<ExerciseRequest> for ExerciseContent {
    type Error = ApiError;
    fn try_from(r: ExerciseRequest) -> Result<Self, ApiError> {
        let media_urls = texts("media_urls", &r.media_urls, 500)?;
        if media_urls.iter().any(|u| !u.starts_with("https://")) {
            return Err(ApiError::invalid("media_urls", "must be https:// URLs"));
        }
        Ok(ExerciseContent {
            title: text("title", &r.title, 200)?,
            summary: text("summary", &r.summary, 1000)?,
            regions: r.regions,
            steps: texts("steps", &r.steps, 500)?,
            cautions: texts("cautions", &r.cautions, 500)?,
            media_urls,
            dosage: DefaultDosage::try_from(&r.default_dosage)?,
        })
    }
}

pub struct ExercisesApi;

#[OpenApi(prefix_path = "/api/v1/exercises", tag = "ApiTags::Library")]
impl ExercisesApi {
    /// List the clinic's exercises: built-ins not hidden plus its own, filterable.
    #[oai(path = "/", method = "get", operation_id = "list_exercises")]
    async fn list_exercises(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        /// Only exercises for this body region.
        region: Query<Option<Region>>,
        /// Case-insensitive part of the title.
        #[oai(validator(max_length = 100))]
        search: Query<Option<String>>,
        /// Include items the clinic has hidden.
        #[oai(default)]
        include_hidden: Query<bool>,
        cursor: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<ExercisePage>, ApiError> {
        let limit = page_limit(limit.0);
        let query = LibraryQuery {
            region: region.0,
            search: search.0,
            include_hidden: include_hidden.0,
            after: decode_cursor(cursor.0.as_deref())?,
            limit: limit + 1,
            ..Default::default()
        };
        let rows = library::list_exercises(&state.db, auth.0.clinic(), query).await?;
        let (rows, next_cursor) = into_page(rows, limit, |(r, _)| r.id);
        Ok(Json(ExercisePage {
            items: rows.into_iter().map(|(r, h)| ExerciseDto::new(r, h)).collect::<Result<_, _>>()?,
            next_cursor,
        }))
    }

    /// Read one exercise of the library.
    #[oai(path = "/:id", method = "get", operation_id = "get_exercise")]
    async fn get_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<Json<ExerciseDto>, ApiError> {
        let (row, hidden) = library::get_exercise(&state.db, auth.0.clinic(), id.0).await?;
        Ok(Json(ExerciseDto::new(row, hidden)?))
    }

    /// Add a clinic-owned exercise.
    #[oai(path = "/", method = "post", operation_id = "create_exercise")]
    async fn create_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        body: Json<ExerciseRequest>,
    ) -> Result<ExerciseCreated, ApiError> {
        let content = ExerciseContent::try_from(body.0)?;
        let row = library::create_exercise(&state.db, state.now(), &auth.0, content, None).await?;
        Ok(ExerciseCreated::Created(Json(ExerciseDto::new(row, false)?)))
    }

    /// Replace a clinic-owned exercise's content (built-ins answer 409: copy them first).
    #[oai(path = "/:id", method = "put", operation_id = "update_exercise")]
    async fn update_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
        body: Json<ExerciseRequest>,
    ) -> Result<Json<ExerciseDto>, ApiError> {
        let content = ExerciseContent::try_from(body.0)?;
        let row = library::update_exercise(&state.db, state.now(), &auth.0, id.0, content).await?;
        Ok(Json(ExerciseDto::new(row, false)?))
    }

    /// Copy an exercise (typically a built-in) into the clinic's own library to edit it.
    #[oai(path = "/:id/copy", method = "post", operation_id = "copy_exercise")]
    async fn copy_exercise(
        &self,
        state: Data<&AppState>,
        auth: TherapistAuth,
        id: Path<Uuid>,
    ) -> Result<ExerciseCreated, ApiError> {
        let row = library::copy_exercise(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(ExerciseCreated::Created(Json(ExerciseDto::new(row, false)?)))
    }

    /// Hide an exercise from (or show it again in) the clinic's library lists.
    #[oai(path = "/:id/hidden", method = "put", operation_id = "set_exercise_hidden")]
    async fn set_exercise_hidden(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<HiddenRequest>,
    ) -> Result<NoContent, ApiError> {
        library::get_exercise(&state.db, auth.0.clinic(), id.0).await?;
        library::set_hidden(&state.db, state.now(), &auth.0, id.0, body.hidden).await?;
        Ok(NoContent::Done)
    }
}
