//! Girth measurements: recorded per session in one batch (all or none), read back per
//! patient as one series per measuring spot, session by session, with the left and right
//! values side by side and their difference when both were taken in the same session.
//!
//! A spot is the region, the landmark (compared without regard to case or surrounding
//! spaces) and the distance from it: the same tape position week after week. When one
//! side was measured twice in a session, the later recording stands.

use crate::services::patients::Visible;
use chrono::{DateTime, Utc};
use entity::{AuditAction, girth_measurement};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait};
use uuid::Uuid;

use crate::{
    auth::Principal,
    clinical::{
        body::{BodyRegion, BodySide},
        girth::{GirthMeasurement, difference_mm},
    },
    db,
    services::{
        appointments::AppointmentError,
        audit::{self, Event},
        measured_site::{
            group_for, newest_of_patient, session_for_measure, side_from_stored, side_to_stored, site_key,
        },
    },
    store_error::StoreError,
};

/// At most this many measurements are read for one patient's series (the newest).
pub const SERIES_LIMIT: u64 = 5000;

/// Stores the measurements taken in the session `appointment_id`, in the order given.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
    input: Vec<GirthMeasurement>,
) -> Result<Vec<girth_measurement::Model>, AppointmentError> {
    let appt = session_for_measure(db, who, appointment_id).await?;
    let rows: Vec<girth_measurement::Model> = input
        .iter()
        .map(|m| girth_measurement::Model {
            id: Uuid::now_v7(),
            clinic_id: appt.clinic_id,
            patient_id: appt.patient_id,
            appointment_id: appt.id,
            measured_at: appt.starts_at,
            region: m.region().into(),
            side: side_to_stored(m.side()),
            landmark: m.landmark().to_owned(),
            distance_mm: m.distance_mm(),
            circumference_mm: m.circumference_mm(),
            recorded_by: who.user_id,
            created_at: now,
        })
        .collect();
    let txn = db::begin_write(db).await?;
    if !rows.is_empty() {
        girth_measurement::Entity::insert_many(rows.iter().cloned().map(|r| girth_measurement::ActiveModel {
            id: Set(r.id),
            clinic_id: Set(r.clinic_id),
            patient_id: Set(r.patient_id),
            appointment_id: Set(r.appointment_id),
            measured_at: Set(r.measured_at),
            region: Set(r.region),
            side: Set(r.side),
            landmark: Set(r.landmark),
            distance_mm: Set(r.distance_mm),
            circumference_mm: Set(r.circumference_mm),
            recorded_by: Set(r.recorded_by),
            created_at: Set(r.created_at),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let event = Event::by(who, AuditAction::GirthMeasurementCreate)
        .patient(appt.patient_id)
        .resource(format!("appointment:{appointment_id}:girth:{}", rows.len()));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(rows)
}

/// One session's values at one spot, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GirthSession {
    pub appointment_id: Uuid,
    pub measured_at: DateTime<Utc>,
    pub left_mm: Option<i32>,
    pub right_mm: Option<i32>,
    /// Midline spots (waist, neck) have one value and no sides.
    pub midline_mm: Option<i32>,
}

impl GirthSession {
    /// Left − right, when both were measured in this session.
    pub fn difference_mm(&self) -> Option<i32> {
        Some(difference_mm(self.left_mm?, self.right_mm?))
    }
}

/// One measuring spot over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GirthSeries {
    pub region: BodyRegion,
    /// As first written.
    pub landmark: String,
    pub distance_mm: i32,
    pub sessions: Vec<GirthSession>,
}

/// Groups rows (already in time order) by spot and then by session; series come in order
/// of first measurement.
pub fn group(rows: Vec<girth_measurement::Model>) -> Result<Vec<GirthSeries>, StoreError> {
    let mut series: Vec<(String, GirthSeries)> = Vec::new();
    for row in rows {
        let region = row.region.into();
        let side = side_from_stored("girth_measurement.side", row.side)?;
        let spot = group_for(
            &mut series,
            site_key(&row.landmark),
            |s| s.region == region && s.distance_mm == row.distance_mm,
            || GirthSeries { region, landmark: row.landmark.clone(), distance_mm: row.distance_mm, sessions: vec![] },
        );
        let sessions = &mut spot.sessions;
        let session = match sessions.iter_mut().find(|s| s.appointment_id == row.appointment_id) {
            Some(s) => s,
            None => {
                sessions.push(GirthSession {
                    appointment_id: row.appointment_id,
                    measured_at: row.measured_at,
                    left_mm: None,
                    right_mm: None,
                    midline_mm: None,
                });
                sessions.last_mut().expect("just pushed")
            }
        };
        let value = Some(row.circumference_mm);
        match side {
            Some(BodySide::Left) => session.left_mm = value,
            Some(BodySide::Right) => session.right_mm = value,
            Some(BodySide::Both) | None => session.midline_mm = value,
        }
    }
    Ok(series.into_iter().map(|(_, s)| s).collect())
}

/// The patient's girth series.
pub async fn series<C: ConnectionTrait>(db: &C, record: &Visible) -> Result<Vec<GirthSeries>, StoreError> {
    group(measurements(db, record).await?)
}

/// The patient's rows, oldest first (the newest `SERIES_LIMIT`): what [`series`] groups
/// and what the FHIR export lists one by one.
pub async fn measurements<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
) -> Result<Vec<girth_measurement::Model>, DbErr> {
    newest_of_patient::<girth_measurement::Entity, _>(db, record, SERIES_LIMIT).await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn row(session: u8, side: entity::Side, landmark: &str, distance_mm: i32, mm: i32) -> girth_measurement::Model {
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00Z").unwrap().to_utc()
            + Duration::days(i64::from(session) * 7);
        girth_measurement::Model {
            id: Uuid::now_v7(),
            clinic_id: Uuid::nil(),
            patient_id: Uuid::nil(),
            appointment_id: Uuid::from_u128(u128::from(session)),
            measured_at: at,
            region: entity::BodyRegion::Ankle,
            side,
            landmark: landmark.into(),
            distance_mm,
            circumference_mm: mm,
            recorded_by: Uuid::nil(),
            created_at: at,
        }
    }

    #[test]
    fn sides_of_one_session_sit_together_with_their_difference() {
        use entity::Side::{Left, Right};
        let rows = vec![
            row(1, Left, "Lateral malleolus", 100, 262),
            row(1, Right, "lateral malleolus", 100, 240),
            row(2, Left, "lateral malleolus ", 100, 255),
            // Re-measured in the same session: the later value stands.
            row(2, Left, "lateral malleolus", 100, 251),
            // Another spot: 20 cm up.
            row(2, Left, "lateral malleolus", 200, 330),
        ];
        let s = group(rows).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].landmark.as_str(), s[0].distance_mm), ("Lateral malleolus", 100));
        let first = s[0].sessions[0];
        assert_eq!((first.left_mm, first.right_mm, first.difference_mm()), (Some(262), Some(240), Some(22)));
        let second = s[0].sessions[1];
        assert_eq!((second.left_mm, second.right_mm, second.difference_mm()), (Some(251), None, None));
        assert_eq!(s[1].sessions.len(), 1);
    }

    #[test]
    fn midline_spots_have_one_value_and_no_difference() {
        let mut waist = row(1, entity::Side::None, "navel", 0, 905);
        waist.region = entity::BodyRegion::Abdomen;
        let s = group(vec![waist]).unwrap();
        assert_eq!(
            (s[0].region, s[0].sessions[0].midline_mm, s[0].sessions[0].difference_mm()),
            (BodyRegion::Abdomen, Some(905), None)
        );
    }
}
