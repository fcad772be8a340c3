//! Girth (circumference) measurements for swelling: a tape around a limb or the trunk at
//! a set distance from a bony landmark ("10 cm above the lateral malleolus"), so the same
//! spot is measured session after session. Values are kept in whole millimetres, the
//! resolution of a tape measure; the API speaks centimetres.
//!
//! Swelling of one limb shows best against the other one measured the same day at the
//! same spot, so [`difference_mm`] gives left minus right.

use super::body::{BodyRegion, BodySide};

/// A circumference beyond this is a typo (a large adult thigh is well under a metre;
/// the trunk is also measured here).
pub const MAX_CIRCUMFERENCE_CM: f64 = 250.0;
/// Landmark distances are short: a tape is placed a hand or two from the bone.
pub const MAX_DISTANCE_CM: f64 = 100.0;
pub const MAX_LANDMARK_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum GirthError {
    #[error("must be more than 0 and at most {max} cm")]
    Circumference { max: f64 },
    #[error("must be between 0 and {max} cm")]
    Distance { max: f64 },
    #[error("give the side: left or right")]
    SideRequired,
    #[error("this region is on the midline and takes no side")]
    NoSide,
    #[error("measure one side at a time: left or right")]
    BothSides,
    #[error("name the landmark the distance is measured from")]
    LandmarkMissing,
    #[error("must be at most {max} characters")]
    LandmarkTooLong { max: usize },
}

impl GirthError {
    pub fn field(self) -> &'static str {
        match self {
            GirthError::Circumference { .. } => "circumference_cm",
            GirthError::Distance { .. } => "distance_cm",
            GirthError::SideRequired | GirthError::NoSide | GirthError::BothSides => "side",
            GirthError::LandmarkMissing | GirthError::LandmarkTooLong { .. } => "landmark",
        }
    }
}

/// Centimetres to whole millimetres, rounded half away from zero.
fn to_mm(cm: f64) -> i32 {
    (cm * 10.0).round() as i32
}

/// Whole millimetres to centimetres (one decimal).
pub fn to_cm(mm: i32) -> f64 {
    f64::from(mm) / 10.0
}

/// One valid measurement; only [`GirthMeasurement::new`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GirthMeasurement {
    region: BodyRegion,
    side: Option<BodySide>,
    landmark: String,
    distance_mm: i32,
    circumference_mm: i32,
}

impl GirthMeasurement {
    pub fn new(
        region: BodyRegion,
        side: Option<BodySide>,
        landmark: &str,
        distance_cm: f64,
        circumference_cm: f64,
    ) -> Result<Self, GirthError> {
        match (region.is_sided(), side) {
            (true, None) => return Err(GirthError::SideRequired),
            (false, Some(_)) => return Err(GirthError::NoSide),
            (true, Some(BodySide::Both)) => return Err(GirthError::BothSides),
            _ => {}
        }
        let landmark = landmark.trim();
        if landmark.is_empty() {
            return Err(GirthError::LandmarkMissing);
        }
        if landmark.chars().count() > MAX_LANDMARK_CHARS {
            return Err(GirthError::LandmarkTooLong { max: MAX_LANDMARK_CHARS });
        }
        // NaN is in no range, so it is refused here too.
        if !(0.0..=MAX_DISTANCE_CM).contains(&distance_cm) {
            return Err(GirthError::Distance { max: MAX_DISTANCE_CM });
        }
        let circumference_mm = to_mm(circumference_cm);
        if !(circumference_cm <= MAX_CIRCUMFERENCE_CM && circumference_mm >= 1) {
            return Err(GirthError::Circumference { max: MAX_CIRCUMFERENCE_CM });
        }
        Ok(Self { region, side, landmark: landmark.to_owned(), distance_mm: to_mm(distance_cm), circumference_mm })
    }
    pub fn region(&self) -> BodyRegion {
        self.region
    }
    pub fn side(&self) -> Option<BodySide> {
        self.side
    }
    pub fn landmark(&self) -> &str {
        &self.landmark
    }
    pub fn distance_mm(&self) -> i32 {
        self.distance_mm
    }
    pub fn circumference_mm(&self) -> i32 {
        self.circumference_mm
    }
}

/// Left minus right, in millimetres: positive when the left is larger.
pub fn difference_mm(left_mm: i32, right_mm: i32) -> i32 {
    left_mm - right_mm
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ankle(side: Option<BodySide>, distance: f64, cm: f64) -> Result<GirthMeasurement, GirthError> {
        GirthMeasurement::new(BodyRegion::Ankle, side, "lateral malleolus", distance, cm)
    }

    #[test]
    fn centimetres_are_kept_as_whole_millimetres() {
        let m = ankle(Some(BodySide::Left), 10.0, 24.35).unwrap();
        assert_eq!((m.distance_mm(), m.circumference_mm()), (100, 244));
        assert_eq!(to_cm(m.circumference_mm()), 24.4);
        assert_eq!(ankle(Some(BodySide::Left), 0.0, 0.1).unwrap().circumference_mm(), 1);
    }

    #[test]
    fn out_of_range_and_non_numbers_are_refused() {
        assert_eq!(ankle(Some(BodySide::Left), 10.0, 0.0), Err(GirthError::Circumference { max: 250.0 }));
        assert_eq!(ankle(Some(BodySide::Left), 10.0, 0.04), Err(GirthError::Circumference { max: 250.0 }));
        assert_eq!(ankle(Some(BodySide::Left), 10.0, 250.1), Err(GirthError::Circumference { max: 250.0 }));
        assert_eq!(ankle(Some(BodySide::Left), 10.0, f64::NAN), Err(GirthError::Circumference { max: 250.0 }));
        assert_eq!(ankle(Some(BodySide::Left), -1.0, 24.0), Err(GirthError::Distance { max: 100.0 }));
        assert_eq!(ankle(Some(BodySide::Left), f64::INFINITY, 24.0), Err(GirthError::Distance { max: 100.0 }));
    }

    #[test]
    fn a_side_is_needed_exactly_at_paired_regions_and_one_at_a_time() {
        assert_eq!(ankle(None, 10.0, 24.0), Err(GirthError::SideRequired));
        assert_eq!(ankle(Some(BodySide::Both), 10.0, 24.0), Err(GirthError::BothSides));
        let waist = GirthMeasurement::new(BodyRegion::Abdomen, Some(BodySide::Left), "navel", 0.0, 90.0);
        assert_eq!(waist, Err(GirthError::NoSide));
        assert!(GirthMeasurement::new(BodyRegion::Abdomen, None, "navel", 0.0, 90.0).is_ok());
        let blank = GirthMeasurement::new(BodyRegion::Abdomen, None, "  ", 0.0, 90.0);
        assert_eq!(blank, Err(GirthError::LandmarkMissing));
    }

    #[test]
    fn the_difference_is_left_minus_right() {
        assert_eq!(difference_mm(262, 240), 22);
        assert_eq!(difference_mm(240, 262), -22);
    }
}
