//! The session note as the API reads and writes it: the SOAP request with range of motion
//! and the treatment record, and the answer with signature, units and addenda.
//! The treatment vocabularies are in `treatment_vocabulary`.

use chrono::{DateTime, Utc};
use entity::{rom_measure, session_note_addendum};
use poem_openapi::{Enum, Object, types::Example};
use sea_orm::ActiveEnum;
use uuid::{Uuid, uuid};

use super::{
    listed::Listed,
    text::Text,
    treatment_vocabulary::{PositionDto, PressureDto, ProcedureCodeDto, TechniqueDto},
};
use crate::{
    clinical::{
        body::{BodyRegion, BodySide},
        rom::{MeasuredMovement, RomMethod, RomMode, RomMovement, RomSide},
        treatment::ProcedureCode,
    },
    services::{session_notes::FullNote, session_record_store::side_of},
};

/// One range-of-motion measurement. Movements per region, with typical adult ranges:
/// neck and `lower_back` (trunk): flexion, extension, side_bending, rotation; shoulder:
/// flexion, extension, abduction, internal/external_rotation; elbow: flexion, extension;
/// forearm: pronation, supination; wrist: flexion, extension, radial/ulnar_deviation;
/// hip: flexion, extension, abduction, adduction, internal/external_rotation; knee:
/// flexion, extension; ankle: dorsiflexion, plantar_flexion, inversion, eversion.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct RomInput {
    pub region: BodyRegion,
    /// The limb measured at paired regions; for neck and trunk rotation and side bending,
    /// the side turned or bent towards. Absent otherwise.
    #[oai(nullable)]
    pub side: Option<RomSide>,
    pub movement: RomMovement,
    /// Degrees from neutral, 0–180. Elbow and knee extension, hip extension and ankle
    /// dorsiflexion are signed (−90–180): positive past neutral (hyperextension), negative
    /// short of it (extension lag: −10 is 10° short of straight).
    #[oai(validator(minimum(value = "-90"), maximum(value = "180")))]
    pub degrees: i64,
    pub mode: RomMode,
    pub method: RomMethod,
}

impl Example for RomInput {
    fn example() -> Self {
        Self {
            region: BodyRegion::Neck,
            side: Some(RomSide::Left),
            movement: RomMovement::Rotation,
            degrees: 62,
            mode: RomMode::Active,
            method: RomMethod::Inclinometer,
        }
    }
}

/// Minutes spent on one timed procedure code.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ProcedureInput {
    pub code: Listed<ProcedureCodeDto>,
    /// 1–120 minutes; list each code once with all its minutes.
    #[oai(validator(minimum(value = "1"), maximum(value = "120")))]
    pub minutes: i64,
}

/// The whole draft note. Only the SOAP text, pain and range of motion existed at first;
/// every treatment field is optional and empty when absent, so older clients keep working.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct SessionNoteRequest {
    #[oai(default, validator(max_length = 8000))]
    pub subjective: Text,
    #[oai(default, validator(max_length = 8000))]
    pub objective: Text,
    #[oai(default, validator(max_length = 8000))]
    pub assessment: Text,
    #[oai(default, validator(max_length = 8000))]
    pub plan: Text,
    /// 0–10, at the start of the session.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub pain_before: Option<i64>,
    /// 0–10, at the end.
    #[oai(nullable, validator(minimum(value = "0"), maximum(value = "10")))]
    pub pain_after: Option<i64>,
    #[oai(default, validator(max_items = 40))]
    pub rom: Vec<RomInput>,
    /// Techniques used; a repeat is kept once.
    #[oai(default, validator(max_items = 20))]
    pub techniques: Vec<Listed<TechniqueDto>>,
    /// Body regions treated; a repeat is kept once.
    #[oai(default, validator(max_items = 30))]
    pub regions: Vec<Listed<BodyRegion>>,
    #[oai(nullable)]
    pub position: Option<Listed<PositionDto>>,
    #[oai(nullable)]
    pub pressure: Option<Listed<PressureDto>>,
    /// How the patient responded to treatment.
    #[oai(default, validator(max_length = 2000))]
    pub response: Text,
    /// Timed procedures; units follow from their total by the 8-minute rule.
    #[oai(default, validator(max_items = 10))]
    pub procedures: Vec<ProcedureInput>,
}

