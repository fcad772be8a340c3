//! Outcome measures for one patient: which instruments the therapist scheduled and how
//! often, which are due on a local day, and the patient's scored responses.
//!
//! A measure is due on day D when D falls in a period (`starts_on` + k × `every_days`)
//! that has no response yet, so answering late in a period still counts for it and a
//! missed period is not carried over. Licensed instruments can be scheduled only once
//! the clinic has supplied their item text.

use crate::ids::ClinicId;
use crate::services::patients::{PatientScope, Visible};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{AuditAction, InstrumentId, JsonText, clinic_instrument, measure_response, measure_schedule};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::{
    auth::{PatientPrincipal, Principal},
    clinical::instruments::{self, Instrument, Items},
    db,
    services::{
        audit::{self, Event},
        exercise_logs::Stored,
        local_date,
        patients::{PatientError, find_visible},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error("patient not found")]
    PatientNotFound,
    #[error("no such instrument")]
    UnknownInstrument,
    #[error("this instrument's item text is licensed; a clinic admin must supply it first")]
    NotEnabled,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("measure not found")]
    NotFound,
    #[error("{0}")]
    Score(#[from] instruments::ScoreError),
    #[error("{0}")]
    LicensedText(#[from] instruments::LicensedTextError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PatientError> for MeasureError {
    fn from(e: PatientError) -> Self {
        match e {
            PatientError::Db(e) => Self::Db(e),
            _ => Self::PatientNotFound,
        }
    }
}

mod forms;

use forms::form_with;
pub use forms::{Form, FormItem, LicensedTextInput, form, licence_name, licensed_enabled, supply_licensed_text};

pub fn instrument(id: &str) -> Result<&'static Instrument, MeasureError> {
    instruments::find(id).ok_or(MeasureError::UnknownInstrument)
}

/// The registry entry of the instrument a schedule holds. Total: the stored set and
/// the registry are the same five (`every_registry_instrument_has_a_stored_word` checks).
pub fn registered(id: InstrumentId) -> &'static Instrument {
    match id {
        InstrumentId::Nprs => &instruments::NPRS,
        InstrumentId::Peg => &instruments::PEG,
        InstrumentId::Psfs => &instruments::PSFS,
        InstrumentId::Pss4 => &instruments::PSS4,
        InstrumentId::Ndi => &instruments::NDI,
    }
}

/// The stored word of a registry instrument.
pub fn stored_id(inst: &Instrument) -> InstrumentId {
    InstrumentId::parse(inst.id).expect("every registry instrument has a stored word")
}

#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub instrument: String,
    pub every_days: i16,
    pub starts_on: NaiveDate,
    pub activities: Vec<String>,
}

