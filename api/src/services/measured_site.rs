//! What scar and girth measures share: the session they are taken in (one the caller may
//! see, and not cancelled or missed), and how a body site is stored (the region's
//! snake_case word, the side as the stored side enum with `none` on the midline).
//!
//! A stored site that does not read back (an unknown region word, `both`) is an error,
//! never quietly another site.

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

pub fn parse_region(column: &'static str, word: &str) -> Result<BodyRegion, StoreError> {
    serde_json::from_value(serde_json::Value::String(word.to_owned()))
        .map_err(|_| StoreError::corrupt(column, "unknown body region"))
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
    use super::*;

    #[test]
    fn regions_and_sides_read_back_as_stored() {
        let word = region_word(BodyRegion::LowerBack);
        assert_eq!(word, "lower_back");
        assert_eq!(parse_region("t.region", &word).unwrap(), BodyRegion::LowerBack);
        assert!(parse_region("t.region", "elbowish").is_err());
        assert_eq!(side_from_stored("t.side", side_to_stored(Some(BodySide::Left))).unwrap(), Some(BodySide::Left));
        assert_eq!(side_from_stored("t.side", side_to_stored(None)).unwrap(), None);
        assert!(side_from_stored("t.side", Side::Both).is_err());
    }
}
