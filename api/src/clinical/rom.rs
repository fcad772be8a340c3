//! Range of motion: which movements can be measured at which body region, a typical
//! adult range for each, and a measurement that can only be built valid.
//!
//! Degrees are signed where a joint can stop short of, or go past, its neutral
//! position: elbow and knee extension, hip extension and ankle dorsiflexion are measured
//! from neutral (0 = straight / neutral), positive past it (hyperextension) and negative
//! short of it (an extension lag or contracture: −10 means 10° short of straight). All
//! other movements are measured from neutral towards their end range, 0 or more.
//!
//! Rotation and side bending of the neck and trunk go one way or the other, so they
//! take a side (the side turned or bent towards); flexion and extension there take none.
//! At paired joints the side is the limb measured. Nothing measured is "both".

use serde::{Deserialize, Serialize};

use super::body::BodyRegion;
use crate::vocabulary::vocabulary;

vocabulary! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RomMovement {
        Flexion = "flexion",
        Extension = "extension",
        /// Lateral flexion of the neck or trunk.
        SideBending = "side_bending",
        Rotation = "rotation",
        Abduction = "abduction",
        Adduction = "adduction",
        InternalRotation = "internal_rotation",
        ExternalRotation = "external_rotation",
        Pronation = "pronation",
        Supination = "supination",
        RadialDeviation = "radial_deviation",
        UlnarDeviation = "ulnar_deviation",
        Dorsiflexion = "dorsiflexion",
        PlantarFlexion = "plantar_flexion",
        Inversion = "inversion",
        Eversion = "eversion",
    }
}

vocabulary! {
    /// Whether the patient moved on their own or the therapist moved the part.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RomMode {
        Active = "active",
        Passive = "passive",
    }
}

vocabulary! {
    /// How it was measured; readings by different methods are not directly comparable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RomMethod {
        Goniometer = "goniometer",
        Inclinometer = "inclinometer",
        VisualEstimate = "visual_estimate",
    }
}

vocabulary! {
    /// The limb measured, or the way the neck or trunk turned or bent.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum RomSide {
        Left = "left",
        Right = "right",
    }
}

/// A movement measurable at a region, with the typical adult range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub region: BodyRegion,
    pub movement: RomMovement,
    /// Typical end range of a healthy adult, in degrees from neutral.
    pub typical_degrees: i16,
    /// Whether a value below neutral (negative) is meaningful for this movement.
    pub signed: bool,
}

const fn r(region: BodyRegion, movement: RomMovement, typical_degrees: i16, signed: bool) -> Reference {
    Reference { region, movement, typical_degrees, signed }
}

use BodyRegion as B;
use RomMovement as M;

/// The vocabulary. Typical values are the rounded adult averages published by the
/// American Academy of Orthopaedic Surgeons (Greene & Heckman, "The Clinical Measurement
/// of Joint Motion", AAOS 1994), as tabulated in standard goniometry texts (e.g. Norkin
/// & White, "Measurement of Joint Motion"). They are a point of reference, not a target:
/// ranges vary with age, sex and build, and a patient is best compared with their own
/// earlier measurements and other side. The trunk is measured at `lower_back`
/// (thoracolumbar spine, as AAOS reports it).
pub const REFERENCES: &[Reference] = &[
    // Cervical spine.
    r(B::Neck, M::Flexion, 45, false),
    r(B::Neck, M::Extension, 45, false),
    r(B::Neck, M::SideBending, 45, false),
    r(B::Neck, M::Rotation, 60, false),
    // Thoracolumbar spine (trunk).
    r(B::LowerBack, M::Flexion, 80, false),
    r(B::LowerBack, M::Extension, 25, false),
    r(B::LowerBack, M::SideBending, 35, false),
    r(B::LowerBack, M::Rotation, 45, false),
    r(B::Shoulder, M::Flexion, 180, false),
    r(B::Shoulder, M::Extension, 60, false),
    r(B::Shoulder, M::Abduction, 180, false),
    r(B::Shoulder, M::InternalRotation, 70, false),
    r(B::Shoulder, M::ExternalRotation, 90, false),
    r(B::Elbow, M::Flexion, 150, false),
    // 0 = straight; + hyperextension, − extension lag.
    r(B::Elbow, M::Extension, 0, true),
    r(B::Forearm, M::Pronation, 80, false),
    r(B::Forearm, M::Supination, 80, false),
    r(B::Wrist, M::Flexion, 80, false),
    r(B::Wrist, M::Extension, 70, false),
    r(B::Wrist, M::RadialDeviation, 20, false),
    r(B::Wrist, M::UlnarDeviation, 30, false),
    r(B::Hip, M::Flexion, 120, false),
    // Negative with a hip flexion contracture.
    r(B::Hip, M::Extension, 30, true),
    r(B::Hip, M::Abduction, 45, false),
    r(B::Hip, M::Adduction, 30, false),
    r(B::Hip, M::InternalRotation, 45, false),
    r(B::Hip, M::ExternalRotation, 45, false),
    r(B::Knee, M::Flexion, 135, false),
    // 0 = straight; + hyperextension, − extension lag.
    r(B::Knee, M::Extension, 0, true),
    // Negative when the ankle cannot come up to neutral.
    r(B::Ankle, M::Dorsiflexion, 20, true),
    r(B::Ankle, M::PlantarFlexion, 50, false),
    r(B::Ankle, M::Inversion, 35, false),
    r(B::Ankle, M::Eversion, 15, false),
];

