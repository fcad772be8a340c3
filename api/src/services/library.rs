//! The exercise and lesson library as a clinic sees it: the built-ins it has not hidden
//! plus its own items. Built-ins are read-only; a clinic edits a copy.

use chrono::{DateTime, Utc};
use entity::{exercise, lesson, library_hidden};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use std::collections::HashSet;
use uuid::Uuid;

use crate::{
    auth::Principal,
    content::{Region, Side, Topic},
    services::{
        audit::{self, Event},
        contains_pattern,
    },
    stored,
};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("library item not found")]
    NotFound,
    #[error("built-in items cannot be edited; copy the item and edit the copy")]
    ReadOnly,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Regions stored as ",neck,upper_back," so one LIKE '%,neck,%' finds a region.
pub fn join_regions(regions: &[Region]) -> String {
    let names: Vec<_> = regions.iter().map(|r| r.as_str()).collect();
    format!(",{},", names.join(","))
}

pub fn split_regions(stored: &str) -> Vec<Region> {
    stored.split(',').filter_map(Region::parse).collect()
}

/// A default or prescribed dose, already within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultDosage {
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: Side,
    pub rest_seconds: i16,
    pub times_per_day: i16,
}

#[derive(Debug, Clone)]
pub struct ExerciseContent {
    pub title: String,
    pub summary: String,
    pub regions: Vec<Region>,
    pub steps: Vec<String>,
    pub cautions: Vec<String>,
    pub media_urls: Vec<String>,
    pub dosage: DefaultDosage,
}

#[derive(Debug, Clone, Default)]
pub struct LibraryQuery {
    pub region: Option<Region>,
    pub topic: Option<Topic>,
    pub search: Option<String>,
    pub include_hidden: bool,
    pub after: Option<Uuid>,
    pub limit: u64,
}

fn visible_to(clinic_id: Uuid, clinic_col: impl ColumnTrait) -> Condition {
    Condition::any().add(clinic_col.is_null()).add(clinic_col.eq(clinic_id))
}

async fn hidden_ids<C: ConnectionTrait>(db: &C, clinic_id: Uuid) -> Result<HashSet<Uuid>, DbErr> {
    let rows = library_hidden::Entity::find().filter(library_hidden::Column::ClinicId.eq(clinic_id)).all(db).await?;
    Ok(rows.into_iter().map(|r| r.item_id).collect())
}

/// The clinic's exercises with a "hidden" flag each.
pub async fn list_exercises<C: ConnectionTrait>(
    db: &C,
    clinic_id: Uuid,
    q: LibraryQuery,
) -> Result<Vec<(exercise::Model, bool)>, DbErr> {
    let hidden = hidden_ids(db, clinic_id).await?;
    let mut find = exercise::Entity::find().filter(visible_to(clinic_id, exercise::Column::ClinicId));
    if let Some(region) = q.region {
        find = find.filter(Expr::col(exercise::Column::Regions).like(format!("%,{},%", region.as_str())));
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(Expr::col(exercise::Column::SearchTitle).like(contains_pattern(search)));
    }
    if !q.include_hidden && !hidden.is_empty() {
        find = find.filter(exercise::Column::Id.is_not_in(hidden.iter().copied()));
    }
    if let Some(after) = q.after {
        find = find.filter(exercise::Column::Id.gt(after));
    }
    let rows = find.order_by_asc(exercise::Column::Id).limit(q.limit).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let is_hidden = hidden.contains(&r.id);
            (r, is_hidden)
        })
        .collect())
}

