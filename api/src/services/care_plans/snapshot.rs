//! Plans to and from their stored snapshot (`entity::care_plan_version::PlanSnapshotV1`,
//! which the column decodes). The API types are read from history only through these
//! conversions, so they may change.

use entity::care_plan_version::{
    CertificationV1, ExerciseV1, GoalStatusV1, GoalV1, LessonV1, PlanOfCareV1, PlanSnapshotV1, PlanStatusV1, SideV1,
};

use super::{AssignedLesson, Certification, GoalStatus, GoalView, PlanStatus, PlanView, PrescribedExercise};
use crate::content::Side;

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
                    target_date: g.target_date,
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
            plan_of_care: {
                let empty = v.sessions_per_week.is_none()
                    && v.duration_weeks.is_none()
                    && v.reevaluation_due.is_none()
                    && v.certification.is_none();
                (!empty).then(|| PlanOfCareV1 {
                    sessions_per_week: v.sessions_per_week,
                    duration_weeks: v.duration_weeks,
                    reevaluation_due: v.reevaluation_due,
                    certification: v.certification.as_ref().map(|c| CertificationV1 {
                        certified_by: c.certified_by.clone(),
                        certified_on: c.certified_on,
                        valid_until: c.valid_until,
                    }),
                })
            },
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
                    target_date: g.target_date,
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
            sessions_per_week: s.plan_of_care.as_ref().and_then(|p| p.sessions_per_week),
            duration_weeks: s.plan_of_care.as_ref().and_then(|p| p.duration_weeks),
            reevaluation_due: s.plan_of_care.as_ref().and_then(|p| p.reevaluation_due),
            certification: s.plan_of_care.and_then(|p| p.certification).map(|c| Certification {
                certified_by: c.certified_by,
                certified_on: c.certified_on,
                valid_until: c.valid_until,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::JsonText;

    /// `text` as the `care_plan_version.snapshot` column decodes it when a row is read.
    fn decode(text: &str) -> PlanSnapshotV1 {
        JsonText::from_text("care_plan_version.snapshot", text).expect("the stored format is readable").into_inner()
    }

    /// The API type is read from history only through the stored type, so its fields may
    /// be renamed: an old snapshot becomes today's `PlanView` field by field.
    #[test]
    fn an_old_snapshot_reads_as_the_current_plan_view() {
        let stored = r#"{"id":"01936f3e-8a00-7000-8000-000000000001","patient_id":"01936f3e-8a00-7000-8000-000000000002","therapist_id":"01936f3e-8a00-7000-8000-000000000003","title":"Neck","status":"paused","start_date":"2026-11-02","end_date":"2026-12-02","version":2,"goals":[{"id":"01936f3e-8a00-7000-8000-000000000004","activity":"Reverse the car","baseline":2,"target":7,"status":"achieved"}],"exercises":[{"plan_exercise_id":"01936f3e-8a00-7000-8000-000000000005","exercise_id":"01936f3e-8a00-7000-8000-000000000006","title":"Doorway stretch","sets":3,"reps":1,"hold_seconds":30,"side":"both","times_per_day":1,"days_of_week":[1,2,3,4,5],"rest_seconds":15,"notes":null,"position":1}],"lessons":[]}"#;
        let view = PlanView::from(decode(stored));
        assert_eq!(view.status, PlanStatus::Paused);
        assert_eq!(view.end_date, Some("2026-12-02".parse().unwrap()));
        assert_eq!(view.goals[0].status, GoalStatus::Achieved);
        assert_eq!(view.exercises[0].side, Side::Both);
        assert_eq!(view.exercises[0].notes, None);
        assert_eq!(PlanView::from(PlanSnapshotV1::from(&view)), view);
    }

    /// The plan of care and goal target dates ride in the snapshot, so history keeps
    /// each certification a recertification replaced.
    #[test]
    fn a_plan_of_care_survives_the_snapshot() {
        let stored = r#"{"id":"01936f3e-8a00-7000-8000-000000000001","patient_id":"01936f3e-8a00-7000-8000-000000000002","therapist_id":"01936f3e-8a00-7000-8000-000000000003","title":"Neck","status":"active","start_date":"2026-11-02","end_date":null,"version":2,"goals":[{"id":"01936f3e-8a00-7000-8000-000000000004","activity":"Reverse the car","baseline":2,"target":7,"status":"active"}],"exercises":[],"lessons":[]}"#;
        let mut view = PlanView::from(decode(stored));
        assert_eq!((view.sessions_per_week, view.certification.clone(), view.goals[0].target_date), (None, None, None));
        view.sessions_per_week = Some(2);
        view.reevaluation_due = Some("2026-11-20".parse().unwrap());
        view.goals[0].target_date = Some("2026-12-01".parse().unwrap());
        view.certification = Some(Certification {
            certified_by: "Dr. Brandt".into(),
            certified_on: "2026-11-02".parse().unwrap(),
            valid_until: "2027-01-31".parse().unwrap(),
        });
        let text = JsonText(PlanSnapshotV1::from(&view)).to_text();
        assert_eq!(PlanView::from(decode(&text)), view);
    }
}
