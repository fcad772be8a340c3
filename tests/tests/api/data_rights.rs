//! Patient data rights: the export holds all of the patient's rows and nobody else's,
//! erasure deletes self-care data at once and the retained record at the end of the
//! retention period, and consent changes leave a history.

use chrono::Duration;
use std::collections::HashMap;

use fascia_tests::{Actor, TestApp, spawn_app, spawn_app_with};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query},
};
use serde_json::{Value, json};
use uuid::Uuid;

const NOTE: &str = "Tight, then \"much\" better,\nslept well";

/// Check-ins, a plan with a goal, a signed session note, a referral and a consent
/// change for `patient` of `therapist`.
async fn seed(app: &TestApp, therapist: &Actor, patient: &Actor) {
    let t = Some(therapist.access_token.as_str());
    let p = Some(patient.access_token.as_str());
    let patient_id = patient.patient_id.unwrap();
    let items = json!({ "items": [
        { "id": Uuid::now_v7(), "recorded_at": "2026-06-01T10:00:00Z", "pain": 4, "note": NOTE },
        { "id": Uuid::now_v7(), "recorded_at": "2026-06-02T10:00:00Z", "stress": 3 }
    ] });
    app.post("/api/v1/me/check-ins", p, &items).await.expect(200);
    let plan = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-plans"),
            t,
            &json!({ "title": "Neck plan", "start_date": "2026-05-25" }),
        )
        .await
        .expect(201);
    let goal = json!({ "activity": "Check blind spot", "baseline": 4, "target": 8 });
    app.post(&format!("/api/v1/care-plans/{}/goals", plan["id"].as_str().unwrap()), t, &goal).await.expect(200);
    let slot = json!({ "starts_at": "2026-05-29T09:00:00Z", "ends_at": "2026-05-29T10:00:00Z" });
    let appt = app.post(&format!("/api/v1/patients/{patient_id}/appointments"), t, &slot).await.expect(201);
    let appt = appt["id"].as_str().unwrap();
    app.put(&format!("/api/v1/appointments/{appt}/note"), t, &json!({ "subjective": "Tight." })).await.expect(200);
    app.post(&format!("/api/v1/appointments/{appt}/note/sign"), t, &json!({})).await.expect(200);
    let referral = json!({
        "physician": { "name": "Dr. Anna Brandt" }, "referral_date": "2026-05-28",
        "diagnoses": [{ "code": "M54.2", "description": "Neck pain" }], "ordered": "Massage 2x/week"
    });
    app.post(&format!("/api/v1/patients/{patient_id}/referrals"), t, &referral).await.expect(201);
    app.patch(&format!("/api/v1/patients/{patient_id}"), t, &json!({ "consent_physician_sharing": true }))
        .await
        .expect(200);
    // A message, copied into the record by the therapist (issue 17).
    let sent = app.post("/api/v1/me/messages", p, &json!({ "id": Uuid::new_v4(), "text": NOTE })).await.expect(201);
    let relevant =
        format!("/api/v1/patients/{patient_id}/messages/{}/clinically-relevant", sent["id"].as_str().unwrap());
    app.post(&relevant, t, &json!({})).await.expect(200);
}

/// Rows of `table` matching `column = value`, counted in the database.
async fn count(app: &TestApp, table: &str, column: &str, value: Uuid) -> usize {
    let q = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(column)).eq(value))
        .to_owned();
    let row = app.state.db.query_one(&q).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap() as usize
}

/// Ids of `table`'s rows matching `column = value`.
async fn ids(app: &TestApp, table: &str, column: &str, value: Uuid) -> Vec<Uuid> {
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(column)).eq(value))
        .to_owned();
    let rows = app.state.db.query_all(&q).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<Uuid>(0).unwrap()).collect()
}