pub fn reference(region: BodyRegion, movement: RomMovement) -> Option<&'static Reference> {
    REFERENCES.iter().find(|r| r.region == region && r.movement == movement)
}

/// A movement as a stored measurement names it: one of the vocabulary, or the free text
/// of a row written before there was one (shown as it was, with no typical range).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MeasuredMovement {
    Named(RomMovement),
    FreeText(String),
}

impl MeasuredMovement {
    /// Reads the stored word; text that names no movement is an older free-text row.
    pub fn from_stored(word: String) -> Self {
        match RomMovement::parse(&word) {
            Some(m) => MeasuredMovement::Named(m),
            None => MeasuredMovement::FreeText(word),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            MeasuredMovement::Named(m) => m.as_str(),
            MeasuredMovement::FreeText(t) => t,
        }
    }
    /// The vocabulary entry at `region`; none for free text or a pairing the vocabulary
    /// does not list.
    pub fn reference_at(&self, region: BodyRegion) -> Option<&'static Reference> {
        match self {
            MeasuredMovement::Named(m) => reference(region, *m),
            MeasuredMovement::FreeText(_) => None,
        }
    }
}

/// Bounds no human measurement falls outside: a typo, not a finding.
pub const MAX_DEGREES: i16 = 180;
pub const MIN_SIGNED_DEGREES: i16 = -90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RomError {
    #[error("this movement is not measured at this region; see the range-of-motion vocabulary")]
    UnknownMovement,
    #[error("give the side: left or right")]
    SideRequired,
    #[error("this movement takes no side")]
    NoSide,
    #[error("degrees must be between {min} and {max} for this movement")]
    OutOfRange { min: i16, max: i16 },
}

impl RomError {
    /// The request field the problem is in.
    pub fn field(self) -> &'static str {
        match self {
            RomError::UnknownMovement => "movement",
            RomError::SideRequired | RomError::NoSide => "side",
            RomError::OutOfRange { .. } => "degrees",
        }
    }
}

/// One valid measurement: a movement of its region, a side exactly where one is needed,
/// degrees in range for the movement. Only [`RomMeasurement::new`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RomMeasurement {
    reference: &'static Reference,
    side: Option<RomSide>,
    degrees: i16,
    mode: RomMode,
    method: RomMethod,
}

