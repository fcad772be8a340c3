//! The exercise and lesson library as a clinic sees it: the built-ins it has not hidden
//! plus its own items. Built-ins are read-only; a clinic edits a copy.

use chrono::{DateTime, Utc};
use entity::{
    AuditAction, JsonText,
    exercise::{self, RegionList},
    lesson,
    lesson::QuestionV1,
    library_hidden,
};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use std::collections::HashSet;
use uuid::Uuid;

use crate::{
    auth::Principal,
    content::{Region, Side, Topic},
    ids::ClinicId,
    services::{
        audit::{self, Event},
        contains_pattern,
        library_regions::stored_regions,
    },
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

/// What the exercise and the lesson library share: rows visible to a clinic (built-ins,
/// `clinic_id` null, and its own), hidden per clinic, built-ins read-only, copies kept as
/// the clinic's own with their source. Each table says how its content is stored.
trait Library: EntityTrait<Model: Clone + IntoActiveModel<Self::Row>, Column: ColumnTrait> {
    type Row: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send;
    type Content;
    /// Audit actions.
    const CREATED: AuditAction;
    const UPDATED: AuditAction;
    /// The audit resource prefix, e.g. `exercise` in `exercise:<id>`.
    const NOUN: &'static str;
    fn id_column() -> Self::Column;
    fn clinic_column() -> Self::Column;
    fn search_column() -> Self::Column;
    fn id_of(row: &Self::Model) -> Uuid;
    fn clinic_of(row: &Self::Model) -> Option<Uuid>;
    /// A new clinic-owned row without content.
    fn new_row(id: Uuid, clinic_id: ClinicId, source_id: Option<Uuid>, now: DateTime<Utc>) -> Self::Row;
    fn apply(row: &mut Self::Row, content: &Self::Content);
    fn touch(row: &mut Self::Row, now: DateTime<Utc>);
    fn content_of(row: &Self::Model) -> Result<Self::Content, DbErr>;
}

fn visible_to(clinic_id: ClinicId, clinic_col: impl ColumnTrait) -> Condition {
    Condition::any().add(clinic_col.is_null()).add(clinic_col.eq(clinic_id))
}

async fn hidden_ids<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<HashSet<Uuid>, DbErr> {
    let rows = library_hidden::Entity::find().filter(library_hidden::Column::ClinicId.eq(clinic_id)).all(db).await?;
    Ok(rows.into_iter().map(|r| r.item_id).collect())
}

/// The clinic's items matching `extra` and the query, each with its "hidden" flag.
async fn list<L: Library, C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    q: LibraryQuery,
    extra: Condition,
) -> Result<Vec<(L::Model, bool)>, DbErr> {
    let hidden = hidden_ids(db, clinic_id).await?;
    let mut find = L::find().filter(visible_to(clinic_id, L::clinic_column())).filter(extra);
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(Expr::col(L::search_column()).like(contains_pattern(search)));
    }
    if !q.include_hidden && !hidden.is_empty() {
        find = find.filter(L::id_column().is_not_in(hidden.iter().copied()));
    }
    if let Some(after) = q.after {
        find = find.filter(L::id_column().gt(after));
    }
    let rows = find.order_by_asc(L::id_column()).limit(q.limit).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let is_hidden = hidden.contains(&L::id_of(&r));
            (r, is_hidden)
        })
        .collect())
}

/// The clinic's exercises with a "hidden" flag each.
pub async fn list_exercises<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    q: LibraryQuery,
) -> Result<Vec<(exercise::Model, bool)>, DbErr> {
    let mut extra = Condition::all();
    if let Some(region) = q.region {
        extra = extra.add(Expr::col(exercise::Column::Regions).like(RegionList::like_containing(region.into())));
    }
    list::<exercise::Entity, _>(db, clinic_id, q, extra).await
}

pub async fn list_lessons<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    q: LibraryQuery,
) -> Result<Vec<(lesson::Model, bool)>, DbErr> {
    let mut extra = Condition::all();
    if let Some(topic) = q.topic {
        extra = extra.add(lesson::Column::Topic.eq(lesson::Topic::from(topic)));
    }
    list::<lesson::Entity, _>(db, clinic_id, q, extra).await
}

