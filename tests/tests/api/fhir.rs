//! FHIR R4 export (issue 14): the patient Bundle and the clinic's Bulk Data NDJSON.
//!
//! Every exported resource is checked against the official FHIR R4 JSON schema
//! (`tests/fixtures/fhir/fhir.schema.json.gz`, see the README beside it).

use std::{
    collections::{BTreeMap, BTreeSet},
    io::Read,
    sync::OnceLock,
};

use chrono::{DateTime, Duration, Utc};
use entity::clinic;
use fascia::{content::builtin_id, services::fhir};
use fascia_tests::{Actor, TestApp, World, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fhir/fhir.schema.json.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).expect("schema fixture"))
            .read_to_string(&mut text)
            .expect("schema fixture unpacks");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("the FHIR schema compiles")
    })
}

/// The schema's complaints about one resource, empty when it is valid FHIR R4.
fn problems(resource: &Value) -> Vec<String> {
    schema().iter_errors(resource).map(|e| e.to_string()).collect()
}

/// Required (1..1) primitive elements of the resources the export makes: the JSON schema
/// cannot require them (FHIR JSON may carry a primitive as `_name`), so check them here.
const REQUIRED_PRIMITIVES: [(&str, &[&str]); 11] = [
    ("Bundle", &["type"]),
    ("ServiceRequest", &["status", "intent"]),
    ("CarePlan", &["status", "intent"]),
    ("Goal", &["lifecycleStatus"]),
    ("Observation", &["status"]),
    ("Encounter", &["status"]),
    ("Procedure", &["status"]),
    ("QuestionnaireResponse", &["status"]),
    ("Flag", &["status"]),
    ("DocumentReference", &["status"]),
    ("Condition", &[]),
];

