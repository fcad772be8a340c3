//! One whole course of care, as a clinic records it for the physician and the payer:
//! referral → authorization for 6 visits → plan of care 2×/week × 3 weeks → six sessions
//! with signed notes, minutes and units → an addendum to session 2 → the authorization
//! warning at 2 left → re-evaluation due → discharge with measures.

use chrono::{DateTime, Duration, Utc};
use entity::alert;
use fascia_tests::{TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Tuesdays and Thursdays for three weeks, 09:00 UTC (11:00 in the clinic's Berlin).
const SESSIONS: [&str; 6] = [
    "2026-06-02T09:00:00Z",
    "2026-06-04T09:00:00Z",
    "2026-06-09T09:00:00Z",
    "2026-06-11T09:00:00Z",
    "2026-06-16T09:00:00Z",
    "2026-06-18T09:00:00Z",
];

async fn low_alerts(app: &TestApp, patient_id: Uuid) -> Vec<alert::Model> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient_id))
        .filter(alert::Column::Kind.eq(alert::Kind::AuthorizationLow))
        .all(&app.state.db)
        .await
        .unwrap()
}

fn roster_row(roster: &Value, patient_id: Uuid) -> Value {
    roster["items"].as_array().unwrap().iter().find(|p| p["id"] == patient_id.to_string()).unwrap().clone()
}

