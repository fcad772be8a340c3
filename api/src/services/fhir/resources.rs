//! Who and why: Organization, Practitioner, Patient, Condition (ICD-10-CM),
//! ServiceRequest (referral), CarePlan with its activities, Goal, and the
//! DocumentReference of the printable progress report. Pure mapping, no I/O.
//!
//! FHIR strings may not be empty, so free text goes through [`text`] and is left out
//! when blank. Conditions are one per distinct ICD-10 code, whether the code came from
//! the patient record or a referral.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Links, PatientRecord};
use crate::{
    content::Side,
    services::care_plans::{GoalStatus, PlanStatus, PlanView},
};

pub const ICD10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const LOINC: &str = "http://loinc.org";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";

/// The id of a resource made from part of a row: stable for the same row and part.
pub fn derived(row: Uuid, part: &str) -> Uuid {
    Uuid::new_v5(&row, part.as_bytes())
}

pub fn reference(id: Uuid) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Trimmed text, or `None` when blank (FHIR strings are never empty).
pub fn text(s: &str) -> Option<Value> {
    let t = s.trim();
    (!t.is_empty()).then(|| Value::String(t.to_owned()))
}

/// A JSON object from `(key, value)` pairs, leaving out the `None`s.
pub fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let map: Map<String, Value> = fields.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))).collect();
    Value::Object(map)
}

pub fn concept_text(s: &str) -> Value {
    json!({ "text": text(s).unwrap_or_else(|| Value::String("Not stated".into())) })
}

pub fn condition_id(patient: Uuid, code: &str) -> Uuid {
    derived(patient, &format!("condition:{code}"))
}

pub fn referring_physician_id(referral: Uuid) -> Uuid {
    derived(referral, "physician")
}

pub fn report_id(patient: Uuid) -> Uuid {
    derived(patient, "progress-report")
}

/// The diagnoses of the record: ICD-10-CM code → description, the patient record's
/// codes first, referral descriptions filling in.
pub fn diagnoses(record: &PatientRecord) -> BTreeMap<String, Option<String>> {
    let mut codes: BTreeMap<String, Option<String>> = BTreeMap::new();
    for code in crate::services::patients::icd10_codes(&record.patient) {
        codes.entry(code.to_owned()).or_insert(None);
    }
    for r in &record.referrals {
        for d in &r.diagnoses {
            let slot = codes.entry(d.code.clone()).or_insert(None);
            if slot.is_none() {
                *slot = Some(d.description.clone());
            }
        }
    }
    codes
}

/// Everything but the clinical measurements and events.
pub fn administrative(record: &PatientRecord, links: &Links) -> Vec<Value> {
    let mut out = vec![organization(record), patient(record)];
    out.extend(record.staff.iter().map(practitioner));
    if let Some(p) = patient_physician(record) {
        out.push(p);
    }
    let codes = diagnoses(record);
    out.extend(codes.iter().map(|(code, description)| condition(record, code, description.as_deref())));
    if codes.is_empty()
        && let Some(d) = record.patient.diagnosis.as_deref().and_then(text)
    {
        out.push(json!({
            "resourceType": "Condition",
            "id": derived(record.patient.id, "condition:text").to_string(),
            "code": { "text": d },
            "subject": reference(record.patient.id),
        }));
    }
    for r in &record.referrals {
        out.push(referral_physician(r));
        out.push(service_request(record, r));
    }
    for plan in &record.plans {
        out.push(care_plan(record, plan));
        out.extend(plan.goals.iter().map(|g| goal(record, plan, g)));
    }
    out.push(report(record, links));
    out
}

fn organization(record: &PatientRecord) -> Value {
    let c = &record.clinic;
    let phone = c.clinic_phone.as_deref().and_then(text).map(|v| json!([{ "system": "phone", "value": v }]));
    object([
        ("resourceType", Some(json!("Organization"))),
        ("id", Some(json!(c.id.to_string()))),
        ("active", Some(json!(true))),
        ("name", text(&c.name)),
        ("telecom", phone),
    ])
}

fn practitioner(u: &entity::user::Model) -> Value {
    object([
        ("resourceType", Some(json!("Practitioner"))),
        ("id", Some(json!(u.id.to_string()))),
        ("active", Some(json!(u.disabled_at.is_none()))),
        ("name", text(&u.display_name).map(|n| json!([{ "text": n }]))),
    ])
}

/// Whether the record holds this member of staff (a reference must resolve).
pub fn staff_ref(record: &PatientRecord, id: Uuid) -> Option<Value> {
    record.staff.iter().any(|u| u.id == id).then(|| reference(id))
}

fn patient_physician_id(record: &PatientRecord) -> Uuid {
    derived(record.patient.id, "referring-physician")
}

