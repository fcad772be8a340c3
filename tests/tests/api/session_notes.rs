//! Session notes as a record: drafts, signing by the author only, a signed note that
//! never changes, addenda, the late flag, If-Match against lost updates, and who may
//! reach any of it. (The treatment record and its units: `session_record.rs`.)

use chrono::{DateTime, Utc};
use entity::audit_event;
use fascia_tests::{Actor, TestApp, spawn_app};
use reqwest::Method;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A clinic (Europe/Berlin) with its admin, a treating therapist and a patient record.
pub struct Cast {
    pub admin: Actor,
    pub therapist: Actor,
    pub patient_id: Uuid,
}

pub async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Notes Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient_id = app.patient_record(&therapist, "Nora Notes").await;
    Cast { admin, therapist, patient_id }
}

/// A session of the cast's patient on `day` (09:00–10:00 UTC, 11:00 in Berlin).
pub async fn session(app: &TestApp, c: &Cast, day: &str) -> String {
    let slot = json!({ "starts_at": format!("{day}T09:00:00Z"), "ends_at": format!("{day}T10:00:00Z") });
    let path = format!("/api/v1/patients/{}/appointments", c.patient_id);
    let appt = app.post(&path, Some(&c.therapist.access_token), &slot).await.expect(201);
    appt["id"].as_str().unwrap().to_owned()
}

fn note_path(id: &str) -> String {
    format!("/api/v1/appointments/{id}/note")
}

async fn put_if_match(app: &TestApp, actor: &Actor, id: &str, tag: &str, body: &Value) -> fascia_tests::Reply {
    let headers = [("If-Match", tag)];
    app.request_with_headers(Method::PUT, &note_path(id), Some(&actor.access_token), &headers, Some(body)).await
}

async fn sign(app: &TestApp, actor: &Actor, id: &str) -> fascia_tests::Reply {
    app.request(Method::POST, &format!("{}/sign", note_path(id)), Some(&actor.access_token), None).await
}

async fn addendum(app: &TestApp, actor: &Actor, id: &str, reason: &str, text: &str) -> fascia_tests::Reply {
    let body = json!({ "reason": reason, "text": text });
    app.post(&format!("{}/addenda", note_path(id)), Some(&actor.access_token), &body).await
}

