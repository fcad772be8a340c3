//! Care plans: what a therapist prescribes for home, and its history.
//!
//! Every change runs in one write transaction that applies it, bumps the plan's
//! version and stores a snapshot of the whole plan as it now stands. Snapshots are never
//! changed, so "what was prescribed on day D" is the last snapshot taken before D ended.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan, care_plan_version, exercise, lesson, plan_exercise, plan_goal, plan_lesson};
use poem_openapi::{Enum, Object};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    content::Side,
    db,
    services::{
        audit::{self, Event},
        patients::{self, PatientError},
    },
    stored::plan::{ExerciseV1, GoalStatusV1, GoalV1, LessonV1, PlanSnapshotV1, PlanStatusV1, SideV1},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    Paused,
    Completed,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Active => "active",
            PlanStatus::Paused => "paused",
            PlanStatus::Completed => "completed",
        }
    }
}

impl From<care_plan::Status> for PlanStatus {
    fn from(s: care_plan::Status) -> Self {
        match s {
            care_plan::Status::Active => PlanStatus::Active,
            care_plan::Status::Paused => PlanStatus::Paused,
            care_plan::Status::Completed => PlanStatus::Completed,
        }
    }
}

impl From<PlanStatus> for care_plan::Status {
    fn from(s: PlanStatus) -> Self {
        match s {
            PlanStatus::Active => care_plan::Status::Active,
            PlanStatus::Paused => care_plan::Status::Paused,
            PlanStatus::Completed => care_plan::Status::Completed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum GoalStatus {
    Active,
    Achieved,
    Dropped,
}

impl GoalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::Active => "active",
            GoalStatus::Achieved => "achieved",
            GoalStatus::Dropped => "dropped",
        }
    }
}

impl From<plan_goal::Status> for GoalStatus {
    fn from(s: plan_goal::Status) -> Self {
        match s {
            plan_goal::Status::Active => GoalStatus::Active,
            plan_goal::Status::Achieved => GoalStatus::Achieved,
            plan_goal::Status::Dropped => GoalStatus::Dropped,
        }
    }
}

impl From<GoalStatus> for plan_goal::Status {
    fn from(s: GoalStatus) -> Self {
        match s {
            GoalStatus::Active => plan_goal::Status::Active,
            GoalStatus::Achieved => plan_goal::Status::Achieved,
            GoalStatus::Dropped => plan_goal::Status::Dropped,
        }
    }
}

/// Days of the week as a set of ISO weekday numbers (1 = Monday … 7 = Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays(u8);

impl Weekdays {
    /// At least one day, each 1–7.
    pub fn from_iso(days: &[u8]) -> Option<Weekdays> {
        if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
            return None;
        }
        Some(Weekdays(days.iter().fold(0, |mask, d| mask | 1 << (d - 1))))
    }
    pub fn from_mask(mask: i16) -> Weekdays {
        Weekdays((mask & 0x7f) as u8)
    }
    pub fn mask(self) -> i16 {
        i16::from(self.0)
    }
    pub fn iso_days(self) -> Vec<u8> {
        (1..=7).filter(|d| self.0 & (1 << (d - 1)) != 0).collect()
    }
    pub fn contains(self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        self.0 & (1 << (date.weekday().number_from_monday() - 1)) != 0
    }
}

/// A validated dose for one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescription {
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: Side,
    pub times_per_day: i16,
    pub days: Weekdays,
    pub rest_seconds: i16,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct GoalView {
    pub id: Uuid,
    /// The activity, e.g. "turn my head to check the blind spot".
    pub activity: String,
    /// 0 (unable) – 10 (as before the problem).
    pub baseline: i16,
    pub target: i16,
    pub status: GoalStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PrescribedExercise {
    /// The assignment; exercise logs refer to it.
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub title: String,
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: Side,
    pub times_per_day: i16,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days_of_week: Vec<u8>,
    pub rest_seconds: i16,
    pub notes: Option<String>,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct AssignedLesson {
    pub plan_lesson_id: Uuid,
    pub lesson_id: Uuid,
    pub title: String,
    pub minutes: i16,
    /// The patient can open it from this local date on.
    pub unlock_date: NaiveDate,
}

// History stores a plan as a `PlanSnapshotV1`, a type of its own, so this API type may
// change with the API. (The doc line below is the schema's description in the spec.)
/// A whole plan at one version: the API's view of a plan and what history stores.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanView {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub title: String,
    pub status: PlanStatus,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Goes up by one with every change.
    pub version: i32,
    pub goals: Vec<GoalView>,
    pub exercises: Vec<PrescribedExercise>,
    pub lessons: Vec<AssignedLesson>,
}

impl PlanView {
    /// Whether exercises are prescribed on `date` at all (plan running and in its dates).
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        runs_on(self.status, self.start_date, self.end_date, date)
    }
}

