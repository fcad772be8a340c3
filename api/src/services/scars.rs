//! Scar assessments: recorded per session (an assessment whose values are already valid,
//! see `clinical::scar`), read back per patient as one series per scar in session order.
//!
//! A scar is told apart from another by its site: region, side and label (compared
//! without regard to case or surrounding spaces), so "Caesarean" and "caesarean " are
//! the same scar.

use crate::services::patients::Visible;
use chrono::{DateTime, Utc};
use entity::{AuditAction, scar_assessment};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait};
use uuid::Uuid;

use crate::{
    auth::Principal,
    clinical::{
        body::{BodyRegion, BodySide},
        scar::ScarAssessment,
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

/// At most this many assessments are read for one patient's series (the newest).
pub const SERIES_LIMIT: u64 = 2000;

/// Stores one assessment in the session `appointment_id`; the total is the scale's sum.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    appointment_id: Uuid,
    input: ScarAssessment,
) -> Result<scar_assessment::Model, AppointmentError> {
    use crate::clinical::scar::VssItem as I;
    let appt = session_for_measure(db, who, appointment_id).await?;
    let item = |i: I| i16::from(input.vss.get(i));
    let row = scar_assessment::Model {
        id: Uuid::now_v7(),
        clinic_id: appt.clinic_id,
        patient_id: appt.patient_id,
        appointment_id: appt.id,
        measured_at: appt.starts_at,
        region: input.site.region().into(),
        side: side_to_stored(input.site.side()),
        label: input.site.label().to_owned(),
        length_mm: input.length_mm(),
        width_mm: input.width_mm(),
        pigmentation: item(I::Pigmentation),
        vascularity: item(I::Vascularity),
        pliability: item(I::Pliability),
        height: item(I::Height),
        total: i16::from(input.vss.total()),
        recorded_by: who.user_id,
        created_at: now,
    };
    let txn = db::begin_write(db).await?;
    scar_assessment::Entity::insert(scar_assessment::ActiveModel {
        id: Set(row.id),
        clinic_id: Set(row.clinic_id),
        patient_id: Set(row.patient_id),
        appointment_id: Set(row.appointment_id),
        measured_at: Set(row.measured_at),
        region: Set(row.region),
        side: Set(row.side),
        label: Set(row.label.clone()),
        length_mm: Set(row.length_mm),
        width_mm: Set(row.width_mm),
        pigmentation: Set(row.pigmentation),
        vascularity: Set(row.vascularity),
        pliability: Set(row.pliability),
        height: Set(row.height),
        total: Set(row.total),
        recorded_by: Set(row.recorded_by),
        created_at: Set(row.created_at),
    })
    .exec_without_returning(&txn)
    .await?;
    let event = Event::by(who, AuditAction::ScarAssessmentCreate)
        .patient(row.patient_id)
        .resource(format!("appointment:{appointment_id}:scar:{}", row.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

/// One scar over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScarSeries {
    pub region: BodyRegion,
    pub side: Option<BodySide>,
    /// As first written.
    pub label: String,
    /// In session order (then recording order within a session).
    pub assessments: Vec<scar_assessment::Model>,
}

impl ScarSeries {
    /// Last total − first total.
    pub fn total_change(&self) -> i16 {
        match (self.assessments.first(), self.assessments.last()) {
            (Some(first), Some(last)) => last.total - first.total,
            _ => 0,
        }
    }
}

/// Groups rows (already in time order) by scar; series come in order of first assessment.
pub fn group(rows: Vec<scar_assessment::Model>) -> Result<Vec<ScarSeries>, StoreError> {
    let mut series: Vec<(String, ScarSeries)> = Vec::new();
    for row in rows {
        let region = row.region.into();
        let side = side_from_stored("scar_assessment.side", row.side)?;
        let scar = group_for(
            &mut series,
            site_key(&row.label),
            |s| s.region == region && s.side == side,
            || ScarSeries { region, side, label: row.label.clone(), assessments: vec![] },
        );
        scar.assessments.push(row);
    }
    Ok(series.into_iter().map(|(_, s)| s).collect())
}

/// The patient's scars, each a series in session order.
pub async fn series<C: ConnectionTrait>(db: &C, record: &Visible) -> Result<Vec<ScarSeries>, StoreError> {
    group(measurements(db, record).await?)
}

/// The patient's rows, oldest first (the newest `SERIES_LIMIT`): what [`series`] groups
/// and what the FHIR export lists one by one.
pub async fn measurements<C: ConnectionTrait>(db: &C, record: &Visible) -> Result<Vec<scar_assessment::Model>, DbErr> {
    newest_of_patient::<scar_assessment::Entity, _>(db, record, SERIES_LIMIT).await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn row(
        at_day: i64,
        region: entity::BodyRegion,
        side: entity::Side,
        label: &str,
        total: i16,
    ) -> scar_assessment::Model {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00Z").unwrap().to_utc() + Duration::days(at_day);
        scar_assessment::Model {
            id: Uuid::now_v7(),
            clinic_id: Uuid::nil(),
            patient_id: Uuid::nil(),
            appointment_id: Uuid::nil(),
            measured_at: at,
            region,
            side,
            label: label.into(),
            length_mm: 80,
            width_mm: 4,
            pigmentation: 0,
            vascularity: 0,
            pliability: total,
            height: 0,
            total,
            recorded_by: Uuid::nil(),
            created_at: at,
        }
    }

    #[test]
    fn rows_group_by_region_side_and_label_ignoring_case() {
        use entity::{
            BodyRegion::{Abdomen, Knee},
            Side::{Left, Right},
        };
        let rows = vec![
            row(0, Knee, Left, "Portal", 6),
            row(0, Knee, Right, "portal", 5),
            row(7, Knee, Left, " portal ", 4),
            row(7, Abdomen, entity::Side::None, "", 3),
            row(14, Knee, Left, "PORTAL", 2),
        ];
        let s = group(rows).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].region, s[0].side, s[0].label.as_str()), (BodyRegion::Knee, Some(BodySide::Left), "Portal"));
        assert_eq!(s[0].assessments.iter().map(|a| a.total).collect::<Vec<_>>(), [6, 4, 2]);
        assert_eq!(s[0].total_change(), -4);
        assert_eq!(s[1].side, Some(BodySide::Right));
        assert_eq!((s[2].region, s[2].side), (BodyRegion::Abdomen, None));
    }

    #[test]
    fn a_site_stored_with_both_sides_is_an_error() {
        let rows = vec![row(0, entity::BodyRegion::Knee, entity::Side::Both, "", 1)];
        assert!(matches!(group(rows), Err(StoreError::Corrupt { column: "scar_assessment.side", .. })));
    }
}
