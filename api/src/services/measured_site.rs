//! What scar and girth measures share: the session they are taken in (one the caller may
//! see, and not cancelled or missed), and how a body site is stored (the region as the
//! stored region enum, the side as the stored side enum with `none` on the midline).
//!
//! A stored site that does not read back (an unknown region word, `both`) is an error,
//! never quietly another site: sea-orm refuses the first when it reads the row, and
//! [`side_from_stored`] the second.

use entity::BodyRegion as StoredRegion;
use entity::{Side, appointment};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    auth::Principal,
    clinical::body::{BodyRegion, BodySide},
    services::appointments::{AppointmentError, find_visible_appointment},
    store_error::StoreError,
};

/// The appointment a measure is recorded in: visible to `who` (else not found) and one
/// that took place or is still to come (not cancelled, not a no-show).
pub async fn session_for_measure<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    appointment_id: Uuid,
) -> Result<appointment::Model, AppointmentError> {
    let appt = find_visible_appointment(db, who, appointment_id).await?;
    match appt.status {
        appointment::Status::Cancelled => Err(AppointmentError::Conflict("a cancelled session has no measures")),
        appointment::Status::NoShow => Err(AppointmentError::Conflict("a missed session has no measures")),
        appointment::Status::Scheduled | appointment::Status::Completed => Ok(appt),
    }
}

pub fn region_word(region: BodyRegion) -> String {
    match serde_json::to_value(region) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("a body region serialises as its word"),
    }
}

// Both ways spelled out, so a region added to one enum and not the other does not compile.
impl From<BodyRegion> for StoredRegion {
    fn from(region: BodyRegion) -> Self {
        match region {
            BodyRegion::Head => StoredRegion::Head,
            BodyRegion::Jaw => StoredRegion::Jaw,
            BodyRegion::Neck => StoredRegion::Neck,
            BodyRegion::Shoulder => StoredRegion::Shoulder,
            BodyRegion::UpperArm => StoredRegion::UpperArm,
            BodyRegion::Elbow => StoredRegion::Elbow,
            BodyRegion::Forearm => StoredRegion::Forearm,
            BodyRegion::Wrist => StoredRegion::Wrist,
            BodyRegion::Hand => StoredRegion::Hand,
            BodyRegion::Chest => StoredRegion::Chest,
            BodyRegion::Abdomen => StoredRegion::Abdomen,
            BodyRegion::UpperBack => StoredRegion::UpperBack,
            BodyRegion::MidBack => StoredRegion::MidBack,
            BodyRegion::LowerBack => StoredRegion::LowerBack,
            BodyRegion::Sacrum => StoredRegion::Sacrum,
            BodyRegion::Hip => StoredRegion::Hip,
            BodyRegion::Buttock => StoredRegion::Buttock,
            BodyRegion::Groin => StoredRegion::Groin,
            BodyRegion::Thigh => StoredRegion::Thigh,
            BodyRegion::Hamstring => StoredRegion::Hamstring,
            BodyRegion::Knee => StoredRegion::Knee,
            BodyRegion::Calf => StoredRegion::Calf,
            BodyRegion::Shin => StoredRegion::Shin,
            BodyRegion::Ankle => StoredRegion::Ankle,
            BodyRegion::Foot => StoredRegion::Foot,
        }
    }
}

impl From<StoredRegion> for BodyRegion {
    fn from(region: StoredRegion) -> Self {
        match region {
            StoredRegion::Head => BodyRegion::Head,
            StoredRegion::Jaw => BodyRegion::Jaw,
            StoredRegion::Neck => BodyRegion::Neck,
            StoredRegion::Shoulder => BodyRegion::Shoulder,
            StoredRegion::UpperArm => BodyRegion::UpperArm,
            StoredRegion::Elbow => BodyRegion::Elbow,
            StoredRegion::Forearm => BodyRegion::Forearm,
            StoredRegion::Wrist => BodyRegion::Wrist,
            StoredRegion::Hand => BodyRegion::Hand,
            StoredRegion::Chest => BodyRegion::Chest,
            StoredRegion::Abdomen => BodyRegion::Abdomen,
            StoredRegion::UpperBack => BodyRegion::UpperBack,
            StoredRegion::MidBack => BodyRegion::MidBack,
            StoredRegion::LowerBack => BodyRegion::LowerBack,
            StoredRegion::Sacrum => BodyRegion::Sacrum,
            StoredRegion::Hip => BodyRegion::Hip,
            StoredRegion::Buttock => BodyRegion::Buttock,
            StoredRegion::Groin => BodyRegion::Groin,
            StoredRegion::Thigh => BodyRegion::Thigh,
            StoredRegion::Hamstring => BodyRegion::Hamstring,
            StoredRegion::Knee => BodyRegion::Knee,
            StoredRegion::Calf => BodyRegion::Calf,
            StoredRegion::Shin => BodyRegion::Shin,
            StoredRegion::Ankle => BodyRegion::Ankle,
            StoredRegion::Foot => BodyRegion::Foot,
        }
    }
}

/// Only left, right or none are ever stored for a measured site.
pub fn side_to_stored(side: Option<BodySide>) -> Side {
    match side {
        Some(BodySide::Left) => Side::Left,
        Some(BodySide::Right) => Side::Right,
        // The domain types refuse `both` for measured sites.
        Some(BodySide::Both) | None => Side::None,
    }
}

pub fn side_from_stored(column: &'static str, side: Side) -> Result<Option<BodySide>, StoreError> {
    match side {
        Side::Left => Ok(Some(BodySide::Left)),
        Side::Right => Ok(Some(BodySide::Right)),
        Side::None => Ok(None),
        Side::Both => Err(StoreError::corrupt(column, "a measured site has one side, not both")),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn every_region_is_stored_as_the_word_the_api_uses() {
        for stored in StoredRegion::iter() {
            let region = BodyRegion::from(stored);
            assert_eq!(stored.to_value(), region_word(region));
            assert_eq!(StoredRegion::from(region), stored);
        }
        assert!(StoredRegion::try_from_value(&"elbowish".to_owned()).is_err());
    }

    #[test]
    fn regions_and_sides_read_back_as_stored() {
        let word = region_word(BodyRegion::LowerBack);
        assert_eq!(word, "lower_back");
        assert_eq!(side_from_stored("t.side", side_to_stored(Some(BodySide::Left))).unwrap(), Some(BodySide::Left));
        assert_eq!(side_from_stored("t.side", side_to_stored(None)).unwrap(), None);
        assert!(side_from_stored("t.side", Side::Both).is_err());
    }
}
