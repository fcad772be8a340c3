//! What scar and girth measures share: the session they are taken in (one the caller may
//! see, and not cancelled or missed), and how a body site is stored (the region as the
//! stored region enum, the side as the stored side enum with `none` on the midline).
//!
//! A stored site that does not read back (an unknown region word, `both`) is an error,
//! never quietly another site: sea-orm refuses the first when it reads the row, and
//! [`side_from_stored`] the second.

use entity::{BodyRegion as StoredRegion, Side, appointment, girth_measurement, scar_assessment};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    auth::Principal,
    clinical::body::{BodyRegion, BodySide},
    services::{
        appointments::{AppointmentError, find_visible_appointment},
        patients::Visible,
    },
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

/// A table of measures taken at a body site in a session, read back per patient.
pub trait MeasureTable: EntityTrait {
    const PATIENT: Self::Column;
    const MEASURED_AT: Self::Column;
    const ID: Self::Column;
}

impl MeasureTable for scar_assessment::Entity {
    const PATIENT: Self::Column = scar_assessment::Column::PatientId;
    const MEASURED_AT: Self::Column = scar_assessment::Column::MeasuredAt;
    const ID: Self::Column = scar_assessment::Column::Id;
}

impl MeasureTable for girth_measurement::Entity {
    const PATIENT: Self::Column = girth_measurement::Column::PatientId;
    const MEASURED_AT: Self::Column = girth_measurement::Column::MeasuredAt;
    const ID: Self::Column = girth_measurement::Column::Id;
}

/// The patient's newest `limit` rows of `T`, returned oldest first: what a series groups
/// and what the FHIR export lists one by one.
pub async fn newest_of_patient<T: MeasureTable, C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    limit: u64,
) -> Result<Vec<T::Model>, DbErr> {
    let mut rows = T::find()
        .filter(T::PATIENT.eq(record.id))
        .order_by_desc(T::MEASURED_AT)
        .order_by_desc(T::ID)
        .limit(limit)
        .all(db)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// How a therapist's words for a site (a scar's label, a girth landmark) compare: without
/// regard to case or surrounding spaces, so "Portal" and " portal" are the same site.
pub fn site_key(words: &str) -> String {
    words.trim().to_lowercase()
}

/// The group in `groups` with this `key` that `same` accepts, made by `new` when there is
/// none yet; groups stay in the order they were first seen.
pub fn group_for<S>(
    groups: &mut Vec<(String, S)>,
    key: String,
    same: impl Fn(&S) -> bool,
    new: impl FnOnce() -> S,
) -> &mut S {
    let i = match groups.iter().position(|(k, s)| *k == key && same(s)) {
        Some(i) => i,
        None => {
            groups.push((key, new()));
            groups.len() - 1
        }
    };
    &mut groups[i].1
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
