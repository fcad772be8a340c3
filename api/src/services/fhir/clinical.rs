//! What happened: Encounter per session, Procedure per timed treatment code of a signed
//! note, Observation per rating and measurement (pain 0–10 as LOINC 72514-3, stress,
//! sleep, range of motion in degrees, girth in millimetres, scar scores; units in UCUM),
//! QuestionnaireResponse per instrument answer, a Flag per red-flag alert, and each signed
//! note's text (SOAP and addenda) as a DocumentReference.
//!
//! Only signed notes reach here, so pain before/after, range of motion and procedures of
//! a draft never leave the clinic. An Observation taken in a session refers to its
//! Encounter. Pure mapping, no I/O, except decoding stored JSON (an error, never a
//! default).

use serde_json::{Value, json};

use super::{
    Links, PatientRecord,
    resources::{LOINC, UCUM, concept_text, derived, instant, object, reference, staff_ref, text},
};
use crate::{
    clinical::symptoms::RedFlag,
    services::{red_flags, session_notes::FullNote},
};
use entity::{alert, appointment, check_in, girth_measurement, measure_response, rom_measure, scar_assessment};
use sea_orm::{ActiveEnum, DbErr};

const CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const ENCOUNTER_CLASS: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const CPT: &str = "http://www.ama-assn.org/go/cpt";
/// LOINC: pain severity, 0–10 verbal numeric rating, reported.
pub const PAIN_LOINC: &str = "72514-3";

pub fn clinical(record: &PatientRecord, links: &Links) -> Result<Vec<Value>, DbErr> {
    let mut out: Vec<Value> = record.appointments.iter().map(|a| encounter(record, a)).collect();
    for note in &record.notes {
        out.push(note_document(record, note));
        out.extend(procedures(record, note));
        out.extend(note_pain(record, note));
        out.extend(note.rom.iter().map(|m| rom(record, note, m)));
    }
    for c in &record.check_ins {
        out.extend(check_in(record, c));
    }
    for g in &record.girths {
        out.push(girth(record, g));
    }
    for s in &record.scars {
        out.push(scar(record, s));
    }
    for r in &record.responses {
        out.push(questionnaire_response(record, links, r)?);
    }
    for a in &record.red_flags {
        out.push(flag(record, a));
    }
    Ok(out)
}

fn encounter(record: &PatientRecord, a: &appointment::Model) -> Value {
    let status = match a.status {
        appointment::Status::Scheduled => "planned",
        appointment::Status::Completed => "finished",
        appointment::Status::Cancelled | appointment::Status::NoShow => "cancelled",
    };
    let participant = staff_ref(record, a.therapist_id).map(|r| json!([{ "individual": r }]));
    object([
        ("resourceType", Some(json!("Encounter"))),
        ("id", Some(json!(a.id.to_string()))),
        ("status", Some(json!(status))),
        ("class", Some(json!({ "system": ENCOUNTER_CLASS, "code": "AMB", "display": "ambulatory" }))),
        ("type", Some(json!([{ "text": "Medical massage therapy session" }]))),
        ("subject", Some(reference(record.patient.id))),
        ("participant", participant),
        ("period", Some(json!({ "start": instant(a.starts_at), "end": instant(a.ends_at) }))),
        ("serviceProvider", Some(reference(record.clinic.id))),
    ])
}

/// The session start of a note's appointment, if the export holds the appointment.
fn session_start(record: &PatientRecord, note: &FullNote) -> Option<String> {
    record.appointments.iter().find(|a| a.id == note.note.appointment_id).map(|a| instant(a.starts_at))
}

fn encounter_ref(record: &PatientRecord, appointment_id: uuid::Uuid) -> Option<Value> {
    record.appointments.iter().any(|a| a.id == appointment_id).then(|| reference(appointment_id))
}

