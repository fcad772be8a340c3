//! Every operation in the spec × every kind of caller × own / other clinic's object,
//! checked against one table. An operation without a row fails the test, so a new route
//! cannot ship without deciding who may call it.

use std::collections::HashMap;

use fascia_tests::{Actor, TestApp, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// Callers, in the column order of the table.
const CALLERS: [&str; 6] = ["anonymous", "patient_a", "patient_b", "therapist_x", "therapist_y", "admin"];

/// Which objects stand in for `{id}`: the "own" one belongs to clinic one (therapist X,
/// patient A), the "other" one to clinic two.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Object {
    None,
    Patient,
    Exercise,
    Lesson,
    Plan,
    /// `{id}` is a plan and `{item_id}` one of its goals.
    PlanGoal,
    PlanExercise,
    /// A plan exercise kept for `remove_plan_exercise`, so removal does not disturb others.
    RemovableExercise,
    PlanLesson,
    /// A check-in of patient A (own) or C (other).
    CheckIn,
    /// Another check-in, kept for `delete_my_check_in`.
    RemovableCheckIn,
    /// An instrument id (not a clinic's object: both columns use `pss4`).
    Instrument,
    /// `{id}` is the patient and `{item_id}` one of their measure schedules.
    MeasureSchedule,
    Appointment,
    Alert,
    /// A push subscription of patient A (own) or patient C (other).
    PushSubscription,
    /// Another one, kept for `delete_push_subscription`.
    RemovablePushSubscription,
    /// `{id}` is a reminder rule of patient A / C.
    ReminderRule,
    /// `{id}` is patient A / C and `{item_id}` one of their reminder rules.
    PatientReminderRule,
    /// An appointment whose note is a draft written by the patient's therapist.
    DraftNote,
    /// An appointment whose note its therapist has signed.
    SignedNote,
    /// A plan of another patient of therapist X / Y, kept for `discharge_care_plan`.
    DischargePlan,
    /// A plan of yet another patient of therapist X / Y, discharged while setting up.
    DischargedPlan,
    /// A referral of patient A (own) or C (other).
    Referral,
    /// A payer authorization of patient A (own) or C (other).
    Authorization,
    /// A pending invite for a new patient record of therapist X (own) or Y (other).
    Invite,
    /// Another one, kept for `revoke_invite`.
    RemovableInvite,
    /// A spare therapist of clinic one (own); therapist Y of clinic two (other).
    Staff,
    /// A second login session of patient A (own) or C (other).
    Session,
    /// A share link of patient A (own) or C (other).
    ShareLink,
    /// `{id}` is patient A / C and `{item_id}` one of their share links.
    PatientShareLink,
    /// An open erasure request of a spare patient of therapist X (own) or Y (other),
    /// kept for `confirm_erasure_request`.
    ErasureRequest,
    /// Another one, kept for `decline_erasure_request`.
    DeclinableErasure,
    /// An image patient A (own) or C (other) sent in their thread.
    MyAttachment,
    /// `{id}` is patient A / C and `{item_id}` a message of their thread.
    PatientMessage,
    /// `{id}` is patient A / C and `{item_id}` an image of their thread.
    PatientAttachment,
}

struct Row {
    operation_id: &'static str,
    object: Object,
    body: Option<fn() -> Value>,
    /// Expected status per caller when `{id}` is patient A (clinic one, therapist X's).
    own: [u16; 6],
    /// Expected status per caller when `{id}` is patient C (clinic two, therapist Y's).
    /// Operations without an `{id}` use `own` only.
    other: Option<[u16; 6]>,
}

const fn row(operation_id: &'static str, body: Option<fn() -> Value>, own: [u16; 6], other: Option<[u16; 6]>) -> Row {
    let object = if other.is_some() { Object::Patient } else { Object::None };
    Row { operation_id, object, body, own, other }
}

const fn on(
    object: Object,
    operation_id: &'static str,
    body: Option<fn() -> Value>,
    own: [u16; 6],
    other: [u16; 6],
) -> Row {
    Row { operation_id, object, body, own, other: Some(other) }
}

fn exercise_body() -> Value {
    json!({
        "title": "Matrix stretch", "summary": "A stretch.", "regions": ["neck"], "steps": ["Do it."],
        "default_dosage": { "sets": 1, "reps": 5, "hold_seconds": 10, "side": "both", "times_per_day": 2 }
    })
}

fn prescription() -> Value {
    json!({ "sets": 2, "reps": 10, "hold_seconds": 5, "side": "none", "times_per_day": 2 })
}

/// A clinic's plan for a patient with a goal, two exercises and two lessons:
/// [plan, goal, exercise to keep, lesson to keep (`lesson_id`), exercise to remove, lesson to remove].
async fn plan_with_items(app: &TestApp, therapist: &Actor, patient: &Actor, lesson_id: Uuid) -> [Uuid; 6] {
    let t = Some(therapist.access_token.as_str());
    let patient_id = patient.patient_id.unwrap();
    let plan = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-plans"),
            t,
            &json!({ "title": "Neck plan", "start_date": "2026-05-25" }),
        )
        .await
        .expect(201);
    let id = plan["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/care-plans/{id}/goals"),
        t,
        &json!({ "activity": "Check blind spot", "baseline": 4, "target": 8 }),
    )
    .await
    .expect(200);
    let chin_tuck = fascia::content::builtin_id("exercise", "chin-tuck");
    app.post(
        &format!("/api/v1/care-plans/{id}/exercises"),
        t,
        &json!({ "exercise_id": chin_tuck, "prescription": prescription() }),
    )
    .await
    .expect(200);
    let calf = fascia::content::builtin_id("exercise", "calf-stretch-wall");
    let body = json!({ "exercise_id": calf, "prescription": prescription() });
    app.post(&format!("/api/v1/care-plans/{id}/exercises"), t, &body).await.expect(200);
    app.post(&format!("/api/v1/care-plans/{id}/lessons"), t, &json!({ "lesson_id": lesson_id })).await.expect(200);
    let desk = fascia::content::builtin_id("lesson", "sitting-and-desk-setup");
    let plan =
        app.post(&format!("/api/v1/care-plans/{id}/lessons"), t, &json!({ "lesson_id": desk })).await.expect(200);
    let uuid = |v: &Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
    let lesson_item = |wanted: Uuid| {
        let lessons = plan["lessons"].as_array().unwrap();
        uuid(&lessons.iter().find(|l| uuid(&l["lesson_id"]) == wanted).unwrap()["plan_lesson_id"])
    };
    [
        uuid(&plan["id"]),
        uuid(&plan["goals"][0]["id"]),
        uuid(&plan["exercises"][0]["plan_exercise_id"]),
        lesson_item(lesson_id),
        uuid(&plan["exercises"][1]["plan_exercise_id"]),
        lesson_item(desk),
    ]
}

