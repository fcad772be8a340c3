//! Whether a due reminder is still needed: small questions about the patient's day and
//! sessions, asked just before sending. Kept apart from the lease and send machinery in
//! `dispatch`, which only needs the answer. A daily reminder that is backing off after
//! ignored days (see `super::adaptive`) is not needed on its off days.
//!
//! The two questions nearly every occurrence asks (is its rule backing off, did the
//! patient check in that day) are answered for a whole leased batch at once by
//! [`BatchFacts::load`]: two queries per batch instead of two per occurrence. On
//! PostgreSQL each of those per-occurrence queries was a round trip to the server, and
//! they were most of a delivery's cost.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use entity::{appointment, check_in, reminder_adaptation, reminder_occurrence};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    adaptive,
    kinds::{Anchor, ReminderKind},
};
use crate::services::{patients::PatientScope, today};

/// Facts about a batch of occurrences, read with one query each before any is sent.
#[derive(Debug, Default)]
pub(super) struct BatchFacts {
    /// Since when each rule of the batch has been backing off (rules without an
    /// adaptation row, or not backing off, are absent).
    backoff_since: HashMap<Uuid, NaiveDate>,
    /// The (patient, local date) pairs of the batch's check-in occurrences on which the
    /// patient has a check-in that is not withdrawn.
    checked_in: HashSet<(Uuid, NaiveDate)>,
}

impl BatchFacts {
    pub(super) async fn load<C: ConnectionTrait>(db: &C, batch: &[&reminder_occurrence::Model]) -> Result<Self, DbErr> {
        let daily: HashSet<Uuid> =
            batch.iter().filter(|o| ReminderKind::from(o.kind).session_offset().is_none()).map(|o| o.rule_id).collect();
        let mut backoff_since = HashMap::new();
        if !daily.is_empty() {
            let rows: Vec<(Uuid, Option<NaiveDate>)> = reminder_adaptation::Entity::find()
                .select_only()
                .column(reminder_adaptation::Column::RuleId)
                .column(reminder_adaptation::Column::BackoffSince)
                .filter(reminder_adaptation::Column::RuleId.is_in(daily))
                .into_tuple()
                .all(db)
                .await?;
            backoff_since.extend(rows.into_iter().filter_map(|(rule, since)| Some((rule, since?))));
        }
        let asked: HashSet<(Uuid, NaiveDate)> = batch
            .iter()
            .filter(|o| ReminderKind::from(o.kind) == ReminderKind::CheckIn)
            .map(|o| (o.patient_id, o.local_date))
            .collect();
        let mut checked_in = HashSet::new();
        if !asked.is_empty() {
            let patients: HashSet<Uuid> = asked.iter().map(|(p, _)| *p).collect();
            let dates: HashSet<NaiveDate> = asked.iter().map(|(_, d)| *d).collect();
            // Patients × dates may name pairs nobody asked about; those are dropped below.
            // Only the key columns are read, so a row whose other values do not decode
            // cannot keep a reminder from going out.
            let rows: Vec<(Uuid, NaiveDate)> = check_in::Entity::find()
                .select_only()
                .column(check_in::Column::PatientId)
                .column(check_in::Column::LocalDate)
                .distinct()
                .filter(check_in::Column::PatientId.is_in(patients))
                .filter(check_in::Column::LocalDate.is_in(dates))
                .filter(check_in::Column::DeletedAt.is_null())
                .into_tuple()
                .all(db)
                .await?;
            checked_in.extend(rows.into_iter().filter(|pair| asked.contains(pair)));
        }
        Ok(Self { backoff_since, checked_in })
    }
}

/// Why the reminder is not needed any more, if it is not. `facts` must have been loaded
/// for a batch holding `occ`.
pub(super) async fn already_done<C: ConnectionTrait>(
    db: &C,
    facts: &BatchFacts,
    kind: ReminderKind,
    occ: &reminder_occurrence::Model,
) -> Result<Option<&'static str>, DbErr> {
    // The occurrence row names its patient; the worker answers for no caller.
    let (patient, date) = (PatientScope::trusted(occ.patient_id), occ.local_date);
    if kind.session_offset().is_none() && !adaptive::sends_on(facts.backoff_since.get(&occ.rule_id).copied(), date) {
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
            let logged = facts.checked_in.contains(&(occ.patient_id, date));
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
