//! Offline sync: everything of the patient's that changed since a cursor.
//!
//! The cursor is the server time of the previous sync. Rows are matched from a little
//! before it, because a transaction that began before that sync may commit after it;
//! records carry their ids, so the PWA simply overwrites what it gets twice.

use chrono::{DateTime, Duration, Utc};
use entity::{care_plan, check_in, exercise, exercise_log, lesson, lesson_completion};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::services::care_plans::{self, PlanView};
use crate::services::patients::PatientScope;

const OVERLAP: Duration = Duration::seconds(30);
/// A first sync brings this much log history.
const FIRST_SYNC_HISTORY: Duration = Duration::days(90);

pub struct Changes {
    /// The patient's newest plan, when it (or a library item in it) changed.
    pub plan: Option<PlanView>,
    pub exercises: Vec<exercise::Model>,
    pub lessons: Vec<lesson::Model>,
    pub logs: Vec<exercise_log::Model>,
    pub completions: Vec<lesson_completion::Model>,
    /// Check-ins created, edited or withdrawn (withdrawn ones carry `deleted_at`).
    pub check_ins: Vec<check_in::Model>,
    pub cursor: DateTime<Utc>,
}

pub async fn changes<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Changes, DbErr> {
    let patient_id = patient.uuid();
    let from = since.map(|s| s - OVERLAP).unwrap_or(now - FIRST_SYNC_HISTORY);
    let newest = care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .order_by_desc(care_plan::Column::Id)
        .one(db)
        .await?;
    let (mut plan, mut exercises, mut lessons) = (None, vec![], vec![]);
    if let Some(newest) = newest {
        let view = care_plans::view(db, &newest).await?;
        let exercise_rows = exercise::Entity::find()
            .filter(exercise::Column::Id.is_in(view.exercises.iter().map(|e| e.exercise_id)))
            .all(db)
            .await?;
        let lesson_rows = lesson::Entity::find()
            .filter(lesson::Column::Id.is_in(view.lessons.iter().map(|l| l.lesson_id)))
            .all(db)
            .await?;
        let changed = since.is_none()
            || newest.updated_at > from
            || exercise_rows.iter().any(|e| e.updated_at > from)
            || lesson_rows.iter().any(|l| l.updated_at > from);
        if changed {
            plan = Some(view);
            exercises = exercise_rows;
            lessons = lesson_rows;
        }
    }
    let logs = exercise_log::Entity::find()
        .filter(exercise_log::Column::PatientId.eq(patient_id))
        .filter(exercise_log::Column::CreatedAt.gt(from))
        .order_by_asc(exercise_log::Column::CreatedAt)
        .all(db)
        .await?;
    let completions = lesson_completion::Entity::find()
        .filter(lesson_completion::Column::PatientId.eq(patient_id))
        .filter(lesson_completion::Column::CreatedAt.gt(from))
        .all(db)
        .await?;
    let check_ins = check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::UpdatedAt.gt(from))
        .order_by_asc(check_in::Column::UpdatedAt)
        .all(db)
        .await?;
    Ok(Changes { plan, exercises, lessons, logs, completions, check_ins, cursor: now })
}
