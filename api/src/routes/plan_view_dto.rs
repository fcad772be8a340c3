//! The plan as the API shows it: the whole plan at one version, its goals, exercises,
//! lessons and certification, and the two statuses. Each mirrors the service's domain
//! type and is made from it here, so the API may rename a field without touching the
//! domain or the stored snapshots (`entity::care_plan_version::PlanSnapshotV1`). The
//! schema names stay the domain names the spec has always used.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use crate::{content::Side, services::care_plans as domain};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "PlanStatus", rename_all = "snake_case")]
pub enum PlanStatusDto {
    Active,
    Paused,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "GoalStatus", rename_all = "snake_case")]
pub enum GoalStatusDto {
    Active,
    Achieved,
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "GoalView", skip_serializing_if_is_none)]
pub struct GoalViewDto {
    pub id: Uuid,
    /// The activity, e.g. "turn my head to check the blind spot".
    pub activity: String,
    /// 0 (unable) – 10 (as before the problem).
    pub baseline: i16,
    pub target: i16,
    pub status: GoalStatusDto,
    /// When the target should be reached.
    pub target_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "PrescribedExercise", skip_serializing_if_is_none)]
pub struct PrescribedExerciseDto {
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
#[oai(rename = "AssignedLesson")]
pub struct AssignedLessonDto {
    pub plan_lesson_id: Uuid,
    pub lesson_id: Uuid,
    pub title: String,
    pub minutes: i16,
    /// The patient can open it from this local date on.
    pub unlock_date: NaiveDate,
}

// The doc line below is the schema's description in the committed spec, kept word for
// word so the spec does not change.
/// A whole plan at one version: the API's view of a plan and what history stores.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "PlanView", skip_serializing_if_is_none)]
pub struct PlanViewDto {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub title: String,
    pub status: PlanStatusDto,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Goes up by one with every change.
    pub version: i32,
    pub goals: Vec<GoalViewDto>,
    pub exercises: Vec<PrescribedExerciseDto>,
    pub lessons: Vec<AssignedLessonDto>,
    /// Plan of care: in-clinic sessions per week.
    pub sessions_per_week: Option<i16>,
    /// Plan of care: for how many weeks.
    pub duration_weeks: Option<i16>,
    /// When the patient is due for re-evaluation.
    pub reevaluation_due: Option<NaiveDate>,
    /// The physician's current certification of the plan of care.
    pub certification: Option<CertificationDto>,
}

/// A physician's certification of the plan of care. A recertification replaces it; the
/// plan's history keeps the earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename = "Certification")]
pub struct CertificationDto {
    /// The certifying physician.
    pub certified_by: String,
    pub certified_on: NaiveDate,
    /// The last day it covers; the plan needs recertifying after it.
    pub valid_until: NaiveDate,
}

// Both ways spelled out, so a status added on one side and not the other does not compile.
impl From<domain::PlanStatus> for PlanStatusDto {
    fn from(s: domain::PlanStatus) -> Self {
        match s {
            domain::PlanStatus::Active => Self::Active,
            domain::PlanStatus::Paused => Self::Paused,
            domain::PlanStatus::Completed => Self::Completed,
        }
    }
}

impl From<PlanStatusDto> for domain::PlanStatus {
    fn from(s: PlanStatusDto) -> Self {
        match s {
            PlanStatusDto::Active => Self::Active,
            PlanStatusDto::Paused => Self::Paused,
            PlanStatusDto::Completed => Self::Completed,
        }
    }
}

impl From<domain::GoalStatus> for GoalStatusDto {
    fn from(s: domain::GoalStatus) -> Self {
        match s {
            domain::GoalStatus::Active => Self::Active,
            domain::GoalStatus::Achieved => Self::Achieved,
            domain::GoalStatus::Dropped => Self::Dropped,
        }
    }
}

impl From<GoalStatusDto> for domain::GoalStatus {
    fn from(s: GoalStatusDto) -> Self {
        match s {
            GoalStatusDto::Active => Self::Active,
            GoalStatusDto::Achieved => Self::Achieved,
            GoalStatusDto::Dropped => Self::Dropped,
        }
    }
}

impl From<domain::GoalView> for GoalViewDto {
    fn from(g: domain::GoalView) -> Self {
        Self {
            id: g.id,
            activity: g.activity,
            baseline: g.baseline,
            target: g.target,
            status: g.status.into(),
            target_date: g.target_date,
        }
    }
}

impl From<domain::PrescribedExercise> for PrescribedExerciseDto {
    fn from(e: domain::PrescribedExercise) -> Self {
        Self {
            plan_exercise_id: e.plan_exercise_id,
            exercise_id: e.exercise_id,
            title: e.title,
            sets: e.sets,
            reps: e.reps,
            hold_seconds: e.hold_seconds,
            side: e.side,
            times_per_day: e.times_per_day,
            days_of_week: e.days_of_week,
            rest_seconds: e.rest_seconds,
            notes: e.notes,
            position: e.position,
        }
    }
}

impl From<domain::AssignedLesson> for AssignedLessonDto {
    fn from(l: domain::AssignedLesson) -> Self {
        Self {
            plan_lesson_id: l.plan_lesson_id,
            lesson_id: l.lesson_id,
            title: l.title,
            minutes: l.minutes,
            unlock_date: l.unlock_date,
        }
    }
}

impl From<domain::Certification> for CertificationDto {
    fn from(c: domain::Certification) -> Self {
        Self { certified_by: c.certified_by, certified_on: c.certified_on, valid_until: c.valid_until }
    }
}

impl From<domain::PlanView> for PlanViewDto {
    fn from(p: domain::PlanView) -> Self {
        Self {
            id: p.id,
            patient_id: p.patient_id,
            therapist_id: p.therapist_id,
            title: p.title,
            status: p.status.into(),
            start_date: p.start_date,
            end_date: p.end_date,
            version: p.version,
            goals: p.goals.into_iter().map(Into::into).collect(),
            exercises: p.exercises.into_iter().map(Into::into).collect(),
            lessons: p.lessons.into_iter().map(Into::into).collect(),
            sessions_per_week: p.sessions_per_week,
            duration_weeks: p.duration_weeks,
            reevaluation_due: p.reevaluation_due,
            certification: p.certification.map(Into::into),
        }
    }
}
