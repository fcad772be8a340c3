//! Reading a check-in batch field by field, so that whatever is wrong with it, every
//! known red flag it names is found.
//!
//! The spec documents the strict `CheckInBatch` schema; this is what the server does with
//! a body that does not meet it. A body that is not a JSON object with an `items` array
//! is refused whole (there is nothing to answer per item). Otherwise each item is read on
//! its own: its known red flags are collected first, then every other problem is listed
//! as `field: problem` (at most [`MAX_PROBLEMS`] per item). Items past the 100th are read
//! only for red flags. Unknown fields are problems of their item or of the request.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{
    clinical::{
        body::{BodyRegion, BodySide, PainQuality, PainSite},
        symptoms::{CheckInContext, Medication, MedicationTaken, RedFlag},
    },
    services::check_ins::{CheckInBody, CheckInFields, MAX_PAIN_SITES},
};

/// Items processed per request; the rest are only searched for red flags.
pub const MAX_ITEMS: usize = 100;
/// Problems reported per item, so a hostile item cannot blow up the answer.
pub const MAX_PROBLEMS: usize = 20;
pub const MAX_QUALITIES: usize = 10;
pub const MAX_MEDICATIONS: usize = 10;
pub const MAX_MEDICATION_TEXT: usize = 100;
/// Namespace for the keys of items without a readable id.
const ITEM_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a0e_4b7d_4c55_9a39_0e1d_5c7b_aa10);

const ITEM_FIELDS: [&str; 11] = [
    "id",
    "recorded_at",
    "pain",
    "pain_sites",
    "stress",
    "sleep_quality",
    "medication",
    "medications",
    "red_flags",
    "context",
    "note",
];

/// A request-level problem: the body cannot be read as a batch at all.
#[derive(Debug, PartialEq, Eq)]
pub struct Unreadable(pub &'static str, pub &'static str);

/// One item as read.
#[derive(Debug)]
pub struct Item {
    pub id: Option<Uuid>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// Every known red flag the item names, sorted, whatever else is wrong with it.
    pub red_flags: Vec<RedFlag>,
    /// The check-in, or each problem found (`field`, `problem`).
    pub body: Result<CheckInBody, Vec<(String, String)>>,
    /// Identifies this exact item: its id and content, so a resend has the same key.
    pub key: Uuid,
}

/// A batch as read.
#[derive(Debug)]
pub struct Batch {
    /// The first [`MAX_ITEMS`] items.
    pub items: Vec<Item>,
    /// Known red flags named in items past the limit (they are not stored as check-ins).
    pub overflow_flags: Vec<RedFlag>,
    pub overflow_count: usize,
    /// A key for the overflow items together.
    pub overflow_key: Uuid,
    /// Problems with the request itself (unknown top-level fields, too many items).
    pub problems: Vec<(String, String)>,
}

pub fn read_batch(body: &Value, now: DateTime<Utc>) -> Result<Batch, Unreadable> {
    let Some(object) = body.as_object() else {
        return Err(Unreadable("body", "must be a JSON object with an `items` array"));
    };
    let Some(items) = object.get("items").and_then(Value::as_array) else {
        return Err(Unreadable("items", "must be an array of check-ins"));
    };
    if items.is_empty() {
        return Err(Unreadable("items", "must hold at least one check-in"));
    }
    let mut problems: Vec<(String, String)> = object
        .keys()
        .filter(|k| *k != "items")
        .take(MAX_PROBLEMS)
        .map(|k| (k.clone(), "unknown field".into()))
        .collect();
    let mut overflow = BTreeSet::new();
    for item in items.iter().skip(MAX_ITEMS) {
        overflow.extend(item.get("red_flags").map(known_flags).unwrap_or_default());
    }
    let overflow_count = items.len().saturating_sub(MAX_ITEMS);
    if overflow_count > 0 {
        problems.push((
            "items".into(),
            format!(
                "at most {MAX_ITEMS} check-ins per request: the last {overflow_count} were not stored (any red flags \
                 in them were kept); send them again"
            ),
        ));
    }
    let overflow_key = Uuid::new_v5(
        &ITEM_KEY_NAMESPACE,
        Value::Array(items[items.len().min(MAX_ITEMS)..].to_vec()).to_string().as_bytes(),
    );
    Ok(Batch {
        items: items.iter().take(MAX_ITEMS).map(|i| read_item(i, now)).collect(),
        overflow_flags: overflow.into_iter().collect(),
        overflow_count,
        overflow_key,
        problems,
    })
}