impl From<&PlanView> for PlanSnapshotV1 {
    fn from(v: &PlanView) -> Self {
        Self {
            id: v.id,
            patient_id: v.patient_id,
            therapist_id: v.therapist_id,
            title: v.title.clone(),
            status: match v.status {
                PlanStatus::Active => PlanStatusV1::Active,
                PlanStatus::Paused => PlanStatusV1::Paused,
                PlanStatus::Completed => PlanStatusV1::Completed,
            },
            start_date: v.start_date,
            end_date: v.end_date,
            version: v.version,
            goals: v
                .goals
                .iter()
                .map(|g| GoalV1 {
                    id: g.id,
                    activity: g.activity.clone(),
                    baseline: g.baseline,
                    target: g.target,
                    status: match g.status {
                        GoalStatus::Active => GoalStatusV1::Active,
                        GoalStatus::Achieved => GoalStatusV1::Achieved,
                        GoalStatus::Dropped => GoalStatusV1::Dropped,
                    },
                })
                .collect(),
            exercises: v
                .exercises
                .iter()
                .map(|e| ExerciseV1 {
                    plan_exercise_id: e.plan_exercise_id,
                    exercise_id: e.exercise_id,
                    title: e.title.clone(),
                    sets: e.sets,
                    reps: e.reps,
                    hold_seconds: e.hold_seconds,
                    side: match e.side {
                        Side::Left => SideV1::Left,
                        Side::Right => SideV1::Right,
                        Side::Both => SideV1::Both,
                        Side::None => SideV1::None,
                    },
                    times_per_day: e.times_per_day,
                    days_of_week: e.days_of_week.clone(),
                    rest_seconds: e.rest_seconds,
                    notes: e.notes.clone(),
                    position: e.position,
                })
                .collect(),
            lessons: v
                .lessons
                .iter()
                .map(|l| LessonV1 {
                    plan_lesson_id: l.plan_lesson_id,
                    lesson_id: l.lesson_id,
                    title: l.title.clone(),
                    minutes: l.minutes,
                    unlock_date: l.unlock_date,
                })
                .collect(),
        }
    }
}

impl From<PlanSnapshotV1> for PlanView {
    fn from(s: PlanSnapshotV1) -> Self {
        Self {
            id: s.id,
            patient_id: s.patient_id,
            therapist_id: s.therapist_id,
            title: s.title,
            status: match s.status {
                PlanStatusV1::Active => PlanStatus::Active,
                PlanStatusV1::Paused => PlanStatus::Paused,
                PlanStatusV1::Completed => PlanStatus::Completed,
            },
            start_date: s.start_date,
            end_date: s.end_date,
            version: s.version,
            goals: s
                .goals
                .into_iter()
                .map(|g| GoalView {
                    id: g.id,
                    activity: g.activity,
                    baseline: g.baseline,
                    target: g.target,
                    status: match g.status {
                        GoalStatusV1::Active => GoalStatus::Active,
                        GoalStatusV1::Achieved => GoalStatus::Achieved,
                        GoalStatusV1::Dropped => GoalStatus::Dropped,
                    },
                })
                .collect(),
            exercises: s
                .exercises
                .into_iter()
                .map(|e| PrescribedExercise {
                    plan_exercise_id: e.plan_exercise_id,
                    exercise_id: e.exercise_id,
                    title: e.title,
                    sets: e.sets,
                    reps: e.reps,
                    hold_seconds: e.hold_seconds,
                    side: match e.side {
                        SideV1::Left => Side::Left,
                        SideV1::Right => Side::Right,
                        SideV1::Both => Side::Both,
                        SideV1::None => Side::None,
                    },
                    times_per_day: e.times_per_day,
                    days_of_week: e.days_of_week,
                    rest_seconds: e.rest_seconds,
                    notes: e.notes,
                    position: e.position,
                })
                .collect(),
            lessons: s
                .lessons
                .into_iter()
                .map(|l| AssignedLesson {
                    plan_lesson_id: l.plan_lesson_id,
                    lesson_id: l.lesson_id,
                    title: l.title,
                    minutes: l.minutes,
                    unlock_date: l.unlock_date,
                })
                .collect(),
        }
    }
}

