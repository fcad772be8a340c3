//! Conversions between the stored discharge summary's direction
//! (`entity::discharge_summary::DirectionV1`, kept in the column) and the domain's
//! [`crate::clinical::Direction`], so a change to either is made in one place.

use entity::discharge_summary::DirectionV1;

impl From<crate::clinical::Direction> for DirectionV1 {
    fn from(d: crate::clinical::Direction) -> Self {
        match d {
            crate::clinical::Direction::Improved => Self::Improved,
            crate::clinical::Direction::Worsened => Self::Worsened,
            crate::clinical::Direction::Unchanged => Self::Unchanged,
        }
    }
}

impl From<DirectionV1> for crate::clinical::Direction {
    fn from(d: DirectionV1) -> Self {
        match d {
            DirectionV1::Improved => Self::Improved,
            DirectionV1::Worsened => Self::Worsened,
            DirectionV1::Unchanged => Self::Unchanged,
        }
    }
}
