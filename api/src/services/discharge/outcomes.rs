//! First → last outcome measures over a course of care, each with whether the change is
//! clinically meaningful by the project's MCID rules (`clinical`, `clinical::instruments`).
//!
//! - Pain comes from the patient's daily check-ins (not those around a session or in a
//!   flare, which are chosen for being unusual; see `services::baselines`). A single
//!   day is noisy, so "first" is the mean of the daily means of the course's first week
//!   of pain ratings and "last" that of its last week (the seven days ending with the
//!   last rating). In a course shorter than two weeks the two weeks overlap.
//! - Each questionnaire instrument: its first and last scored response in the course. A
//!   patient-specific instrument is compared only between responses rating the same
//!   activities, so each set of activities is its own outcome.

use chrono::{Duration, NaiveDate};
use entity::{InstrumentId, JsonText, check_in, discharge_summary::OutcomeV1, measure_response};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::services::patients::PatientScope;
use crate::{
    clinical::{PAIN_MCID, mean_of_daily_means},
    services::{measures, trends},
    store_error::StoreError,
};

/// Pain first week → last week from `(local day, rating)` pairs; none without ratings.
pub fn pain_outcome(readings: &[(NaiveDate, i16)]) -> Option<OutcomeV1> {
    let first_day = readings.iter().map(|(d, _)| *d).min()?;
    let last_day = readings.iter().map(|(d, _)| *d).max()?;
    let week = |from: NaiveDate, to: NaiveDate| -> Vec<(NaiveDate, i16)> {
        readings.iter().filter(|(d, _)| *d >= from && *d <= to).copied().collect()
    };
    let first = mean_of_daily_means(&week(first_day, first_day + Duration::days(6)))?;
    let last = mean_of_daily_means(&week(last_day - Duration::days(6), last_day))?;
    let change = trends::change("pain", first, last, PAIN_MCID, true);
    Some(OutcomeV1 {
        measure: "pain".into(),
        activities: None,
        first: change.baseline,
        first_on: first_day,
        last: round2(last),
        last_on: last_day,
        change: change.change,
        direction: change.direction.into(),
        meaningful: Some(change.meaningful),
        readings: readings.len() as u32,
    })
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// An instrument and, for patient-specific ones, the activities rated (as stored).
type MeasureKey<'a> = (InstrumentId, Option<&'a JsonText<Vec<String>>>);