/// The referring physician named on the patient record itself (older records have
/// no referral rows).
fn patient_physician(record: &PatientRecord) -> Option<Value> {
    let name = record.patient.referring_physician_name.as_deref().and_then(text)?;
    let contact = record
        .patient
        .referring_physician_contact
        .as_deref()
        .and_then(text)
        .map(|v| json!([{ "system": "other", "value": v }]));
    Some(object([
        ("resourceType", Some(json!("Practitioner"))),
        ("id", Some(json!(patient_physician_id(record).to_string()))),
        ("name", Some(json!([{ "text": name }]))),
        ("telecom", contact),
    ]))
}

fn patient(record: &PatientRecord) -> Value {
    let p = &record.patient;
    let mut carers: Vec<Value> = staff_ref(record, p.primary_therapist_id).into_iter().collect();
    if patient_physician(record).is_some() {
        carers.push(reference(patient_physician_id(record)));
    }
    object([
        ("resourceType", Some(json!("Patient"))),
        ("id", Some(json!(p.id.to_string()))),
        ("active", Some(json!(p.archived_at.is_none()))),
        ("name", text(&p.display_name).map(|n| json!([{ "text": n }]))),
        ("generalPractitioner", (!carers.is_empty()).then(|| json!(carers))),
        ("managingOrganization", Some(reference(record.clinic.id))),
    ])
}

fn condition(record: &PatientRecord, code: &str, description: Option<&str>) -> Value {
    let coding = object([
        ("system", Some(json!(ICD10_CM))),
        ("code", Some(json!(code))),
        ("display", description.and_then(text)),
    ]);
    let mut concept = json!({ "coding": [coding] });
    if let Some(d) = description.and_then(text).or_else(|| record.patient.diagnosis.as_deref().and_then(text)) {
        concept["text"] = d;
    }
    json!({
        "resourceType": "Condition",
        "id": condition_id(record.patient.id, code).to_string(),
        "code": concept,
        "subject": reference(record.patient.id),
    })
}

fn referral_physician(r: &crate::services::referrals::Referral) -> Value {
    let row = &r.row;
    let mut telecom = Vec::new();
    for (system, value) in
        [("phone", &row.physician_phone), ("fax", &row.physician_fax), ("email", &row.physician_email)]
    {
        if let Some(v) = value.as_deref().and_then(text) {
            telecom.push(json!({ "system": system, "value": v }));
        }
    }
    let npi = row.physician_npi.as_deref().and_then(text).map(|v| json!([{ "system": NPI, "value": v }]));
    object([
        ("resourceType", Some(json!("Practitioner"))),
        ("id", Some(json!(referring_physician_id(row.id).to_string()))),
        ("identifier", npi),
        ("name", Some(json!([{ "text": text(&row.physician_name).unwrap_or_else(|| json!("Referring physician")) }]))),
        ("telecom", (!telecom.is_empty()).then(|| json!(telecom))),
    ])
}

fn service_request(record: &PatientRecord, r: &crate::services::referrals::Referral) -> Value {
    let row = &r.row;
    let reasons: Vec<Value> = r.diagnoses.iter().map(|d| reference(condition_id(record.patient.id, &d.code))).collect();
    let period =
        object([("start", Some(json!(date(row.referral_date)))), ("end", row.expires_on.map(|d| json!(date(d))))]);
    object([
        ("resourceType", Some(json!("ServiceRequest"))),
        ("id", Some(json!(row.id.to_string()))),
        ("status", Some(json!("active"))),
        ("intent", Some(json!("order"))),
        ("code", Some(concept_text(&row.ordered))),
        ("subject", Some(reference(record.patient.id))),
        ("occurrencePeriod", Some(period)),
        ("authoredOn", Some(json!(date(row.referral_date)))),
        ("requester", Some(reference(referring_physician_id(row.id)))),
        ("performer", Some(json!([reference(record.clinic.id)]))),
        ("quantityQuantity", row.visits_ordered.map(|v| json!({ "value": v, "unit": "visits" }))),
        ("reasonReference", (!reasons.is_empty()).then(|| json!(reasons))),
        ("note", row.precautions.as_deref().and_then(text).map(|t| json!([{ "text": t }]))),
    ])
}

fn plan_status(s: PlanStatus) -> (&'static str, &'static str) {
    // (CarePlan.status, activity detail status)
    match s {
        PlanStatus::Active => ("active", "in-progress"),
        PlanStatus::Paused => ("on-hold", "on-hold"),
        PlanStatus::Completed => ("completed", "completed"),
    }
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn side_words(side: Side) -> Option<&'static str> {
    match side {
        Side::Left => Some("left side"),
        Side::Right => Some("right side"),
        Side::Both => Some("both sides"),
        Side::None => None,
    }
}