fn procedures(record: &PatientRecord, note: &FullNote) -> Vec<Value> {
    let performer = staff_ref(record, note.note.author_id).map(|r| json!([{ "actor": r }]));
    note.record
        .procedures()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            object([
                ("resourceType", Some(json!("Procedure"))),
                ("id", Some(json!(derived(note.note.id, &format!("procedure:{i}")).to_string()))),
                ("status", Some(json!("completed"))),
                (
                    "code",
                    Some(json!({
                        "coding": [{ "system": CPT, "code": p.code.as_str(), "display": p.code.label() }],
                        "text": p.code.label(),
                    })),
                ),
                ("subject", Some(reference(record.patient.id))),
                ("encounter", encounter_ref(record, note.note.appointment_id)),
                ("performedDateTime", session_start(record, note).map(Value::String)),
                ("performer", performer.clone()),
                ("note", Some(json!([{ "text": format!("{} minutes", p.minutes) }]))),
            ])
        })
        .collect()
}

/// The signed note itself (SOAP and addenda) as plain text, attached inline.
fn note_document(record: &PatientRecord, note: &FullNote) -> Value {
    use base64::Engine;
    let n = &note.note;
    let mut body = String::new();
    for (heading, section) in
        [("Subjective", &n.subjective), ("Objective", &n.objective), ("Assessment", &n.assessment), ("Plan", &n.plan)]
    {
        if !section.trim().is_empty() {
            body.push_str(&format!("{heading}:\n{}\n\n", section.trim()));
        }
    }
    for a in &note.addenda {
        body.push_str(&format!("Addendum {} ({}):\n{}\n\n", instant(a.created_at), a.reason.trim(), a.text.trim()));
    }
    let mut authors: Vec<Value> = staff_ref(record, n.author_id).into_iter().collect();
    for a in &note.addenda {
        if a.author_id != n.author_id
            && let Some(r) = staff_ref(record, a.author_id)
        {
            authors.push(r);
        }
    }
    let context = encounter_ref(record, n.appointment_id).map(|e| json!({ "encounter": [e] }));
    object([
        ("resourceType", Some(json!("DocumentReference"))),
        ("id", Some(json!(n.id.to_string()))),
        ("status", Some(json!("current"))),
        ("docStatus", Some(json!(if note.addenda.is_empty() { "final" } else { "amended" }))),
        (
            "type",
            Some(
                json!({ "coding": [{ "system": LOINC, "code": "11506-3", "display": "Progress note" }], "text": "Signed session note" }),
            ),
        ),
        ("subject", Some(reference(record.patient.id))),
        ("date", n.signed_at.map(|t| json!(instant(t)))),
        ("author", (!authors.is_empty()).then(|| json!(authors))),
        ("custodian", Some(reference(record.clinic.id))),
        (
            "content",
            Some(json!([{ "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": base64::engine::general_purpose::STANDARD.encode(body.trim_end()),
                "title": "Session note",
            }}])),
        ),
        ("context", context),
    ])
}

fn category(code: &str) -> Value {
    json!([{ "coding": [{ "system": CATEGORY, "code": code }] }])
}

fn pain_code() -> Value {
    json!({
        "coding": [{ "system": LOINC, "code": PAIN_LOINC, "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported" }],
        "text": "Pain (0–10)",
    })
}

/// A 0–10 rating the patient gave, as an Observation.
fn rating(
    record: &PatientRecord,
    id: uuid::Uuid,
    code: Value,
    value: i16,
    at: String,
    encounter: Option<Value>,
    note: Option<Value>,
) -> Value {
    object([
        ("resourceType", Some(json!("Observation"))),
        ("id", Some(json!(id.to_string()))),
        ("status", Some(json!("final"))),
        ("category", Some(category("survey"))),
        ("code", Some(code)),
        ("subject", Some(reference(record.patient.id))),
        ("encounter", encounter),
        ("effectiveDateTime", Some(json!(at))),
        ("valueInteger", Some(json!(value))),
        ("note", note.map(|t| json!([{ "text": t }]))),
    ])
}