/// Schedules a measure for a patient record the caller was found to see (`find_visible`),
/// replacing a running schedule of the same instrument.
pub async fn schedule<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    record: &Visible,
    new: NewSchedule,
) -> Result<measure_schedule::Model, MeasureError> {
    let patient_id = record.id;
    let inst = instrument(&new.instrument)?;
    if !(1..=365).contains(&new.every_days) {
        return Err(MeasureError::Invalid("every_days must be between 1 and 365"));
    }
    let activities: Vec<String> =
        new.activities.iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect();
    match inst.items {
        Items::PatientActivities { min, max } if !(min..=max).contains(&activities.len()) => {
            return Err(MeasureError::Invalid("choose 3 to 5 activities"));
        }
        Items::PatientActivities { .. } => {}
        _ if !activities.is_empty() => return Err(MeasureError::Invalid("only psfs takes activities")),
        _ => {}
    }
    if form(db, ClinicId::new(record.clinic_id), inst, &activities).await?.is_none() {
        return Err(MeasureError::NotEnabled);
    }
    let row = measure_schedule::Model {
        id: Uuid::now_v7(),
        patient_id,
        instrument: stored_id(inst),
        every_days: new.every_days,
        starts_on: new.starts_on,
        activities: JsonText(activities),
        created_by: who.user_id,
        created_at: now,
        updated_at: now,
        ended_at: None,
    };
    let txn = db::begin_write(db).await?;
    end_running(&txn, now, record.scope(), row.instrument).await?;
    measure_schedule::Entity::insert(measure_schedule::ActiveModel {
        id: Set(row.id),
        patient_id: Set(row.patient_id),
        instrument: Set(row.instrument),
        every_days: Set(row.every_days),
        starts_on: Set(row.starts_on),
        activities: Set(row.activities.clone()),
        created_by: Set(row.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        ended_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    let event =
        Event::by(who, AuditAction::MeasureScheduleCreate).patient(patient_id).resource(format!("measure:{}", inst.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

async fn end_running<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
    instrument: InstrumentId,
) -> Result<u64, DbErr> {
    let patient_id = patient.uuid();
    let ended = measure_schedule::Entity::update_many()
        .col_expr(measure_schedule::Column::EndedAt, Expr::value(now))
        .col_expr(measure_schedule::Column::UpdatedAt, Expr::value(now))
        .filter(measure_schedule::Column::PatientId.eq(patient_id))
        .filter(measure_schedule::Column::Instrument.eq(instrument))
        .filter(measure_schedule::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}

/// Running schedules of a patient.
pub async fn running<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Vec<measure_schedule::Model>, DbErr> {
    let patient_id = patient.uuid();
    measure_schedule::Entity::find()
        .filter(measure_schedule::Column::PatientId.eq(patient_id))
        .filter(measure_schedule::Column::EndedAt.is_null())
        .order_by_asc(measure_schedule::Column::Instrument)
        .all(db)
        .await
}

/// Stops a schedule (its responses stay).
pub async fn end<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    patient_id: Uuid,
    schedule_id: Uuid,
) -> Result<(), MeasureError> {
    find_visible(db, who, patient_id).await?;
    let row = measure_schedule::Entity::find_by_id(schedule_id)
        .filter(measure_schedule::Column::PatientId.eq(patient_id))
        .one(db)
        .await?
        .ok_or(MeasureError::NotFound)?;
    let txn = db::begin_write(db).await?;
    if row.ended_at.is_none() {
        measure_schedule::Entity::update_many()
            .col_expr(measure_schedule::Column::EndedAt, Expr::value(now))
            .col_expr(measure_schedule::Column::UpdatedAt, Expr::value(now))
            .filter(measure_schedule::Column::Id.eq(schedule_id))
            .exec(&txn)
            .await?;
    }
    let event = Event::by(who, AuditAction::MeasureScheduleEnd)
        .patient(patient_id)
        .resource(format!("measure:{}", row.instrument.as_str()));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(())
}

/// The first day of the period of `schedule` that contains `date`.
pub fn period_start(schedule: &measure_schedule::Model, date: NaiveDate) -> Option<NaiveDate> {
    if date < schedule.starts_on {
        return None;
    }
    let every = i64::from(schedule.every_days.max(1));
    let offset = (date - schedule.starts_on).num_days() / every * every;
    Some(schedule.starts_on + chrono::Duration::days(offset))
}

#[derive(Debug, Clone)]
pub struct ScheduledMeasure {
    pub schedule: measure_schedule::Model,
    pub instrument: &'static Instrument,
    pub form: Form,
    pub due: bool,
}

/// The patient's running measures, each with its prompts and whether it is due on `date`.
pub async fn for_day<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    date: NaiveDate,
) -> Result<Vec<ScheduledMeasure>, DbErr> {
    // Three queries however many schedules run: the schedules, the clinic's licensed
    // texts they need, and the responses of their current periods.
    let schedules: Vec<(measure_schedule::Model, &'static Instrument)> = running(db, record.scope())
        .await?
        .into_iter()
        .map(|s| {
            let inst = registered(s.instrument);
            (s, inst)
        })
        .collect();
    let licensed: Vec<InstrumentId> = schedules
        .iter()
        .filter(|(_, i)| matches!(i.items, Items::Licensed { .. }))
        .map(|(s, _)| s.instrument)
        .collect();
    let texts = if licensed.is_empty() {
        vec![]
    } else {
        clinic_instrument::Entity::find()
            .filter(clinic_instrument::Column::ClinicId.eq(record.clinic_id))
            .filter(clinic_instrument::Column::Instrument.is_in(licensed))
            .all(db)
            .await?
    };
    let starts: Vec<Option<NaiveDate>> = schedules.iter().map(|(s, _)| period_start(s, date)).collect();
    let answered: Vec<(InstrumentId, NaiveDate)> = match starts.iter().flatten().min() {
        None => vec![],
        Some(earliest) => {
            measure_response::Entity::find()
                .select_only()
                .column(measure_response::Column::Instrument)
                .column(measure_response::Column::LocalDate)
                .filter(measure_response::Column::PatientId.eq(record.id))
                .filter(measure_response::Column::Instrument.is_in(schedules.iter().map(|(s, _)| s.instrument)))
                .filter(measure_response::Column::LocalDate.gte(*earliest))
                .filter(measure_response::Column::LocalDate.lte(date))
                .into_tuple()
                .all(db)
                .await?
        }
    };
    let mut out = Vec::new();
    for ((schedule, inst), start) in schedules.into_iter().zip(starts) {
        let text = texts.iter().find(|t| t.instrument == schedule.instrument);
        // A licensed instrument whose text is missing or incomplete is not shown at all:
        // the patient never answers a placeholder.
        let Some(form) = form_with(inst, &schedule.activities.0, text) else { continue };
        let due = start.is_some_and(|start| {
            !answered.iter().any(|(i, day)| *i == schedule.instrument && *day >= start && *day <= date)
        });
        out.push(ScheduledMeasure { schedule, instrument: inst, form, due });
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct ResponseInput {
    pub id: Uuid,
    pub instrument: String,
    pub recorded_at: DateTime<Utc>,
    pub answers: Vec<Option<u8>>,
}

/// Scores and stores a response to a measure scheduled for the calling patient.
pub async fn respond<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    tz: Tz,
    input: ResponseInput,
) -> Result<Stored<measure_response::Model>, MeasureError> {
    let patient_id = who.patient_id.uuid();
    let inst = instrument(&input.instrument)?;
    let stored_word = stored_id(inst);
    // A phone resending a stored response gets it back even if the schedule has since
    // ended or changed; only new responses need a running schedule.
    if let Some(stored) = measure_response::Entity::find_by_id(input.id).one(db).await? {
        let same = stored.patient_id == patient_id
            && stored.instrument == stored_word
            && stored.answers.0 == input.answers
            && stored.recorded_at.timestamp_micros() == input.recorded_at.timestamp_micros();
        return Ok(if same { Stored::Replayed(stored) } else { Stored::Conflict });
    }
    let schedule = measure_schedule::Entity::find()
        .filter(measure_schedule::Column::PatientId.eq(patient_id))
        .filter(measure_schedule::Column::Instrument.eq(stored_word))
        .filter(measure_schedule::Column::EndedAt.is_null())
        .one(db)
        .await?
        .ok_or(MeasureError::NotFound)?;
    let score = inst.score(&input.answers, schedule.activities.0.len())?;
    let answers = JsonText(input.answers);
    // The activities rated travel with the answers: the schedule may later be replaced
    // with other activities, and ratings of different activities are not comparable.
    let activities = matches!(inst.items, Items::PatientActivities { .. }).then(|| schedule.activities.clone());
    let row = measure_response::Model {
        id: input.id,
        patient_id,
        instrument: stored_word,
        answers,
        score,
        recorded_at: input.recorded_at,
        local_date: local_date(input.recorded_at, tz),
        created_at: now,
        schedule_id: Some(schedule.id),
        activities,
    };
    let txn = db::begin_write(db).await?;
    let inserted = measure_response::Entity::insert(measure_response::ActiveModel {
        id: Set(row.id),
        patient_id: Set(row.patient_id),
        instrument: Set(row.instrument),
        answers: Set(row.answers.clone()),
        score: Set(row.score),
        recorded_at: Set(row.recorded_at),
        local_date: Set(row.local_date),
        created_at: Set(now),
        schedule_id: Set(row.schedule_id),
        activities: Set(row.activities.clone()),
    })
    .on_conflict(OnConflict::column(measure_response::Column::Id).do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    let result = if inserted == 1 {
        let event = Event::by(who, AuditAction::MeasureResponseWrite)
            .patient(patient_id)
            .resource(format!("measure:{}", inst.id));
        audit::record(&txn, now, event).await?;
        Stored::Created(row)
    } else {
        match measure_response::Entity::find_by_id(input.id).one(&txn).await? {
            Some(stored)
                if stored.patient_id == row.patient_id
                    && stored.instrument == row.instrument
                    && stored.answers == row.answers
                    && stored.recorded_at.timestamp_micros() == row.recorded_at.timestamp_micros() =>
            {
                Stored::Replayed(stored)
            }
            _ => Stored::Conflict,
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// Responses with local dates in `[from, to]`, oldest first.
pub async fn responses<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<measure_response::Model>, DbErr> {
    let patient_id = patient.uuid();
    measure_response::Entity::find()
        .filter(measure_response::Column::PatientId.eq(patient_id))
        .filter(measure_response::Column::LocalDate.gte(from))
        .filter(measure_response::Column::LocalDate.lte(to))
        .order_by_asc(measure_response::Column::RecordedAt)
        .all(db)
        .await
}

/// The first response to `instrument`: the baseline its changes are measured from. For
/// patient-specific instruments, the first with the same activities (`activities` as
/// stored); a response stored without its activities has no baseline.
pub async fn first_response<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    instrument: InstrumentId,
    activities: Option<&JsonText<Vec<String>>>,
) -> Result<Option<measure_response::Model>, DbErr> {
    let patient_id = patient.uuid();
    let patient_specific = matches!(registered(instrument).items, Items::PatientActivities { .. });
    let mut q = measure_response::Entity::find()
        .filter(measure_response::Column::PatientId.eq(patient_id))
        .filter(measure_response::Column::Instrument.eq(instrument));
    if patient_specific {
        let Some(activities) = activities else { return Ok(None) };
        q = q.filter(measure_response::Column::Activities.eq(activities.clone()));
    }
    q.order_by_asc(measure_response::Column::LocalDate).order_by_asc(measure_response::Column::RecordedAt).one(db).await
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::*;

    #[test]
    fn every_registry_instrument_has_a_stored_word() {
        for inst in &instruments::ALL {
            assert_eq!(registered(stored_id(inst)).id, inst.id);
        }
    }

    #[test]
    fn an_unknown_stored_instrument_word_is_an_error() {
        assert!(InstrumentId::try_from_value(&"oswestry".to_owned()).is_err());
        assert_eq!(InstrumentId::try_from_value(&"pss4".to_owned()).ok(), Some(InstrumentId::Pss4));
    }
}