impl Example for SessionNoteRequest {
    fn example() -> Self {
        Self {
            subjective: "Neck stiff after three long desk days; turning left to reverse the car is hard.".into(),
            objective: "Tender, guarded upper trapezius and levator scapulae on the left.".into(),
            assessment: "Muscular neck pain, easing; rotation better after soft-tissue work.".into(),
            plan: "Keep chin tucks twice daily; add doorway chest stretch next session.".into(),
            pain_before: Some(6),
            pain_after: Some(3),
            rom: vec![RomInput::example()],
            techniques: vec![Listed::of(TechniqueDto::MyofascialRelease), Listed::of(TechniqueDto::TriggerPoint)],
            regions: vec![Listed::of(BodyRegion::Neck), Listed::of(BodyRegion::Shoulder)],
            position: Some(Listed::of(PositionDto::Prone)),
            pressure: Some(Listed::of(PressureDto::Moderate)),
            response: "Less guarding by the end; reported the neck felt looser.".into(),
            procedures: vec![
                ProcedureInput { code: Listed::of(ProcedureCodeDto::C97140), minutes: 33 },
                ProcedureInput { code: Listed::of(ProcedureCodeDto::C97110), minutes: 7 },
            ],
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RomDto {
    pub region: String,
    /// `both` appears only in measurements recorded before sides were per movement.
    pub side: Option<BodySide>,
    /// A movement of the vocabulary; older notes may hold free text.
    pub movement: String,
    /// Signed as described on `RomInput.degrees`.
    pub degrees: i16,
    /// Absent in measurements recorded before it was asked for.
    pub mode: Option<RomMode>,
    pub method: Option<RomMethod>,
    /// Typical adult end range of this movement (AAOS published values), for reference;
    /// absent for free-text movements of older notes.
    pub typical_degrees: Option<i16>,
}

impl From<rom_measure::Model> for RomDto {
    fn from(r: rom_measure::Model) -> Self {
        let movement = MeasuredMovement::from_stored(r.movement);
        Self {
            side: side_of(r.side),
            typical_degrees: movement.reference_at(r.region.into()).map(|x| x.typical_degrees),
            mode: r.mode.map(Into::into),
            method: r.method.map(Into::into),
            region: r.region.to_value(),
            movement: movement.as_str().to_owned(),
            degrees: r.degrees,
        }
    }
}

/// One code's minutes and the units the 8-minute rule gives it.
#[derive(Debug, Object)]
pub struct ProcedureDto {
    pub code: ProcedureCodeDto,
    pub label: String,
    pub minutes: u32,
    pub units: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NoteStatus {
    /// Still editable by PUT; only its author can sign it.
    Draft,
    /// Final: it never changes; corrections are addenda.
    Signed,
}

/// A correction or late entry added to a signed note.
#[derive(Debug, Object)]
pub struct AddendumDto {
    pub id: Uuid,
    /// Who added it.
    pub author_id: Uuid,
    pub reason: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl From<session_note_addendum::Model> for AddendumDto {
    fn from(a: session_note_addendum::Model) -> Self {
        Self { id: a.id, author_id: a.author_id, reason: a.reason, text: a.text, created_at: a.created_at }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AddendumRequest {
    /// Why the note needs it, e.g. "wrong side recorded for the shoulder flexion".
    #[oai(validator(min_length = 1, max_length = 200))]
    pub reason: Text,
    #[oai(validator(min_length = 1, max_length = 8000))]
    pub text: Text,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct SessionNoteDto {
    pub appointment_id: Uuid,
    /// Who wrote it first; the only one who may sign it.
    pub author_id: Uuid,
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub rom: Vec<RomDto>,
    pub updated_at: DateTime<Utc>,
    /// Moves on every change, signature and addendum; also sent as the `ETag` header.
    pub version: i32,
    pub status: NoteStatus,
    pub signed_at: Option<DateTime<Utc>>,
    /// Signed more than the clinic's `late_note_days` after the session's date.
    pub late: bool,
    pub techniques: Vec<TechniqueDto>,
    pub regions: Vec<BodyRegion>,
    pub position: Option<PositionDto>,
    pub pressure: Option<PressureDto>,
    pub response: String,
    /// In the order given, each with its units.
    pub procedures: Vec<ProcedureDto>,
    pub total_timed_minutes: u32,
    /// By the 8-minute rule over `total_timed_minutes`: none below 8 minutes, then
    /// ⌊(minutes + 7) / 15⌋.
    pub total_units: u32,
    /// Oldest first.
    pub addenda: Vec<AddendumDto>,
}

impl Example for SessionNoteDto {
    fn example() -> Self {
        let request = SessionNoteRequest::example();
        Self {
            appointment_id: uuid!("0193a5b2-4c00-7000-8000-000000000701"),
            author_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
            subjective: request.subjective.into(),
            objective: request.objective.into(),
            assessment: request.assessment.into(),
            plan: request.plan.into(),
            pain_before: Some(6),
            pain_after: Some(3),
            rom: vec![RomDto {
                region: "neck".into(),
                side: Some(BodySide::Left),
                movement: "rotation".into(),
                degrees: 62,
                mode: Some(RomMode::Active),
                method: Some(RomMethod::Inclinometer),
                typical_degrees: Some(60),
            }],
            updated_at: "2026-12-03T15:05:00Z".parse().expect("RFC 3339 instant"),
            version: 3,
            status: NoteStatus::Signed,
            signed_at: Some("2026-12-03T15:10:00Z".parse().expect("RFC 3339 instant")),
            late: false,
            techniques: vec![TechniqueDto::MyofascialRelease, TechniqueDto::TriggerPoint],
            regions: vec![BodyRegion::Neck, BodyRegion::Shoulder],
            position: Some(PositionDto::Prone),
            pressure: Some(PressureDto::Moderate),
            response: "Less guarding by the end; reported the neck felt looser.".into(),
            procedures: vec![
                ProcedureDto {
                    code: ProcedureCodeDto::C97140,
                    label: ProcedureCode::C97140.label().into(),
                    minutes: 33,
                    units: 2,
                },
                ProcedureDto {
                    code: ProcedureCodeDto::C97110,
                    label: ProcedureCode::C97110.label().into(),
                    minutes: 7,
                    units: 1,
                },
            ],
            total_timed_minutes: 40,
            total_units: 3,
            addenda: vec![AddendumDto {
                id: uuid!("0193a5b2-4c00-7000-8000-000000000801"),
                author_id: uuid!("0193a5b2-4c00-7000-8000-0000000000a1"),
                reason: "Side of the shoulder measurement".into(),
                text: "Shoulder flexion was measured on the right, not the left.".into(),
                created_at: "2026-12-04T08:30:00Z".parse().expect("RFC 3339 instant"),
            }],
        }
    }
}

impl From<FullNote> for SessionNoteDto {
    fn from(full: FullNote) -> Self {
        let FullNote { note: n, rom, record, addenda } = full;
        let units = record.units();
        let procedures = units
            .per_code
            .iter()
            .zip(record.procedures())
            .map(|(&(code, units), line)| ProcedureDto {
                code: code.into(),
                label: code.label().into(),
                minutes: line.minutes,
                units,
            })
            .collect();
        Self {
            appointment_id: n.appointment_id,
            author_id: n.author_id,
            subjective: n.subjective,
            objective: n.objective,
            assessment: n.assessment,
            plan: n.plan,
            pain_before: n.pain_before,
            pain_after: n.pain_after,
            rom: rom.into_iter().map(Into::into).collect(),
            updated_at: n.updated_at,
            version: n.version,
            status: if n.signed_at.is_some() { NoteStatus::Signed } else { NoteStatus::Draft },
            signed_at: n.signed_at,
            late: n.signed_late,
            techniques: record.techniques().iter().copied().map(Into::into).collect(),
            regions: record.regions().to_vec(),
            position: record.position().map(Into::into),
            pressure: record.pressure().map(Into::into),
            response: record.response().to_owned(),
            procedures,
            total_timed_minutes: units.total_minutes,
            total_units: units.total_units,
            addenda: addenda.into_iter().map(Into::into).collect(),
        }
    }
}