fn etag(reply: &fascia_tests::Reply) -> String {
    reply.headers["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_draft_signed_by_its_author_reads_back_signed_on_time_with_a_new_etag() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    let written = app.put(&note_path(&id), t, &json!({ "subjective": "Stiff neck." })).await;
    assert_eq!(etag(&written), "\"1\"");
    let draft = written.expect(200);
    assert_eq!((draft["status"].clone(), draft["version"].clone()), (json!("draft"), json!(1)));
    assert!(draft.get("signed_at").is_none());

    let signed = sign(&app, &c.therapist, &id).await;

    assert_eq!(etag(&signed), "\"2\"");
    let signed = signed.expect(200);
    assert_eq!(signed["status"], "signed");
    assert_eq!(at(signed["signed_at"].as_str().unwrap()), app.clock_now());
    assert_eq!(signed["late"], false);
    assert_eq!(signed["author_id"], c.therapist.user_id.to_string());
    let read = app.get(&note_path(&id), t).await;
    assert_eq!(etag(&read), "\"2\"");
    assert_eq!(read.expect(200), signed);
}

#[tokio::test]
async fn a_signed_note_refuses_a_put_while_addenda_are_added_and_listed_in_order() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    app.put(&note_path(&id), t, &json!({ "subjective": "Left shoulder tight.", "pain_before": 5 })).await.expect(200);
    let signed = sign(&app, &c.therapist, &id).await.expect(200);

    let refused = app.put(&note_path(&id), t, &json!({ "subjective": "Rewritten." })).await;
    refused.expect_error(409, "note_signed");
    let stale_or_not = put_if_match(&app, &c.therapist, &id, "\"2\"", &json!({ "subjective": "Rewritten." })).await;
    stale_or_not.expect_error(409, "note_signed");
    let first = addendum(&app, &c.therapist, &id, "Wrong side", "It was the right shoulder.").await.expect(201);
    app.clock.advance(chrono::Duration::minutes(10));
    let second = addendum(&app, &c.admin, &id, "Late entry", "Patient phoned: sore one day.").await.expect(201);

    assert_eq!(first["author_id"], c.therapist.user_id.to_string());
    assert_eq!(second["author_id"], c.admin.user_id.to_string());
    assert_eq!(at(second["created_at"].as_str().unwrap()), app.clock_now());
    let read = app.get(&note_path(&id), t).await.expect(200);
    assert_eq!((read["subjective"].clone(), read["pain_before"].clone()), (json!("Left shoulder tight."), json!(5)));
    assert_eq!(read["signed_at"], signed["signed_at"]);
    let reasons: Vec<&str> =
        read["addenda"].as_array().unwrap().iter().map(|a| a["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["Wrong side", "Late entry"]);
    assert_eq!(read["addenda"][0], first);
    assert_eq!(read["version"], 4, "signed at 2, then one per addendum");
}

#[tokio::test]
async fn a_draft_takes_no_addendum_and_an_addendum_needs_a_reason_and_text() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    app.put(&note_path(&id), t, &json!({ "subjective": "Draft." })).await.expect(200);

    addendum(&app, &c.therapist, &id, "Why", "What").await.expect_error(409, "note_not_signed");
    sign(&app, &c.therapist, &id).await.expect(200);
    let blank = addendum(&app, &c.therapist, &id, "   ", "Text.").await.expect_error(422, "validation_failed");
    assert_eq!(blank["details"][0]["field"], "reason");
    addendum(&app, &c.therapist, &id, "Why", "").await.expect_error(422, "validation_failed");
    let long = "x".repeat(201);
    addendum(&app, &c.therapist, &id, &long, "Text.").await.expect_error(422, "validation_failed");
    let extra = json!({ "reason": "Why", "text": "What", "author_id": c.admin.user_id });
    app.post(&format!("{}/addenda", note_path(&id)), t, &extra).await.expect_error(400, "bad_request");

    let read = app.get(&note_path(&id), t).await.expect(200);
    assert_eq!(read["addenda"], json!([]));
}

#[tokio::test]
async fn signing_needs_a_note_that_says_something_and_happens_once() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    sign(&app, &c.therapist, &id).await.expect_error(404, "not_found");
    app.put(&note_path(&id), t, &json!({ "subjective": "  ", "pain_before": 4 })).await.expect(200);

    sign(&app, &c.therapist, &id).await.expect_error(409, "note_empty");
    app.put(&note_path(&id), t, &json!({ "assessment": "Improving." })).await.expect(200);
    sign(&app, &c.therapist, &id).await.expect(200);
    let again = sign(&app, &c.therapist, &id).await.expect_error(409, "note_signed");

    assert!(again["message"].as_str().unwrap().contains("signed"));
    let read = app.get(&note_path(&id), t).await.expect(200);
    assert_eq!(read["version"], 3);
}

#[tokio::test]
async fn only_the_author_signs_and_another_clinic_reaches_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    app.put(&note_path(&id), t, &json!({ "subjective": "Written by the therapist." })).await.expect(200);
    let colleague = app.therapist(&c.admin).await;
    let other_admin = app.clinic_admin("Other Clinic").await;
    let stranger = app.therapist(&other_admin).await;

    sign(&app, &c.admin, &id).await.expect_error(403, "not_author");
    // A colleague who does not treat the patient cannot see the note at all.
    sign(&app, &colleague, &id).await.expect_error(404, "not_found");
    for actor in [&stranger, &other_admin] {
        let tok = Some(actor.access_token.as_str());
        sign(&app, actor, &id).await.expect_error(404, "not_found");
        app.get(&note_path(&id), tok).await.expect_error(404, "not_found");
        app.put(&note_path(&id), tok, &json!({ "subjective": "Hijack." })).await.expect_error(404, "not_found");
        put_if_match(&app, actor, &id, "*", &json!({ "subjective": "Hijack." })).await.expect_error(404, "not_found");
    }
    sign(&app, &c.therapist, &id).await.expect(200);
    for actor in [&stranger, &other_admin, &colleague] {
        addendum(&app, actor, &id, "Hijack", "Not mine.").await.expect_error(404, "not_found");
    }

    let read = app.get(&note_path(&id), t).await.expect(200);
    assert_eq!((read["subjective"].clone(), read["addenda"].clone()), (json!("Written by the therapist."), json!([])));
}

#[tokio::test]
async fn an_admin_edit_keeps_the_first_writer_as_author() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    app.put(&note_path(&id), Some(&c.therapist.access_token), &json!({ "subjective": "First." })).await.expect(200);

    let edited = app.put(&note_path(&id), Some(&c.admin.access_token), &json!({ "subjective": "Tidied." })).await;

    let edited = edited.expect(200);
    assert_eq!((edited["author_id"].clone(), edited["version"].clone()), (json!(c.therapist.user_id), json!(2)));
    sign(&app, &c.therapist, &id).await.expect(200);
}

