//! Referrals: the physician, diagnoses and orders behind a course of treatment.

use fascia_tests::{Actor, TestApp, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    therapist: Actor,
    patient: Actor,
    other_therapist: Actor,
    other_patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let w = app.world().await;
    Cast { therapist: w.therapist_x, patient: w.patient_a, other_therapist: w.therapist_y, other_patient: w.patient_c }
}

fn referral() -> Value {
    json!({
        "physician": {
            "name": "Dr. Anna Brandt", "practice": "Brandt Family Practice", "phone": "+1 (555) 010-4477",
            "fax": "+1 (555) 010-4478", "email": "Referrals@Brandt.example", "npi": "1234567893"
        },
        "referral_date": "2026-05-28",
        "diagnoses": [
            { "code": "m54.2", "description": "Neck pain" },
            { "code": "M62.830", "description": "Muscle spasm of back" }
        ],
        "ordered": "Medical massage 2x/week for 3 weeks",
        "visits_ordered": 6,
        "expires_on": "2026-08-28",
        "precautions": "No deep pressure over the anterior neck"
    })
}

fn path(patient: &Actor) -> String {
    format!("/api/v1/patients/{}/referrals", patient.patient_id.unwrap())
}

#[tokio::test]
async fn a_therapist_records_a_referral_and_reads_it_back() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());

    let created = app.post(&path(&c.patient), t, &referral()).await.expect(201);

    assert_eq!(created["patient_id"], c.patient.patient_id.unwrap().to_string());
    assert_eq!(created["physician"]["npi"], "1234567893");
    assert_eq!(created["physician"]["email"], "referrals@brandt.example");
    assert_eq!(created["diagnoses"][0], json!({ "code": "M54.2", "description": "Neck pain" }));
    assert_eq!(created["diagnoses"][1]["code"], "M62.830");
    assert_eq!(created["visits_ordered"], 6);
    assert_eq!(created["expires_on"], "2026-08-28");
    assert_eq!(created["created_by"], c.therapist.user_id.to_string());
    let id = created["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/referrals/{id}"), t).await.expect(200);
    assert_eq!(read, created);
    let listed = app.get(&path(&c.patient), t).await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id);
}

#[tokio::test]
async fn several_referrals_list_newest_first() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let mut older = referral();
    older["referral_date"] = json!("2025-11-02");
    older["expires_on"] = json!("2026-02-02");
    app.post(&path(&c.patient), t, &older).await.expect(201);
    app.post(&path(&c.patient), t, &referral()).await.expect(201);

    let listed = app.get(&path(&c.patient), t).await.expect(200);

    let dates: Vec<&str> = listed.as_array().unwrap().iter().map(|r| r["referral_date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-05-28", "2025-11-02"]);
}

#[tokio::test]
async fn a_patch_changes_only_what_is_sent_and_null_clears() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let id = app.post(&path(&c.patient), t, &referral()).await.expect(201)["id"].as_str().unwrap().to_owned();

    let patched = app
        .patch(
            &format!("/api/v1/referrals/{id}"),
            t,
            &json!({ "visits_ordered": null, "expires_on": "2026-09-30", "physician": { "name": "Dr. Omar Haddad" } }),
        )
        .await
        .expect(200);

    assert!(patched.get("visits_ordered").is_none(), "{patched}");
    assert_eq!(patched["expires_on"], "2026-09-30");
    assert_eq!(patched["physician"], json!({ "name": "Dr. Omar Haddad" }));
    assert_eq!(patched["ordered"], "Medical massage 2x/week for 3 weeks");
    assert_eq!(patched["diagnoses"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn malformed_referrals_are_refused_with_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let with = |pointer: &str, value: Value| {
        let mut body = referral();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let cases = [
        (with("/diagnoses/0/code", json!("54.2")), "diagnoses[0].code"),
        (with("/diagnoses/1/code", json!("M5")), "diagnoses[1].code"),
        (with("/diagnoses/0/code", json!("M54.12345")), "diagnoses[0].code"),
        (with("/diagnoses/0/description", json!("   ")), "diagnoses[0].description"),
        (with("/physician/npi", json!("1234567890")), "physician.npi"),
        (with("/physician/npi", json!("12345678")), "physician.npi"),
        (with("/physician/email", json!("not an email")), "physician.email"),
        (with("/physician/phone", json!("call the front desk")), "physician.phone"),
        (with("/expires_on", json!("2026-05-27")), "expires_on"),
        (with("/visits_ordered", json!(-1)), "visits_ordered"),
        (with("/visits_ordered", json!(0)), "visits_ordered"),
        (with("/diagnoses", json!([])), "diagnoses"),
        (with("/ordered", json!(" ")), "ordered"),
    ];
    for (body, field) in cases {
        let error = app.post(&path(&c.patient), t, &body).await.expect_error(422, "validation_failed");
        assert_eq!(error["details"][0]["field"], field, "{error}");
    }
    assert_eq!(app.get(&path(&c.patient), t).await.expect(200), json!([]));

    // A patch is held to the same rules and changes nothing when refused.
    let id = app.post(&path(&c.patient), t, &referral()).await.expect(201)["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/referrals/{id}");
    app.patch(&url, t, &json!({ "expires_on": "2026-01-01" })).await.expect_error(422, "validation_failed");
    app.patch(&url, t, &json!({ "diagnoses": [{ "code": "DROP", "description": "x" }] }))
        .await
        .expect_error(422, "validation_failed");
    let read = app.get(&url, t).await.expect(200);
    assert_eq!(read["expires_on"], "2026-08-28");
    assert_eq!(read["diagnoses"][0]["code"], "M54.2");
}

#[tokio::test]
async fn another_clinics_referrals_are_not_found_and_stay_unchanged() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (mine, theirs) = (Some(c.therapist.access_token.as_str()), Some(c.other_therapist.access_token.as_str()));
    let id = app.post(&path(&c.patient), mine, &referral()).await.expect(201)["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/referrals/{id}");

    app.get(&url, theirs).await.expect_error(404, "not_found");
    app.patch(&url, theirs, &json!({ "ordered": "Nothing" })).await.expect_error(404, "not_found");
    app.get(&path(&c.patient), theirs).await.expect_error(404, "not_found");
    app.post(&path(&c.patient), theirs, &referral()).await.expect_error(404, "not_found");
    app.get(&format!("/api/v1/referrals/{}", Uuid::now_v7()), mine).await.expect_error(404, "not_found");

    assert_eq!(app.get(&url, mine).await.expect(200)["ordered"], "Medical massage 2x/week for 3 weeks");
    assert_eq!(app.get(&path(&c.patient), mine).await.expect(200).as_array().unwrap().len(), 1);
    assert_eq!(app.get(&path(&c.other_patient), theirs).await.expect(200), json!([]));
}

#[tokio::test]
async fn patients_cannot_reach_referrals_even_their_own() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let id = app.post(&path(&c.patient), t, &referral()).await.expect(201)["id"].as_str().unwrap().to_owned();
    let p = Some(c.patient.access_token.as_str());

    app.get(&format!("/api/v1/referrals/{id}"), p).await.expect_error(403, "forbidden");
    app.get(&path(&c.patient), p).await.expect_error(403, "forbidden");
    app.post(&path(&c.patient), p, &referral()).await.expect_error(403, "forbidden");
}