/// Tables keyed by the patient id that the export holds whole.
const BY_PATIENT: [&str; 19] = [
    "consent_event",
    "check_in",
    "check_in_day",
    "exercise_log",
    "lesson_completion",
    "measure_schedule",
    "measure_response",
    "care_plan",
    "appointment",
    "session_note_addendum",
    "referral",
    "payer_authorization",
    "alert",
    "red_flag_report",
    "reminder_rule",
    "erasure_request",
    "message",
    "message_record_entry",
    "audit_event",
];

fn table<'a>(export: &'a Value, name: &str) -> &'a Vec<Value> {
    let t = export["tables"].as_array().unwrap().iter().find(|t| t["name"] == name);
    t.unwrap_or_else(|| panic!("export has no {name} table"))["rows"].as_array().unwrap()
}

#[tokio::test]
async fn the_export_holds_every_row_of_the_patient_and_none_of_another() {
    let app = spawn_app().await;
    let w = app.world().await;
    seed(&app, &w.therapist_x, &w.patient_a).await;
    seed(&app, &w.therapist_x, &w.patient_b).await;
    let (a, b) = (w.patient_a.patient_id.unwrap(), w.patient_b.patient_id.unwrap());

    let export = app.get("/api/v1/me/export", Some(&w.patient_a.access_token)).await.expect(200);

    assert_eq!(export["patient_id"], a.to_string());
    // The export is audited, so count the database after it.
    for name in BY_PATIENT {
        let rows = table(&export, name);
        assert_eq!(rows.len(), count(&app, name, "patient_id", a).await, "{name}: every row of patient A");
        assert!(rows.iter().all(|r| r["patient_id"] == a.to_string()), "{name}: only patient A's rows");
    }
    assert_eq!(table(&export, "care_plan").len(), 1);
    assert_eq!(table(&export, "plan_goal").len(), 1);
    assert_eq!(table(&export, "session_note").len(), 1);
    assert_eq!(table(&export, "check_in").len(), 2);
    assert!(table(&export, "consent_event").len() >= 3, "the first values and the change");
    assert_eq!(table(&export, "account")[0]["id"], w.patient_a.user_id.to_string());
    assert!(table(&export, "account")[0].get("password_hash").is_none());
    let text = export.to_string();
    let mut others = vec![b, w.patient_b.user_id];
    for name in BY_PATIENT {
        if name != "check_in_day" {
            others.extend(ids(&app, name, "patient_id", b).await);
        }
    }
    others.extend(ids(&app, "session_note", "patient_id", b).await);
    assert!(others.len() > 10);
    for id in others {
        assert!(!text.contains(&id.to_string()), "patient B's id {id} is in patient A's export");
    }
}

#[tokio::test]
async fn the_zip_export_has_a_csv_per_table_that_round_trips_a_hostile_note() {
    let app = spawn_app().await;
    let w = app.world().await;
    seed(&app, &w.therapist_x, &w.patient_a).await;

    let resp =
        app.client.get(app.url("/api/v1/me/export/zip")).bearer_auth(&w.patient_a.access_token).send().await.unwrap();

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("check_in.csv").unwrap(), &mut csv).unwrap();
    let rows = fascia::services::export::csv::parse(&csv).unwrap();
    let note_col = rows[0].iter().position(|c| c == "note").unwrap();
    assert!(rows[1..].iter().any(|r| r[note_col] == NOTE), "the note comes back as written");
    assert!(zip.by_name("README.txt").is_ok());
    assert!(zip.by_name("audit_event.csv").is_ok());
    let json = app.get("/api/v1/me/export", Some(&w.patient_a.access_token)).await.expect(200);
    // README, one CSV per table, and the FHIR bundle.
    assert_eq!(zip.len(), json["tables"].as_array().unwrap().len() + 2);
    let mut fhir = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("fhir-bundle.json").unwrap(), &mut fhir).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&fhir).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let patient_id = w.patient_a.patient_id.unwrap().to_string();
    let patients: Vec<_> =
        bundle["entry"].as_array().unwrap().iter().filter(|e| e["resource"]["resourceType"] == "Patient").collect();
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0]["resource"]["id"], patient_id.as_str());
}

