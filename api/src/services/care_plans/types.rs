//! The plan's value types: statuses, weekdays, a dose, and the whole plan. No API or
//! storage derives here: `routes::plan_view_dto` and [`super::snapshot`] convert. A plan
//! runs only while active and within its dates.

use chrono::NaiveDate;
use entity::{care_plan, plan_goal};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::{content::Side, services::patients::PatientError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalView {
    pub id: Uuid,
    /// The activity, e.g. "turn my head to check the blind spot".
    pub activity: String,
    /// 0 (unable) – 10 (as before the problem).
    pub baseline: i16,
    pub target: i16,
    pub status: GoalStatus,
    /// When the target should be reached.
    pub target_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedLesson {
    pub plan_lesson_id: Uuid,
    pub lesson_id: Uuid,
    pub title: String,
    pub minutes: i16,
    /// The patient can open it from this local date on.
    pub unlock_date: NaiveDate,
}

/// A whole plan at one version. History stores it as a `PlanSnapshotV1` and the API
/// shows it as `routes::plan_view_dto::PlanViewDto`, each a type of its own, so either
/// may change without the other.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Plan of care: in-clinic sessions per week.
    pub sessions_per_week: Option<i16>,
    /// Plan of care: for how many weeks.
    pub duration_weeks: Option<i16>,
    /// When the patient is due for re-evaluation.
    pub reevaluation_due: Option<NaiveDate>,
    /// The physician's current certification of the plan of care.
    pub certification: Option<Certification>,
}

/// A physician's certification of the plan of care. A recertification replaces it; the
/// plan's history keeps the earlier ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certification {
    /// The certifying physician.
    pub certified_by: String,
    pub certified_on: NaiveDate,
    /// The last day it covers; the plan needs recertifying after it.
    pub valid_until: NaiveDate,
}

impl PlanView {
    /// Whether exercises are prescribed on `date` at all (plan running and in its dates).
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        runs_on(self.status, self.start_date, self.end_date, date)
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
    #[error("this plan has been discharged and cannot be reopened; start a new plan")]
    Discharged,
    #[error("{1}")]
    Invalid(&'static str, &'static str),
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