/// Whether a plan with this status and these dates prescribes exercises on `date`.
pub fn runs_on(status: PlanStatus, start: NaiveDate, end: Option<NaiveDate>, date: NaiveDate) -> bool {
    status == PlanStatus::Active && date >= start && end.is_none_or(|end| date <= end)
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("not found")]
    NotFound,
    #[error("the patient already has an active plan; pause or complete it first")]
    ActivePlanExists,
    #[error("the {0} is not in this clinic's library")]
    UnknownLibraryItem(&'static str),
    #[error("end_date is before start_date")]
    BadDates,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for PlanError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => PlanError::Db(e),
            _ => PlanError::NotFound,
        }
    }
}

/// The plan, if `who` may see its patient.
pub async fn find_plan<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    plan_id: Uuid,
) -> Result<care_plan::Model, PlanError> {
    let plan = care_plan::Entity::find_by_id(plan_id).one(db).await?.ok_or(PlanError::NotFound)?;
    patients::find_visible(db, who, plan.patient_id).await?;
    Ok(plan)
}

/// The plan as it stands now, read from its rows: the goals, then the exercises and the
/// lessons, each joined with its library rows (three queries however long the plan).
pub async fn view<C: ConnectionTrait>(db: &C, plan: &care_plan::Model) -> Result<PlanView, DbErr> {
    let goals = plan_goal::Entity::find()
        .filter(plan_goal::Column::PlanId.eq(plan.id))
        .order_by_asc(plan_goal::Column::Id)
        .all(db)
        .await?;
    let exercises = prescribed(db, plan.id).await?.into_iter().map(|(p, _)| p).collect();
    let lessons = assigned_lessons(db, plan.id).await?;
    Ok(PlanView {
        id: plan.id,
        patient_id: plan.patient_id,
        therapist_id: plan.therapist_id,
        title: plan.title.clone(),
        status: plan.status.into(),
        start_date: plan.start_date,
        end_date: plan.end_date,
        version: plan.version,
        goals: goals
            .into_iter()
            .map(|g| GoalView {
                id: g.id,
                activity: g.activity,
                baseline: g.baseline,
                target: g.target,
                status: g.status.into(),
            })
            .collect(),
        exercises,
        lessons,
    })
}

/// The plan's current exercises in order, each with its library row (none if the row
/// is gone), in one query joining the library.
pub async fn prescribed<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
) -> Result<Vec<(PrescribedExercise, Option<exercise::Model>)>, DbErr> {
    let library = plan_exercise::Entity::belongs_to(exercise::Entity)
        .from(plan_exercise::Column::ExerciseId)
        .to(exercise::Column::Id)
        .into();
    let items = plan_exercise::Entity::find()
        .join(JoinType::LeftJoin, library)
        .select_also(exercise::Entity)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .order_by_asc(plan_exercise::Column::Position)
        .order_by_asc(plan_exercise::Column::Id)
        .all(db)
        .await?;
    Ok(items
        .into_iter()
        .map(|(pe, row)| {
            let p = PrescribedExercise {
                plan_exercise_id: pe.id,
                exercise_id: pe.exercise_id,
                title: row.as_ref().map(|r| r.title.clone()).unwrap_or_default(),
                sets: pe.sets,
                reps: pe.reps,
                hold_seconds: pe.hold_seconds,
                side: pe.side.into(),
                times_per_day: pe.times_per_day,
                days_of_week: Weekdays::from_mask(pe.days_mask).iso_days(),
                rest_seconds: pe.rest_seconds,
                notes: pe.notes,
                position: pe.position,
            };
            (p, row)
        })
        .collect())
}

