//! How a session note's treatment and measurements are stored, and read back.
//!
//! Domain values (`clinical::treatment`, `clinical::rom`) become entity values here and
//! nowhere else. Reading is strict: a stored technique, region, code or layout version
//! that does not decode, or minutes out of range, is an error, never a silent default.
//! A note written before treatments were recorded (`treatment` null) reads as empty.

use entity::{appointment, rom_measure, session_note, timed_procedure};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::clinical::{
    body::{BodyRegion, BodySide},
    rom::{RomMeasurement, RomMethod, RomMode, RomSide},
    treatment::{PatientPosition, Pressure, ProcedureCode, SessionRecord, Technique},
};

fn technique_to_row(t: Technique) -> session_note::Technique {
    use session_note::Technique as T;
    match t {
        Technique::Swedish => T::Swedish,
        Technique::MyofascialRelease => T::MyofascialRelease,
        Technique::TriggerPoint => T::TriggerPoint,
        Technique::Neuromuscular => T::Neuromuscular,
        Technique::LymphaticDrainage => T::LymphaticDrainage,
        Technique::ScarMobilisation => T::ScarMobilisation,
        Technique::InstrumentAssisted => T::InstrumentAssisted,
        Technique::Cupping => T::Cupping,
        Technique::Stretching => T::Stretching,
    }
}

fn technique_of_row(t: session_note::Technique) -> Technique {
    use session_note::Technique as T;
    match t {
        T::Swedish => Technique::Swedish,
        T::MyofascialRelease => Technique::MyofascialRelease,
        T::TriggerPoint => Technique::TriggerPoint,
        T::Neuromuscular => Technique::Neuromuscular,
        T::LymphaticDrainage => Technique::LymphaticDrainage,
        T::ScarMobilisation => Technique::ScarMobilisation,
        T::InstrumentAssisted => Technique::InstrumentAssisted,
        T::Cupping => Technique::Cupping,
        T::Stretching => Technique::Stretching,
    }
}

fn position_to_row(p: PatientPosition) -> session_note::Position {
    match p {
        PatientPosition::Prone => session_note::Position::Prone,
        PatientPosition::Supine => session_note::Position::Supine,
        PatientPosition::SideLying => session_note::Position::SideLying,
        PatientPosition::Seated => session_note::Position::Seated,
    }
}

fn position_of_row(p: session_note::Position) -> PatientPosition {
    match p {
        session_note::Position::Prone => PatientPosition::Prone,
        session_note::Position::Supine => PatientPosition::Supine,
        session_note::Position::SideLying => PatientPosition::SideLying,
        session_note::Position::Seated => PatientPosition::Seated,
    }
}

fn pressure_to_row(p: Pressure) -> session_note::Pressure {
    match p {
        Pressure::Light => session_note::Pressure::Light,
        Pressure::Moderate => session_note::Pressure::Moderate,
        Pressure::Firm => session_note::Pressure::Firm,
    }
}

fn pressure_of_row(p: session_note::Pressure) -> Pressure {
    match p {
        session_note::Pressure::Light => Pressure::Light,
        session_note::Pressure::Moderate => Pressure::Moderate,
        session_note::Pressure::Firm => Pressure::Firm,
    }
}

fn code_to_row(c: ProcedureCode) -> timed_procedure::Code {
    match c {
        ProcedureCode::C97124 => timed_procedure::Code::C97124,
        ProcedureCode::C97140 => timed_procedure::Code::C97140,
        ProcedureCode::C97110 => timed_procedure::Code::C97110,
        ProcedureCode::C97112 => timed_procedure::Code::C97112,
        ProcedureCode::C97530 => timed_procedure::Code::C97530,
    }
}

fn code_of_row(c: timed_procedure::Code) -> ProcedureCode {
    match c {
        timed_procedure::Code::C97124 => ProcedureCode::C97124,
        timed_procedure::Code::C97140 => ProcedureCode::C97140,
        timed_procedure::Code::C97110 => ProcedureCode::C97110,
        timed_procedure::Code::C97112 => ProcedureCode::C97112,
        timed_procedure::Code::C97530 => ProcedureCode::C97530,
    }
}

/// The note's treatment columns from a record (the procedures live in their own rows).
pub fn fill_record(row: &mut session_note::ActiveModel, record: &SessionRecord) -> Result<(), DbErr> {
    row.position = Set(record.position().map(position_to_row));
    row.pressure = Set(record.pressure().map(pressure_to_row));
    row.response = Set(record.response().to_owned());
    // An unrecorded treatment is stored as null, so older and newer empty notes look alike.
    let regions: Vec<String> = record.regions().iter().map(|r| super::measured_site::region_word(*r)).collect();
    let treatment = (!record.techniques().is_empty() || !regions.is_empty()).then(|| session_note::Treatment {
        v: session_note::TREATMENT_VERSION,
        techniques: record.techniques().iter().copied().map(technique_to_row).collect(),
        regions,
    });
    row.treatment = Set(treatment);
    Ok(())
}