/// The known red flags in a `red_flags` value: an array of names, or a single name.
fn known_flags(value: &Value) -> Vec<RedFlag> {
    let mut flags: Vec<RedFlag> = match value {
        Value::Array(names) => names.iter().filter_map(Value::as_str).filter_map(RedFlag::parse).collect(),
        Value::String(name) => RedFlag::parse(name).into_iter().collect(),
        _ => vec![],
    };
    flags.sort();
    flags.dedup();
    flags
}

/// Problems of one item, capped.
#[derive(Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push((field.into(), problem.into()));
        }
    }
}

fn present<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

fn rating(o: &Map<String, Value>, key: &str, p: &mut Problems) -> Option<i64> {
    let v = present(o, key)?;
    match v.as_i64() {
        Some(n) => Some(n),
        None => {
            p.add(key, "must be a whole number from 0 to 10");
            None
        }
    }
}

fn text(o: &Map<String, Value>, key: &str, p: &mut Problems) -> Option<String> {
    let v = present(o, key)?;
    match v.as_str() {
        Some(s) => Some(s.to_owned()),
        None => {
            p.add(key, "must be a string");
            None
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteWire {
    region: BodyRegion,
    side: Option<BodySide>,
    intensity: i64,
    #[serde(default)]
    qualities: Vec<PainQuality>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MedicationWire {
    class: Medication,
    name: Option<String>,
    dose: Option<String>,
}

/// Free text a patient typed about a medicine: trimmed, blank meaning none.
fn medication_text(raw: Option<String>, field: String, p: &mut Problems) -> Option<String> {
    let value = raw.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
    if value.chars().count() > MAX_MEDICATION_TEXT || value.chars().any(char::is_control) {
        p.add(field, "must be at most 100 characters without control characters");
        return None;
    }
    Some(value)
}

/// Serde's message without the line and column of a JSON text we never had.
fn serde_problem(e: serde_json::Error) -> String {
    let message = e.to_string();
    message.split(" at line ").next().unwrap_or(&message).to_owned()
}

/// One check-in read on its own (a correction).
pub fn read_one(value: &Value, now: DateTime<Utc>) -> Item {
    read_item(value, now)
}

fn read_item(value: &Value, now: DateTime<Utc>) -> Item {
    let key = Uuid::new_v5(&ITEM_KEY_NAMESPACE, value.to_string().as_bytes());
    let Some(o) = value.as_object() else {
        return Item {
            id: None,
            recorded_at: None,
            red_flags: vec![],
            body: Err(vec![("item".into(), "must be a JSON object".into())]),
            key,
        };
    };
    let red_flags = o.get("red_flags").map(known_flags).unwrap_or_default();
    let mut p = Problems::default();

    let id = match present(o, "id").map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok())) {
        Some(Some(id)) => Some(id),
        Some(None) => {
            p.add("id", "must be a UUID");
            None
        }
        None => {
            p.add("id", "is required");
            None
        }
    };
    let recorded_at = match present(o, "recorded_at").map(|v| v.as_str().map(DateTime::parse_from_rfc3339)) {
        Some(Some(Ok(at))) => Some(at.with_timezone(&Utc)),
        Some(_) => {
            p.add("recorded_at", "must be an RFC 3339 instant with an offset");
            None
        }
        None => {
            p.add("recorded_at", "is required");
            None
        }
    };
    let pain = rating(o, "pain", &mut p);
    let stress = rating(o, "stress", &mut p);
    let sleep_quality = rating(o, "sleep_quality", &mut p);

    let mut pain_sites = Vec::new();
    match present(o, "pain_sites") {
        None => {}
        Some(Value::Array(sites)) if sites.len() > MAX_PAIN_SITES => p.add("pain_sites", "at most 25 sites"),
        Some(Value::Array(sites)) => {
            for (i, site) in sites.iter().enumerate() {
                let field = format!("pain_sites[{i}]");
                match SiteWire::deserialize(site) {
                    Err(e) => p.add(field, serde_problem(e)),
                    Ok(s) if s.qualities.len() > MAX_QUALITIES => p.add(field, "at most 10 qualities"),
                    Ok(s) => match u8::try_from(s.intensity) {
                        Err(_) => p.add(format!("{field}.intensity"), "must be between 0 and 10"),
                        Ok(intensity) => match PainSite::new(s.region, s.side, intensity, s.qualities) {
                            Ok(site) => pain_sites.push(site),
                            Err(problem) => p.add(field, problem),
                        },
                    },
                }
            }
        }
        Some(_) => p.add("pain_sites", "must be an array"),
    }

    let medication = match present(o, "medication") {
        None => None,
        Some(v) => match v.as_str().and_then(Medication::parse) {
            Some(m) => Some(m),
            None => {
                p.add("medication", "must be one of the medication classes");
                None
            }
        },
    };
    let mut medications = Vec::new();
    match present(o, "medications") {
        None => {}
        Some(Value::Array(list)) if list.len() > MAX_MEDICATIONS => p.add("medications", "at most 10 medicines"),
        Some(Value::Array(list)) => {
            for (i, m) in list.iter().enumerate() {
                match MedicationWire::deserialize(m) {
                    Err(e) => p.add(format!("medications[{i}]"), serde_problem(e)),
                    Ok(m) => {
                        let name = medication_text(m.name, format!("medications[{i}].name"), &mut p);
                        let dose = medication_text(m.dose, format!("medications[{i}].dose"), &mut p);
                        medications.push(MedicationTaken { class: m.class, name, dose });
                    }
                }
            }
        }
        Some(_) => p.add("medications", "must be an array"),
    }

    match present(o, "red_flags") {
        None => {}
        Some(Value::Array(names)) => {
            for (i, name) in names.iter().enumerate() {
                match name.as_str() {
                    Some(n) if RedFlag::parse(n).is_some() => {}
                    Some(_) => p.add(format!("red_flags[{i}]"), "is not a known red flag (see GET /api/v1/red-flags)"),
                    None => p.add(format!("red_flags[{i}]"), "must be a red-flag name"),
                }
            }
        }
        Some(_) => p.add("red_flags", "must be an array of red-flag names"),
    }
    let context = match present(o, "context") {
        None => CheckInContext::default(),
        Some(v) => v.as_str().and_then(CheckInContext::parse).unwrap_or_else(|| {
            p.add("context", "must be daily, pre_session, post_session or flare");
            CheckInContext::default()
        }),
    };
    let note = text(o, "note", &mut p);
    for unknown in o.keys().filter(|k| !ITEM_FIELDS.contains(&k.as_str())) {
        p.add(unknown.clone(), "unknown field");
    }

    // The domain rules run on whatever was readable, so every problem is reported at
    // once; a field already reported unreadable is not reported again.
    let fields = CheckInFields {
        recorded_at: recorded_at.unwrap_or(now),
        pain,
        stress,
        sleep_quality,
        medication,
        medications,
        pain_sites,
        red_flags: red_flags.clone(),
        context,
        note,
    };
    let body = match CheckInBody::new(fields, now) {
        Ok(body) if p.0.is_empty() => Ok(body),
        Ok(_) => Err(p.0),
        Err(more) => {
            for (field, why) in more {
                if !p.0.iter().any(|(f, _)| f == &field || (field == "pain" && f == "stress")) {
                    p.add(field, why);
                }
            }
            Err(p.0)
        }
    };
    Item { id, recorded_at, red_flags, body, key }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn red_flags_are_found_whatever_else_is_wrong() {
        let item = json!({ "id": 7, "recorded_at": "yesterday", "pain": "lots", "note": 3, "extra": true,
            "red_flags": ["chest_pain", "hiccups", 5, "chest_pain", "saddle_numbness"] });
        let read = read_item(&item, now());
        assert_eq!(read.red_flags, [RedFlag::SaddleNumbness, RedFlag::ChestPain]);
        let problems = read.body.unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["id", "recorded_at", "pain", "red_flags[1]", "red_flags[2]", "note", "extra"]);
        let long = json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-01T11:00:00Z", "pain": 12, "x": 1,
            "note": "n".repeat(2001) });
        let fields: Vec<String> = read_item(&long, now()).body.unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["x", "pain", "note"]);
    }

    #[test]
    fn a_red_flag_alone_a_day_ahead_is_a_check_in() {
        let item = json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-02T11:00:00Z", "red_flags": ["chest_pain"] });
        assert!(read_item(&item, now()).body.is_ok());
        let late = json!({ "id": Uuid::new_v4(), "recorded_at": "2026-06-02T12:00:01Z", "red_flags": ["chest_pain"] });
        assert_eq!(read_item(&late, now()).body.unwrap_err()[0].0, "recorded_at");
    }

    #[test]
    fn items_past_the_limit_are_read_for_red_flags_only() {
        let mut items: Vec<Value> = (0..MAX_ITEMS + 2).map(|_| json!({})).collect();
        items[MAX_ITEMS + 1] = json!({ "red_flags": "double_vision" });
        let batch = read_batch(&json!({ "items": items, "more": 1 }), now()).unwrap();
        assert_eq!(batch.items.len(), MAX_ITEMS);
        assert_eq!(batch.overflow_flags, [RedFlag::DoubleVision]);
        assert_eq!(batch.problems.len(), 2);
        assert!(read_batch(&json!([1]), now()).is_err());
        assert!(read_batch(&json!({ "items": [] }), now()).is_err());
    }
}