pub async fn list_lessons<C: ConnectionTrait>(
    db: &C,
    clinic_id: Uuid,
    q: LibraryQuery,
) -> Result<Vec<(lesson::Model, bool)>, DbErr> {
    let hidden = hidden_ids(db, clinic_id).await?;
    let mut find = lesson::Entity::find().filter(visible_to(clinic_id, lesson::Column::ClinicId));
    if let Some(topic) = q.topic {
        find = find.filter(lesson::Column::Topic.eq(lesson::Topic::from(topic)));
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(Expr::col(lesson::Column::SearchTitle).like(contains_pattern(search)));
    }
    if !q.include_hidden && !hidden.is_empty() {
        find = find.filter(lesson::Column::Id.is_not_in(hidden.iter().copied()));
    }
    if let Some(after) = q.after {
        find = find.filter(lesson::Column::Id.gt(after));
    }
    let rows = find.order_by_asc(lesson::Column::Id).limit(q.limit).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let is_hidden = hidden.contains(&r.id);
            (r, is_hidden)
        })
        .collect())
}

async fn is_hidden<C: ConnectionTrait>(db: &C, clinic_id: Uuid, id: Uuid) -> Result<bool, DbErr> {
    Ok(library_hidden::Entity::find_by_id((clinic_id, id)).one(db).await?.is_some())
}

/// An exercise the clinic can see (built-in or its own), with its hidden flag.
pub async fn get_exercise<C: ConnectionTrait>(
    db: &C,
    clinic_id: Uuid,
    id: Uuid,
) -> Result<(exercise::Model, bool), LibraryError> {
    let row = exercise::Entity::find_by_id(id)
        .filter(visible_to(clinic_id, exercise::Column::ClinicId))
        .one(db)
        .await?
        .ok_or(LibraryError::NotFound)?;
    Ok((row, is_hidden(db, clinic_id, id).await?))
}

pub async fn get_lesson<C: ConnectionTrait>(
    db: &C,
    clinic_id: Uuid,
    id: Uuid,
) -> Result<(lesson::Model, bool), LibraryError> {
    let row = lesson::Entity::find_by_id(id)
        .filter(visible_to(clinic_id, lesson::Column::ClinicId))
        .one(db)
        .await?
        .ok_or(LibraryError::NotFound)?;
    Ok((row, is_hidden(db, clinic_id, id).await?))
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).expect("strings serialise")
}

fn apply_exercise(row: &mut exercise::ActiveModel, c: &ExerciseContent) {
    row.title = Set(c.title.clone());
    row.search_title = Set(c.title.to_lowercase());
    row.summary = Set(c.summary.clone());
    row.regions = Set(join_regions(&c.regions));
    row.steps = Set(json(&c.steps));
    row.cautions = Set(json(&c.cautions));
    row.media_urls = Set(json(&c.media_urls));
    row.sets = Set(c.dosage.sets);
    row.reps = Set(c.dosage.reps);
    row.hold_seconds = Set(c.dosage.hold_seconds);
    row.side = Set(c.dosage.side.into());
    row.rest_seconds = Set(c.dosage.rest_seconds);
    row.times_per_day = Set(c.dosage.times_per_day);
}

pub async fn create_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    content: ExerciseContent,
    source_id: Option<Uuid>,
) -> Result<exercise::Model, DbErr> {
    let mut row = exercise::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(Some(who.clinic_id)),
        slug: Set(None),
        source_id: Set(source_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_exercise(&mut row, &content);
    let row = row.insert(db).await?;
    audit::record(db, now, Event::by(who, "library.exercise_create").resource(format!("exercise:{}", row.id))).await?;
    Ok(row)
}

pub async fn update_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    content: ExerciseContent,
) -> Result<exercise::Model, LibraryError> {
    let (row, _) = get_exercise(db, who.clinic_id, id).await?;
    if row.clinic_id.is_none() {
        return Err(LibraryError::ReadOnly);
    }
    let mut active: exercise::ActiveModel = row.into();
    apply_exercise(&mut active, &content);
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    audit::record(db, now, Event::by(who, "library.exercise_update").resource(format!("exercise:{id}"))).await?;
    Ok(row)
}