fn assert_valid(resource: &Value) {
    let found = problems(resource);
    assert!(found.is_empty(), "{} {} is not valid FHIR R4: {found:?}", resource["resourceType"], resource["id"]);
    let kind = resource["resourceType"].as_str().unwrap();
    for (_, fields) in REQUIRED_PRIMITIVES.iter().filter(|(k, _)| *k == kind) {
        for f in *fields {
            assert!(resource[*f].is_string(), "{kind} {} has no {f}", resource["id"]);
        }
    }
    if let Some(activities) = resource["activity"].as_array() {
        assert!(activities.iter().all(|a| a["detail"]["status"].is_string()), "CarePlan activity without status");
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn resources(bundle: &Value) -> Vec<Value> {
    bundle["entry"].as_array().unwrap().iter().map(|e| e["resource"].clone()).collect()
}

fn of_type(bundle: &Value, kind: &str) -> Vec<Value> {
    resources(bundle).into_iter().filter(|r| r["resourceType"] == kind).collect()
}

/// Every `"reference"` string anywhere in `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(r)) => out.push(r.clone()),
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// What [`record`] created for one patient, by kind.
struct Made {
    referral: String,
    plan: String,
    goal: String,
    signed: String,
    draft: String,
    cancelled: String,
    check_ins: Vec<Uuid>,
    responses: Vec<Uuid>,
}

async fn book(app: &TestApp, t: &str, patient_id: Uuid, day: &str) -> String {
    let slot = json!({ "starts_at": format!("{day}T09:00:00Z"), "ends_at": format!("{day}T10:00:00Z") });
    let booked = app.post(&format!("/api/v1/patients/{patient_id}/appointments"), Some(t), &slot).await.expect(201);
    booked["id"].as_str().unwrap().to_owned()
}

/// A course of care for `patient`: referral, plan with goal, exercise and lesson, three
/// sessions (one signed note, one draft, one cancelled), girths, a scar, check-ins with a
/// red flag, and two instrument answers.
async fn record(app: &TestApp, therapist: &Actor, patient: &Actor, week: i64) -> Made {
    // Each patient's course starts `week` weeks after 1 June; the clock only moves forward.
    let day = |n: i64| (at("2026-06-01T00:00:00Z") + Duration::days(7 * week + n)).format("%Y-%m-%d").to_string();
    app.clock.set(at(&format!("{}T12:00:00Z", day(0))));
    let t = app.relogin(therapist).await;
    let t = t.as_str();
    let p = patient.patient_id.unwrap();
    let referral = json!({
        "physician": { "name": "Dr. Lena Vogt", "phone": "+1 (555) 010-4477", "npi": "1234567893" },
        "referral_date": "2026-05-29",
        "diagnoses": [{ "code": "M54.2", "description": "Neck pain" }, { "code": "M62.830", "description": "Muscle spasm of back" }],
        "ordered": "Medical massage 2x/week for 3 weeks", "visits_ordered": 6, "expires_on": "2026-08-29",
        "precautions": "No deep pressure over the anterior neck"
    });
    let referral = app.post(&format!("/api/v1/patients/{p}/referrals"), Some(t), &referral).await.expect(201);
    let plan = json!({ "title": "Neck: plan of care", "start_date": day(0) });
    let plan = app.post(&format!("/api/v1/patients/{p}/care-plans"), Some(t), &plan).await.expect(201);
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let goal = json!({ "activity": "Check the blind spot", "baseline": 3, "target": 8, "target_date": "2026-06-19" });
    let view = app.post(&format!("/api/v1/care-plans/{plan_id}/goals"), Some(t), &goal).await.expect(200);
    let exercise = json!({ "exercise_id": builtin_id("exercise", "chin-tuck"), "prescription": {
        "sets": 2, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 3, "days_of_week": [1, 3, 5] } });
    app.post(&format!("/api/v1/care-plans/{plan_id}/exercises"), Some(t), &exercise).await.expect(200);
    let lesson = json!({ "lesson_id": builtin_id("lesson", "sitting-and-desk-setup") });
    app.post(&format!("/api/v1/care-plans/{plan_id}/lessons"), Some(t), &lesson).await.expect(200);
    for instrument in ["nprs", "peg"] {
        let body = json!({ "instrument": instrument, "every_days": 7, "starts_on": day(0) });
        app.post(&format!("/api/v1/patients/{p}/measures"), Some(t), &body).await.expect(201);
    }

    let signed = book(app, t, p, &day(1)).await;
    let draft = book(app, t, p, &day(3)).await;
    let cancelled = book(app, t, p, &day(5)).await;
    app.patch(&format!("/api/v1/appointments/{cancelled}"), Some(t), &json!({ "status": "cancelled" }))
        .await
        .expect(200);

    app.clock.set(at(&format!("{}T11:00:00Z", day(1))));
    let t = app.relogin(therapist).await;
    let note = json!({
        "subjective": "Neck stiff in the mornings.", "assessment": "Rotation improving.",
        "pain_before": 6, "pain_after": 3,
        "procedures": [{ "code": "97140", "minutes": 23 }, { "code": "97124", "minutes": 15 }],
        "rom": [{ "region": "neck", "side": "left", "movement": "rotation", "degrees": 60, "mode": "active",
                  "method": "goniometer" }]
    });
    app.put(&format!("/api/v1/appointments/{signed}/note"), Some(&t), &note).await.expect(200);
    app.post(&format!("/api/v1/appointments/{signed}/note/sign"), Some(&t), &json!({})).await.expect(200);
    let girths = json!({ "measurements": [
        { "region": "ankle", "side": "left", "landmark": "above the lateral malleolus", "distance_cm": 10.0, "circumference_cm": 24.5 },
        { "region": "ankle", "side": "right", "landmark": "above the lateral malleolus", "distance_cm": 10.0, "circumference_cm": 23.0 }
    ]});
    app.post(&format!("/api/v1/appointments/{signed}/girth-measurements"), Some(&t), &girths).await.expect(201);
    let scar = json!({ "region": "knee", "side": "left", "label": "ACL graft incision", "length_mm": 85, "width_mm": 4,
        "pigmentation": 1, "vascularity": 1, "pliability": 2, "height": 1 });
    app.post(&format!("/api/v1/appointments/{signed}/scar-assessments"), Some(&t), &scar).await.expect(201);

    // The draft holds values that must never leave the clinic.
    app.clock.set(at(&format!("{}T11:00:00Z", day(3))));
    let t = app.relogin(therapist).await;
    let draft_note = json!({ "subjective": "Draft only.", "pain_before": 9, "pain_after": 9,
        "procedures": [{ "code": "97530", "minutes": 30 }],
        "rom": [{ "region": "neck", "side": "right", "movement": "rotation", "degrees": 17, "mode": "passive",
                  "method": "visual_estimate" }] });
    app.put(&format!("/api/v1/appointments/{draft}/note"), Some(&t), &draft_note).await.expect(200);

    let check_ins = vec![Uuid::now_v7(), Uuid::now_v7()];
    let items = json!({ "items": [
        { "id": check_ins[0], "recorded_at": format!("{}T18:00:00Z", day(2)), "pain": 5, "stress": 4, "sleep_quality": 6,
          "note": "Better after the stretches." },
        { "id": check_ins[1], "recorded_at": format!("{}T07:00:00Z", day(3)), "pain": 4, "red_flags": ["chest_pain"] }
    ]});
    let pt = app.relogin(patient).await;
    let reply = app.post("/api/v1/me/check-ins", Some(&pt), &items).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let responses = vec![Uuid::now_v7(), Uuid::now_v7()];
    for (id, instrument, answers) in [(responses[0], "nprs", json!([5])), (responses[1], "peg", json!([6, 5, 4]))] {
        let body = json!({ "id": id, "instrument": instrument, "recorded_at": format!("{}T08:00:00Z", day(3)), "answers": answers });
        app.post("/api/v1/me/measure-responses", Some(&pt), &body).await.expect(201);
    }
    Made {
        referral: referral["id"].as_str().unwrap().to_owned(),
        plan: plan_id,
        goal: view["goals"][0]["id"].as_str().unwrap().to_owned(),
        signed,
        draft,
        cancelled,
        check_ins,
        responses,
    }
}

async fn bundle_of(app: &TestApp, who: &Actor, patient_id: Uuid) -> Value {
    let token = app.relogin(who).await;
    app.get(&format!("/api/v1/patients/{patient_id}/fhir"), Some(&token)).await.expect(200)
}

struct Recorded {
    app: TestApp,
    w: World,
    made: Made,
    other: Made,
}

async fn recorded() -> Recorded {
    let app = spawn_app().await;
    let w = app.world().await;
    let made = record(&app, &w.therapist_x, &w.patient_a, 0).await;
    // Another patient of the same therapist: nothing of theirs may appear in A's bundle.
    let other = record(&app, &w.therapist_x, &w.patient_b, 1).await;
    Recorded { app, w, made, other }
}

#[tokio::test]
async fn the_bundle_is_a_collection_and_every_resource_validates_against_the_r4_schema() {
    let Recorded { app, w, .. } = recorded().await;

    let bundle = bundle_of(&app, &w.therapist_x, w.patient_a.patient_id.unwrap()).await;

    assert_eq!((bundle["resourceType"].as_str(), bundle["type"].as_str()), (Some("Bundle"), Some("collection")));
    assert_valid(&bundle);
    for r in resources(&bundle) {
        assert_valid(&r);
    }
    let kinds: BTreeSet<String> =
        resources(&bundle).iter().map(|r| r["resourceType"].as_str().unwrap().to_owned()).collect();
    for kind in [
        "Patient",
        "Practitioner",
        "Organization",
        "Condition",
        "ServiceRequest",
        "CarePlan",
        "Goal",
        "Observation",
        "QuestionnaireResponse",
        "Encounter",
        "Procedure",
        "Flag",
        "DocumentReference",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn the_bundle_holds_every_record_of_the_patient_once_and_only_signed_notes() {
    let Recorded { app, w, made, .. } = recorded().await;
    let p = w.patient_a.patient_id.unwrap();

    let bundle = bundle_of(&app, &w.therapist_x, p).await;

    let ids = |kind: &str| -> BTreeSet<String> {
        of_type(&bundle, kind).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids("Patient"), BTreeSet::from([p.to_string()]));
    assert_eq!(ids("ServiceRequest"), BTreeSet::from([made.referral.clone()]));
    assert_eq!(ids("CarePlan"), BTreeSet::from([made.plan.clone()]));
    assert_eq!(ids("Goal"), BTreeSet::from([made.goal.clone()]));
    assert_eq!(ids("Encounter"), BTreeSet::from([made.signed.clone(), made.draft.clone(), made.cancelled.clone()]));
    assert_eq!(ids("QuestionnaireResponse"), made.responses.iter().map(Uuid::to_string).collect());
    assert_eq!(of_type(&bundle, "Condition").len(), 2, "one per ICD-10-CM code");
    assert_eq!(of_type(&bundle, "Flag").len(), 1, "the red-flag alert");
    // The progress report, and the signed note's text; the draft's text never.
    assert_eq!(ids("DocumentReference").len(), 2);
    assert!(
        of_type(&bundle, "DocumentReference")
            .iter()
            .any(|d| d["context"]["encounter"][0]["reference"] == format!("urn:uuid:{}", made.signed))
    );
    // Procedures: the signed note's two codes; the draft's 97530 stays in the clinic.
    let mut codes: Vec<String> = of_type(&bundle, "Procedure")
        .iter()
        .map(|r| r["code"]["coding"][0]["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    assert_eq!(codes, ["97124", "97140"]);
    // Observations: check-in 1 pain, stress, sleep; check-in 2 pain; note pain before and
    // after; one ROM; two girths; one scar — and nothing of the draft (9/10, 17°).
    let observations = of_type(&bundle, "Observation");
    assert_eq!(observations.len(), 4 + 2 + 1 + 2 + 1, "{observations:#?}");
    assert!(!observations.iter().any(|o| o["valueInteger"] == 9 || o["valueQuantity"]["value"] == 17));
    // A check-in's ratings carry ids made from the check-in's own id (stable on re-export).
    let observation_ids: BTreeSet<String> = observations.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    for c in &made.check_ins {
        assert!(observation_ids.contains(&Uuid::new_v5(c, b"pain").to_string()), "check-in {c}");
    }
    let texts: Vec<String> = of_type(&bundle, "DocumentReference")
        .iter()
        .filter_map(|d| d["content"][0]["attachment"]["data"].as_str())
        .map(|data| {
            use base64::Engine;
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap()
        })
        .collect();
    assert!(texts.iter().any(|t| t.contains("Neck stiff in the mornings.")), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("Draft only.")) && !bundle.to_string().contains("Draft only."));
    // Every entry once.
    let all: Vec<String> = resources(&bundle).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(all.len(), all.iter().collect::<BTreeSet<_>>().len(), "duplicate ids");
}

#[tokio::test]
async fn nothing_of_another_patient_appears_in_the_bundle() {
    let Recorded { app, w, other, .. } = recorded().await;

    let bundle = bundle_of(&app, &w.therapist_x, w.patient_a.patient_id.unwrap()).await.to_string();

    let mut foreign: Vec<String> = vec![
        w.patient_b.patient_id.unwrap().to_string(),
        other.referral,
        other.plan,
        other.goal,
        other.signed,
        other.draft,
        other.cancelled,
    ];
    foreign.extend(other.check_ins.iter().map(Uuid::to_string));
    foreign.extend(other.responses.iter().map(Uuid::to_string));
    for id in foreign {
        assert!(!bundle.contains(&id), "{id} of patient B is in patient A's bundle");
    }
}

#[tokio::test]
async fn every_reference_resolves_inside_the_bundle_and_codes_use_their_systems() {
    let Recorded { app, w, .. } = recorded().await;
    let p = w.patient_a.patient_id.unwrap();

    let bundle = bundle_of(&app, &w.therapist_x, p).await;

    let full_urls: BTreeSet<String> =
        bundle["entry"].as_array().unwrap().iter().map(|e| e["fullUrl"].as_str().unwrap().to_owned()).collect();
    for e in bundle["entry"].as_array().unwrap() {
        assert_eq!(e["fullUrl"], format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap()));
    }
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(full_urls.contains(&r), "{r} does not resolve inside the bundle");
    }
    for c in of_type(&bundle, "Condition") {
        assert_eq!(c["code"]["coding"][0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    }
    let codes: BTreeSet<&str> = ["M54.2", "M62.830"].into();
    let found: Vec<Value> = of_type(&bundle, "Condition");
    assert_eq!(found.iter().map(|c| c["code"]["coding"][0]["code"].as_str().unwrap()).collect::<BTreeSet<_>>(), codes);
    let observations = of_type(&bundle, "Observation");
    let pain: Vec<&Value> = observations.iter().filter(|o| o["code"]["coding"][0]["code"] == "72514-3").collect();
    assert_eq!(pain.len(), 4, "two check-ins and the note's before and after");
    assert!(pain.iter().all(|o| o["code"]["coding"][0]["system"] == "http://loinc.org"));
    let quantities: Vec<&Value> = observations.iter().filter_map(|o| o.get("valueQuantity")).collect();
    let units: BTreeSet<&str> = quantities.iter().map(|q| q["code"].as_str().unwrap()).collect();
    assert_eq!(units, BTreeSet::from(["deg", "mm"]));
    assert!(quantities.iter().all(|q| q["system"] == "http://unitsofmeasure.org"));
    let girths: Vec<i64> =
        quantities.iter().filter(|q| q["code"] == "mm").map(|q| q["value"].as_i64().unwrap()).collect();
    assert_eq!(girths, [245, 230]);
    for proc in of_type(&bundle, "Procedure") {
        assert_eq!(proc["code"]["coding"][0]["system"], "http://www.ama-assn.org/go/cpt");
    }
    let documents = of_type(&bundle, "DocumentReference");
    let report = documents.iter().find(|d| d["type"]["text"] == "Progress report").unwrap();
    let report = &report["content"][0]["attachment"];
    assert_eq!(report["contentType"], "application/pdf");
    assert!(report["url"].as_str().unwrap().ends_with(&format!("/api/v1/patients/{p}/report?format=pdf")));
}

#[tokio::test]
async fn the_patient_gets_their_own_bundle_with_the_same_stable_ids() {
    let Recorded { app, w, .. } = recorded().await;
    let p = w.patient_a.patient_id.unwrap();

    let token = app.relogin(&w.patient_a).await;
    let reply = app.get("/api/v1/me/fhir", Some(&token)).await;
    let own = reply.expect(200);
    let staff = bundle_of(&app, &w.therapist_x, p).await;

    let ids = |b: &Value| resources(b).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&own), ids(&staff));
    assert_eq!(of_type(&own, "Patient")[0]["id"], p.to_string());
}

#[tokio::test]
async fn the_bundle_is_served_as_fhir_json_and_the_export_is_audited() {
    let Recorded { app, w, .. } = recorded().await;
    let p = w.patient_a.patient_id.unwrap();
    let token = app.relogin(&w.therapist_x).await;

    let resp = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/patients/{p}/fhir")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/fhir+json"), "{content_type}");
    app.state.audit.flush().await.unwrap();
    let events = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("fhir.export"))
        .filter(entity::audit_event::Column::PatientId.eq(p))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[tokio::test]
async fn another_clinic_wrong_roles_and_unknown_ids_reach_no_bundle() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = w.patient_a.patient_id.unwrap();
    let path = format!("/api/v1/patients/{a}/fhir");

    app.get(&path, Some(&w.therapist_y.access_token)).await.expect(404);
    app.get(&format!("/api/v1/patients/{}/fhir", Uuid::now_v7()), Some(&w.therapist_x.access_token)).await.expect(404);
    let c = w.patient_c.patient_id.unwrap();
    app.get(&format!("/api/v1/patients/{c}/fhir"), Some(&w.therapist_x.access_token)).await.expect(404);
    app.get(&path, Some(&w.admin.access_token)).await.expect(200);
    // A patient reaches only /me/fhir; the staff route refuses the role.
    let staff_route = app.get(&path, Some(&w.patient_a.access_token)).await;
    assert_eq!(staff_route.status, 403, "{}", staff_route.body);
    app.get("/api/v1/me/fhir", Some(&w.therapist_x.access_token)).await.expect(403);
    app.get("/api/v1/me/fhir", None).await.expect(401);
    let garbage = app.get("/api/v1/patients/not-a-uuid/fhir", Some(&w.therapist_x.access_token)).await;
    assert!(garbage.status.is_client_error(), "{}", garbage.status);
}

