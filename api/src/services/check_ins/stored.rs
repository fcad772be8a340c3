//! A check-in's JSON columns as the entity keeps them (`entity::check_in::MedicationTakenV1`,
//! `PainSiteV1`, `entity::RedFlagsV1`) to and from the domain's medicines, body map and
//! red flags.
//!
//! Writing turns every vocabulary value into its word, so a row is written byte for byte
//! as when the columns were text: the same field order, qualities and flags in the order
//! the domain sorted them, `[]` for none. Reading parses the words with the domain's word
//! lists: a medicine class, region, side or quality this build does not know, or a site
//! the body map could not have made, is a corrupt value (logged, answered 500), never a
//! site or a medicine quietly left out. Red-flag words this build does not know are
//! skipped instead (see `services::red_flags`).

use entity::{
    JsonText, RedFlagsV1,
    check_in::{self, MedicationTakenV1, PainSiteV1},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    clinical::{
        body::{BodyRegion, BodySide, PainQuality, PainSite},
        symptoms::{Medication, MedicationTaken, RedFlag},
    },
    services::red_flags,
    store_error::StoreError,
};

pub fn stored_medications(medications: &[MedicationTaken]) -> JsonText<Vec<MedicationTakenV1>> {
    JsonText(
        medications
            .iter()
            .map(|m| MedicationTakenV1 {
                class: m.class.as_str().to_owned(),
                name: m.name.clone(),
                dose: m.dose.clone(),
            })
            .collect(),
    )
}

pub fn stored_sites(sites: &[PainSite]) -> JsonText<Vec<PainSiteV1>> {
    JsonText(
        sites
            .iter()
            .map(|s| PainSiteV1 {
                region: s.region().as_str().to_owned(),
                side: s.side().map(|side| side.as_str().to_owned()),
                intensity: s.intensity(),
                qualities: s.qualities().iter().map(|q| q.as_str().to_owned()).collect(),
            })
            .collect(),
    )
}

pub fn medications_of(row: &check_in::Model) -> Result<Vec<MedicationTaken>, DbErr> {
    const COLUMN: &str = "check_in.medications";
    row.medications
        .0
        .iter()
        .map(|m| -> Result<MedicationTaken, DbErr> {
            let class =
                Medication::parse(&m.class).ok_or_else(|| StoreError::corrupt(COLUMN, "not a medicine class"))?;
            Ok(MedicationTaken { class, name: m.name.clone(), dose: m.dose.clone() })
        })
        .collect()
}

pub fn pain_sites_of(row: &check_in::Model) -> Result<Vec<PainSite>, DbErr> {
    const COLUMN: &str = "check_in.pain_sites";
    let corrupt = |problem: &'static str| DbErr::from(StoreError::corrupt(COLUMN, problem));
    row.pain_sites
        .0
        .iter()
        .map(|s| {
            let region = BodyRegion::parse(&s.region).ok_or_else(|| corrupt("not a body region"))?;
            let side = match &s.side {
                Some(word) => Some(BodySide::parse(word).ok_or_else(|| corrupt("not a side"))?),
                None => None,
            };
            let qualities = s
                .qualities
                .iter()
                .map(|q| PainQuality::parse(q).ok_or_else(|| corrupt("not a pain quality")))
                .collect::<Result<Vec<_>, _>>()?;
            // Every stored site was made by `PainSite::new` under the same rules.
            PainSite::new(region, side, s.intensity, qualities).map_err(corrupt)
        })
        .collect()
}

pub fn red_flags_of(row: &check_in::Model) -> Vec<RedFlag> {
    red_flags::flags_of(&row.red_flags.0)
}