fn care_plan(record: &PatientRecord, plan: &PlanView) -> Value {
    let (status, activity_status) = plan_status(plan.status);
    let mut activities: Vec<Value> = plan
        .exercises
        .iter()
        .map(|e| {
            let mut dosage = vec![format!("{} × {} reps", e.sets, e.reps)];
            if e.hold_seconds > 0 {
                dosage.push(format!("hold {} s", e.hold_seconds));
            }
            if e.rest_seconds > 0 {
                dosage.push(format!("rest {} s", e.rest_seconds));
            }
            dosage.extend(side_words(e.side).map(str::to_owned));
            if let Some(n) = e.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                dosage.push(n.to_owned());
            }
            let days: Vec<&str> =
                e.days_of_week.iter().filter_map(|d| WEEKDAYS.get(usize::from(*d).wrapping_sub(1)).copied()).collect();
            let repeat = object([
                ("frequency", Some(json!(e.times_per_day.max(1)))),
                ("period", Some(json!(1))),
                ("periodUnit", Some(json!("d"))),
                ("dayOfWeek", (!days.is_empty()).then(|| json!(days))),
            ]);
            json!({ "detail": {
                "code": concept_text(if e.title.trim().is_empty() { "Home exercise" } else { &e.title }),
                "status": activity_status,
                "scheduledTiming": { "repeat": repeat },
                "quantity": { "value": i32::from(e.sets) * i32::from(e.reps), "unit": "repetitions" },
                "dailyAmount": { "value": e.times_per_day, "unit": "times a day" },
                "description": dosage.join(", "),
            }})
        })
        .collect();
    activities.extend(plan.lessons.iter().map(|l| {
        json!({ "detail": {
            "code": concept_text(&format!("Lesson: {}", l.title)),
            "status": activity_status,
            "scheduledPeriod": { "start": date(l.unlock_date) },
            "description": format!("About {} minutes of reading", l.minutes),
        }})
    }));
    let conditions: Vec<Value> =
        diagnoses(record).keys().map(|c| reference(condition_id(record.patient.id, c))).collect();
    let goals: Vec<Value> = plan.goals.iter().map(|g| reference(g.id)).collect();
    let period =
        object([("start", Some(json!(date(plan.start_date)))), ("end", plan.end_date.map(|d| json!(date(d))))]);
    object([
        ("resourceType", Some(json!("CarePlan"))),
        ("id", Some(json!(plan.id.to_string()))),
        ("status", Some(json!(status))),
        ("intent", Some(json!("plan"))),
        ("title", text(&plan.title)),
        ("subject", Some(reference(record.patient.id))),
        ("period", Some(period)),
        ("author", staff_ref(record, plan.therapist_id)),
        ("addresses", (!conditions.is_empty()).then(|| json!(conditions))),
        ("goal", (!goals.is_empty()).then(|| json!(goals))),
        ("activity", (!activities.is_empty()).then(|| json!(activities))),
    ])
}

fn goal(record: &PatientRecord, plan: &PlanView, g: &crate::services::care_plans::GoalView) -> Value {
    let lifecycle = match g.status {
        GoalStatus::Active => "active",
        GoalStatus::Achieved => "completed",
        GoalStatus::Dropped => "cancelled",
    };
    let target = object([
        ("measure", Some(json!({ "text": "Activity rating, 0 (cannot do) to 10 (as before the problem)" }))),
        ("detailInteger", Some(json!(g.target))),
        ("dueDate", g.target_date.map(|d| json!(date(d)))),
    ]);
    json!({
        "resourceType": "Goal",
        "id": g.id.to_string(),
        "lifecycleStatus": lifecycle,
        "description": concept_text(&g.activity),
        "subject": reference(record.patient.id),
        "startDate": date(plan.start_date),
        "target": [target],
        "note": [{ "text": format!("Baseline rating {} of 10", g.baseline) }],
    })
}

fn report(record: &PatientRecord, links: &Links) -> Value {
    json!({
        "resourceType": "DocumentReference",
        "id": report_id(record.patient.id).to_string(),
        "status": "current",
        "type": { "text": "Progress report" },
        "subject": reference(record.patient.id),
        "custodian": reference(record.clinic.id),
        "description": "Printable progress report for the referring physician (PDF, made on request)",
        "content": [{ "attachment": {
            "contentType": "application/pdf",
            "url": links.report_pdf(record.patient.id),
            "title": "Progress report",
        }}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_id_is_stable_and_differs_by_part() {
        let row = Uuid::now_v7();
        assert_eq!(derived(row, "pain"), derived(row, "pain"));
        assert_ne!(derived(row, "pain"), derived(row, "stress"));
    }

    #[test]
    fn blank_text_is_left_out() {
        assert_eq!(text("  "), None);
        assert_eq!(object([("a", text(" ")), ("b", text(" x "))]), json!({ "b": "x" }));
    }

    #[test]
    fn instants_carry_seconds_and_a_zone() {
        let at: DateTime<Utc> = "2026-11-30T09:15:00Z".parse().unwrap();
        assert_eq!(instant(at), "2026-11-30T09:15:00Z");
    }
}