fn note_pain(record: &PatientRecord, note: &FullNote) -> Vec<Value> {
    // Rated at the session; a note always has its signature time to fall back on.
    let Some(at) = session_start(record, note).or_else(|| note.note.signed_at.map(instant)) else {
        return vec![];
    };
    let encounter = encounter_ref(record, note.note.appointment_id);
    [
        ("pain_before", note.note.pain_before, "Before the session"),
        ("pain_after", note.note.pain_after, "After the session"),
    ]
    .into_iter()
    .filter_map(|(part, value, when)| {
        let value = value?;
        Some(rating(
            record,
            derived(note.note.id, part),
            pain_code(),
            value,
            at.clone(),
            encounter.clone(),
            Some(json!(when)),
        ))
    })
    .collect()
}

fn check_in(record: &PatientRecord, c: &check_in::Model) -> Vec<Value> {
    let at = instant(c.recorded_at);
    let note = c.note.as_deref().and_then(text);
    let mut out = Vec::new();
    if let Some(p) = c.pain {
        out.push(rating(record, derived(c.id, "pain"), pain_code(), p, at.clone(), None, note.clone()));
    }
    if let Some(s) = c.stress {
        let code = json!({ "text": "Stress rating, 0 (none) to 10 (worst)" });
        out.push(rating(record, derived(c.id, "stress"), code, s, at.clone(), None, None));
    }
    if let Some(s) = c.sleep_quality {
        let code = json!({ "text": "Sleep quality rating, 0 (worst) to 10 (best)" });
        out.push(rating(record, derived(c.id, "sleep"), code, s, at.clone(), None, None));
    }
    out
}

fn side_text(side: entity::Side) -> &'static str {
    match side {
        entity::Side::Left => "left",
        entity::Side::Right => "right",
        entity::Side::Both => "both sides",
        entity::Side::None => "midline",
    }
}

fn quantity(value: i64, unit: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": unit })
}

fn rom(record: &PatientRecord, note: &FullNote, m: &rom_measure::Model) -> Value {
    let method = m.method.map(|x| {
        concept_text(match x {
            rom_measure::Method::Goniometer => "Goniometer",
            rom_measure::Method::Inclinometer => "Inclinometer",
            rom_measure::Method::VisualEstimate => "Visual estimate",
        })
    });
    let mode = m.mode.map(|x| match x {
        rom_measure::Mode::Active => "active",
        rom_measure::Mode::Passive => "passive",
    });
    let name = format!(
        "Range of motion: {} {}{}",
        m.region.to_value(),
        m.movement,
        mode.map(|x| format!(" ({x})")).unwrap_or_default()
    );
    object([
        ("resourceType", Some(json!("Observation"))),
        ("id", Some(json!(m.id.to_string()))),
        ("status", Some(json!("final"))),
        ("category", Some(category("exam"))),
        ("code", Some(concept_text(&name))),
        ("subject", Some(reference(record.patient.id))),
        ("encounter", encounter_ref(record, note.note.appointment_id)),
        ("effectiveDateTime", Some(json!(instant(m.measured_at)))),
        ("valueQuantity", Some(quantity(i64::from(m.degrees), "deg"))),
        ("bodySite", Some(concept_text(&format!("{}, {}", m.region.to_value(), side_text(m.side))))),
        ("method", method),
    ])
}

fn girth(record: &PatientRecord, g: &girth_measurement::Model) -> Value {
    let site = format!(
        "{}, {}: {} ({} mm from the landmark)",
        g.region.to_value(),
        side_text(g.side),
        g.landmark,
        g.distance_mm
    );
    object([
        ("resourceType", Some(json!("Observation"))),
        ("id", Some(json!(g.id.to_string()))),
        ("status", Some(json!("final"))),
        ("category", Some(category("exam"))),
        ("code", Some(json!({ "text": "Limb or body girth (circumference)" }))),
        ("subject", Some(reference(record.patient.id))),
        ("encounter", encounter_ref(record, g.appointment_id)),
        ("effectiveDateTime", Some(json!(instant(g.measured_at)))),
        ("valueQuantity", Some(quantity(i64::from(g.circumference_mm), "mm"))),
        ("bodySite", Some(concept_text(&site))),
    ])
}

