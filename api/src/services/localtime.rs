//! Local days in a patient's time zone. A local day starts at its first existing instant
//! (midnight, or just after a DST gap that swallows midnight) and ends where the next
//! one starts, so days are 23, 24 or 25 hours long as the zone dictates.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use entity::{clinic, patient, user};
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::stored::zone as stored_zone;

pub fn local_day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    for minutes in 0..=24 * 60 {
        match tz.from_local_datetime(&(midnight + Duration::minutes(minutes))) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    midnight.and_utc()
}

pub fn local_day_end(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local_day_start(date.succ_opt().unwrap_or(date), tz)
}

pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The patient's zone: their account's, or the clinic's before they have one.
pub async fn patient_timezone<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<Tz, DbErr> {
    let patient_id = patient.uuid();
    let Some(record) = patient::Entity::find_by_id(patient_id).one(db).await? else {
        return Ok(Tz::UTC);
    };
    let zone = match record.user_id {
        Some(user_id) => match user::Entity::find_by_id(user_id).one(db).await? {
            Some(u) => Some(stored_zone("user.timezone", &u.timezone)?),
            None => None,
        },
        None => match clinic::Entity::find_by_id(record.clinic_id).one(db).await? {
            Some(c) => Some(stored_zone("clinic.timezone", &c.timezone)?),
            None => None,
        },
    };
    Ok(zone.unwrap_or(Tz::UTC))
}

/// [`patient_timezone`] for a page of patients in three queries, whatever the page size.
/// A patient not found is absent from the map (the single read answers UTC for it).
pub async fn patient_timezones<C: ConnectionTrait>(db: &C, patient_ids: &[Uuid]) -> Result<HashMap<Uuid, Tz>, DbErr> {
    let records =
        patient::Entity::find().filter(patient::Column::Id.is_in(patient_ids.iter().copied())).all(db).await?;
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(records.iter().filter_map(|r| r.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let clinics: HashMap<Uuid, clinic::Model> = clinic::Entity::find()
        .filter(clinic::Column::Id.is_in(records.iter().filter(|r| r.user_id.is_none()).map(|r| r.clinic_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut zones = HashMap::with_capacity(records.len());
    for record in records {
        // The same choice as `patient_timezone`, row by row.
        let zone = match record.user_id {
            Some(user_id) => users.get(&user_id).map(|u| stored_zone("user.timezone", &u.timezone)).transpose()?,
            None => clinics.get(&record.clinic_id).map(|c| stored_zone("clinic.timezone", &c.timezone)).transpose()?,
        };
        zones.insert(record.id, zone.unwrap_or(Tz::UTC));
    }
    Ok(zones)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_follow_dst_changes() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let spring = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!((local_day_end(spring, ny) - local_day_start(spring, ny)).num_hours(), 23);
        let fall = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!((local_day_end(fall, ny) - local_day_start(fall, ny)).num_hours(), 25);
    }

    #[test]
    fn a_day_whose_midnight_falls_in_a_gap_starts_after_the_gap() {
        // Santiago springs forward at midnight: 2026-09-06 00:00 does not exist there.
        let scl: Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = local_day_start(day, scl).with_timezone(&scl);
        assert_eq!(start.date_naive(), day);
        assert_eq!(start.format("%H:%M").to_string(), "01:00");
    }
}