/// A clinic-owned copy of any visible exercise, to edit freely.
pub async fn copy_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<exercise::Model, LibraryError> {
    let (row, _) = get_exercise(db, who.clinic_id, id).await?;
    let content = exercise_content(&row)?;
    Ok(create_exercise(db, now, who, content, Some(row.id)).await?)
}

/// The editable content of a stored exercise.
pub fn exercise_content(row: &exercise::Model) -> Result<ExerciseContent, DbErr> {
    Ok(ExerciseContent {
        title: row.title.clone(),
        summary: row.summary.clone(),
        regions: split_regions(&row.regions),
        steps: stored::decode("exercise.steps", &row.steps)?,
        cautions: stored::decode("exercise.cautions", &row.cautions)?,
        media_urls: stored::decode("exercise.media_urls", &row.media_urls)?,
        dosage: DefaultDosage {
            sets: row.sets,
            reps: row.reps,
            hold_seconds: row.hold_seconds,
            side: row.side.into(),
            rest_seconds: row.rest_seconds,
            times_per_day: row.times_per_day,
        },
    })
}

#[derive(Debug, Clone)]
pub struct LessonContent {
    pub title: String,
    pub topic: Topic,
    pub minutes: i16,
    pub body: String,
    /// JSON of the check questions, already validated.
    pub questions: serde_json::Value,
}

fn apply_lesson(row: &mut lesson::ActiveModel, c: &LessonContent) {
    row.title = Set(c.title.clone());
    row.search_title = Set(c.title.to_lowercase());
    row.topic = Set(c.topic.into());
    row.minutes = Set(c.minutes);
    row.body = Set(c.body.clone());
    row.questions = Set(c.questions.to_string());
}

pub async fn create_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    content: LessonContent,
    source_id: Option<Uuid>,
) -> Result<lesson::Model, DbErr> {
    let mut row = lesson::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(Some(who.clinic_id)),
        slug: Set(None),
        source_id: Set(source_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_lesson(&mut row, &content);
    let row = row.insert(db).await?;
    audit::record(db, now, Event::by(who, "library.lesson_create").resource(format!("lesson:{}", row.id))).await?;
    Ok(row)
}

pub async fn update_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    content: LessonContent,
) -> Result<lesson::Model, LibraryError> {
    let (row, _) = get_lesson(db, who.clinic_id, id).await?;
    if row.clinic_id.is_none() {
        return Err(LibraryError::ReadOnly);
    }
    let mut active: lesson::ActiveModel = row.into();
    apply_lesson(&mut active, &content);
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    audit::record(db, now, Event::by(who, "library.lesson_update").resource(format!("lesson:{id}"))).await?;
    Ok(row)
}

pub async fn copy_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<lesson::Model, LibraryError> {
    let (row, _) = get_lesson(db, who.clinic_id, id).await?;
    let content = LessonContent {
        title: row.title.clone(),
        topic: row.topic.into(),
        minutes: row.minutes,
        body: row.body.clone(),
        questions: serde_json::to_value(stored::lesson::decode_questions(&row.questions)?)
            .expect("questions serialise"),
    };
    Ok(create_lesson(db, now, who, content, Some(row.id)).await?)
}

/// Hides or shows a visible library item (exercise or lesson) for the caller's clinic.
/// Hidden items stay in plans that already use them; they are only left out of lists.
pub async fn set_hidden<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    hidden: bool,
) -> Result<(), DbErr> {
    if hidden {
        library_hidden::Entity::insert(library_hidden::ActiveModel {
            clinic_id: Set(who.clinic_id),
            item_id: Set(id),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([library_hidden::Column::ClinicId, library_hidden::Column::ItemId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    } else {
        library_hidden::Entity::delete_by_id((who.clinic_id, id)).exec(db).await?;
    }
    let action = if hidden { "library.hide" } else { "library.show" };
    audit::record(db, now, Event::by(who, action).resource(format!("library:{id}"))).await?;
    Ok(())
}