/// A browser subscription on the loopback push endpoint the matrix app allows.
fn push_subscription_body() -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    json!({
        "endpoint": format!("http://127.0.0.1:9/push/{}", Uuid::new_v4()),
        "expirationTime": null,
        "keys": {
            "p256dh": URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()),
            "auth": URL_SAFE_NO_PAD.encode([5u8; 16]),
        },
    })
}

const SELF_OWN: [u16; 6] = [401, 200, 404, 404, 404, 404];
const SELF_OTHER: [u16; 6] = [401, 404, 404, 404, 404, 404];

fn lesson_body() -> Value {
    json!({
        "title": "Matrix lesson", "topic": "posture", "minutes": 3, "body": "Sit well.",
        "questions": [{ "prompt": "Ok?", "options": ["yes", "no"], "correct": 0, "explanation": "Yes." }]
    })
}

//                                   anon  pat_a pat_b  th_x  th_y admin
const PATIENT_OWN: [u16; 6] = [401, 403, 403, 200, 404, 200];
const PATIENT_OTHER: [u16; 6] = [401, 403, 403, 404, 200, 404];
const ADMIN_ONLY: [u16; 6] = [401, 403, 403, 403, 403, 200];
const SIGNED_IN: [u16; 6] = [401, 200, 200, 200, 200, 200];
const STAFF: [u16; 6] = [401, 403, 403, 200, 200, 200];
const STAFF_CREATE: [u16; 6] = [401, 403, 403, 201, 201, 201];
const CLINIC_OWN_CREATE: [u16; 6] = [401, 403, 403, 201, 404, 201];
const CLINIC_OTHER_CREATE: [u16; 6] = [401, 403, 403, 404, 201, 404];
/// Patient-only operations on one's own data.
const PATIENT_SELF: [u16; 6] = [401, 200, 200, 403, 403, 403];
const ADMIN_OWN_SET: [u16; 6] = [401, 403, 403, 403, 403, 204];
const ADMIN_OTHER_SET: [u16; 6] = [401, 403, 403, 403, 403, 404];
/// Patient A's own record, reached only through `/me`.
const OWN_RECORD: [u16; 6] = [401, 200, 404, 403, 403, 403];

