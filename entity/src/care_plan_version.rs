use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An immutable snapshot of a plan as it stood from `created_at` on: what was
/// prescribed on any past day stays answerable after later edits.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_plan_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub changed_by: Uuid,
    /// What changed.
    pub change: Change,
    /// JSON of the whole plan at this version ([`PlanSnapshotV1`]).
    pub snapshot: crate::JsonText<PlanSnapshotV1>,
}

/// What a plan version changed; stored as the words earlier builds wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(64))")]
pub enum Change {
    #[sea_orm(string_value = "created")]
    Created,
    #[sea_orm(string_value = "plan_updated")]
    PlanUpdated,
    #[sea_orm(string_value = "goal_added")]
    GoalAdded,
    #[sea_orm(string_value = "goal_updated")]
    GoalUpdated,
    #[sea_orm(string_value = "exercise_added")]
    ExerciseAdded,
    #[sea_orm(string_value = "exercise_changed")]
    ExerciseChanged,
    #[sea_orm(string_value = "exercise_removed")]
    ExerciseRemoved,
    #[sea_orm(string_value = "exercise_moved")]
    ExerciseMoved,
    #[sea_orm(string_value = "lesson_added")]
    LessonAdded,
    #[sea_orm(string_value = "lesson_removed")]
    LessonRemoved,
    #[sea_orm(string_value = "certified")]
    Certified,
    #[sea_orm(string_value = "recertified")]
    Recertified,
    #[sea_orm(string_value = "discharged")]
    Discharged,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// The snapshot of a whole care plan kept for every version, so "what was prescribed on
// day D" can be answered years later. It is decoded by these types alone, never by the
// API's DTOs, so renaming a DTO cannot make history unreadable.
//
// Version 1 is the format written since plan history began: field names as below, enums
// as `snake_case` strings, dates `YYYY-MM-DD`. Unknown fields are ignored, so a later
// build may add fields without breaking older readers. Fields added later (the plan of
// care, goal target dates) are optional and absent from older snapshots.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatusV1 {
    Active,
    Paused,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatusV1 {
    Active,
    Achieved,
    Dropped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SideV1 {
    Left,
    Right,
    Both,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalV1 {
    pub id: Uuid,
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
    pub status: GoalStatusV1,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseV1 {
    pub plan_exercise_id: Uuid,
    pub exercise_id: Uuid,
    pub title: String,
    pub sets: i16,
    pub reps: i16,
    pub hold_seconds: i16,
    pub side: SideV1,
    pub times_per_day: i16,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days_of_week: Vec<u8>,
    pub rest_seconds: i16,
    pub notes: Option<String>,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonV1 {
    pub plan_lesson_id: Uuid,
    pub lesson_id: Uuid,
    pub title: String,
    pub minutes: i16,
    pub unlock_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSnapshotV1 {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub therapist_id: Uuid,
    pub title: String,
    pub status: PlanStatusV1,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub version: i32,
    pub goals: Vec<GoalV1>,
    pub exercises: Vec<ExerciseV1>,
    pub lessons: Vec<LessonV1>,
    /// The plan of care as it stood at this version (so earlier certifications are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_of_care: Option<PlanOfCareV1>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOfCareV1 {
    pub sessions_per_week: Option<i16>,
    pub duration_weeks: Option<i16>,
    pub reevaluation_due: Option<Date>,
    pub certification: Option<CertificationV1>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationV1 {
    pub certified_by: String,
    pub certified_on: Date,
    pub valid_until: Date,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    const COLUMN: &str = "care_plan_version.snapshot";

    /// A snapshot exactly as an earlier build stored it. It is decoded by the stored type
    /// alone, so renaming or reshaping the API's plan DTO cannot make history unreadable.
    const STORED_BEFORE_THE_TYPED_CORE: &str = r#"{"id":"01936f3e-8a00-7000-8000-000000000001","patient_id":"01936f3e-8a00-7000-8000-000000000002","therapist_id":"01936f3e-8a00-7000-8000-000000000003","title":"Neck and shoulders","status":"active","start_date":"2026-11-02","end_date":null,"version":3,"goals":[{"id":"01936f3e-8a00-7000-8000-000000000004","activity":"Check the blind spot","baseline":3,"target":8,"status":"active"}],"exercises":[{"plan_exercise_id":"01936f3e-8a00-7000-8000-000000000005","exercise_id":"01936f3e-8a00-7000-8000-000000000006","title":"Chin tuck","sets":2,"reps":10,"hold_seconds":5,"side":"none","times_per_day":2,"days_of_week":[1,3,5],"rest_seconds":30,"notes":"slowly","position":0}],"lessons":[{"plan_lesson_id":"01936f3e-8a00-7000-8000-000000000007","lesson_id":"01936f3e-8a00-7000-8000-000000000008","title":"Screen height","minutes":4,"unlock_date":"2026-11-04"}]}"#;

    #[test]
    fn an_old_snapshot_still_decodes() {
        let snapshot = JsonText::<PlanSnapshotV1>::from_text(COLUMN, STORED_BEFORE_THE_TYPED_CORE)
            .expect("the stored format is readable")
            .into_inner();
        assert_eq!(snapshot.version, 3);
        assert_eq!(snapshot.status, PlanStatusV1::Active);
        assert_eq!(snapshot.goals[0].status, GoalStatusV1::Active);
        assert_eq!(snapshot.exercises[0].side, SideV1::None);
        assert_eq!(snapshot.exercises[0].days_of_week, vec![1, 3, 5]);
        assert_eq!(snapshot.lessons[0].unlock_date, "2026-11-04".parse::<Date>().unwrap());
    }

    #[test]
    fn a_snapshot_reads_back_what_was_written() {
        let snapshot = JsonText::<PlanSnapshotV1>::from_text(COLUMN, STORED_BEFORE_THE_TYPED_CORE).unwrap();
        assert_eq!(JsonText::from_text(COLUMN, &snapshot.to_text()).unwrap(), snapshot);
    }

    /// The optional fields added later are left out when empty, so a plan without them is
    /// written with the very bytes earlier builds wrote.
    #[test]
    fn a_snapshot_is_written_as_earlier_builds_wrote_it() {
        let snapshot = JsonText::<PlanSnapshotV1>::from_text(COLUMN, STORED_BEFORE_THE_TYPED_CORE).unwrap();
        assert_eq!(snapshot.to_text(), STORED_BEFORE_THE_TYPED_CORE);
    }

    #[test]
    fn a_corrupt_snapshot_is_an_error() {
        let decoded = JsonText::<PlanSnapshotV1>::from_text(COLUMN, r#"{"id":"not a uuid"}"#);
        assert!(matches!(decoded, Err(DbErr::Json(msg)) if msg.starts_with("care_plan_version.snapshot: ")));
    }
}