#[tokio::test]
async fn the_demo_clinic_exports_as_ndjson_that_validates_line_by_line() {
    let app = spawn_app().await;
    fascia::services::provisioning::seed_demo(&app.state.db, app.clock_now()).await.unwrap();
    let demo =
        clinic::Entity::find().filter(clinic::Column::IsDemo.eq(true)).one(&app.state.db).await.unwrap().unwrap();
    let dir = std::env::temp_dir().join(format!("fascia-fhir-{}", Uuid::now_v7()));
    let links = fhir::Links::new("https://clinic.example");

    let summary = fhir::write_clinic(&app.state.db, app.clock_now(), &links, demo.id, &dir).await.unwrap();

    assert_eq!(summary.patients, 2);
    let mut ids = BTreeSet::new();
    let mut refs = Vec::new();
    let mut lines_by_file = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let kind = name.strip_suffix(".ndjson").unwrap_or_else(|| panic!("{name} is not an NDJSON file"));
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let resource: Value = serde_json::from_str(line).unwrap();
            assert_eq!(resource["resourceType"], kind, "{name}");
            assert_valid(&resource);
            assert!(ids.insert(format!("urn:uuid:{}", resource["id"].as_str().unwrap())), "{line} twice");
            references(&resource, &mut refs);
        }
        lines_by_file.insert(name, text.lines().count());
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(lines_by_file, summary.files);
    assert_eq!(lines_by_file["Patient.ndjson"], 2);
    assert_eq!(lines_by_file["Organization.ndjson"], 1);
    assert!(lines_by_file["Observation.ndjson"] >= 2 * 14, "the demo's check-ins: {lines_by_file:?}");
    for r in refs {
        assert!(ids.contains(&r), "{r} does not resolve inside the export");
    }
}

