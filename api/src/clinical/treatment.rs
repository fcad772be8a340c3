//! What was done in a session: the techniques (a controlled list), the regions treated,
//! how the patient lay or sat, the pressure, and the timed procedures with their minutes.
//!
//! Procedure codes are CPT-style identifiers only; the labels are the project's own short
//! descriptions, not the code set's text. A [`SessionRecord`] is built only through
//! [`SessionRecord::new`], so a stored record never repeats a code or holds minutes out
//! of range.

use super::{
    body::BodyRegion,
    units::{self, TimedMinutes, Units},
};

/// Hands-on techniques a medical massage session may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Technique {
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

impl Technique {
    pub const ALL: [Technique; 9] = [
        Technique::Swedish,
        Technique::MyofascialRelease,
        Technique::TriggerPoint,
        Technique::Neuromuscular,
        Technique::LymphaticDrainage,
        Technique::ScarMobilisation,
        Technique::InstrumentAssisted,
        Technique::Cupping,
        Technique::Stretching,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Swedish => "swedish",
            Technique::MyofascialRelease => "myofascial_release",
            Technique::TriggerPoint => "trigger_point",
            Technique::Neuromuscular => "neuromuscular",
            Technique::LymphaticDrainage => "lymphatic_drainage",
            Technique::ScarMobilisation => "scar_mobilisation",
            Technique::InstrumentAssisted => "instrument_assisted",
            Technique::Cupping => "cupping",
            Technique::Stretching => "stretching",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How the patient was placed on the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientPosition {
    Prone,
    Supine,
    SideLying,
    Seated,
}

/// How firmly the therapist worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pressure {
    Light,
    Moderate,
    Firm,
}

/// Timed procedure codes a session may record: identifiers only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcedureCode {
    C97124,
    C97140,
    C97110,
    C97112,
    C97530,
}

impl ProcedureCode {
    pub const ALL: [ProcedureCode; 5] = [
        ProcedureCode::C97124,
        ProcedureCode::C97140,
        ProcedureCode::C97110,
        ProcedureCode::C97112,
        ProcedureCode::C97530,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureCode::C97124 => "97124",
            ProcedureCode::C97140 => "97140",
            ProcedureCode::C97110 => "97110",
            ProcedureCode::C97112 => "97112",
            ProcedureCode::C97530 => "97530",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The project's own short description, for pickers and printed notes.
    pub fn label(self) -> &'static str {
        match self {
            ProcedureCode::C97124 => "Massage: soft-tissue kneading, stroking and compression",
            ProcedureCode::C97140 => "Manual therapy: mobilisation and myofascial work",
            ProcedureCode::C97110 => "Therapeutic exercise: strength, range and endurance",
            ProcedureCode::C97112 => "Neuromuscular re-education: balance, coordination, posture",
            ProcedureCode::C97530 => "Therapeutic activities: functional task practice",
        }
    }
}

/// Minutes one code may record in one session.
pub const MIN_MINUTES: u32 = 1;
pub const MAX_MINUTES: u32 = 120;
/// Longest patient-response text.
pub const MAX_RESPONSE_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("must be between 1 and 120 minutes")]
    Minutes { index: usize },
    #[error("this code is already listed; put all its minutes on one line")]
    RepeatedCode { index: usize },
    #[error("must be at most 2000 characters")]
    ResponseTooLong,
}

impl RecordError {
    /// The request field at fault, e.g. `procedures[1].minutes`.
    pub fn field(&self) -> String {
        match self {
            RecordError::Minutes { index } => format!("procedures[{index}].minutes"),
            RecordError::RepeatedCode { index } => format!("procedures[{index}].code"),
            RecordError::ResponseTooLong => "response".into(),
        }
    }
}

/// The treatment given in one session, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionRecord {
    techniques: Vec<Technique>,
    regions: Vec<BodyRegion>,
    position: Option<PatientPosition>,
    pressure: Option<Pressure>,
    response: String,
    procedures: Vec<TimedMinutes<ProcedureCode>>,
}