/// The plan's current lessons by unlock date, with titles from the library, in one
/// query joining the library.
pub async fn assigned_lessons<C: ConnectionTrait>(db: &C, plan_id: Uuid) -> Result<Vec<AssignedLesson>, DbErr> {
    let library = plan_lesson::Entity::belongs_to(lesson::Entity)
        .from(plan_lesson::Column::LessonId)
        .to(lesson::Column::Id)
        .into();
    let lessons = plan_lesson::Entity::find()
        .join(JoinType::LeftJoin, library)
        .select_also(lesson::Entity)
        .filter(plan_lesson::Column::PlanId.eq(plan_id))
        .filter(plan_lesson::Column::RemovedAt.is_null())
        .order_by_asc(plan_lesson::Column::UnlockDate)
        .order_by_asc(plan_lesson::Column::Id)
        .all(db)
        .await?;
    Ok(lessons
        .into_iter()
        .map(|(pl, row)| {
            let row = row.as_ref();
            AssignedLesson {
                plan_lesson_id: pl.id,
                lesson_id: pl.lesson_id,
                title: row.map(|l| l.title.clone()).unwrap_or_default(),
                minutes: row.map(|l| l.minutes).unwrap_or_default(),
                unlock_date: pl.unlock_date,
            }
        })
        .collect())
}

/// Bumps the version and stores the snapshot; call inside the change's transaction.
async fn commit_change<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    change: &'static str,
) -> Result<PlanView, DbErr> {
    care_plan::Entity::update_many()
        .col_expr(care_plan::Column::Version, Expr::col(care_plan::Column::Version).add(1))
        .col_expr(care_plan::Column::UpdatedAt, Expr::value(now))
        .filter(care_plan::Column::Id.eq(plan_id))
        .exec(txn)
        .await?;
    let plan = care_plan::Entity::find_by_id(plan_id).one(txn).await?.ok_or(DbErr::RecordNotFound("plan".into()))?;
    let snapshot = view(txn, &plan).await?;
    care_plan_version::ActiveModel {
        plan_id: Set(plan_id),
        version: Set(plan.version),
        created_at: Set(now),
        changed_by: Set(who.user_id),
        change: Set(change.to_owned()),
        snapshot: Set(PlanSnapshotV1::from(&snapshot).encode()),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        Event::by(who, "care_plan.update").patient(plan.patient_id).resource(format!("care_plan:{plan_id}:{change}")),
    )
    .await?;
    Ok(snapshot)
}

pub struct NewPlan {
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

pub async fn create<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    new: NewPlan,
) -> Result<PlanView, PlanError> {
    let patient = patients::find_visible(db, who, patient_id).await?;
    if new.end_date.is_some_and(|end| end < new.start_date) {
        return Err(PlanError::BadDates);
    }
    let txn = db::begin_write(db).await?;
    let active = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
        .one(&txn)
        .await?;
    if active.is_some() {
        return Err(PlanError::ActivePlanExists);
    }
    let plan = care_plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(patient.clinic_id),
        patient_id: Set(patient_id),
        therapist_id: Set(who.user_id),
        title: Set(new.title),
        status: Set(care_plan::Status::Active),
        start_date: Set(new.start_date),
        end_date: Set(new.end_date),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let view = commit_change(&txn, now, who, plan.id, "created").await?;
    crate::services::reminder_rules::ensure_defaults(&txn, now, patient_id).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn list_for_patient<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
) -> Result<Vec<care_plan::Model>, PlanError> {
    patients::find_visible(db, who, patient_id).await?;
    let plans = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .order_by_desc(care_plan::Column::Id)
        .all(db)
        .await?;
    audit::record(db, now, Event::by(who, "care_plan.list").patient(patient_id)).await?;
    Ok(plans)
}

pub async fn get<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    audit::record(
        db,
        now,
        Event::by(who, "care_plan.read").patient(plan.patient_id).resource(format!("care_plan:{plan_id}")),
    )
    .await?;
    Ok(view(db, &plan).await?)
}

#[derive(Debug, Default)]
pub struct PlanChanges {
    pub title: Option<String>,
    pub status: Option<PlanStatus>,
    pub end_date: Option<Option<NaiveDate>>,
}

pub async fn update<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    changes: PlanChanges,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let end = changes.end_date.unwrap_or(plan.end_date);
    if end.is_some_and(|end| end < plan.start_date) {
        return Err(PlanError::BadDates);
    }
    let txn = db::begin_write(db).await?;
    if changes.status == Some(PlanStatus::Active) && plan.status != care_plan::Status::Active {
        let other_active = care_plan::Entity::find()
            .filter(care_plan::Column::PatientId.eq(plan.patient_id))
            .filter(care_plan::Column::Status.eq(care_plan::Status::Active))
            .one(&txn)
            .await?;
        if other_active.is_some() {
            return Err(PlanError::ActivePlanExists);
        }
    }
    let mut active: care_plan::ActiveModel = plan.into();
    if let Some(title) = changes.title {
        active.title = Set(title);
    }
    if let Some(status) = changes.status {
        active.status = Set(status.into());
    }
    active.end_date = Set(end);
    active.update(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "plan_updated").await?;
    txn.commit().await?;
    Ok(view)
}

