//! The treatment vocabularies as the API names them (techniques, positions, pressures,
//! procedure codes), each mirroring its `clinical::treatment` type with conversions both
//! ways, and the procedure-code catalogue served to the PWA.

use poem_openapi::{Enum, Object};

use crate::clinical::treatment::{PatientPosition, Pressure, ProcedureCode, Technique};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum TechniqueDto {
    Swedish,
    MyofascialRelease,
    TriggerPoint,
    Neuromuscular,
    LymphaticDrainage,
    ScarMobilisation,
    InstrumentAssisted,
    Cupping,
    Stretching,
}

impl From<TechniqueDto> for Technique {
    fn from(t: TechniqueDto) -> Self {
        match t {
            TechniqueDto::Swedish => Technique::Swedish,
            TechniqueDto::MyofascialRelease => Technique::MyofascialRelease,
            TechniqueDto::TriggerPoint => Technique::TriggerPoint,
            TechniqueDto::Neuromuscular => Technique::Neuromuscular,
            TechniqueDto::LymphaticDrainage => Technique::LymphaticDrainage,
            TechniqueDto::ScarMobilisation => Technique::ScarMobilisation,
            TechniqueDto::InstrumentAssisted => Technique::InstrumentAssisted,
            TechniqueDto::Cupping => Technique::Cupping,
            TechniqueDto::Stretching => Technique::Stretching,
        }
    }
}

impl From<Technique> for TechniqueDto {
    fn from(t: Technique) -> Self {
        match t {
            Technique::Swedish => TechniqueDto::Swedish,
            Technique::MyofascialRelease => TechniqueDto::MyofascialRelease,
            Technique::TriggerPoint => TechniqueDto::TriggerPoint,
            Technique::Neuromuscular => TechniqueDto::Neuromuscular,
            Technique::LymphaticDrainage => TechniqueDto::LymphaticDrainage,
            Technique::ScarMobilisation => TechniqueDto::ScarMobilisation,
            Technique::InstrumentAssisted => TechniqueDto::InstrumentAssisted,
            Technique::Cupping => TechniqueDto::Cupping,
            Technique::Stretching => TechniqueDto::Stretching,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PositionDto {
    Prone,
    Supine,
    SideLying,
    Seated,
}

impl From<PositionDto> for PatientPosition {
    fn from(p: PositionDto) -> Self {
        match p {
            PositionDto::Prone => PatientPosition::Prone,
            PositionDto::Supine => PatientPosition::Supine,
            PositionDto::SideLying => PatientPosition::SideLying,
            PositionDto::Seated => PatientPosition::Seated,
        }
    }
}

impl From<PatientPosition> for PositionDto {
    fn from(p: PatientPosition) -> Self {
        match p {
            PatientPosition::Prone => PositionDto::Prone,
            PatientPosition::Supine => PositionDto::Supine,
            PatientPosition::SideLying => PositionDto::SideLying,
            PatientPosition::Seated => PositionDto::Seated,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PressureDto {
    Light,
    Moderate,
    Firm,
}

impl From<PressureDto> for Pressure {
    fn from(p: PressureDto) -> Self {
        match p {
            PressureDto::Light => Pressure::Light,
            PressureDto::Moderate => Pressure::Moderate,
            PressureDto::Firm => Pressure::Firm,
        }
    }
}

impl From<Pressure> for PressureDto {
    fn from(p: Pressure) -> Self {
        match p {
            Pressure::Light => PressureDto::Light,
            Pressure::Moderate => PressureDto::Moderate,
            Pressure::Firm => PressureDto::Firm,
        }
    }
}

/// A timed procedure code (an identifier only; `label` in the catalogue says what it covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProcedureCodeDto {
    #[oai(rename = "97124")]
    C97124,
    #[oai(rename = "97140")]
    C97140,
    #[oai(rename = "97110")]
    C97110,
    #[oai(rename = "97112")]
    C97112,
    #[oai(rename = "97530")]
    C97530,
}

impl From<ProcedureCodeDto> for ProcedureCode {
    fn from(c: ProcedureCodeDto) -> Self {
        match c {
            ProcedureCodeDto::C97124 => ProcedureCode::C97124,
            ProcedureCodeDto::C97140 => ProcedureCode::C97140,
            ProcedureCodeDto::C97110 => ProcedureCode::C97110,
            ProcedureCodeDto::C97112 => ProcedureCode::C97112,
            ProcedureCodeDto::C97530 => ProcedureCode::C97530,
        }
    }
}

impl From<ProcedureCode> for ProcedureCodeDto {
    fn from(c: ProcedureCode) -> Self {
        match c {
            ProcedureCode::C97124 => ProcedureCodeDto::C97124,
            ProcedureCode::C97140 => ProcedureCodeDto::C97140,
            ProcedureCode::C97110 => ProcedureCodeDto::C97110,
            ProcedureCode::C97112 => ProcedureCodeDto::C97112,
            ProcedureCode::C97530 => ProcedureCodeDto::C97530,
        }
    }
}

/// A code a session may record, with the project's own short label.
#[derive(Debug, Object)]
pub struct ProcedureCodeEntry {
    pub code: ProcedureCodeDto,
    pub label: String,
}

/// The procedure-code catalogue and the rule that turns minutes into units.
#[derive(Debug, Object)]
pub struct ProcedureCatalogue {
    pub codes: Vec<ProcedureCodeEntry>,
    /// The 8-minute rule in one sentence, for showing beside the minutes.
    pub unit_rule: String,
}

impl ProcedureCatalogue {
    pub fn new() -> Self {
        Self {
            codes: ProcedureCode::ALL
                .into_iter()
                .map(|c| ProcedureCodeEntry { code: c.into(), label: c.label().into() })
                .collect(),
            unit_rule: "Units come from the session's total timed minutes: none below 8, then one per 15 minutes \
                        counting from 8 (8–22 is 1, 23–37 is 2, 38–52 is 3). Each code first gets its full \
                        15-minute blocks; units left go to the largest leftover minutes."
                .into(),
        }
    }
}