async fn is_hidden<C: ConnectionTrait>(db: &C, clinic_id: ClinicId, id: Uuid) -> Result<bool, DbErr> {
    Ok(library_hidden::Entity::find_by_id((clinic_id.uuid(), id)).one(db).await?.is_some())
}

/// An item the clinic can see (built-in or its own), with its hidden flag.
async fn get<L: Library, C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    id: Uuid,
) -> Result<(L::Model, bool), LibraryError> {
    let row = L::find()
        .filter(L::id_column().eq(id))
        .filter(visible_to(clinic_id, L::clinic_column()))
        .one(db)
        .await?
        .ok_or(LibraryError::NotFound)?;
    Ok((row, is_hidden(db, clinic_id, id).await?))
}

async fn create<L: Library, C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    content: L::Content,
    source_id: Option<Uuid>,
) -> Result<L::Model, DbErr> {
    let mut row = L::new_row(Uuid::now_v7(), who.clinic(), source_id, now);
    L::apply(&mut row, &content);
    let row = row.insert(db).await?;
    let resource = format!("{}:{}", L::NOUN, L::id_of(&row));
    audit::record(db, now, Event::by(who, L::CREATED).resource(resource)).await?;
    Ok(row)
}

async fn update<L: Library, C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    content: L::Content,
) -> Result<L::Model, LibraryError> {
    let (row, _) = get::<L, _>(db, who.clinic(), id).await?;
    if L::clinic_of(&row).is_none() {
        return Err(LibraryError::ReadOnly);
    }
    let mut active = row.into_active_model();
    L::apply(&mut active, &content);
    L::touch(&mut active, now);
    let row = active.update(db).await?;
    audit::record(db, now, Event::by(who, L::UPDATED).resource(format!("{}:{id}", L::NOUN))).await?;
    Ok(row)
}

/// A clinic-owned copy of any visible item, to edit freely.
async fn copy<L: Library, C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<L::Model, LibraryError> {
    let (row, _) = get::<L, _>(db, who.clinic(), id).await?;
    let content = L::content_of(&row)?;
    Ok(create::<L, _>(db, now, who, content, Some(L::id_of(&row))).await?)
}