#[tokio::test]
async fn a_stale_if_match_answers_412_and_leaves_the_note_as_the_other_writer_left_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let t = Some(c.therapist.access_token.as_str());
    let first = app.put(&note_path(&id), t, &json!({ "subjective": "Version one." })).await;
    let seen = etag(&first);
    // Two clinicians read version 1; the admin saves first.
    let saved = put_if_match(&app, &c.admin, &id, &seen, &json!({ "subjective": "Admin's edit." })).await;
    assert_eq!(etag(&saved), "\"2\"");
    saved.expect(200);

    let stale = put_if_match(&app, &c.therapist, &id, &seen, &json!({ "subjective": "Therapist's edit." })).await;

    stale.expect_error(412, "precondition_failed");
    let read = app.get(&note_path(&id), t).await;
    assert_eq!(etag(&read), "\"2\"");
    let read = read.expect(200);
    assert_eq!((read["subjective"].clone(), read["version"].clone()), (json!("Admin's edit."), json!(2)));
    // Weak or foreign tags never match; `*` and the current tag do; no header still writes.
    for tag in ["W/\"2\"", "\"abc\"", "2"] {
        put_if_match(&app, &c.therapist, &id, tag, &json!({ "subjective": "x" })).await.expect(412);
    }
    put_if_match(&app, &c.therapist, &id, "\"1\", \"2\"", &json!({ "subjective": "Merged." })).await.expect(200);
    put_if_match(&app, &c.therapist, &id, "*", &json!({ "subjective": "Any." })).await.expect(200);
    let plain = app.put(&note_path(&id), t, &json!({ "subjective": "No header." })).await.expect(200);
    assert_eq!(plain["version"], 5);
}

#[tokio::test]
async fn if_match_on_a_note_that_does_not_exist_yet_creates_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;

    for tag in ["*", "\"1\""] {
        put_if_match(&app, &c.therapist, &id, tag, &json!({ "subjective": "x" })).await.expect(412);
    }

    app.get(&note_path(&id), Some(&c.therapist.access_token)).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn a_note_signed_more_than_the_clinic_limit_after_the_session_is_late() {
    let app = spawn_app().await;
    app.clock.set(at("2026-06-01T08:00:00Z"));
    let mut c = cast(&app).await;
    let (june1, june2, june3) = (
        session(&app, &c, "2026-06-01").await,
        session(&app, &c, "2026-06-02").await,
        session(&app, &c, "2026-06-03").await,
    );
    for id in [&june1, &june2, &june3] {
        app.put(&note_path(id), Some(&c.therapist.access_token), &json!({ "plan": "Continue." })).await.expect(200);
    }
    let settings = app.get("/api/v1/clinic/settings", Some(&c.admin.access_token)).await.expect(200);
    assert_eq!(settings["late_note_days"], 3);

    // June 5, 23:30 in Berlin (the clinic's zone; 21:30 UTC): 3 days after June 2, 4 after June 1.
    app.clock.set(at("2026-06-05T21:30:00Z"));
    c.therapist.access_token = app.relogin(&c.therapist).await;
    c.admin.access_token = app.relogin(&c.admin).await;
    let within = sign(&app, &c.therapist, &june2).await.expect(200);
    let past = sign(&app, &c.therapist, &june1).await.expect(200);
    let body = json!({ "escalation_delay_seconds": 7200, "late_note_days": 10 });
    let updated = app.put("/api/v1/clinic/settings", Some(&c.admin.access_token), &body).await.expect(200);
    assert_eq!(updated["late_note_days"], 10);
    app.clock.set(at("2026-06-12T12:00:00Z"));
    c.therapist.access_token = app.relogin(&c.therapist).await;
    let relaxed = sign(&app, &c.therapist, &june3).await.expect(200);

    assert_eq!(within["late"], false, "3 days after June 2");
    assert_eq!(past["late"], true, "4 days after June 1");
    assert_eq!(relaxed["late"], false, "9 days after June 3, within the new 10");
    // Changing the setting later does not re-judge notes already signed.
    let read = app.get(&note_path(&june1), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(read["late"], true);
}

#[tokio::test]
async fn late_note_days_out_of_range_is_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let a = Some(c.admin.access_token.as_str());
    for days in [json!(-1), json!(61)] {
        let body = json!({ "escalation_delay_seconds": 7200, "late_note_days": days });
        let reply = app.put("/api/v1/clinic/settings", a, &body).await.expect_error(422, "validation_failed");
        assert_eq!(reply["details"][0]["field"], "late_note_days");
    }
    let settings = app.get("/api/v1/clinic/settings", a).await.expect(200);
    assert_eq!(settings["late_note_days"], 3);
}