fn scar(record: &PatientRecord, s: &scar_assessment::Model) -> Value {
    let part = |name: &str, v: i16| json!({ "code": { "text": name }, "valueInteger": v });
    let size =
        |name: &str, mm: i32| json!({ "code": { "text": name }, "valueQuantity": quantity(i64::from(mm), "mm") });
    let label = text(&s.label).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "scar".into());
    object([
        ("resourceType", Some(json!("Observation"))),
        ("id", Some(json!(s.id.to_string()))),
        ("status", Some(json!("final"))),
        ("category", Some(category("exam"))),
        ("code", Some(json!({ "text": "Scar assessment (Vancouver Scar Scale total)" }))),
        ("subject", Some(reference(record.patient.id))),
        ("encounter", encounter_ref(record, s.appointment_id)),
        ("effectiveDateTime", Some(json!(instant(s.measured_at)))),
        ("valueInteger", Some(json!(s.total))),
        ("bodySite", Some(concept_text(&format!("{}, {}: {label}", s.region.to_value(), side_text(s.side))))),
        (
            "component",
            Some(json!([
                part("Pigmentation", s.pigmentation),
                part("Vascularity", s.vascularity),
                part("Pliability", s.pliability),
                part("Height", s.height),
                size("Length", s.length_mm),
                size("Width", s.width_mm),
            ])),
        ),
    ])
}

fn questionnaire_response(record: &PatientRecord, links: &Links, r: &measure_response::Model) -> Result<Value, DbErr> {
    let answers = &r.answers.0;
    let activities = r.activities.as_ref().map(|a| a.0.as_slice()).unwrap_or_default();
    let mut items: Vec<Value> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            object([
                ("linkId", Some(json!(format!("item-{}", i + 1)))),
                ("text", activities.get(i).and_then(|t| text(t))),
                ("answer", a.map(|v| json!([{ "valueInteger": v }]))),
            ])
        })
        .collect();
    items.push(json!({ "linkId": "score", "text": "Score", "answer": [{ "valueDecimal": r.score }] }));
    Ok(json!({
        "resourceType": "QuestionnaireResponse",
        "id": r.id.to_string(),
        "questionnaire": links.questionnaire(r.instrument.as_str()),
        "status": "completed",
        "subject": reference(record.patient.id),
        "authored": instant(r.recorded_at),
        "item": items,
    }))
}

fn flag(record: &PatientRecord, a: &alert::Model) -> Value {
    let flags: Vec<RedFlag> = red_flags::flags_of(&a.flags.0);
    let named: Vec<String> = flags.iter().map(|f| f.as_str().replace('_', " ")).collect();
    let code = if named.is_empty() {
        "Red-flag symptom reported".to_owned()
    } else {
        format!("Red flag: {}", named.join(", "))
    };
    let tier = a.tier.map(|t| match t {
        alert::Tier::EmergencyNow => "emergency care now",
        alert::Tier::SameDay => "see a doctor the same day",
        alert::Tier::Soon => "see a doctor soon",
    });
    let period = object([
        ("start", Some(json!(instant(a.triggered_at)))),
        ("end", a.acknowledged_at.map(|t| json!(instant(t)))),
    ]);
    object([
        ("resourceType", Some(json!("Flag"))),
        ("id", Some(json!(a.id.to_string()))),
        ("status", Some(json!(if a.acknowledged_at.is_some() { "inactive" } else { "active" }))),
        ("category", tier.map(|t| json!([{ "text": format!("Guidance given: {t}") }]))),
        ("code", Some(json!({ "text": code }))),
        ("subject", Some(reference(record.patient.id))),
        ("period", Some(period)),
        ("author", a.acknowledged_by.and_then(|u| staff_ref(record, u))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantity_names_its_ucum_unit() {
        assert_eq!(quantity(45, "deg"), json!({ "value": 45, "unit": "deg", "system": UCUM, "code": "deg" }));
    }
}