impl SessionRecord {
    /// Techniques and regions keep their first mention only (order carries no meaning
    /// beyond how the therapist listed them); a code listed twice is refused, because the
    /// 8-minute rule needs each code's minutes together.
    pub fn new(
        techniques: Vec<Technique>,
        regions: Vec<BodyRegion>,
        position: Option<PatientPosition>,
        pressure: Option<Pressure>,
        response: String,
        procedures: Vec<(ProcedureCode, u32)>,
    ) -> Result<Self, RecordError> {
        if response.chars().count() > MAX_RESPONSE_CHARS {
            return Err(RecordError::ResponseTooLong);
        }
        let mut lines: Vec<TimedMinutes<ProcedureCode>> = Vec::with_capacity(procedures.len());
        for (index, (code, minutes)) in procedures.into_iter().enumerate() {
            if !(MIN_MINUTES..=MAX_MINUTES).contains(&minutes) {
                return Err(RecordError::Minutes { index });
            }
            if lines.iter().any(|l| l.code == code) {
                return Err(RecordError::RepeatedCode { index });
            }
            lines.push(TimedMinutes { code, minutes });
        }
        Ok(Self {
            techniques: first_mentions(techniques),
            regions: first_mentions(regions),
            position,
            pressure,
            response,
            procedures: lines,
        })
    }

    pub fn techniques(&self) -> &[Technique] {
        &self.techniques
    }
    pub fn regions(&self) -> &[BodyRegion] {
        &self.regions
    }
    pub fn position(&self) -> Option<PatientPosition> {
        self.position
    }
    pub fn pressure(&self) -> Option<Pressure> {
        self.pressure
    }
    pub fn response(&self) -> &str {
        &self.response
    }
    pub fn procedures(&self) -> &[TimedMinutes<ProcedureCode>] {
        &self.procedures
    }

    /// Whether anything at all was recorded.
    pub fn is_empty(&self) -> bool {
        self.techniques.is_empty()
            && self.regions.is_empty()
            && self.position.is_none()
            && self.pressure.is_none()
            && self.response.trim().is_empty()
            && self.procedures.is_empty()
    }

    /// The session's units by the 8-minute rule.
    pub fn units(&self) -> Units<ProcedureCode> {
        units::allocate(&self.procedures)
    }
}

fn first_mentions<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(procedures: Vec<(ProcedureCode, u32)>) -> Result<SessionRecord, RecordError> {
        SessionRecord::new(vec![], vec![], None, None, String::new(), procedures)
    }

    #[test]
    fn minutes_must_be_between_one_and_one_hundred_twenty() {
        assert_eq!(record(vec![(ProcedureCode::C97140, 0)]), Err(RecordError::Minutes { index: 0 }));
        let over = record(vec![(ProcedureCode::C97140, 10), (ProcedureCode::C97110, 121)]);
        assert_eq!(over.unwrap_err().field(), "procedures[1].minutes");
        assert!(record(vec![(ProcedureCode::C97140, 1), (ProcedureCode::C97110, 120)]).is_ok());
    }

    #[test]
    fn a_code_listed_twice_is_refused() {
        let twice = record(vec![(ProcedureCode::C97140, 10), (ProcedureCode::C97140, 10)]);
        assert_eq!(twice, Err(RecordError::RepeatedCode { index: 1 }));
    }

    #[test]
    fn repeated_techniques_and_regions_keep_their_first_mention() {
        let r = SessionRecord::new(
            vec![Technique::Cupping, Technique::Swedish, Technique::Cupping],
            vec![BodyRegion::Neck, BodyRegion::Neck, BodyRegion::Shoulder],
            None,
            None,
            String::new(),
            vec![],
        )
        .unwrap();
        assert_eq!(r.techniques(), [Technique::Cupping, Technique::Swedish]);
        assert_eq!(r.regions(), [BodyRegion::Neck, BodyRegion::Shoulder]);
    }

    #[test]
    fn codes_and_techniques_read_back_from_their_words() {
        for code in ProcedureCode::ALL {
            assert_eq!(ProcedureCode::parse(code.as_str()), Some(code));
        }
        for t in Technique::ALL {
            assert_eq!(Technique::parse(t.as_str()), Some(t));
        }
        assert_eq!(ProcedureCode::parse("97999"), None);
    }
}