#[tokio::test]
async fn signing_and_each_addendum_leave_audit_rows_with_the_patient() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    app.put(&note_path(&id), Some(&c.therapist.access_token), &json!({ "subjective": "Audited." })).await.expect(200);
    sign(&app, &c.therapist, &id).await.expect(200);
    let added = addendum(&app, &c.therapist, &id, "Correction", "Text.").await.expect(201);

    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::PatientId.eq(c.patient_id))
        .filter(audit_event::Column::Action.is_in(["session_note.sign", "session_note.addendum"]))
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();

    let seen: Vec<(&str, Option<Uuid>, audit_event::Outcome)> =
        rows.iter().map(|r| (r.action.as_str(), r.actor_user_id, r.outcome)).collect();
    let (who, ok) = (Some(c.therapist.user_id), audit_event::Outcome::Success);
    assert_eq!(seen, [("session_note.sign", who, ok), ("session_note.addendum", who, ok)]);
    let resource = rows[1].resource.as_deref().unwrap();
    assert!(resource.contains(&id) && resource.contains(added["id"].as_str().unwrap()), "{resource}");
}

#[tokio::test]
async fn the_database_refuses_to_rewrite_or_remove_an_addendum() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    app.put(&note_path(&id), Some(&c.therapist.access_token), &json!({ "subjective": "Kept." })).await.expect(200);
    sign(&app, &c.therapist, &id).await.expect(200);
    addendum(&app, &c.therapist, &id, "Correction", "Original text.").await.expect(201);

    let db = &app.state.db;
    // No WHERE clause: whatever the backend's uuid encoding, the one row is targeted.
    let update = "UPDATE session_note_addendum SET text = 'changed'";
    let delete = "DELETE FROM session_note_addendum";

    assert!(db.execute_unprepared(update).await.is_err(), "update allowed");
    assert!(db.execute_unprepared(delete).await.is_err(), "delete allowed");
    let read = app.get(&note_path(&id), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(read["addenda"][0]["text"], "Original text.");
}

#[tokio::test]
async fn the_database_refuses_to_change_a_signed_note_or_its_measures_but_not_a_draft() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (draft, signed) = (session(&app, &c, "2026-06-01").await, session(&app, &c, "2026-06-02").await);
    let body = json!({ "subjective": "Original.", "procedures": [{ "code": "97140", "minutes": 20 }],
        "rom": [{ "region": "neck", "side": "left", "movement": "rotation", "degrees": 60, "mode": "active",
                  "method": "goniometer" }] });
    for id in [&draft, &signed] {
        app.put(&note_path(id), Some(&c.therapist.access_token), &body).await.expect(200);
    }
    sign(&app, &c.therapist, &signed).await.expect(200);
    let db = &app.state.db;

    // Statements that touch every row fail as soon as they reach the signed note's.
    for sql in [
        "UPDATE session_note SET subjective = 'Rewritten.'",
        "UPDATE session_note SET signed_at = NULL",
        "DELETE FROM session_note",
        "UPDATE timed_procedure SET minutes = 60",
        "DELETE FROM timed_procedure",
        "UPDATE rom_measure SET degrees = 90",
        "DELETE FROM rom_measure",
    ] {
        assert!(db.execute_unprepared(sql).await.is_err(), "allowed: {sql}");
    }
    let read = app.get(&note_path(&signed), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!((read["subjective"].clone(), read["total_timed_minutes"].clone()), (json!("Original."), json!(20)));
    assert_eq!(read["rom"][0]["degrees"], 60);
    // A draft's rows, and the signed note's version, may still change.
    db.execute_unprepared("UPDATE session_note SET version = version + 1").await.unwrap();
    let draft_only = "UPDATE session_note SET subjective = 'Draft edit.' WHERE signed_at IS NULL";
    db.execute_unprepared(draft_only).await.unwrap();
    let read = app.get(&note_path(&draft), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(read["subjective"], "Draft edit.");
}