/// One outcome per instrument (and set of activities) from responses in time order.
pub fn measure_outcomes(rows: &[measure_response::Model]) -> Result<Vec<OutcomeV1>, StoreError> {
    let mut groups: Vec<(MeasureKey, Vec<&measure_response::Model>)> = Vec::new();
    for row in rows {
        let key = (row.instrument, row.activities.as_ref());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(row),
            None => groups.push((key, vec![row])),
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for ((instrument, _), group) in groups {
        let inst = measures::registered(instrument);
        let (first, last) = (group[0], group[group.len() - 1]);
        let direction = crate::clinical::direction(first.score, last.score, inst.higher_is_worse);
        out.push(OutcomeV1 {
            measure: inst.id.to_owned(),
            activities: first.activities.clone().map(JsonText::into_inner),
            first: first.score,
            first_on: first.local_date,
            last: last.score,
            last_on: last.local_date,
            change: round2(last.score - first.score),
            direction: direction.into(),
            meaningful: inst.mcid.map(|m| m.crossed(first.score, last.score, inst.higher_is_worse)),
            readings: group.len() as u32,
        });
    }
    Ok(out)
}

/// Pain and every instrument answered in the local days `[from, to]`.
pub async fn course_outcomes<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OutcomeV1>, DbErr> {
    let patient_id = patient.uuid();
    let pain: Vec<(NaiveDate, i16)> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::LocalDate)
        .column(check_in::Column::Pain)
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::Context.eq(check_in::Context::Daily))
        .filter(check_in::Column::Pain.is_not_null())
        .filter(check_in::Column::LocalDate.gte(from))
        .filter(check_in::Column::LocalDate.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    let responses = measure_response::Entity::find()
        .filter(measure_response::Column::PatientId.eq(patient_id))
        .filter(measure_response::Column::LocalDate.gte(from))
        .filter(measure_response::Column::LocalDate.lte(to))
        .order_by_asc(measure_response::Column::RecordedAt)
        .order_by_asc(measure_response::Column::Id)
        .all(db)
        .await?;
    let mut out: Vec<OutcomeV1> = pain_outcome(&pain).into_iter().collect();
    out.extend(measure_outcomes(&responses)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sea_orm::ActiveEnum;
    use uuid::Uuid;

    use super::*;
    use entity::discharge_summary::DirectionV1;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
    }

    #[test]
    fn pain_compares_the_first_week_with_the_last() {
        // The last week is the seven days ending with the last rating: June 15–21.
        let readings = [(d(1), 6), (d(1), 8), (d(7), 6), (d(10), 5), (d(15), 3), (d(21), 2)];
        let o = pain_outcome(&readings).unwrap();
        // First week June 1–7: June 1 (6 + 8) / 2 = 7, June 7 6 → (7 + 6) / 2 = 6.5.
        // Last week: June 15 3, June 21 2 → 2.5.
        assert_eq!((o.first, o.first_on), (6.5, d(1)));
        assert_eq!((o.last, o.last_on), (2.5, d(21)));
        assert_eq!((o.change, o.direction, o.meaningful), (-4.0, DirectionV1::Improved, Some(true)));
        assert_eq!(o.readings, 6);
        assert_eq!(pain_outcome(&[]), None);
    }

    #[test]
    fn a_small_pain_change_is_not_meaningful() {
        let o = pain_outcome(&[(d(1), 5), (d(20), 4)]).unwrap();
        assert_eq!((o.first, o.last, o.meaningful), (5.0, 4.0, Some(false)));
    }

    fn response(instrument: &str, day: u32, score: f64, activities: Option<&str>) -> measure_response::Model {
        measure_response::Model {
            id: Uuid::now_v7(),
            patient_id: Uuid::nil(),
            instrument: InstrumentId::parse(instrument).expect("an instrument the tables hold"),
            answers: JsonText(Vec::new()),
            score,
            recorded_at: Utc::now(),
            local_date: d(day),
            created_at: Utc::now(),
            schedule_id: None,
            activities: activities.map(|a| JsonText(serde_json::from_str(a).expect("a JSON array of texts"))),
        }
    }

    #[test]
    fn each_instrument_goes_first_to_last_with_its_own_mcid() {
        let rows = [
            response("ndi", 1, 20.0, None),
            response("peg", 2, 6.0, None),
            response("ndi", 8, 16.0, None),
            response("ndi", 15, 12.0, None),
            response("peg", 16, 5.0, None),
            response("pss4", 3, 10.0, None),
            response("pss4", 17, 4.0, None),
        ];
        let out = measure_outcomes(&rows).unwrap();
        assert_eq!(out.len(), 3);
        // NDI 20 → 12: 8 points, at least its 7.5.
        assert_eq!((out[0].measure.as_str(), out[0].change, out[0].meaningful), ("ndi", -8.0, Some(true)));
        assert_eq!(out[0].readings, 3);
        // PEG 6 → 5: one point, 17 %: not meaningful.
        assert_eq!((out[1].change, out[1].meaningful), (-1.0, Some(false)));
        // PSS-4 has no established threshold.
        assert_eq!((out[2].direction, out[2].meaningful), (DirectionV1::Improved, None));
    }

    #[test]
    fn patient_specific_responses_compare_only_the_same_activities() {
        let a = r#"["lift","walk","sit"]"#;
        let b = r#"["lift","walk","run"]"#;
        let rows =
            [response("psfs", 1, 3.0, Some(a)), response("psfs", 5, 4.0, Some(b)), response("psfs", 9, 6.0, Some(a))];
        let out = measure_outcomes(&rows).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].first, out[0].last, out[0].meaningful), (3.0, 6.0, Some(true)));
        assert_eq!(out[0].activities.as_deref().map(<[String]>::len), Some(3));
        assert_eq!(out[1].readings, 1);
    }

    #[test]
    fn an_instrument_missing_from_the_registry_is_a_decode_error() {
        // The column is typed: a stored word outside the registry fails when the row is
        // read, before any outcome is computed from it.
        assert!(InstrumentId::try_from_value(&"gone".to_owned()).is_err());
    }
}
