//! Whether a due reminder is still needed: small questions about the patient's day and
//! sessions, asked just before sending. Kept apart from the lease and send machinery in
//! `dispatch`, which only needs the answer. A daily reminder that is backing off after
//! ignored days (see `super::adaptive`) is not needed on its off days.

use chrono::Duration;
use entity::{appointment, check_in, reminder_occurrence};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::kinds::{Anchor, ReminderKind};
use crate::services::{check_ins, patients::PatientScope, reminder_adaptation, today};

/// Why the reminder is not needed any more, if it is not.
pub(super) async fn already_done<C: ConnectionTrait>(
    db: &C,
    kind: ReminderKind,
    occ: &reminder_occurrence::Model,
) -> Result<Option<&'static str>, DbErr> {
    // The occurrence row names its patient; the worker answers for no caller.
    let (patient, date) = (PatientScope::trusted(occ.patient_id), occ.local_date);
    if kind.session_offset().is_none() && !reminder_adaptation::sends_on(db, occ.rule_id, date).await? {
        return Ok(Some("backing off after ignored days"));
    }
    match kind {
        ReminderKind::Exercises => Ok(match today::exercises_done_on(db, patient, date).await? {
            today::ExercisesOn::NothingPrescribed => Some("nothing prescribed that day"),
            today::ExercisesOn::AllDone => Some("exercises already done"),
            today::ExercisesOn::Pending => None,
        }),
        ReminderKind::Lesson => {
            let waiting = today::lesson_waiting_on(db, patient, date).await?;
            Ok(if waiting { None } else { Some("no lesson unlocks that day or it is done") })
        }
        ReminderKind::CheckIn => {
            let logged = check_ins::done_on(db, patient, date).await?;
            Ok(logged.then_some("check-in already logged that day"))
        }
        ReminderKind::Appointment24h | ReminderKind::Appointment2h | ReminderKind::PostSession => {
            let (anchor, offset) = kind.session_offset().expect("session kinds have an offset");
            let at = occ.due_at - Duration::minutes(offset);
            let session = appointment::Entity::find().filter(appointment::Column::PatientId.eq(patient.uuid()));
            let session = match anchor {
                Anchor::SessionStart => session
                    .filter(appointment::Column::StartsAt.eq(at))
                    .filter(appointment::Column::Status.eq(appointment::Status::Scheduled)),
                Anchor::SessionEnd => session.filter(appointment::Column::EndsAt.eq(at)).filter(
                    appointment::Column::Status.is_in([appointment::Status::Scheduled, appointment::Status::Completed]),
                ),
            };
            if session.count(db).await? == 0 {
                return Ok(Some("session cancelled or moved"));
            }
            if anchor == Anchor::SessionEnd {
                let logged = check_in::Entity::find()
                    .filter(check_in::Column::PatientId.eq(patient.uuid()))
                    .filter(check_in::Column::RecordedAt.gte(at))
                    .filter(check_in::Column::DeletedAt.is_null())
                    .count(db)
                    .await?;
                if logged > 0 {
                    return Ok(Some("check-in already logged after the session"));
                }
            }
            Ok(None)
        }
    }
}
