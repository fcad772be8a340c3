use fascia_tests::spawn_app;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn a_therapist_creates_reads_updates_and_archives_a_patient() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Records Clinic").await;
    let t = app.therapist(&admin).await;
    let tok = Some(t.access_token.as_str());

    let created = app
        .post(
            "/api/v1/patients",
            tok,
            &json!({
                "display_name": "  Maria Lopez ",
                "referring_physician_name": "Dr. Kim",
                "diagnosis": "Chronic neck pain",
                "icd10_codes": ["m54.2"],
                "baseline_pain": 7,
                "consent_reminders": true
            }),
        )
        .await
        .expect(201);
    assert_eq!(created["display_name"], "Maria Lopez");
    assert_eq!(created["icd10_codes"], json!(["M54.2"]));
    assert_eq!(created["primary_therapist_id"], t.user_id.to_string());
    assert_eq!(created["has_account"], false);
    let path = format!("/api/v1/patients/{}", created["id"].as_str().unwrap());

    let updated = app
        .patch(&path, tok, &json!({ "baseline_pain": null, "precautions": "Avoid deep pressure on the left shoulder" }))
        .await
        .expect(200);
    assert_eq!(updated["baseline_pain"], serde_json::Value::Null);
    assert_eq!(updated["diagnosis"], "Chronic neck pain", "fields not sent stay as they were");
    assert_eq!(updated["precautions"], "Avoid deep pressure on the left shoulder");

    let archived = app.post(&format!("{path}/archive"), tok, &json!({})).await.expect(200);
    assert!(archived["archived_at"].is_string());
    let roster = app.get("/api/v1/patients", tok).await.expect(200);
    assert!(roster["items"].as_array().unwrap().is_empty(), "archived patients leave the roster");
    let all = app.get("/api/v1/patients?include_archived=true", tok).await.expect(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn server_owned_fields_in_a_body_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let path = format!("/api/v1/patients/{}", w.patient_a.patient_id.unwrap());
    let before = app.get(&path, Some(&w.therapist_x.access_token)).await.expect(200);

    for field in ["id", "clinic_id", "user_id", "created_at", "archived_at", "has_account"] {
        let body = json!({ "display_name": "Hijacked", field: "01a2197f-94fe-753e-8a07-3819df9da4fd" });
        app.patch(&path, Some(&w.therapist_x.access_token), &body).await.expect_error(400, "bad_request");
    }
    let body = json!({ "display_name": "Hijacked", "role": "admin" });
    app.patch("/api/v1/me", Some(&w.patient_a.access_token), &body).await.expect_error(400, "bad_request");

    let after = app.get(&path, Some(&w.therapist_x.access_token)).await.expect(200);
    assert_eq!(before, after);
    let me = app.get("/api/v1/me", Some(&w.patient_a.access_token)).await.expect(200);
    assert_eq!(me["role"], "patient");
}

#[tokio::test]
async fn a_therapist_sees_only_their_own_patients_and_an_admin_the_whole_clinic() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Scope Clinic").await;
    let x = app.therapist(&admin).await;
    let x2 = app.therapist(&admin).await;
    let mine = app.patient_record(&x, "Mine").await;
    let theirs = app.patient_record(&x2, "Theirs").await;

    app.get(&format!("/api/v1/patients/{theirs}"), Some(&x.access_token)).await.expect_error(404, "not_found");
    app.patch(&format!("/api/v1/patients/{theirs}"), Some(&x.access_token), &json!({ "display_name": "x" }))
        .await
        .expect(404);
    let roster = app.get("/api/v1/patients", Some(&x.access_token)).await.expect(200);
    let ids: Vec<_> =
        roster["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, vec![mine.to_string()]);

    let clinic = app.get("/api/v1/patients", Some(&admin.access_token)).await.expect(200);
    assert_eq!(clinic["items"].as_array().unwrap().len(), 2);

    // An admin hands a patient over; the new therapist sees them, the old one no longer.
    app.patch(
        &format!("/api/v1/patients/{mine}"),
        Some(&admin.access_token),
        &json!({ "primary_therapist_id": x2.user_id }),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/patients/{mine}"), Some(&x.access_token)).await.expect(404);
    app.get(&format!("/api/v1/patients/{mine}"), Some(&x2.access_token)).await.expect(200);
    // Handing over to someone outside the clinic is refused.
    let body = json!({ "primary_therapist_id": Uuid::now_v7() });
    app.patch(&format!("/api/v1/patients/{mine}"), Some(&admin.access_token), &body)
        .await
        .expect_error(422, "validation_failed");
}

#[tokio::test]
async fn the_roster_searches_by_name_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Paging Clinic").await;
    let t = app.therapist(&admin).await;
    for name in ["Anna Berg", "Ben Anders", "Carla Diaz", "Dan Smith", "Eve 100%_Real"] {
        app.patient_record(&t, name).await;
    }
    let tok = Some(t.access_token.as_str());

    let found = app.get("/api/v1/patients?search=AND", tok).await.expect(200);
    let names: Vec<_> =
        found["items"].as_array().unwrap().iter().map(|p| p["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Ben Anders"]);
    let literal = app.get("/api/v1/patients?search=0%25_", tok).await.expect(200);
    assert_eq!(literal["items"].as_array().unwrap().len(), 1, "% and _ are matched literally");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/patients?limit=2&cursor={c}"),
            None => "/api/v1/patients?limit=2".to_owned(),
        };
        let page = app.get(&path, tok).await.expect(200);
        seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["display_name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, vec!["Anna Berg", "Ben Anders", "Carla Diaz", "Dan Smith", "Eve 100%_Real"]);
}

#[tokio::test]
async fn a_patient_with_an_account_cannot_be_invited_again_and_emails_stay_unique() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let a = w.patient_a.patient_id.unwrap();
    app.post(&format!("/api/v1/patients/{a}/invites"), t, &json!({ "email": "new@home.test" }))
        .await
        .expect_error(409, "conflict");
    let fresh = app.patient_record(&w.therapist_x, "Fresh").await;
    let body = json!({ "email": w.patient_b.email.to_uppercase() });
    app.post(&format!("/api/v1/patients/{fresh}/invites"), t, &body).await.expect_error(409, "conflict");
    app.post(&format!("/api/v1/patients/{fresh}/invites"), t, &json!({ "email": "not-an-email" }))
        .await
        .expect_error(422, "validation_failed");
}

#[tokio::test]
async fn icd10_codes_with_multibyte_characters_are_refused_not_a_server_error() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Unicode Clinic").await;
    let t = Some(admin.access_token.as_str());

    // The third byte of each falls inside a multi-byte character: this used to panic.
    for code in ["M5é", "A1€", "é12", "M5\u{301}"] {
        let body = json!({ "display_name": "x", "icd10_codes": [code] });
        let refused = app.post("/api/v1/patients", t, &body).await.expect_error(422, "validation_failed");
        assert_eq!(refused["details"][0]["field"], "icd10_codes", "{code}");
    }
    let patient = app.post("/api/v1/patients", t, &json!({ "display_name": "Unicode Patient" })).await.expect(201);
    let path = format!("/api/v1/patients/{}", patient["id"].as_str().unwrap());
    app.patch(&path, t, &json!({ "icd10_codes": ["A1€"] })).await.expect_error(422, "validation_failed");
    let unchanged = app.get(&path, t).await.expect(200);
    assert_eq!(unchanged["icd10_codes"], json!([]));
}