pub struct NewGoal {
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
}

pub async fn add_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    goal: NewGoal,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let txn = db::begin_write(db).await?;
    plan_goal::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        activity: Set(goal.activity),
        baseline: Set(goal.baseline),
        target: Set(goal.target),
        status: Set(plan_goal::Status::Active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let view = commit_change(&txn, now, who, plan_id, "goal_added").await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn update_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    goal_id: Uuid,
    target: Option<i16>,
    status: Option<GoalStatus>,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let goal = plan_goal::Entity::find_by_id(goal_id)
        .filter(plan_goal::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    let txn = db::begin_write(db).await?;
    let mut active: plan_goal::ActiveModel = goal.into();
    if let Some(t) = target {
        active.target = Set(t);
    }
    if let Some(s) = status {
        active.status = Set(s.into());
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "goal_updated").await?;
    txn.commit().await?;
    Ok(view)
}

async fn check_visible_item<C: ConnectionTrait>(
    db: &C,
    clinic_id: Uuid,
    exercise_id: Option<Uuid>,
    lesson_id: Option<Uuid>,
) -> Result<(), PlanError> {
    let visible = |clinic: Option<Uuid>| clinic.is_none_or(|c| c == clinic_id);
    if let Some(id) = exercise_id {
        let row = exercise::Entity::find_by_id(id).one(db).await?;
        if !row.is_some_and(|r| visible(r.clinic_id)) {
            return Err(PlanError::UnknownLibraryItem("exercise"));
        }
    }
    if let Some(id) = lesson_id {
        let row = lesson::Entity::find_by_id(id).one(db).await?;
        if !row.is_some_and(|r| visible(r.clinic_id)) {
            return Err(PlanError::UnknownLibraryItem("lesson"));
        }
    }
    Ok(())
}

fn apply_prescription(row: &mut plan_exercise::ActiveModel, p: &Prescription) {
    row.sets = Set(p.sets);
    row.reps = Set(p.reps);
    row.hold_seconds = Set(p.hold_seconds);
    row.side = Set(p.side.into());
    row.times_per_day = Set(p.times_per_day);
    row.days_mask = Set(p.days.mask());
    row.rest_seconds = Set(p.rest_seconds);
    row.notes = Set(p.notes.clone());
}

pub async fn add_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    exercise_id: Uuid,
    prescription: Prescription,
    position: Option<i32>,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    check_visible_item(db, plan.clinic_id, Some(exercise_id), None).await?;
    let txn = db::begin_write(db).await?;
    let count = plan_exercise::Entity::find().filter(plan_exercise::Column::PlanId.eq(plan_id)).count(&txn).await?;
    let mut row = plan_exercise::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        exercise_id: Set(exercise_id),
        position: Set(position.unwrap_or(count as i32)),
        removed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_prescription(&mut row, &prescription);
    row.insert(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "exercise_added").await?;
    txn.commit().await?;
    Ok(view)
}

async fn find_item<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
    item_id: Uuid,
) -> Result<plan_exercise::Model, PlanError> {
    plan_exercise::Entity::find_by_id(item_id)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .filter(plan_exercise::Column::RemovedAt.is_null())
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)
}

