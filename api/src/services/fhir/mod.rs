//! FHIR R4 export: one patient's record as a Bundle (type `collection`), and a whole
//! clinic in the Bulk Data NDJSON layout (one `<ResourceType>.ndjson` per type).
//!
//! Invariants:
//! - The record is read through the same services the API reads it with ([`gather`]);
//!   this module only maps what they return. Only signed session notes leave the clinic
//!   (`session_notes::signed_of`), and with them their procedures and range of motion.
//! - Ids are stable: a resource made from a row carries the row's UUID; one made from
//!   part of a row (a check-in's pain rating, a referral's physician) carries a UUID v5
//!   of the row's id and what it is, so exporting twice gives the same ids.
//! - Every reference is `urn:uuid:<id>` and names an entry of the same Bundle (or of
//!   the same clinic export); nothing refers outside the export.
//! - A caller reaches this with a [`Visible`] only, so the ownership check came first.

mod clinical;
mod ndjson;
mod resources;

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::{alert, appointment, check_in, clinic, girth_measurement, measure_response, scar_assessment, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    clinical::rules::AlertKind,
    services::{
        alerts, appointments, care_plans,
        care_plans::PlanView,
        check_ins, girths, measures,
        patients::Visible,
        referrals::{self, Referral},
        scars,
        session_notes::{self, FullNote},
    },
};

pub use ndjson::{ExportError, ExportSummary, write_clinic};

/// Check-ins are read in pages of this size (the list service caps a page).
const CHECK_IN_PAGE: u64 = 500;

/// Everything of one patient that an export holds, as the services return it.
#[derive(Debug, Clone)]
pub struct PatientRecord {
    pub patient: Visible,
    pub clinic: clinic::Model,
    /// Staff of the clinic the record names (therapist, plan authors, note authors).
    pub staff: Vec<user::Model>,
    pub referrals: Vec<Referral>,
    pub plans: Vec<PlanView>,
    pub appointments: Vec<appointment::Model>,
    /// Signed notes only.
    pub notes: Vec<FullNote>,
    pub check_ins: Vec<check_in::Model>,
    pub responses: Vec<measure_response::Model>,
    pub girths: Vec<girth_measurement::Model>,
    pub scars: Vec<scar_assessment::Model>,
    pub red_flags: Vec<alert::Model>,
}

/// Where exported links point: the server's public URL, without a trailing slash.
#[derive(Debug, Clone)]
pub struct Links {
    pub public_url: String,
}

impl Links {
    pub fn new(public_url: &str) -> Self {
        Self { public_url: public_url.trim_end_matches('/').to_owned() }
    }

    /// The printable progress report of a patient (served by the report routes).
    pub fn report_pdf(&self, patient_id: Uuid) -> String {
        format!("{}/api/v1/patients/{patient_id}/report?format=pdf", self.public_url)
    }

    /// The canonical URL a questionnaire response names for an instrument.
    pub fn questionnaire(&self, instrument: &str) -> String {
        format!("{}/fhir/Questionnaire/{instrument}", self.public_url)
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a calendar date")
}

/// Reads a patient's whole record through the services.
pub async fn gather<C: ConnectionTrait>(db: &C, patient: Visible) -> Result<PatientRecord, DbErr> {
    let scope = patient.scope();
    let clinic = clinic::Entity::find_by_id(patient.clinic_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("clinic of a patient".into()))?;
    let referrals = referrals::of_patient(db, scope).await?;
    let mut plans = Vec::new();
    for plan in care_plans::of_patient(db, scope).await? {
        plans.push(care_plans::view(db, &plan).await?);
    }
    plans.reverse();
    // Every appointment ever booked: the list services take a window, so give them one
    // wider than any record (within what both databases store and compare as text).
    let (first, last) = (day(1900, 1, 1), day(9999, 12, 31));
    let appointments = appointments::list(
        db,
        scope,
        first.and_time(NaiveTime::MIN).and_utc(),
        last.and_time(NaiveTime::MIN).and_utc(),
    )
    .await?;
    let notes = session_notes::signed_of(db, scope).await?;
    let mut check_ins = Vec::new();
    loop {
        let after = check_ins.last().map(|c: &check_in::Model| c.id);
        let page = check_ins::list(db, scope, first, last, after, CHECK_IN_PAGE).await?;
        let full = page.len() as u64 == CHECK_IN_PAGE;
        check_ins.extend(page);
        if !full {
            break;
        }
    }
    let responses = measures::responses(db, patient.scope(), first, last).await?;
    let girths = girths::measurements(db, &patient).await?;
    let scars = scars::measurements(db, &patient).await?;
    let red_flags = alerts::of_patient(db, scope, AlertKind::RedFlag).await?;

    let mut staff_ids: BTreeSet<Uuid> = BTreeSet::from([patient.primary_therapist_id]);
    staff_ids.extend(plans.iter().map(|p| p.therapist_id));
    staff_ids.extend(appointments.iter().map(|a| a.therapist_id));
    staff_ids.extend(notes.iter().map(|n| n.note.author_id));
    staff_ids.extend(notes.iter().flat_map(|n| n.addenda.iter().map(|a| a.author_id)));
    staff_ids.extend(red_flags.iter().filter_map(|a| a.acknowledged_by));
    let staff = user::Entity::find()
        .filter(user::Column::Id.is_in(staff_ids))
        .filter(user::Column::ClinicId.eq(patient.clinic_id))
        .all(db)
        .await?;
    Ok(PatientRecord {
        patient,
        clinic,
        staff,
        referrals,
        plans,
        appointments,
        notes,
        check_ins,
        responses,
        girths,
        scars,
        red_flags,
    })
}

/// The resources of one record, in Bundle order (who first, then the clinical record).
pub fn resources(record: &PatientRecord, links: &Links) -> Result<Vec<Value>, DbErr> {
    let mut out = resources::administrative(record, links);
    out.extend(clinical::clinical(record, links)?);
    Ok(out)
}

/// The record as a FHIR R4 Bundle of type `collection`.
pub fn bundle(record: &PatientRecord, links: &Links, now: DateTime<Utc>) -> Result<Value, DbErr> {
    let entry: Vec<Value> = resources(record, links)?
        .into_iter()
        .map(|r| json!({ "fullUrl": format!("urn:uuid:{}", r["id"].as_str().unwrap_or_default()), "resource": r }))
        .collect();
    Ok(json!({
        "resourceType": "Bundle",
        "id": Uuid::now_v7().to_string(),
        "type": "collection",
        "timestamp": resources::instant(now),
        "entry": entry,
    }))
}

/// Reads and maps one patient: what both export routes serve.
pub async fn patient_bundle<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    links: &Links,
    patient: Visible,
) -> Result<Value, DbErr> {
    let record = gather(db, patient).await?;
    bundle(&record, links, now)
}

/// Keeps the first resource of each id: shared ones (the clinic, its staff) appear in
/// every patient's record but once in a clinic export.
#[derive(Debug, Default)]
pub struct Dedup(HashSet<String>);

impl Dedup {
    pub fn first(&mut self, resource: &Value) -> bool {
        self.0.insert(resource["id"].as_str().unwrap_or_default().to_owned())
    }
}
