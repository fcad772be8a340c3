//! The in-clinic side of trends: each completed session's effect on pain (before, after,
//! and the 24 h / 48 h follow-ups from check-ins) and range of motion over time.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{appointment, check_in, rom_measure, session_note};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::clinical::{
    body::BodyRegion,
    rom::{MeasuredMovement, RomMethod, RomMode},
};
use crate::services::patients::PatientScope;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionEffect {
    pub appointment_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    /// after − before.
    pub immediate_change: Option<i16>,
    pub follow_up_24h: Option<i16>,
    pub follow_up_48h: Option<i16>,
}

/// One movement over time. Active and passive ranges of the same movement are different
/// measures, so each has its own series.
#[derive(Debug, Clone, PartialEq)]
pub struct RomSeries {
    pub region: BodyRegion,
    /// As stored: `both` only in rows written before sides were per movement.
    pub side: entity::Side,
    pub movement: MeasuredMovement,
    /// `None` for measurements recorded before active/passive was asked for.
    pub mode: Option<RomMode>,
    pub typical_degrees: Option<i16>,
    pub points: Vec<RomPoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RomPoint {
    pub measured_at: DateTime<Utc>,
    pub degrees: i16,
    pub method: Option<RomMethod>,
}

/// A pre-session check-in counts from this long before the start.
const PRE_WINDOW: Duration = Duration::hours(12);
/// Follow-ups are the check-in nearest 24 h / 48 h after the end, within this much.
const FOLLOW_UP_TOLERANCE: Duration = Duration::hours(6);

/// What a session's effect reads of a check-in. Only these columns are selected, so the
/// effect does not depend on the rest of the row (its JSON columns) decoding.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PainReading {
    pub recorded_at: DateTime<Utc>,
    pub pain: Option<i16>,
    pub context: check_in::Context,
}

fn nearest_pain(check_ins: &[PainReading], target: DateTime<Utc>) -> Option<i16> {
    check_ins
        .iter()
        .filter(|c| c.pain.is_some() && (c.recorded_at - target).abs() <= FOLLOW_UP_TOLERANCE)
        .min_by_key(|c| (c.recorded_at - target).abs())
        .and_then(|c| c.pain)
}

pub fn session_effect(
    appt: &appointment::Model,
    note: Option<&session_note::Model>,
    check_ins: &[PainReading],
) -> SessionEffect {
    let in_context = |context: check_in::Context, from: DateTime<Utc>, to: DateTime<Utc>| {
        check_ins
            .iter()
            .filter(|c| c.context == context && c.pain.is_some() && c.recorded_at >= from && c.recorded_at <= to)
            .max_by_key(|c| c.recorded_at)
            .and_then(|c| c.pain)
    };
    // The therapist's note wins; else the patient's own pre/post-session check-ins.
    let before = note
        .and_then(|n| n.pain_before)
        .or_else(|| in_context(check_in::Context::PreSession, appt.starts_at - PRE_WINDOW, appt.ends_at));
    let after = note
        .and_then(|n| n.pain_after)
        .or_else(|| in_context(check_in::Context::PostSession, appt.starts_at, appt.ends_at + PRE_WINDOW));
    SessionEffect {
        appointment_id: appt.id,
        starts_at: appt.starts_at,
        ends_at: appt.ends_at,
        pain_before: before,
        pain_after: after,
        immediate_change: before.zip(after).map(|(b, a)| a - b),
        follow_up_24h: nearest_pain(check_ins, appt.ends_at + Duration::hours(24)),
        follow_up_48h: nearest_pain(check_ins, appt.ends_at + Duration::hours(48)),
    }
}

/// The raw check-ins a session's effect can use: from `PRE_WINDOW` before each session
/// to the 48-hour follow-up's tolerance after it, and (as when they were read for the
/// whole range) local dates from six days before `from` to three after `to`.
async fn around_sessions<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    appts: &[appointment::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PainReading>, DbErr> {
    let patient_id = patient.uuid();
    // Sessions come in start order; overlapping windows are merged so the query stays
    // one range per cluster of sessions.
    let mut windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for a in appts {
        let start = a.starts_at - PRE_WINDOW;
        let end = (a.ends_at + PRE_WINDOW).max(a.ends_at + Duration::hours(48) + FOLLOW_UP_TOLERANCE);
        match windows.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => windows.push((start, end)),
        }
    }
    if windows.is_empty() {
        return Ok(vec![]);
    }
    let mut within = Condition::any();
    for (start, end) in windows {
        within = within.add(check_in::Column::RecordedAt.between(start, end));
    }
    check_in::Entity::find()
        .select_only()
        .columns([check_in::Column::RecordedAt, check_in::Column::Pain, check_in::Column::Context])
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::LocalDate.gte(from - Duration::days(6)))
        .filter(check_in::Column::LocalDate.lte(to + Duration::days(3)))
        .filter(within)
        .order_by_asc(check_in::Column::RecordedAt)
        .into_model()
        .all(db)
        .await
}
/// The effect on pain of each completed session that started in `[start, end)`.
pub(super) async fn session_effects<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SessionEffect>, DbErr> {
    let patient_id = patient.uuid();
    let appts: Vec<appointment::Model> = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::StartsAt.gte(start))
        .filter(appointment::Column::StartsAt.lt(end))
        .filter(appointment::Column::Status.eq(appointment::Status::Completed))
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await?;
    let (notes, rows) = futures::try_join!(
        session_note::Entity::find()
            .filter(session_note::Column::AppointmentId.is_in(appts.iter().map(|a| a.id)))
            .all(db),
        around_sessions(db, patient, &appts, from, to),
    )?;
    Ok(appts.iter().map(|a| session_effect(a, notes.iter().find(|n| n.appointment_id == a.id), &rows)).collect())
}

/// Range of motion measured in `[start, end)`, one series per movement and mode.
pub(super) async fn rom_series<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<RomSeries>, DbErr> {
    let patient_id = patient.uuid();
    let mut rom: Vec<RomSeries> = Vec::new();
    for m in rom_measure::Entity::find()
        .filter(rom_measure::Column::PatientId.eq(patient_id))
        .filter(rom_measure::Column::MeasuredAt.gte(start))
        .filter(rom_measure::Column::MeasuredAt.lt(end))
        .order_by_asc(rom_measure::Column::MeasuredAt)
        .all(db)
        .await?
    {
        let mode: Option<RomMode> = m.mode.map(Into::into);
        let point = RomPoint { measured_at: m.measured_at, degrees: m.degrees, method: m.method.map(Into::into) };
        let (region, movement) = (BodyRegion::from(m.region), MeasuredMovement::from_stored(m.movement));
        match rom
            .iter_mut()
            .find(|s| s.region == region && s.side == m.side && s.movement == movement && s.mode == mode)
        {
            Some(series) => series.points.push(point),
            None => rom.push(RomSeries {
                typical_degrees: movement.reference_at(region).map(|r| r.typical_degrees),
                region,
                side: m.side,
                movement,
                mode,
                points: vec![point],
            }),
        }
    }
    Ok(rom)
}