#[tokio::test]
async fn an_unknown_clinic_exports_nothing() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("fascia-fhir-{}", Uuid::now_v7()));

    let result =
        fhir::write_clinic(&app.state.db, app.clock_now(), &fhir::Links::new("http://x"), Uuid::now_v7(), &dir).await;

    assert!(matches!(result, Err(fhir::ExportError::UnknownClinic)));
    assert!(!dir.exists());
}

#[test]
fn the_schema_check_refuses_what_is_not_fhir() {
    // So a passing export means something: the fixture catches real mistakes.
    let ok = json!({ "resourceType": "Observation", "id": "a", "status": "final", "code": { "text": "x" } });
    assert_valid(&ok);
    for bad in [
        // (A missing primitive such as `status` is not the schema's to catch: FHIR JSON
        // may carry it as `_status`. Missing complex elements and wrong values are.)
        json!({ "resourceType": "Observation", "id": "a", "status": "final" }),
        json!({ "resourceType": "Observation", "id": "a", "status": "done", "code": { "text": "x" } }),
        json!({ "resourceType": "Patient", "id": "a", "nickname": "Pat" }),
        json!({ "resourceType": "Patient", "id": "a", "name": [{ "text": "" }] }),
        json!({ "resourceType": "Bundle", "id": "a", "type": "pile" }),
        json!({ "resourceType": "Fridge", "id": "a" }),
    ] {
        assert!(!problems(&bad).is_empty(), "{bad} passed");
    }
}