#[tokio::test]
async fn staff_cannot_use_the_patient_export() {
    let app = spawn_app().await;
    let w = app.world().await;
    app.get("/api/v1/me/export", Some(&w.therapist_x.access_token)).await.expect_error(403, "forbidden");
    app.get("/api/v1/me/export", None).await.expect(401);
}

async fn request_erasure(app: &TestApp, patient: &Actor) -> String {
    let body = json!({ "note": "Moving away" });
    let created = app.post("/api/v1/me/erasure-request", Some(&patient.access_token), &body).await.expect(201);
    assert_eq!(created["status"], "requested");
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn erasure_deletes_self_care_now_and_the_record_when_retention_ends() {
    let app = spawn_app().await;
    let w = app.world().await;
    seed(&app, &w.therapist_x, &w.patient_a).await;
    seed(&app, &w.therapist_x, &w.patient_b).await;
    let a = w.patient_a.patient_id.unwrap();
    let admin = Some(w.admin.access_token.as_str());
    app.put("/api/v1/clinic/data-retention", admin, &json!({ "retention_years": 2 })).await.expect(200);
    let t = Some(w.therapist_x.access_token.as_str());
    app.patch(&format!("/api/v1/patients/{a}"), t, &json!({ "consent_reminders": true })).await.expect(200);
    let id = request_erasure(&app, &w.patient_a).await;
    let audit_before = count(&app, "audit_event", "patient_id", a).await;

    let confirmed = app.post(&format!("/api/v1/erasure-requests/{id}/confirm"), admin, &json!({})).await.expect(200);

    assert_eq!(confirmed["status"], "confirmed");
    let now = app.clock_now();
    let retain_until: chrono::DateTime<chrono::Utc> = confirmed["retain_until"].as_str().unwrap().parse().unwrap();
    assert_eq!(retain_until, now.checked_add_months(chrono::Months::new(24)).unwrap());
    for gone in ["check_in", "check_in_day", "reminder_rule", "exercise_log", "lesson_completion"] {
        assert_eq!(count(&app, gone, "patient_id", a).await, 0, "{gone} is deleted at once");
    }
    for kept in ["session_note", "referral", "care_plan", "appointment"] {
        assert!(count(&app, kept, "patient_id", a).await > 0, "{kept} is retained");
    }
    app.get("/api/v1/me", Some(&w.patient_a.access_token)).await.expect(401);
    app.login(&w.patient_a.email, &w.patient_a.password).await.expect(401);
    let history = app.get(&format!("/api/v1/patients/{a}/consent-history"), admin).await.expect(200);
    let last = history.as_array().unwrap().iter().rev().find(|c| c["consent"] == "reminders").unwrap();
    assert_eq!((last["granted"].as_bool(), last["changed_by_role"].as_str()), (Some(false), Some("admin")));
    assert!(count(&app, "check_in", "patient_id", w.patient_b.patient_id.unwrap()).await > 0, "B is untouched");

    let guarded = entity::session_note::Entity::delete_many()
        .filter(entity::session_note::Column::PatientId.eq(a))
        .exec(&app.state.db)
        .await;
    assert!(guarded.is_err(), "a retained signed note is still final until the purge");
    let early = fascia::workers::retention::run_once(&app.state.db, retain_until - Duration::seconds(1)).await.unwrap();
    assert!(early.purged.is_empty());
    assert_eq!(count(&app, "session_note", "patient_id", a).await, 1, "kept until the period ends");

    let due = fascia::workers::retention::run_once(&app.state.db, retain_until).await.unwrap();

    assert_eq!(due.purged.len(), 1);
    for gone in ["session_note", "referral", "care_plan", "appointment", "consent_event", "alert"] {
        assert_eq!(count(&app, gone, "patient_id", a).await, 0, "{gone} is purged");
    }
    assert_eq!(count(&app, "patient", "id", a).await, 0);
    assert!(count(&app, "audit_event", "patient_id", a).await >= audit_before, "the audit trail stays");
    let listed = app.get("/api/v1/erasure-requests", admin).await.expect(200);
    assert_eq!(listed[0]["status"], "purged");
    assert!(listed[0].get("patient_note").is_none(), "the patient's words go with the record");
    assert!(count(&app, "session_note", "patient_id", w.patient_b.patient_id.unwrap()).await > 0);
    let again = fascia::workers::retention::run_once(&app.state.db, retain_until + Duration::days(1)).await.unwrap();
    assert!(again.purged.is_empty());
}

#[tokio::test]
async fn only_the_patients_clinic_admin_decides_an_erasure() {
    let app = spawn_app().await;
    let w = app.world().await;
    let other_admin = app.clinic_admin("Clinic Three").await;
    let id = request_erasure(&app, &w.patient_a).await;
    let confirm = format!("/api/v1/erasure-requests/{id}/confirm");

    app.post(&confirm, Some(&w.patient_a.access_token), &json!({})).await.expect_error(403, "forbidden");
    app.post(&confirm, Some(&w.therapist_x.access_token), &json!({})).await.expect_error(403, "forbidden");
    app.post(&confirm, Some(&other_admin.access_token), &json!({})).await.expect_error(404, "not_found");
    let listed = app.get("/api/v1/erasure-requests", Some(&other_admin.access_token)).await.expect(200);
    assert_eq!(listed, json!([]));
    let garbage = "/api/v1/erasure-requests/not-a-uuid/confirm";
    assert!(app.post(garbage, Some(&w.admin.access_token), &json!({})).await.status.is_client_error());

    app.get("/api/v1/me", Some(&w.patient_a.access_token)).await.expect(200);
    let mine = app.get("/api/v1/me/erasure-requests", Some(&w.patient_a.access_token)).await.expect(200);
    assert_eq!(mine[0]["status"], "requested");
}

#[tokio::test]
async fn a_declined_request_keeps_everything_and_says_why() {
    let app = spawn_app().await;
    let w = app.world().await;
    let admin = Some(w.admin.access_token.as_str());
    let id = request_erasure(&app, &w.patient_a).await;
    let again = json!({});
    app.post("/api/v1/me/erasure-request", Some(&w.patient_a.access_token), &again).await.expect_error(409, "conflict");
    let decline = format!("/api/v1/erasure-requests/{id}/decline");
    app.post(&decline, admin, &json!({ "reason": "   " })).await.expect_error(422, "validation_failed");
    app.post(&decline, admin, &json!({ "reason": "x", "status": "purged" })).await.expect(400);

    let declined = app.post(&decline, admin, &json!({ "reason": "An insurance claim is open." })).await.expect(200);

    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_reason"], "An insurance claim is open.");
    app.post(&format!("/api/v1/erasure-requests/{id}/confirm"), admin, &json!({})).await.expect_error(409, "conflict");
    app.get("/api/v1/me", Some(&w.patient_a.access_token)).await.expect(200);
    let mine = app.get("/api/v1/me/erasure-requests", Some(&w.patient_a.access_token)).await.expect(200);
    assert_eq!(mine[0]["decline_reason"], "An insurance claim is open.");
    // A declined request does not stop a new one.
    request_erasure(&app, &w.patient_a).await;
}

#[tokio::test]
async fn the_retention_period_is_checked() {
    let app = spawn_app().await;
    let w = app.world().await;
    let admin = Some(w.admin.access_token.as_str());
    let read = app.get("/api/v1/clinic/data-retention", admin).await.expect(200);
    assert_eq!(read["retention_years"], 10);
    for bad in [json!(0), json!(51), json!(-3)] {
        let reply = app.put("/api/v1/clinic/data-retention", admin, &json!({ "retention_years": bad })).await;
        assert!(reply.status.is_client_error(), "{bad} refused");
    }
    app.put("/api/v1/clinic/data-retention", admin, &json!({ "retention_years": 7 })).await.expect(200);
    let read = app.get("/api/v1/clinic/data-retention", admin).await.expect(200);
    assert_eq!(read["retention_years"], 7);
}

#[tokio::test]
async fn consent_changes_leave_a_history_the_patient_and_therapist_can_read() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = w.patient_a.patient_id.unwrap();
    let t = Some(w.therapist_x.access_token.as_str());
    app.patch(&format!("/api/v1/patients/{a}"), t, &json!({ "consent_physician_sharing": true })).await.expect(200);
    app.patch(&format!("/api/v1/patients/{a}"), t, &json!({ "consent_physician_sharing": true })).await.expect(200);
    app.patch(&format!("/api/v1/patients/{a}"), t, &json!({ "consent_physician_sharing": false })).await.expect(200);

    let mine = app.get("/api/v1/me/consent-history", Some(&w.patient_a.access_token)).await.expect(200);

    let sharing: Vec<&Value> =
        mine.as_array().unwrap().iter().filter(|c| c["consent"] == "physician_sharing").collect();
    let values: Vec<bool> = sharing.iter().map(|c| c["granted"].as_bool().unwrap()).collect();
    assert_eq!(values, [false, true, false], "created, given, withdrawn; the repeat adds nothing");
    assert_eq!(sharing[1]["changed_by"], w.therapist_x.user_id.to_string());
    assert_eq!(sharing[1]["changed_by_role"], "therapist");
    assert!(mine.as_array().unwrap().iter().any(|c| c["consent"] == "reminders"));
    let theirs = app.get(&format!("/api/v1/patients/{a}/consent-history"), t).await.expect(200);
    assert_eq!(theirs, mine);
    let path = format!("/api/v1/patients/{a}/consent-history");
    app.get(&path, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");
    app.get(&path, Some(&w.patient_a.access_token)).await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn a_malformed_erasure_request_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = Some(w.patient_a.access_token.as_str());
    let long = "x".repeat(2001);
    for body in [json!({ "note": long }), json!({ "note": 5 }), json!({ "status": "purged" }), json!([])] {
        let reply = app.post("/api/v1/me/erasure-request", p, &body).await;
        assert!(reply.status.is_client_error(), "{body} refused, got {}", reply.status);
    }
    let resp = app
        .client
        .post(app.url("/api/v1/me/erasure-request"))
        .bearer_auth(&w.patient_a.access_token)
        .header("content-type", "application/json")
        .body("{\"note\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let mine = app.get("/api/v1/me/erasure-requests", p).await.expect(200);
    assert_eq!(mine, json!([]));
    let listed = app.get("/api/v1/erasure-requests?status=nonsense", Some(&w.admin.access_token)).await;
    assert!(listed.status.is_client_error());
}

/// A browser subscription on a loopback endpoint (allowed by the test config).
fn subscription() -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    json!({
        "endpoint": format!("http://127.0.0.1:9/push/{}", Uuid::new_v4()),
        "keys": {
            "p256dh": URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()),
            "auth": URL_SAFE_NO_PAD.encode([7u8; 16]),
        },
    })
}

#[tokio::test]
async fn turning_on_notifications_is_recorded_as_the_patients_consent() {
    let app = spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await;
    let w = app.world().await;
    let a = w.patient_a.patient_id.unwrap();
    let t = Some(w.therapist_x.access_token.as_str());
    app.patch(&format!("/api/v1/patients/{a}"), t, &json!({ "consent_reminders": false })).await.expect(200);

    app.post("/api/v1/me/push-subscriptions", Some(&w.patient_a.access_token), &subscription()).await.expect(201);

    let mine = app.get("/api/v1/me/consent-history", Some(&w.patient_a.access_token)).await.expect(200);
    let last = mine.as_array().unwrap().iter().rev().find(|c| c["consent"] == "reminders").unwrap();
    assert_eq!(last["granted"], true);
    assert_eq!(last["changed_by"], w.patient_a.user_id.to_string());
    assert_eq!(last["changed_by_role"], "patient");
}