impl Library for exercise::Entity {
    type Row = exercise::ActiveModel;
    type Content = ExerciseContent;
    const CREATED: AuditAction = AuditAction::LibraryExerciseCreate;
    const UPDATED: AuditAction = AuditAction::LibraryExerciseUpdate;
    const NOUN: &'static str = "exercise";
    fn id_column() -> exercise::Column {
        exercise::Column::Id
    }
    fn clinic_column() -> exercise::Column {
        exercise::Column::ClinicId
    }
    fn search_column() -> exercise::Column {
        exercise::Column::SearchTitle
    }
    fn id_of(row: &exercise::Model) -> Uuid {
        row.id
    }
    fn clinic_of(row: &exercise::Model) -> Option<Uuid> {
        row.clinic_id
    }
    fn new_row(id: Uuid, clinic_id: ClinicId, source_id: Option<Uuid>, now: DateTime<Utc>) -> exercise::ActiveModel {
        exercise::ActiveModel {
            id: Set(id),
            clinic_id: Set(Some(clinic_id.uuid())),
            slug: Set(None),
            source_id: Set(source_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
    fn apply(row: &mut exercise::ActiveModel, c: &ExerciseContent) {
        row.title = Set(c.title.clone());
        row.search_title = Set(c.title.to_lowercase());
        row.summary = Set(c.summary.clone());
        row.regions = Set(stored_regions(&c.regions));
        row.steps = Set(JsonText(c.steps.clone()));
        row.cautions = Set(JsonText(c.cautions.clone()));
        row.media_urls = Set(JsonText(c.media_urls.clone()));
        row.sets = Set(c.dosage.sets);
        row.reps = Set(c.dosage.reps);
        row.hold_seconds = Set(c.dosage.hold_seconds);
        row.side = Set(c.dosage.side.into());
        row.rest_seconds = Set(c.dosage.rest_seconds);
        row.times_per_day = Set(c.dosage.times_per_day);
    }
    fn touch(row: &mut exercise::ActiveModel, now: DateTime<Utc>) {
        row.updated_at = Set(now);
    }
    fn content_of(row: &exercise::Model) -> Result<ExerciseContent, DbErr> {
        exercise_content(row)
    }
}

impl Library for lesson::Entity {
    type Row = lesson::ActiveModel;
    type Content = LessonContent;
    const CREATED: AuditAction = AuditAction::LibraryLessonCreate;
    const UPDATED: AuditAction = AuditAction::LibraryLessonUpdate;
    const NOUN: &'static str = "lesson";
    fn id_column() -> lesson::Column {
        lesson::Column::Id
    }
    fn clinic_column() -> lesson::Column {
        lesson::Column::ClinicId
    }
    fn search_column() -> lesson::Column {
        lesson::Column::SearchTitle
    }
    fn id_of(row: &lesson::Model) -> Uuid {
        row.id
    }
    fn clinic_of(row: &lesson::Model) -> Option<Uuid> {
        row.clinic_id
    }
    fn new_row(id: Uuid, clinic_id: ClinicId, source_id: Option<Uuid>, now: DateTime<Utc>) -> lesson::ActiveModel {
        lesson::ActiveModel {
            id: Set(id),
            clinic_id: Set(Some(clinic_id.uuid())),
            slug: Set(None),
            source_id: Set(source_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
    fn apply(row: &mut lesson::ActiveModel, c: &LessonContent) {
        row.title = Set(c.title.clone());
        row.search_title = Set(c.title.to_lowercase());
        row.topic = Set(c.topic.into());
        row.minutes = Set(c.minutes);
        row.body = Set(c.body.clone());
        row.questions = Set(JsonText(c.questions.clone()));
    }
    fn touch(row: &mut lesson::ActiveModel, now: DateTime<Utc>) {
        row.updated_at = Set(now);
    }
    fn content_of(row: &lesson::Model) -> Result<LessonContent, DbErr> {
        Ok(LessonContent {
            title: row.title.clone(),
            topic: row.topic.into(),
            minutes: row.minutes,
            body: row.body.clone(),
            questions: row.questions.0.clone(),
        })
    }
}

/// An exercise the clinic can see (built-in or its own), with its hidden flag.
pub async fn get_exercise<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    id: Uuid,
) -> Result<(exercise::Model, bool), LibraryError> {
    get::<exercise::Entity, _>(db, clinic_id, id).await
}

pub async fn get_lesson<C: ConnectionTrait>(
    db: &C,
    clinic_id: ClinicId,
    id: Uuid,
) -> Result<(lesson::Model, bool), LibraryError> {
    get::<lesson::Entity, _>(db, clinic_id, id).await
}

pub async fn create_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    content: ExerciseContent,
    source_id: Option<Uuid>,
) -> Result<exercise::Model, DbErr> {
    create::<exercise::Entity, _>(db, now, who, content, source_id).await
}

pub async fn update_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    content: ExerciseContent,
) -> Result<exercise::Model, LibraryError> {
    update::<exercise::Entity, _>(db, now, who, id, content).await
}

pub async fn copy_exercise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<exercise::Model, LibraryError> {
    copy::<exercise::Entity, _>(db, now, who, id).await
}

/// The editable content of a stored exercise.
pub fn exercise_content(row: &exercise::Model) -> Result<ExerciseContent, DbErr> {
    Ok(ExerciseContent {
        title: row.title.clone(),
        summary: row.summary.clone(),
        regions: row.regions.0.iter().map(|&r| r.into()).collect(),
        steps: row.steps.0.clone(),
        cautions: row.cautions.0.clone(),
        media_urls: row.media_urls.0.clone(),
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
    /// The check questions, already validated.
    pub questions: Vec<QuestionV1>,
}

pub async fn create_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    content: LessonContent,
    source_id: Option<Uuid>,
) -> Result<lesson::Model, DbErr> {
    create::<lesson::Entity, _>(db, now, who, content, source_id).await
}

pub async fn update_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    content: LessonContent,
) -> Result<lesson::Model, LibraryError> {
    update::<lesson::Entity, _>(db, now, who, id, content).await
}

pub async fn copy_lesson<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<lesson::Model, LibraryError> {
    copy::<lesson::Entity, _>(db, now, who, id).await
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
    let action = if hidden { AuditAction::LibraryHide } else { AuditAction::LibraryShow };
    audit::record(db, now, Event::by(who, action).resource(format!("library:{id}"))).await?;
    Ok(())
}