impl RomMeasurement {
    pub fn new(
        region: BodyRegion,
        movement: RomMovement,
        side: Option<RomSide>,
        degrees: i64,
        mode: RomMode,
        method: RomMethod,
    ) -> Result<Self, RomError> {
        let reference = reference(region, movement).ok_or(RomError::UnknownMovement)?;
        let directional = matches!(movement, RomMovement::Rotation | RomMovement::SideBending);
        match (region.is_sided() || directional, side) {
            (true, None) => return Err(RomError::SideRequired),
            (false, Some(_)) => return Err(RomError::NoSide),
            _ => {}
        }
        let min = if reference.signed { MIN_SIGNED_DEGREES } else { 0 };
        let degrees = i16::try_from(degrees)
            .ok()
            .filter(|d| (min..=MAX_DEGREES).contains(d))
            .ok_or(RomError::OutOfRange { min, max: MAX_DEGREES })?;
        Ok(Self { reference, side, degrees, mode, method })
    }
    pub fn region(&self) -> BodyRegion {
        self.reference.region
    }
    pub fn movement(&self) -> RomMovement {
        self.reference.movement
    }
    pub fn side(&self) -> Option<RomSide> {
        self.side
    }
    pub fn degrees(&self) -> i16 {
        self.degrees
    }
    pub fn mode(&self) -> RomMode {
        self.mode
    }
    pub fn method(&self) -> RomMethod {
        self.method
    }
    pub fn typical_degrees(&self) -> i16 {
        self.reference.typical_degrees
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(
        region: BodyRegion,
        movement: RomMovement,
        side: Option<RomSide>,
        degrees: i64,
    ) -> Result<i16, RomError> {
        RomMeasurement::new(region, movement, side, degrees, RomMode::Active, RomMethod::Goniometer)
            .map(|m| m.degrees())
    }

    #[test]
    fn neck_and_trunk_rotation_and_side_bending_take_a_side_flexion_does_not() {
        assert_eq!(measure(B::Neck, M::Rotation, Some(RomSide::Left), 70), Ok(70));
        assert_eq!(measure(B::Neck, M::Rotation, None, 70), Err(RomError::SideRequired));
        assert_eq!(measure(B::LowerBack, M::SideBending, Some(RomSide::Right), 30), Ok(30));
        assert_eq!(measure(B::Neck, M::Flexion, Some(RomSide::Left), 40), Err(RomError::NoSide));
        assert_eq!(measure(B::Shoulder, M::Flexion, None, 150), Err(RomError::SideRequired));
    }

    #[test]
    fn extension_lag_and_hyperextension_are_signed_other_movements_are_not() {
        assert_eq!(measure(B::Knee, M::Extension, Some(RomSide::Left), -10), Ok(-10));
        assert_eq!(measure(B::Elbow, M::Extension, Some(RomSide::Right), 5), Ok(5));
        assert_eq!(
            measure(B::Knee, M::Flexion, Some(RomSide::Left), -5),
            Err(RomError::OutOfRange { min: 0, max: 180 })
        );
        assert_eq!(
            measure(B::Knee, M::Extension, Some(RomSide::Left), -91),
            Err(RomError::OutOfRange { min: -90, max: 180 })
        );
        assert!(measure(B::Shoulder, M::Abduction, Some(RomSide::Left), 181).is_err());
        assert!(measure(B::Shoulder, M::Abduction, Some(RomSide::Left), i64::MAX).is_err());
    }

    #[test]
    fn each_region_has_its_own_movements() {
        assert_eq!(measure(B::Knee, M::Pronation, Some(RomSide::Left), 10), Err(RomError::UnknownMovement));
        assert_eq!(measure(B::Calf, M::Flexion, Some(RomSide::Left), 10), Err(RomError::UnknownMovement));
        assert_eq!(reference(B::Neck, M::Rotation).map(|r| r.typical_degrees), Some(60));
    }

    #[test]
    fn a_stored_movement_word_is_named_free_text_stays_as_it_was_without_a_reference() {
        let named = MeasuredMovement::from_stored("side_bending".into());
        assert_eq!(named, MeasuredMovement::Named(M::SideBending));
        assert_eq!(named.reference_at(B::Neck).map(|r| r.typical_degrees), Some(45));
        let old = MeasuredMovement::from_stored("overhead reach".into());
        assert_eq!(old.as_str(), "overhead reach");
        assert_eq!(old.reference_at(B::Shoulder), None);
    }

    #[test]
    fn the_vocabulary_has_one_entry_per_region_and_movement_with_a_sane_typical_range() {
        for (i, a) in REFERENCES.iter().enumerate() {
            assert!(REFERENCES[i + 1..].iter().all(|b| (b.region, b.movement) != (a.region, a.movement)));
            assert!((0..=MAX_DEGREES).contains(&a.typical_degrees), "{:?}", a);
        }
    }
}