fn table() -> Vec<Row> {
    vec![
        // A fresh email per call, so the per-account login throttle stays out of the way.
        row(
            "create_session",
            Some(|| json!({ "email": format!("{}@x.test", Uuid::new_v4()), "password": "wrong password" })),
            [401; 6],
            None,
        ),
        row("refresh_session", Some(|| json!({ "refresh_token": "bogus" })), [401; 6], None),
        row("delete_session", Some(|| json!({ "refresh_token": "bogus" })), [204; 6], None),
        row("accept_invite", Some(|| json!({ "token": "bogus", "password": "long enough password" })), [404; 6], None),
        // Without `X-Fascia-Client: web` (a cross-site form's request), browser sessions refuse everyone.
        row(
            "create_browser_session",
            Some(|| json!({ "email": "nobody@x.test", "password": "wrong password" })),
            [403; 6],
            None,
        ),
        row("refresh_browser_session", None, [403; 6], None),
        row("delete_browser_session", None, [403; 6], None),
        row(
            "accept_browser_invite",
            Some(|| json!({ "token": "bogus", "password": "long enough password" })),
            [403; 6],
            None,
        ),
        row("complete_browser_mfa", Some(|| json!({ "challenge": "bogus", "code": "000000" })), [403; 6], None),
        row(
            "confirm_browser_mfa_enrolment",
            Some(|| json!({ "challenge": "bogus", "code": "000000" })),
            [403; 6],
            None,
        ),
        row(
            "change_password",
            Some(|| json!({ "current_password": "not the password", "new_password": "another long password" })),
            [401, 422, 422, 422, 422, 422],
            None,
        ),
        row("get_me", None, SIGNED_IN, None),
        row("update_me", Some(|| json!({})), SIGNED_IN, None),
        row(
            "create_patient",
            Some(|| json!({ "display_name": "Matrix Patient" })),
            [401, 403, 403, 201, 201, 201],
            None,
        ),
        row("list_patients", None, [401, 403, 403, 200, 200, 200], None),
        row("get_patient", None, PATIENT_OWN, Some(PATIENT_OTHER)),
        row("update_patient", Some(|| json!({ "precautions": "none noted" })), PATIENT_OWN, Some(PATIENT_OTHER)),
        row("archive_patient", Some(|| json!({})), PATIENT_OWN, Some(PATIENT_OTHER)),
        // Patients A and C already have accounts: a caller who may see the record learns
        // that (409); one who may not gets 404 like for any other object.
        row(
            "create_patient_invite",
            Some(|| json!({ "email": "someone.new@home.test" })),
            [401, 403, 403, 409, 404, 409],
            Some([401, 403, 403, 404, 409, 404]),
        ),
        row(
            "create_therapist_invite",
            Some(|| json!({ "email": "new.colleague@clinic.test", "display_name": "New" })),
            [401, 403, 403, 403, 403, 201],
            None,
        ),
        row("list_therapists", None, ADMIN_ONLY, None),
        // Issue 15 (accounts). A fresh email per call keeps the per-email throttle away.
        row("create_password_reset", Some(|| json!({ "email": format!("{}@x.test", Uuid::new_v4()) })), [202; 6], None),
        row(
            "confirm_password_reset",
            Some(|| json!({ "token": "bogus", "new_password": "long enough password" })),
            [404; 6],
            None,
        ),
        row(
            "create_admin_invite",
            Some(|| json!({ "email": "new.admin@clinic.test", "display_name": "New Admin" })),
            [401, 403, 403, 403, 403, 201],
            None,
        ),
        row("list_invites", None, STAFF, None),
        on(Object::Invite, "resend_invite", Some(|| json!({})), PATIENT_OWN, PATIENT_OTHER),
        // Revoking twice is not an error, so the admin after therapist X still gets 204.
        on(
            Object::RemovableInvite,
            "revoke_invite",
            None,
            [401, 403, 403, 204, 404, 204],
            [401, 403, 403, 404, 204, 404],
        ),
        on(Object::Staff, "disable_therapist", Some(|| json!({})), ADMIN_ONLY, [401, 403, 403, 403, 403, 404]),
        on(Object::Staff, "enable_therapist", Some(|| json!({})), ADMIN_ONLY, [401, 403, 403, 403, 403, 404]),
        row("list_my_sessions", None, SIGNED_IN, None),
        row("delete_other_sessions", None, [401, 204, 204, 204, 204, 204], None),
        // The walk takes paths in order, so `delete_other_sessions` (on `/me/sessions`) has
        // already ended patient A's second session: not live, it is not found even for A.
        // Patient C is no caller, so the other column is a live session of someone else.
        on(Object::Session, "delete_my_session", None, [401, 404, 404, 404, 404, 404], SELF_OTHER),
        row("list_audit_events", None, ADMIN_ONLY, None),
        row("list_exercises", None, STAFF, None),
        row("create_exercise", Some(exercise_body), STAFF_CREATE, None),
        on(Object::Exercise, "get_exercise", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Exercise, "update_exercise", Some(exercise_body), PATIENT_OWN, PATIENT_OTHER),
        on(Object::Exercise, "copy_exercise", None, CLINIC_OWN_CREATE, CLINIC_OTHER_CREATE),
        on(
            Object::Exercise,
            "set_exercise_hidden",
            Some(|| json!({ "hidden": false })),
            ADMIN_OWN_SET,
            ADMIN_OTHER_SET,
        ),
        row("list_lessons", None, STAFF, None),
        row("create_lesson", Some(lesson_body), STAFF_CREATE, None),
        on(Object::Lesson, "get_lesson", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Lesson, "update_lesson", Some(lesson_body), PATIENT_OWN, PATIENT_OTHER),
        on(Object::Lesson, "copy_lesson", None, CLINIC_OWN_CREATE, CLINIC_OTHER_CREATE),
        on(Object::Lesson, "set_lesson_hidden", Some(|| json!({ "hidden": false })), ADMIN_OWN_SET, ADMIN_OTHER_SET),
        // Patients A and C already have an active plan: one per patient.
        on(
            Object::Patient,
            "create_care_plan",
            Some(|| json!({ "title": "Second plan", "start_date": "2026-06-01" })),
            [401, 403, 403, 409, 404, 409],
            [401, 403, 403, 404, 409, 404],
        ),
        on(Object::Patient, "list_care_plans", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Patient, "get_patient_adherence", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Plan, "get_care_plan", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Plan, "update_care_plan", Some(|| json!({ "title": "Renamed plan" })), PATIENT_OWN, PATIENT_OTHER),
        on(Object::Plan, "get_prescribed_plan", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Plan,
            "add_plan_goal",
            Some(|| json!({ "activity": "Reach a shelf", "baseline": 3, "target": 7 })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(Object::PlanGoal, "update_plan_goal", Some(|| json!({ "target": 8 })), PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Plan,
            "add_plan_exercise",
            Some(|| json!({ "exercise_id": "$BUILTIN_EXERCISE", "prescription": prescription() })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(Object::PlanExercise, "update_plan_exercise", Some(prescription), PATIENT_OWN, PATIENT_OTHER),
        on(Object::PlanExercise, "move_plan_exercise", Some(|| json!({ "position": 0 })), PATIENT_OWN, PATIENT_OTHER),
        on(Object::RemovableExercise, "remove_plan_exercise", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Plan,
            "add_plan_lesson",
            Some(|| json!({ "lesson_id": "$BUILTIN_LESSON" })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(Object::PlanLesson, "remove_plan_lesson", None, PATIENT_OWN, PATIENT_OTHER),
        row("get_today", None, PATIENT_SELF, None),
        row("get_my_plan", None, [401, 200, 404, 403, 403, 403], None),
        row(
            "create_exercise_logs",
            Some(|| {
                json!({ "items": [{ "id": "$UUID", "plan_exercise_id": "$OWN_PLAN_EXERCISE",
                "performed_at": "2026-06-01T11:00:00Z", "local_date": "2026-06-01" }] })
            }),
            PATIENT_SELF,
            None,
        ),
        row("list_my_exercise_logs", None, PATIENT_SELF, None),
        row("sync_home", None, PATIENT_SELF, None),
        row("get_my_adherence", None, PATIENT_SELF, None),
        // {id} is a lesson assigned in patient A's (own) or patient C's (other) plan.
        on(Object::Lesson, "get_my_lesson", None, [401, 200, 404, 403, 403, 403], [401, 404, 404, 403, 403, 403]),
        on(
            Object::Lesson,
            "complete_lesson",
            Some(
                || json!({ "id": "$UUID", "completed_at": "2026-06-01T11:00:00Z", "local_date": "2026-06-01", "answers": [0] }),
            ),
            [401, 201, 404, 403, 403, 403],
            [401, 404, 404, 403, 403, 403],
        ),
        row(
            "create_check_ins",
            Some(|| json!({ "items": [{ "id": "$UUID", "recorded_at": "2026-06-01T11:00:00Z", "pain": 3 }] })),
            PATIENT_SELF,
            None,
        ),
        row("list_my_check_ins", None, PATIENT_SELF, None),
        on(
            Object::CheckIn,
            "update_my_check_in",
            Some(|| json!({ "id": "$PATH_ID", "recorded_at": "2026-06-01T11:00:00Z", "pain": 4 })),
            OWN_RECORD,
            [401, 404, 404, 403, 403, 403],
        ),
        on(
            Object::RemovableCheckIn,
            "delete_my_check_in",
            None,
            [401, 204, 404, 403, 403, 403],
            [401, 404, 404, 403, 403, 403],
        ),
        on(Object::Patient, "list_patient_check_ins", None, PATIENT_OWN, PATIENT_OTHER),
        row("list_instruments", None, STAFF, None),
        on(
            Object::Instrument,
            "put_instrument_text",
            Some(|| {
                let item = |p: &str| json!({ "prompt": p, "options": ["0", "1", "2", "3", "4"] });
                json!({ "instructions": "Pick one answer per question.", "recall_period": "In the last month",
                    "items": [item("one"), item("two"), item("three"), item("four")] })
            }),
            ADMIN_OWN_SET,
            ADMIN_OWN_SET,
        ),
        on(
            Object::Patient,
            "schedule_measure",
            Some(|| json!({ "instrument": "nprs", "every_days": 7 })),
            CLINIC_OWN_CREATE,
            CLINIC_OTHER_CREATE,
        ),
        on(Object::Patient, "list_patient_measures", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::MeasureSchedule,
            "end_patient_measure",
            None,
            [401, 403, 403, 204, 404, 204],
            [401, 403, 403, 404, 204, 404],
        ),
        row("list_my_measures", None, PATIENT_SELF, None),
        // Patient A has a running NPRS schedule; patient B has none.
        row(
            "create_measure_response",
            Some(
                || json!({ "id": "$UUID", "instrument": "nprs", "recorded_at": "2026-06-01T11:00:00Z", "answers": [3] }),
            ),
            [401, 201, 404, 403, 403, 403],
            None,
        ),
        on(
            Object::Patient,
            "create_appointment",
            Some(|| json!({ "starts_at": "2026-06-03T09:00:00Z", "ends_at": "2026-06-03T10:00:00Z" })),
            CLINIC_OWN_CREATE,
            CLINIC_OTHER_CREATE,
        ),
        on(Object::Patient, "list_patient_appointments", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Appointment,
            "update_appointment",
            Some(|| json!({ "status": "scheduled" })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(
            Object::Appointment,
            "put_session_note",
            Some(|| json!({ "subjective": "Better." })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(Object::Appointment, "get_session_note", None, PATIENT_OWN, PATIENT_OTHER),
        row("list_my_appointments", None, PATIENT_SELF, None),
        row("list_alerts", None, STAFF, None),
        on(Object::Alert, "acknowledge_alert", Some(|| json!({})), PATIENT_OWN, PATIENT_OTHER),
        row("get_my_trends", None, PATIENT_SELF, None),
        on(Object::Patient, "get_patient_trends", None, PATIENT_OWN, PATIENT_OTHER),
        row("get_vapid_public_key", None, [200; 6], None),
        row("create_push_subscription", Some(push_subscription_body), [401, 201, 201, 201, 201, 201], None),
        row("list_push_subscriptions", None, SIGNED_IN, None),
        on(
            Object::RemovablePushSubscription,
            "delete_push_subscription",
            None,
            [401, 204, 404, 404, 404, 404],
            SELF_OTHER,
        ),
        // The endpoint refuses connections: the push "fails", but the call is allowed.
        on(Object::PushSubscription, "send_test_push", None, SELF_OWN, SELF_OTHER),
        row("list_my_reminder_rules", None, PATIENT_SELF, None),
        on(
            Object::ReminderRule,
            "update_my_reminder_rule",
            Some(|| json!({ "enabled": true })),
            [401, 200, 404, 403, 403, 403],
            [401, 404, 404, 403, 403, 403],
        ),
        on(Object::Patient, "list_patient_reminder_rules", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::PatientReminderRule,
            "update_patient_reminder_rule",
            Some(|| json!({ "local_time": "18:30" })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        row("get_reminder_preferences", None, SIGNED_IN, None),
        row("list_red_flags", None, SIGNED_IN, None),
        row("get_clinic_settings", None, ADMIN_ONLY, None),
        row(
            "update_clinic_settings",
            Some(|| json!({ "emergency_number": "112", "escalation_delay_seconds": 7200 })),
            ADMIN_ONLY,
            None,
        ),
        row("update_reminder_preferences", Some(|| json!({ "quiet_hours": null })), SIGNED_IN, None),
        // Only the author signs: the admin sees the note (403), other clinics do not (404).
        on(
            Object::DraftNote,
            "sign_session_note",
            None,
            [401, 403, 403, 200, 404, 403],
            [401, 403, 403, 404, 200, 404],
        ),
        on(
            Object::SignedNote,
            "add_session_note_addendum",
            Some(|| json!({ "reason": "Late entry", "text": "Patient called: sore for a day, then better." })),
            CLINIC_OWN_CREATE,
            CLINIC_OTHER_CREATE,
        ),
        row("list_procedure_codes", None, STAFF, None),
        on(Object::Appointment, "create_scar_assessment", Some(scar_body), CLINIC_OWN_CREATE, CLINIC_OTHER_CREATE),
        on(Object::Patient, "list_scar_assessments", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Appointment,
            "create_girth_measurements",
            Some(|| {
                json!({ "measurements": [{ "region": "ankle", "side": "left", "landmark": "lateral malleolus",
                    "distance_cm": 10, "circumference_cm": 25.5 }] })
            }),
            CLINIC_OWN_CREATE,
            CLINIC_OTHER_CREATE,
        ),
        on(Object::Patient, "list_girth_measurements", None, PATIENT_OWN, PATIENT_OTHER),
        // The admin comes after therapist X, who has discharged the plan already.
        on(
            Object::DischargePlan,
            "discharge_care_plan",
            Some(|| json!({ "reason": "plateau" })),
            [401, 403, 403, 201, 404, 409],
            [401, 403, 403, 404, 201, 404],
        ),
        on(Object::DischargedPlan, "get_discharge_summary", None, PATIENT_OWN, PATIENT_OTHER),
        // The clinical record: therapists and admins of the patient's clinic only.
        on(Object::Patient, "create_referral", Some(referral_body), CLINIC_OWN_CREATE, CLINIC_OTHER_CREATE),
        on(Object::Patient, "list_referrals", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Referral, "get_referral", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Referral, "update_referral", Some(|| json!({ "visits_ordered": 8 })), PATIENT_OWN, PATIENT_OTHER),
        on(Object::Patient, "create_authorization", Some(authorization_body), CLINIC_OWN_CREATE, CLINIC_OTHER_CREATE),
        on(Object::Patient, "list_authorizations", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Authorization, "get_authorization", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Authorization,
            "update_authorization",
            Some(|| json!({ "visits_authorized": 8 })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        on(
            Object::Plan,
            "certify_care_plan",
            Some(|| json!({ "certified_by": "Dr. Lee", "certified_on": "2026-06-01", "valid_until": "2026-07-31" })),
            PATIENT_OWN,
            PATIENT_OTHER,
        ),
        // The progress report and its share links (issue 14).
        on(Object::Patient, "get_patient_report", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::Patient,
            "create_share_link",
            Some(|| json!({ "expires_in_days": 7 })),
            CLINIC_OWN_CREATE,
            CLINIC_OTHER_CREATE,
        ),
        on(Object::Patient, "list_share_links", None, PATIENT_OWN, PATIENT_OTHER),
        on(
            Object::PatientShareLink,
            "revoke_share_link",
            None,
            [401, 403, 403, 204, 404, 204],
            [401, 403, 403, 404, 204, 404],
        ),
        row("list_my_share_links", None, PATIENT_SELF, None),
        on(
            Object::ShareLink,
            "revoke_my_share_link",
            None,
            [401, 204, 404, 403, 403, 403],
            [401, 404, 404, 403, 403, 403],
        ),
        // Issue 15: MFA and the probes. Anyone signed in may enrol; enrolment is pending
        // until confirmed, so a wrong code is refused (422) and there is nothing to disable
        // (409). The second login step takes a challenge, never a token.
        row("get_mfa_status", None, SIGNED_IN, None),
        row("enrol_totp", None, SIGNED_IN, None),
        row("confirm_totp", Some(|| json!({ "code": "000000" })), [401, 422, 422, 422, 422, 422], None),
        row("disable_totp", Some(|| json!({ "code": "000000" })), [401, 409, 409, 409, 409, 409], None),
        row("complete_mfa_login", Some(|| json!({ "challenge": "bogus", "code": "000000" })), [401; 6], None),
        row("start_mfa_enrolment", Some(|| json!({ "challenge": "bogus" })), [401; 6], None),
        row("confirm_mfa_enrolment", Some(|| json!({ "challenge": "bogus", "code": "000000" })), [401; 6], None),
        row("get_mfa_policy", None, ADMIN_ONLY, None),
        row("update_mfa_policy", Some(|| json!({ "staff_required": false })), ADMIN_ONLY, None),
        row("get_health", None, [200; 6], None),
        row("get_readiness", None, [200; 6], None),
        // Patient data rights (issue 15). Erasure decisions act on spare patients' requests,
        // so patients A and B keep their accounts for the rows after them.
        row("export_my_data", None, PATIENT_SELF, None),
        row("export_my_data_zip", None, PATIENT_SELF, None),
        row("request_erasure", Some(|| json!({})), [401, 201, 201, 403, 403, 403], None),
        row("list_my_erasure_requests", None, PATIENT_SELF, None),
        row("list_erasure_requests", None, ADMIN_ONLY, None),
        on(Object::ErasureRequest, "confirm_erasure_request", None, ADMIN_DECIDES_OWN, ADMIN_DECIDES_OTHER),
        on(
            Object::DeclinableErasure,
            "decline_erasure_request",
            Some(|| json!({ "reason": "Claim still open" })),
            ADMIN_DECIDES_OWN,
            ADMIN_DECIDES_OTHER,
        ),
        row("get_data_retention", None, ADMIN_ONLY, None),
        row("update_data_retention", Some(|| json!({ "retention_years": 10 })), ADMIN_ONLY, None),
        row("list_my_consent_history", None, PATIENT_SELF, None),
        row("list_consent_history", None, PATIENT_OWN, Some(PATIENT_OTHER)),
        // FHIR R4 export (issue 14).
        on(Object::Patient, "export_patient_fhir", None, PATIENT_OWN, PATIENT_OTHER),
        row("export_my_fhir", None, PATIENT_SELF, None),
        // Secure messaging (issue 17): the patient and the therapist treating them; the
        // admin reads through the review only. `$PATH_MESSAGE` is a message of the
        // path's patient (patient A for `/me` operations).
        row("get_my_messages", None, PATIENT_SELF, None),
        row(
            "send_my_message",
            Some(|| json!({ "id": "$UUID", "text": "Hello" })),
            [401, 201, 201, 403, 403, 403],
            None,
        ),
        row("mark_my_messages_read", Some(|| json!({ "up_to": "$PATH_MESSAGE" })), OWN_RECORD, None),
        on(Object::MyAttachment, "get_my_message_attachment", None, OWN_RECORD, [401, 404, 404, 403, 403, 403]),
        on(Object::Patient, "get_patient_messages", None, CARE_TEAM_OWN, CARE_TEAM_OTHER),
        on(
            Object::Patient,
            "send_patient_message",
            Some(|| json!({ "id": "$UUID", "text": "Hello" })),
            [401, 403, 403, 201, 404, 403],
            [401, 403, 403, 404, 201, 404],
        ),
        on(
            Object::Patient,
            "mark_patient_messages_read",
            Some(|| json!({ "up_to": "$PATH_MESSAGE" })),
            CARE_TEAM_OWN,
            CARE_TEAM_OTHER,
        ),
        on(Object::PatientAttachment, "get_patient_message_attachment", None, CARE_TEAM_OWN, CARE_TEAM_OTHER),
        on(Object::PatientMessage, "mark_message_clinically_relevant", None, CARE_TEAM_OWN, CARE_TEAM_OTHER),
        on(Object::Patient, "list_record_messages", None, PATIENT_OWN, PATIENT_OTHER),
        on(Object::Patient, "review_patient_messages", None, ADMIN_DECIDES_OWN, ADMIN_DECIDES_OTHER),
        row("get_clinic_hours", None, SIGNED_IN, None),
        row("update_clinic_hours", Some(|| json!({ "days": [] })), ADMIN_ONLY, None),
    ]
}

/// The therapist treating the patient; the admin is sent to the review (403).
const CARE_TEAM_OWN: [u16; 6] = [401, 403, 403, 200, 404, 403];
const CARE_TEAM_OTHER: [u16; 6] = [401, 403, 403, 404, 200, 404];

/// A message with an image from each of patient A and C: (patient id, message, image).
async fn message_objects(app: &TestApp, w: &fascia_tests::World) -> Vec<(Uuid, Uuid, Uuid)> {
    let mut out = Vec::new();
    for patient in [&w.patient_a, &w.patient_c] {
        let files = [("a.png", "image/png", fascia_tests::messaging::png(8, 8))];
        let sent = app.send_multipart(patient, "/api/v1/me/messages", Uuid::new_v4(), "Look", &files).await.expect(201);
        let id = |v: &Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
        out.push((patient.patient_id.unwrap(), id(&sent["id"]), id(&sent["attachments"][0]["id"])));
    }
    out
}

const ADMIN_DECIDES_OWN: [u16; 6] = [401, 403, 403, 403, 403, 200];
const ADMIN_DECIDES_OTHER: [u16; 6] = [401, 403, 403, 403, 403, 404];

/// Open erasure requests of two spare patients of `therapist`: [to confirm, to decline].
async fn erasure_requests(app: &TestApp, therapist: &Actor) -> [Uuid; 2] {
    let mut ids = [Uuid::nil(); 2];
    for id in &mut ids {
        let patient = app.patient(therapist).await;
        *id = created(app, &patient, "/api/v1/me/erasure-request", json!({ "note": "Please erase" })).await;
    }
    ids
}

fn referral_body() -> Value {
    json!({ "physician": { "name": "Dr. Lee", "npi": "1234567893" }, "referral_date": "2026-05-20",
            "diagnoses": [{ "code": "M54.2", "description": "Neck pain" }], "ordered": "Massage 2x/week" })
}

fn authorization_body() -> Value {
    json!({ "payer_name": "Northwind", "member_id": "NWH-558812340", "authorization_number": "A-1",
            "visits_authorized": 6, "starts_on": "2026-06-01", "ends_on": "2026-07-31" })
}

/// Two more sessions of `patient` with notes by `therapist`: [draft, signed].
async fn note_records(app: &TestApp, therapist: &Actor, patient: &Actor) -> [Uuid; 2] {
    let t = Some(therapist.access_token.as_str());
    let patient_id = patient.patient_id.unwrap();
    let mut ids = [Uuid::nil(); 2];
    for (i, day) in ["2026-05-28", "2026-05-29"].into_iter().enumerate() {
        let slot = json!({ "starts_at": format!("{day}T09:00:00Z"), "ends_at": format!("{day}T10:00:00Z") });
        let id = created(app, therapist, &format!("/api/v1/patients/{patient_id}/appointments"), slot).await;
        app.put(&format!("/api/v1/appointments/{id}/note"), t, &json!({ "subjective": "Tight." })).await.expect(200);
        ids[i] = id;
    }
    app.post(&format!("/api/v1/appointments/{}/note/sign", ids[1]), t, &json!({})).await.expect(200);
    ids
}

fn scar_body() -> Value {
    json!({ "region": "abdomen", "side": null, "length_mm": 90, "width_mm": 3,
        "pigmentation": 1, "vascularity": 1, "pliability": 2, "height": 1 })
}

/// Plans without goals of two new patient records of `therapist`: [to discharge, discharged].
async fn discharge_plans(app: &TestApp, therapist: &Actor) -> [Uuid; 2] {
    let t = Some(therapist.access_token.as_str());
    let mut plans = [Uuid::nil(); 2];
    for (i, plan) in plans.iter_mut().enumerate() {
        let patient = app.patient_record(therapist, "Discharge Patient").await;
        let body = json!({ "title": "Short course", "start_date": "2026-05-25" });
        *plan = created(app, therapist, &format!("/api/v1/patients/{patient}/care-plans"), body).await;
        if i == 1 {
            let path = format!("/api/v1/care-plans/{plan}/discharge");
            app.post(&path, t, &json!({ "reason": "goals_met" })).await.expect(201);
        }
    }
    plans
}

/// A patient's health records the matrix needs, made by their therapist and themselves:
/// [check-in, check-in to delete, PEG schedule, appointment with a note, red-flag alert].
/// Also schedules NPRS, so the patient can answer it.
async fn health_records(app: &TestApp, therapist: &Actor, patient: &Actor) -> [Uuid; 5] {
    let (t, p) = (Some(therapist.access_token.as_str()), Some(patient.access_token.as_str()));
    let patient_id = patient.patient_id.unwrap();
    let uuid = |v: &Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
    let (kept, removable) = (Uuid::new_v4(), Uuid::new_v4());
    let items = json!({ "items": [
        { "id": kept, "recorded_at": "2026-06-01T10:00:00Z", "pain": 3, "red_flags": ["chest_pain"] },
        { "id": removable, "recorded_at": "2026-06-01T10:30:00Z", "stress": 3 }
    ] });
    app.post("/api/v1/me/check-ins", p, &items).await.expect(200);
    let measures = format!("/api/v1/patients/{patient_id}/measures");
    app.post(&measures, t, &json!({ "instrument": "nprs", "every_days": 7 })).await.expect(201);
    let peg = app.post(&measures, t, &json!({ "instrument": "peg", "every_days": 14 })).await.expect(201);
    let appt = app
        .post(
            &format!("/api/v1/patients/{patient_id}/appointments"),
            t,
            &json!({ "starts_at": "2026-06-02T09:00:00Z", "ends_at": "2026-06-02T10:00:00Z" }),
        )
        .await
        .expect(201);
    let appt_id = uuid(&appt["id"]);
    app.put(&format!("/api/v1/appointments/{appt_id}/note"), t, &json!({ "subjective": "Stiff." })).await.expect(200);
    let alerts = app.get(&format!("/api/v1/alerts?patient_id={patient_id}&kind=red_flag"), t).await.expect(200);
    [kept, removable, uuid(&peg["id"]), appt_id, uuid(&alerts["items"][0]["id"])]
}

/// Issue 15's objects: [own invite, other invite, own invite to revoke, other invite to
/// revoke, spare therapist of clinic one, second session of patient A, of patient C].
async fn account_objects(app: &TestApp, w: &fascia_tests::World) -> [Uuid; 7] {
    let uuid = |v: &Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
    let mut invites = Vec::new();
    for (i, therapist) in [&w.therapist_x, &w.therapist_y, &w.therapist_x, &w.therapist_y].into_iter().enumerate() {
        let patient = app.patient_record(therapist, "Invited Patient").await;
        let body = json!({ "email": format!("invited.{i}.{}@home.test", Uuid::new_v4().simple()) });
        let path = format!("/api/v1/patients/{patient}/invites");
        invites.push(uuid(&app.post(&path, Some(&therapist.access_token), &body).await.expect(201)["invite_id"]));
    }
    let spare = app.therapist(&w.admin).await;
    let mut sessions = Vec::new();
    for patient in [&w.patient_a, &w.patient_c] {
        let tokens = app.login(&patient.email, &patient.password).await.expect(200);
        let listed = app.get("/api/v1/me/sessions", tokens["access_token"].as_str()).await.expect(200);
        let current = listed.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
        sessions.push(uuid(&current["id"]));
    }
    [invites[0], invites[1], invites[2], invites[3], spare.user_id, sessions[0], sessions[1]]
}

async fn created(app: &TestApp, actor: &Actor, path: &str, body: Value) -> Uuid {
    let reply = app.post(path, Some(&actor.access_token), &body).await.expect(201);
    reply["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn every_operation_answers_each_caller_as_the_table_says() {
    let app = spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await;
    let w = app.world().await;
    let exercise_ids = (
        created(&app, &w.therapist_x, "/api/v1/exercises", exercise_body()).await,
        created(&app, &w.therapist_y, "/api/v1/exercises", exercise_body()).await,
    );
    let lesson_ids = (
        created(&app, &w.therapist_x, "/api/v1/lessons", lesson_body()).await,
        created(&app, &w.therapist_y, "/api/v1/lessons", lesson_body()).await,
    );
    let callers: [Option<&Actor>; 6] =
        [None, Some(&w.patient_a), Some(&w.patient_b), Some(&w.therapist_x), Some(&w.therapist_y), Some(&w.admin)];
    let own_plan = plan_with_items(&app, &w.therapist_x, &w.patient_a, lesson_ids.0).await;
    let other_plan = plan_with_items(&app, &w.therapist_y, &w.patient_c, lesson_ids.1).await;
    let own_health = health_records(&app, &w.therapist_x, &w.patient_a).await;
    let other_health = health_records(&app, &w.therapist_y, &w.patient_c).await;
    let own_notes = note_records(&app, &w.therapist_x, &w.patient_a).await;
    let other_notes = note_records(&app, &w.therapist_y, &w.patient_c).await;
    let own_discharge = discharge_plans(&app, &w.therapist_x).await;
    let other_discharge = discharge_plans(&app, &w.therapist_y).await;
    let mut record = Vec::new();
    for (therapist, patient) in [(&w.therapist_x, &w.patient_a), (&w.therapist_y, &w.patient_c)] {
        let patient_id = patient.patient_id.unwrap();
        record
            .push(created(&app, therapist, &format!("/api/v1/patients/{patient_id}/referrals"), referral_body()).await);
        let path = format!("/api/v1/patients/{patient_id}/authorizations");
        record.push(created(&app, therapist, &path, authorization_body()).await);
    }
    let accounts = account_objects(&app, &w).await;
    let mut share_links = Vec::new();
    for (therapist, patient) in [(&w.therapist_x, &w.patient_a), (&w.therapist_y, &w.patient_c)] {
        let patient_id = patient.patient_id.unwrap();
        let t = Some(therapist.access_token.as_str());
        let consent = json!({ "consent_physician_sharing": true });
        app.patch(&format!("/api/v1/patients/{patient_id}"), t, &consent).await.expect(200);
        let path = format!("/api/v1/patients/{patient_id}/share-links");
        let link = app.post(&path, t, &json!({})).await.expect(201);
        share_links.push(link["link"]["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let own_erasures = erasure_requests(&app, &w.therapist_x).await;
    let other_erasures = erasure_requests(&app, &w.therapist_y).await;
    let messages = message_objects(&app, &w).await;
    let mut subscriptions = Vec::new();
    let mut rules = Vec::new();
    for patient in [&w.patient_a, &w.patient_c] {
        for _ in 0..2 {
            subscriptions.push(created(&app, patient, "/api/v1/me/push-subscriptions", push_subscription_body()).await);
        }
        let listed = app.get("/api/v1/me/reminder-rules", Some(&patient.access_token)).await.expect(200);
        rules.push(listed[0]["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    // (own {id}, own {item_id}, other {id}, other {item_id})
    let ids = |object: Object| -> (String, String, String, String) {
        let nil = Uuid::nil();
        let [a, b, c, d] = match object {
            Object::None | Object::Patient => {
                [w.patient_a.patient_id.unwrap(), nil, w.patient_c.patient_id.unwrap(), nil]
            }
            Object::Exercise => [exercise_ids.0, nil, exercise_ids.1, nil],
            Object::Lesson => [lesson_ids.0, nil, lesson_ids.1, nil],
            Object::Plan => [own_plan[0], nil, other_plan[0], nil],
            Object::PlanGoal => [own_plan[0], own_plan[1], other_plan[0], other_plan[1]],
            Object::PlanExercise => [own_plan[0], own_plan[2], other_plan[0], other_plan[2]],
            Object::RemovableExercise => [own_plan[0], own_plan[4], other_plan[0], other_plan[4]],
            Object::PlanLesson => [own_plan[0], own_plan[5], other_plan[0], other_plan[5]],
            Object::CheckIn => [own_health[0], nil, other_health[0], nil],
            Object::RemovableCheckIn => [own_health[1], nil, other_health[1], nil],
            Object::MeasureSchedule => {
                [w.patient_a.patient_id.unwrap(), own_health[2], w.patient_c.patient_id.unwrap(), other_health[2]]
            }
            Object::Appointment => [own_health[3], nil, other_health[3], nil],
            Object::Alert => [own_health[4], nil, other_health[4], nil],
            Object::PushSubscription => [subscriptions[0], nil, subscriptions[2], nil],
            Object::RemovablePushSubscription => [subscriptions[1], nil, subscriptions[3], nil],
            Object::ReminderRule => [rules[0], nil, rules[1], nil],
            Object::PatientReminderRule => {
                [w.patient_a.patient_id.unwrap(), rules[0], w.patient_c.patient_id.unwrap(), rules[1]]
            }
            Object::DraftNote => [own_notes[0], nil, other_notes[0], nil],
            Object::SignedNote => [own_notes[1], nil, other_notes[1], nil],
            Object::DischargePlan => [own_discharge[0], nil, other_discharge[0], nil],
            Object::DischargedPlan => [own_discharge[1], nil, other_discharge[1], nil],
            Object::Referral => [record[0], nil, record[2], nil],
            Object::Authorization => [record[1], nil, record[3], nil],
            Object::Invite => [accounts[0], nil, accounts[1], nil],
            Object::RemovableInvite => [accounts[2], nil, accounts[3], nil],
            Object::Staff => [accounts[4], nil, w.therapist_y.user_id, nil],
            Object::Session => [accounts[5], nil, accounts[6], nil],
            Object::ShareLink => [share_links[0], nil, share_links[1], nil],
            Object::PatientShareLink => {
                [w.patient_a.patient_id.unwrap(), share_links[0], w.patient_c.patient_id.unwrap(), share_links[1]]
            }
            Object::ErasureRequest => [own_erasures[0], nil, other_erasures[0], nil],
            Object::DeclinableErasure => [own_erasures[1], nil, other_erasures[1], nil],
            Object::MyAttachment => [messages[0].2, nil, messages[1].2, nil],
            Object::PatientMessage => [messages[0].0, messages[0].1, messages[1].0, messages[1].1],
            Object::PatientAttachment => [messages[0].0, messages[0].2, messages[1].0, messages[1].2],
            Object::Instrument => return ("pss4".into(), String::new(), "pss4".into(), String::new()),
        };
        (a.to_string(), b.to_string(), c.to_string(), d.to_string())
    };
    let fill_body = |body: Value, path_id: &str| -> Value {
        let text = body
            .to_string()
            .replace("$BUILTIN_EXERCISE", &fascia::content::builtin_id("exercise", "cat-cow").to_string())
            .replace("$BUILTIN_LESSON", &fascia::content::builtin_id("lesson", "sitting-and-desk-setup").to_string())
            .replace("$OWN_PLAN_EXERCISE", &own_plan[2].to_string())
            .replace(
                "$PATH_MESSAGE",
                &messages.iter().find(|m| m.0.to_string() == path_id).map_or(Uuid::nil(), |m| m.1).to_string(),
            )
            .replace("$PATH_ID", path_id)
            .replace("$UUID", &Uuid::now_v7().to_string());
        serde_json::from_str(&text).unwrap()
    };

    let spec = app.get("/api/openapi.json", None).await.expect(200);
    let table = table();
    let mut covered = Vec::new();
    let mut failures = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_id = op["operationId"].as_str().expect("every operation has an operationId");
            let Some(row) = table.iter().find(|r| r.operation_id == op_id) else {
                failures.push(format!("{op_id} ({method} {path}) has no row in the authorization table"));
                continue;
            };
            covered.push(op_id.to_owned());
            let has_id = path.contains("{id}");
            assert_eq!(
                has_id,
                row.other.is_some(),
                "{op_id}: `other` column must be given exactly for operations with an {{id}}"
            );
            let (own_id, own_item, other_id, other_item) = ids(row.object);
            let cases: Vec<(String, String, [u16; 6])> = if has_id {
                vec![(own_id, own_item, row.own), (other_id, other_item, row.other.unwrap())]
            } else {
                vec![(own_id, own_item, row.own)]
            };
            for (object, item, expected) in cases {
                let url = path.replace("{id}", &object).replace("{item_id}", &item);
                for (i, caller) in callers.iter().enumerate() {
                    let body = row.body.map(|b| fill_body(b(), &object));
                    let method: Method = method.to_uppercase().parse().unwrap();
                    let reply =
                        app.request(method.clone(), &url, caller.map(|c| c.access_token.as_str()), body.as_ref()).await;
                    if reply.status.as_u16() != expected[i] {
                        failures.push(format!(
                            "{op_id} as {} on {url}: expected {}, got {} {}",
                            CALLERS[i], expected[i], reply.status, reply.body
                        ));
                    }
                    if reply.status.is_client_error() && reply.body["code"].as_str().is_none() {
                        failures.push(format!("{op_id} as {}: {} without the error body", CALLERS[i], reply.status));
                    }
                }
            }
        }
    }
    for row in &table {
        if !covered.iter().any(|c| c == row.operation_id) {
            failures.push(format!("row {} matches no operation in the spec", row.operation_id));
        }
    }
    assert!(failures.is_empty(), "authorization matrix failures:\n{}", failures.join("\n"));
}