/// The stored check-ins under `ids` that read back, for the replay test. One whose JSON
/// does not decode is left out (and logged): the caller then answers its id as a
/// conflict and keeps the red flags sent under it as a report, as it did when a corrupt
/// stored list counted as no flags. Failing the read instead would refuse the whole
/// request, red flags and all, for as long as the bad row exists.
pub(super) async fn readable<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<check_in::Model>, DbErr> {
    // Every row reads back but for corruption: one query then, and only a value that
    // does not decode costs the sorting out below.
    match check_in::Entity::find().filter(check_in::Column::Id.is_in(ids.iter().copied())).all(db).await {
        Err(DbErr::Json(_)) => {}
        whole => return whole,
    }
    let texts: Vec<(Uuid, String, String, String)> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::Id)
        .column(check_in::Column::Medications)
        .column(check_in::Column::PainSites)
        .column(check_in::Column::RedFlags)
        .filter(check_in::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let readable: Vec<Uuid> = texts
        .into_iter()
        .filter(|(_, medications, sites, flags)| {
            // `stored::decode` logs the column that failed; its content is health data.
            crate::stored::decode::<Vec<MedicationTakenV1>>("check_in.medications", medications).is_ok()
                && crate::stored::decode::<Vec<PainSiteV1>>("check_in.pain_sites", sites).is_ok()
                && crate::stored::decode::<RedFlagsV1>("check_in.red_flags", flags).is_ok()
        })
        .map(|(id, ..)| id)
        .collect();
    if readable.is_empty() {
        return Ok(Vec::new());
    }
    check_in::Entity::find().filter(check_in::Column::Id.is_in(readable)).all(db).await
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::clinical::symptoms::CheckInContext;

    fn row() -> check_in::Model {
        let now = Utc::now();
        check_in::Model {
            id: Uuid::nil(),
            patient_id: Uuid::nil(),
            recorded_at: now,
            local_date: now.date_naive(),
            pain: Some(3),
            stress: None,
            sleep_quality: None,
            medication: None,
            medications: JsonText::default(),
            pain_sites: JsonText::default(),
            red_flags: JsonText::default(),
            context: CheckInContext::Daily.into(),
            note: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    #[test]
    fn every_medicine_class_is_stored_as_before_and_reads_back() {
        let sent: Vec<MedicationTaken> = Medication::ALL
            .into_iter()
            .map(|class| MedicationTaken { class, name: Some("Name".into()), dose: None })
            .collect();
        let stored = stored_medications(&sent);
        // What the column held when the domain type was serialised straight into it.
        assert_eq!(stored.to_text(), serde_json::to_string(&sent).unwrap());
        assert_eq!(medications_of(&check_in::Model { medications: stored, ..row() }).unwrap(), sent);
    }

    #[test]
    fn every_region_side_and_quality_is_stored_as_before_and_reads_back() {
        let mut sites = Vec::new();
        for region in BodyRegion::ALL {
            let sides: Vec<Option<BodySide>> =
                if region.is_sided() { BodySide::ALL.into_iter().map(Some).collect() } else { vec![None] };
            for side in sides {
                sites.push(PainSite::new(region, side, 7, PainQuality::ALL.to_vec()).unwrap());
            }
        }
        sites.push(PainSite::new(BodyRegion::Neck, None, 0, vec![]).unwrap());
        let stored = stored_sites(&sites);
        assert_eq!(stored.to_text(), serde_json::to_string(&sites).unwrap());
        assert_eq!(pain_sites_of(&check_in::Model { pain_sites: stored, ..row() }).unwrap(), sites);
    }

    #[test]
    fn every_red_flag_is_stored_as_before_and_reads_back() {
        let flags = RedFlag::ALL.to_vec();
        let stored = red_flags::stored(&flags);
        assert_eq!(stored.to_text(), serde_json::to_string(&flags).unwrap());
        assert_eq!(red_flags_of(&check_in::Model { red_flags: stored, ..row() }), flags);
    }

    #[test]
    fn an_unknown_word_or_an_impossible_site_is_corrupt() {
        let site = |region: &str, side: Option<&str>, quality: &str| PainSiteV1 {
            region: region.into(),
            side: side.map(Into::into),
            intensity: 4,
            qualities: vec![quality.into()],
        };
        for bad in [
            site("tail", None, "aching"),
            site("knee", Some("middle"), "aching"),
            site("neck", None, "itchy"),
            site("knee", None, "aching"),
            PainSiteV1 { intensity: 11, ..site("neck", None, "aching") },
        ] {
            let corrupt = pain_sites_of(&check_in::Model { pain_sites: JsonText(vec![bad.clone()]), ..row() });
            assert!(matches!(corrupt, Err(DbErr::Type(m)) if m.starts_with("check_in.pain_sites")), "{bad:?}");
        }
        let medicine = MedicationTakenV1 { class: "magic".into(), name: None, dose: None };
        let corrupt = medications_of(&check_in::Model { medications: JsonText(vec![medicine]), ..row() });
        assert!(matches!(corrupt, Err(DbErr::Type(m)) if m.starts_with("check_in.medications")));
    }
}