pub async fn update_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    item_id: Uuid,
    prescription: Prescription,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let item = find_item(db, plan_id, item_id).await?;
    let txn = db::begin_write(db).await?;
    let mut row: plan_exercise::ActiveModel = item.into();
    apply_prescription(&mut row, &prescription);
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "exercise_changed").await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn remove_exercise<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    item_id: Uuid,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let item = plan_exercise::Entity::find_by_id(item_id)
        .filter(plan_exercise::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    // Removing twice is not an error (DELETE is idempotent) and changes nothing.
    if item.removed_at.is_some() {
        return Ok(view(db, &plan).await?);
    }
    let txn = db::begin_write(db).await?;
    let mut row: plan_exercise::ActiveModel = item.into();
    row.removed_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "exercise_removed").await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn add_lesson<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    lesson_id: Uuid,
    unlock_date: Option<NaiveDate>,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    check_visible_item(db, plan.clinic_id, None, Some(lesson_id)).await?;
    // A lesson without a date opens with the plan.
    let unlock_date = unlock_date.unwrap_or(plan.start_date);
    let txn = db::begin_write(db).await?;
    plan_lesson::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        lesson_id: Set(lesson_id),
        unlock_date: Set(unlock_date),
        removed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let view = commit_change(&txn, now, who, plan_id, "lesson_added").await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn remove_lesson<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    item_id: Uuid,
) -> Result<PlanView, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let item = plan_lesson::Entity::find_by_id(item_id)
        .filter(plan_lesson::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    if item.removed_at.is_some() {
        return Ok(view(db, &plan).await?);
    }
    let txn = db::begin_write(db).await?;
    let mut row: plan_lesson::ActiveModel = item.into();
    row.removed_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, "lesson_removed").await?;
    txn.commit().await?;
    Ok(view)
}

/// Every version's snapshot, oldest first, with the instant it took effect.
pub async fn versions<C: ConnectionTrait>(db: &C, plan_id: Uuid) -> Result<Vec<(DateTime<Utc>, PlanView)>, DbErr> {
    let rows = care_plan_version::Entity::find()
        .filter(care_plan_version::Column::PlanId.eq(plan_id))
        .order_by_asc(care_plan_version::Column::Version)
        .all(db)
        .await?;
    rows.into_iter().map(|r| Ok((r.created_at, PlanSnapshotV1::decode(&r.snapshot)?.into()))).collect()
}

/// The snapshot in force at the end of local day `date` in `tz`, if the plan existed then.
pub fn in_force_on(versions: &[(DateTime<Utc>, PlanView)], date: NaiveDate, tz: chrono_tz::Tz) -> Option<&PlanView> {
    let end_of_day = crate::services::local_day_end(date, tz);
    versions.iter().rev().find(|(at, _)| *at < end_of_day).map(|(_, v)| v)
}

/// The plan as prescribed on local `date` (default: the patient's today).
pub async fn prescribed_on<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: Uuid,
    date: Option<NaiveDate>,
) -> Result<Option<PlanView>, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let tz = crate::services::patient_timezone(db, plan.patient_id).await?;
    let date = date.unwrap_or_else(|| crate::services::local_date(now, tz));
    let all = versions(db, plan_id).await?;
    audit::record(
        db,
        now,
        Event::by(who, "care_plan.history_read").patient(plan.patient_id).resource(format!("care_plan:{plan_id}")),
    )
    .await?;
    Ok(in_force_on(&all, date, tz).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API type is read from history only through the stored type, so its fields may
    /// be renamed: an old snapshot becomes today's `PlanView` field by field.
    #[test]
    fn an_old_snapshot_reads_as_the_current_plan_view() {
        let stored = r#"{"id":"01936f3e-8a00-7000-8000-000000000001","patient_id":"01936f3e-8a00-7000-8000-000000000002","therapist_id":"01936f3e-8a00-7000-8000-000000000003","title":"Neck","status":"paused","start_date":"2026-11-02","end_date":"2026-12-02","version":2,"goals":[{"id":"01936f3e-8a00-7000-8000-000000000004","activity":"Reverse the car","baseline":2,"target":7,"status":"achieved"}],"exercises":[{"plan_exercise_id":"01936f3e-8a00-7000-8000-000000000005","exercise_id":"01936f3e-8a00-7000-8000-000000000006","title":"Doorway stretch","sets":3,"reps":1,"hold_seconds":30,"side":"both","times_per_day":1,"days_of_week":[1,2,3,4,5],"rest_seconds":15,"notes":null,"position":1}],"lessons":[]}"#;
        let view = PlanView::from(PlanSnapshotV1::decode(stored).unwrap());
        assert_eq!(view.status, PlanStatus::Paused);
        assert_eq!(view.end_date, Some("2026-12-02".parse().unwrap()));
        assert_eq!(view.goals[0].status, GoalStatus::Achieved);
        assert_eq!(view.exercises[0].side, Side::Both);
        assert_eq!(view.exercises[0].notes, None);
        assert_eq!(PlanView::from(PlanSnapshotV1::from(&view)), view);
    }
}