/// The record as stored, checked as strictly as when it was written.
pub fn decode_record(
    note: &session_note::Model,
    procedures: &[timed_procedure::Model],
) -> Result<SessionRecord, DbErr> {
    let broken = |what: String| DbErr::Type(format!("session note {}: {what}", note.id));
    let (techniques, regions) = match &note.treatment {
        None => (vec![], vec![]),
        Some(t) if t.v != session_note::TREATMENT_VERSION => {
            return Err(broken(format!("treatment layout version {} is unknown", t.v)));
        }
        Some(t) => {
            let regions = t
                .regions
                .iter()
                .map(|r| {
                    serde_json::from_value::<BodyRegion>(serde_json::Value::String(r.clone()))
                        .map_err(|_| broken(format!("unknown body region {r:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (t.techniques.iter().copied().map(technique_of_row).collect(), regions)
        }
    };
    let lines = procedures
        .iter()
        .map(|p| {
            let minutes = u32::try_from(p.minutes).map_err(|_| broken(format!("negative minutes for {}", p.id)))?;
            Ok((code_of_row(p.code), minutes))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    SessionRecord::new(
        techniques,
        regions,
        note.position.map(position_of_row),
        note.pressure.map(pressure_of_row),
        note.response.clone(),
        lines,
    )
    .map_err(|e| broken(format!("stored record breaks a rule: {e}")))
}

/// Replaces the note's timed procedures with the record's.
pub async fn replace_procedures<C: ConnectionTrait>(
    db: &C,
    note: &session_note::Model,
    record: &SessionRecord,
) -> Result<(), DbErr> {
    timed_procedure::Entity::delete_many().filter(timed_procedure::Column::SessionNoteId.eq(note.id)).exec(db).await?;
    if record.procedures().is_empty() {
        return Ok(());
    }
    let rows = record.procedures().iter().enumerate().map(|(i, p)| timed_procedure::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_note_id: Set(note.id),
        patient_id: Set(note.patient_id),
        code: Set(code_to_row(p.code)),
        // At most 120 minutes and a few codes: both fit.
        minutes: Set(p.minutes as i16),
        position: Set(i as i16),
    });
    timed_procedure::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub fn side_of(stored: entity::Side) -> Option<BodySide> {
    match stored {
        entity::Side::Left => Some(BodySide::Left),
        entity::Side::Right => Some(BodySide::Right),
        entity::Side::Both => Some(BodySide::Both),
        entity::Side::None => None,
    }
}

/// A measured side; movements without sides (neck flexion) store `none`.
fn stored_side(side: Option<RomSide>) -> entity::Side {
    match side {
        Some(RomSide::Left) => entity::Side::Left,
        Some(RomSide::Right) => entity::Side::Right,
        None => entity::Side::None,
    }
}

// Range-of-motion words: the rules' enums and the stored ones say the same.

impl From<rom_measure::Mode> for RomMode {
    fn from(m: rom_measure::Mode) -> Self {
        match m {
            rom_measure::Mode::Active => RomMode::Active,
            rom_measure::Mode::Passive => RomMode::Passive,
        }
    }
}

impl From<RomMode> for rom_measure::Mode {
    fn from(m: RomMode) -> Self {
        match m {
            RomMode::Active => rom_measure::Mode::Active,
            RomMode::Passive => rom_measure::Mode::Passive,
        }
    }
}

impl From<rom_measure::Method> for RomMethod {
    fn from(m: rom_measure::Method) -> Self {
        match m {
            rom_measure::Method::Goniometer => RomMethod::Goniometer,
            rom_measure::Method::Inclinometer => RomMethod::Inclinometer,
            rom_measure::Method::VisualEstimate => RomMethod::VisualEstimate,
        }
    }
}

impl From<RomMethod> for rom_measure::Method {
    fn from(m: RomMethod) -> Self {
        match m {
            RomMethod::Goniometer => rom_measure::Method::Goniometer,
            RomMethod::Inclinometer => rom_measure::Method::Inclinometer,
            RomMethod::VisualEstimate => rom_measure::Method::VisualEstimate,
        }
    }
}

/// Replaces the note's range-of-motion rows; each is dated at the session's start.
pub async fn replace_rom<C: ConnectionTrait>(
    db: &C,
    note: &session_note::Model,
    appt: &appointment::Model,
    rom: &[RomMeasurement],
) -> Result<(), DbErr> {
    rom_measure::Entity::delete_many().filter(rom_measure::Column::SessionNoteId.eq(note.id)).exec(db).await?;
    if rom.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(rom.len());
    for (i, r) in rom.iter().enumerate() {
        rows.push(rom_measure::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_note_id: Set(note.id),
            patient_id: Set(appt.patient_id),
            measured_at: Set(appt.starts_at),
            region: Set(r.region().into()),
            side: Set(stored_side(r.side())),
            movement: Set(r.movement().as_str().to_owned()),
            degrees: Set(r.degrees()),
            position: Set(i as i16),
            mode: Set(Some(r.mode().into())),
            method: Set(Some(r.method().into())),
        });
    }
    rom_measure::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}