#[tokio::test]
async fn a_course_of_care_runs_from_referral_through_six_signed_sessions_to_discharge() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (therapist, patient_id) = (&w.therapist_x, w.patient_a.patient_id.unwrap());
    let mut t = therapist.access_token.clone();

    // Referral, authorization and plan of care.
    let referral = json!({
        "physician": { "name": "Dr. Lena Vogt", "practice": "Vogt Orthopaedics", "npi": "1234567893" },
        "referral_date": "2026-05-29",
        "diagnoses": [{ "code": "M54.2", "description": "Neck pain" }],
        "ordered": "Medical massage 2x/week for 3 weeks",
        "visits_ordered": 6,
        "expires_on": "2026-08-29"
    });
    let referral = app.post(&format!("/api/v1/patients/{patient_id}/referrals"), Some(&t), &referral).await.expect(201);
    let authorization = json!({
        "payer_name": "Lakeside Health", "member_id": "LKS-20487731", "authorization_number": "PA-7781",
        "visits_authorized": 6, "starts_on": "2026-06-01", "ends_on": "2026-07-31",
        "referral_id": referral["id"]
    });
    let authorization =
        app.post(&format!("/api/v1/patients/{patient_id}/authorizations"), Some(&t), &authorization).await.expect(201);
    let auth_id = authorization["id"].as_str().unwrap().to_owned();
    assert_eq!(authorization["member_id"], "••••7731");
    let plan = json!({
        "title": "Neck: plan of care", "start_date": "2026-06-01",
        "sessions_per_week": 2, "duration_weeks": 3, "reevaluation_due": "2026-06-12"
    });
    let plan = app.post(&format!("/api/v1/patients/{patient_id}/care-plans"), Some(&t), &plan).await.expect(201);
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let goal = json!({ "activity": "Check the blind spot", "baseline": 3, "target": 8, "target_date": "2026-06-19" });
    let with_goal = app.post(&format!("/api/v1/care-plans/{plan_id}/goals"), Some(&t), &goal).await.expect(200);
    let goal_id = with_goal["goals"][0]["id"].as_str().unwrap().to_owned();
    let certification =
        json!({ "certified_by": "Dr. Lena Vogt", "certified_on": "2026-06-01", "valid_until": "2026-06-30" });
    app.put(&format!("/api/v1/care-plans/{plan_id}/certification"), Some(&t), &certification).await.expect(200);

    // Six sessions booked against the plan and the authorization.
    let mut sessions = Vec::new();
    for start in SESSIONS {
        let slot = json!({
            "starts_at": start, "ends_at": at(start) + Duration::hours(1),
            "authorization_id": auth_id, "care_plan_id": plan_id
        });
        let booked =
            app.post(&format!("/api/v1/patients/{patient_id}/appointments"), Some(&t), &slot).await.expect(201);
        assert!(booked.get("authorization_warning").is_none(), "six visits fit: {booked}");
        sessions.push(booked["id"].as_str().unwrap().to_owned());
    }
    // A seventh is allowed but flagged.
    let extra =
        json!({ "starts_at": "2026-06-23T09:00:00Z", "ends_at": "2026-06-23T10:00:00Z", "authorization_id": auth_id });
    let seventh = app.post(&format!("/api/v1/patients/{patient_id}/appointments"), Some(&t), &extra).await.expect(201);
    assert_eq!(seventh["authorization_warning"], "none_left");
    app.patch(
        &format!("/api/v1/appointments/{}", seventh["id"].as_str().unwrap()),
        Some(&t),
        &json!({ "status": "cancelled" }),
    )
    .await
    .expect(200);

    // Each session: treated, noted with timed minutes (23 + 15 = 38 → 3 units), completed, signed.
    for (i, id) in sessions.iter().enumerate() {
        app.clock.set(at(SESSIONS[i]) + Duration::hours(2));
        t = app.relogin(therapist).await;
        let note = json!({
            "subjective": format!("Session {}: neck stiff in the mornings.", i + 1),
            "assessment": "Rotation improving.",
            "techniques": ["myofascial_release", "trigger_point"],
            "position": "prone", "pressure": "moderate",
            "procedures": [{ "code": "97140", "minutes": 23 }, { "code": "97124", "minutes": 15 }]
        });
        let written = app.put(&format!("/api/v1/appointments/{id}/note"), Some(&t), &note).await.expect(200);
        assert_eq!((written["total_timed_minutes"].as_i64(), written["total_units"].as_i64()), (Some(38), Some(3)));
        app.patch(&format!("/api/v1/appointments/{id}"), Some(&t), &json!({ "status": "completed" })).await.expect(200);
        let signed = app.post(&format!("/api/v1/appointments/{id}/note/sign"), Some(&t), &json!({})).await.expect(200);
        assert_eq!((signed["status"].as_str(), signed["late"].as_bool()), (Some("signed"), Some(false)));

        let shown = app.get(&format!("/api/v1/authorizations/{auth_id}"), Some(&t)).await.expect(200);
        assert_eq!(shown["visits_used"], i + 1);
        // The warning comes with the visit that leaves two, and only once.
        let expected_alerts = if i + 1 >= 4 { 1 } else { 0 };
        assert_eq!(low_alerts(&app, patient_id).await.len(), expected_alerts, "after session {}", i + 1);

        if i == 1 {
            // A correction to session 2 after signing: the note refuses a PUT, an addendum is kept.
            let path = format!("/api/v1/appointments/{id}/note");
            app.put(&path, Some(&t), &json!({ "subjective": "Rewritten." })).await.expect_error(409, "note_signed");
            let addendum = json!({ "reason": "Omission", "text": "Patient also reported tingling in the left hand." });
            app.post(&format!("{path}/addenda"), Some(&t), &addendum).await.expect(201);
        }
        if i == 3 || i == 4 {
            // On 11 June the re-evaluation (due 12 June) is not due yet; on 16 June it is.
            let roster = app.get("/api/v1/patients", Some(&t)).await.expect(200);
            let row = roster_row(&roster, patient_id);
            let due = i == 4;
            assert_eq!(
                (row["reevaluation_due"].as_bool(), row["certification_lapsed"].as_bool()),
                (Some(due), Some(false))
            );
        }
    }
    let second = app.get(&format!("/api/v1/appointments/{}/note", sessions[1]), Some(&t)).await.expect(200);
    assert_eq!(second["subjective"], "Session 2: neck stiff in the mornings.");
    assert_eq!(second["addenda"].as_array().unwrap().len(), 1);
    assert_eq!(second["addenda"][0]["reason"], "Omission");
    let shown = app.get(&format!("/api/v1/authorizations/{auth_id}"), Some(&t)).await.expect(200);
    assert_eq!((shown["visits_used"].as_i64(), shown["visits_remaining"].as_i64()), (Some(6), Some(0)));

    // Discharge with the goal met.
    let discharge = json!({
        "reason": "goals_met",
        "goals": [{ "goal_id": goal_id, "rating": 8 }],
        "home_programme": "Chin tucks twice a day; a break from the screen every 30 minutes."
    });
    let summary = app.post(&format!("/api/v1/care-plans/{plan_id}/discharge"), Some(&t), &discharge).await.expect(201);
    assert_eq!(
        (summary["goals"][0]["status"].as_str(), summary["goals"][0]["change"].as_i64()),
        (Some("met"), Some(5))
    );
    assert_eq!(summary["goals"][0]["clinically_meaningful"], true);
    let closed = app.get(&format!("/api/v1/care-plans/{plan_id}"), Some(&t)).await.expect(200);
    assert_eq!(closed["status"], "completed");
    assert_eq!(low_alerts(&app, patient_id).await.len(), 1);
}
