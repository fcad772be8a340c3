use fascia_tests::{Actor, TestApp, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    admin: Actor,
    therapist: Actor,
    patient: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.clinic_admin("Measure Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    app.patch("/api/v1/me", Some(&patient.access_token), &json!({ "timezone": "UTC" })).await.expect(200);
    Cast { admin, therapist, patient }
}

async fn respond(app: &TestApp, patient: &Actor, id: Uuid, instrument: &str, answers: Value) -> (u16, Value) {
    let body = json!({ "id": id, "instrument": instrument, "recorded_at": "2026-06-01T09:00:00Z", "answers": answers });
    let reply = app.post("/api/v1/me/measure-responses", Some(&patient.access_token), &body).await;
    (reply.status.as_u16(), reply.body)
}

#[tokio::test]
async fn scheduled_measures_show_as_due_today_and_answers_are_scored_once() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    app.post(&path, t, &json!({ "instrument": "nprs", "every_days": 7, "starts_on": "2026-06-01" })).await.expect(201);
    let activities = ["Turn head to reverse the car", "Carry shopping", "Sleep through the night"];
    app.post(&path, t, &json!({ "instrument": "psfs", "every_days": 14, "activities": activities })).await.expect(201);

    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    let due: Vec<&str> =
        today["measures_due"].as_array().unwrap().iter().map(|m| m["instrument"].as_str().unwrap()).collect();
    assert_eq!(due, ["nprs", "psfs"]);
    assert_eq!(today["measures_due"][1]["prompts"], json!(activities));

    let id = Uuid::new_v4();
    let (status, body) = respond(&app, &c.patient, id, "nprs", json!([6])).await;
    assert_eq!((status, body["score"].as_f64()), (201, Some(6.0)));
    assert_eq!(respond(&app, &c.patient, id, "nprs", json!([6])).await.0, 200);
    assert_eq!(respond(&app, &c.patient, id, "nprs", json!([7])).await.0, 409);
    let (status, body) = respond(&app, &c.patient, Uuid::new_v4(), "psfs", json!([4, 6, 5])).await;
    assert_eq!((status, body["score"].as_f64()), (201, Some(5.0)));

    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    assert!(today["measures_due"].as_array().unwrap().is_empty(), "{today}");
    // A week later NPRS is due again; PSFS (every 14 days) is not.
    let next_week = app.get("/api/v1/me/today?date=2026-06-08", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(next_week["measures_due"][0]["instrument"], "nprs");
    assert_eq!(next_week["measures_due"].as_array().unwrap().len(), 1);

    // A phone resending after the therapist stopped the schedule still gets its record back.
    let schedules = app.get(&path, t).await.expect(200);
    let nprs = schedules.as_array().unwrap().iter().find(|s| s["instrument"] == "nprs").unwrap()["id"].clone();
    app.delete(&format!("{path}/{}", nprs.as_str().unwrap()), t).await.expect(204);
    assert_eq!(respond(&app, &c.patient, id, "nprs", json!([6])).await.0, 200);
    assert_eq!(respond(&app, &c.patient, Uuid::new_v4(), "nprs", json!([6])).await.0, 404);
}

#[tokio::test]
async fn bad_answers_and_unscheduled_measures_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    app.post(&path, t, &json!({ "instrument": "peg", "every_days": 7 })).await.expect(201);
    for bad in [json!([6, 5]), json!([6, 5, 11]), json!([6, null, 4]), json!([6, 5, 4, 3])] {
        let (status, body) = respond(&app, &c.patient, Uuid::new_v4(), "peg", bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["code"], "validation_failed");
    }
    assert_eq!(respond(&app, &c.patient, Uuid::new_v4(), "nprs", json!([3])).await.0, 404);
    assert_eq!(respond(&app, &c.patient, Uuid::new_v4(), "bogus", json!([3])).await.0, 422);
    // Schedules: unknown instrument, bad period, PSFS without 3–5 activities, activities elsewhere.
    for bad in [
        json!({ "instrument": "sf36", "every_days": 7 }),
        json!({ "instrument": "nprs", "every_days": 0 }),
        json!({ "instrument": "psfs", "every_days": 7, "activities": ["Only one"] }),
        json!({ "instrument": "nprs", "every_days": 7, "activities": ["a", "b", "c"] }),
    ] {
        app.post(&path, t, &bad).await.expect_error(422, "validation_failed");
    }
    let listed = app.get(&path, t).await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let trends = app.get("/api/v1/me/trends", Some(&c.patient.access_token)).await.expect(200);
    assert!(trends["measures"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn licensed_instruments_stay_off_until_the_clinic_supplies_their_text() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t = Some(c.therapist.access_token.as_str());
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    let listed = app.get("/api/v1/instruments", t).await.expect(200);
    let ndi = listed.as_array().unwrap().iter().find(|i| i["id"] == "ndi").unwrap().clone();
    assert_eq!((ndi["enabled"].as_bool(), ndi["licence"].as_str()), (Some(false), Some("text_licensed")));
    let nprs = listed.as_array().unwrap().iter().find(|i| i["id"] == "nprs").unwrap().clone();
    assert_eq!(nprs["loinc"], "72514-3");
    app.post(&path, t, &json!({ "instrument": "ndi", "every_days": 14 })).await.expect_error(422, "validation_failed");

    let labels = ["None", "Mild", "Moderate", "Fairly severe", "Very severe", "Worst"];
    let items: Vec<Value> =
        (1..=10).map(|i| json!({ "prompt": format!("Licensed item {i}"), "options": labels })).collect();
    let text =
        |items: &[Value]| json!({ "instructions": "Licensed instructions.", "recall_period": "Today", "items": items });
    let admin = Some(c.admin.access_token.as_str());
    let put = "/api/v1/instruments/ndi/licensed-text";
    app.put(put, admin, &text(&items[..9])).await.expect_error(422, "validation_failed");
    app.put("/api/v1/instruments/nope/licensed-text", admin, &text(&items)).await.expect_error(404, "not_found");
    app.put(put, admin, &text(&items)).await.expect(204);
    app.post(&path, t, &json!({ "instrument": "ndi", "every_days": 14 })).await.expect(201);

    let mine = app.get("/api/v1/me/measures", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(mine[0]["prompts"][0], "Licensed item 1");
    // Item 5 skipped: 12 over nine answered items, scaled to ten → 13.33.
    let answers = json!([1, 2, 0, 3, null, 2, 1, 0, 2, 1]);
    let (status, body) = respond(&app, &c.patient, Uuid::new_v4(), "ndi", answers).await;
    assert_eq!((status, body["score"].as_f64()), (201, Some(13.33)));
    let three_missing = json!([null, 2, 0, 3, null, 2, 1, 0, 2, null]);
    assert_eq!(respond(&app, &c.patient, Uuid::new_v4(), "ndi", three_missing).await.0, 422);
}

#[tokio::test]
async fn a_licensed_form_is_shown_with_the_clinics_prompts_answer_labels_instructions_and_recall_period() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let admin = Some(c.admin.access_token.as_str());
    let labels = ["Never", "Almost never", "Sometimes", "Fairly often", "Very often"];
    let items: Vec<Value> = (1..=4).map(|i| json!({ "prompt": format!("Question {i}"), "options": labels })).collect();
    let body = json!({ "instructions": "Answer each question for the period given.", "recall_period": "In the last month",
        "items": items });
    app.put("/api/v1/instruments/pss4/licensed-text", admin, &body).await.expect(204);
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    app.post(&path, Some(&c.therapist.access_token), &json!({ "instrument": "pss4", "every_days": 14 }))
        .await
        .expect(201);

    let mine = app.get("/api/v1/me/measures", Some(&c.patient.access_token)).await.expect(200);

    let form = &mine[0];
    assert_eq!(form["instructions"], "Answer each question for the period given.");
    assert_eq!(form["recall_period"], "In the last month");
    assert_eq!(form["items"][3]["prompt"], "Question 4");
    assert_eq!(form["items"][0]["options"][0], json!({ "value": 0, "label": "Never" }));
    assert_eq!(form["items"][0]["options"][4], json!({ "value": 4, "label": "Very often" }));
    assert!(!form.to_string().contains("supplied by the clinic"), "no placeholder reaches the patient: {form}");
    // Today's list shows the same form.
    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(today["measures_due"][0]["items"], form["items"]);
}

#[tokio::test]
async fn incomplete_licensed_text_is_refused_and_leaves_the_instrument_off() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let admin = Some(c.admin.access_token.as_str());
    let put = "/api/v1/instruments/pss4/licensed-text";
    let item = |options: &[&str]| json!({ "prompt": "A question", "options": options });
    let five = ["a", "b", "c", "d", "e"];
    let body = |instructions: &str, recall: &str, items: Vec<Value>| json!({ "instructions": instructions, "recall_period": recall, "items": items });
    for bad in [
        body("Read.", "In the last month", vec![item(&["a", "b", "c", "d"]); 4]), // 4 labels for answers 0–4
        body("Read.", "In the last month", vec![item(&five); 3]),                 // 3 items of 4
        body("  ", "In the last month", vec![item(&five); 4]),                    // no instructions
        body("Read.", "", vec![item(&five); 4]),                                  // no recall period
        body("Read.", "In the last month", vec![item(&["a", " ", "c", "d", "e"]); 4]), // blank label
    ] {
        app.put(put, admin, &bad).await.expect_error(422, "validation_failed");
    }
    // The old shape (prompts only) and unknown fields are not accepted either.
    app.put(put, admin, &json!({ "items": ["one", "two", "three", "four"] })).await.expect_error(400, "bad_request");
    let mut extra = body("Read.", "In the last month", vec![item(&five); 4]);
    extra["scoring"] = json!("mine");
    app.put(put, admin, &extra).await.expect_error(400, "bad_request");
    // Therapists cannot supply it.
    let good = body("Read.", "In the last month", vec![item(&five); 4]);
    app.put(put, Some(&c.therapist.access_token), &good).await.expect_error(403, "forbidden");

    let listed = app.get("/api/v1/instruments", Some(&c.therapist.access_token)).await.expect(200);
    let pss4 = listed.as_array().unwrap().iter().find(|i| i["id"] == "pss4").unwrap().clone();
    assert_eq!(pss4["enabled"], false);
}

#[tokio::test]
async fn licensed_text_stored_without_answer_labels_keeps_the_measure_from_patients() {
    use entity::clinic_instrument;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let c = cast(&app).await;
    // Switched on the old way (prompts only), with a running schedule.
    let labels = ["a", "b", "c", "d", "e"];
    let items: Vec<Value> = (1..=4).map(|i| json!({ "prompt": format!("Q{i}"), "options": labels })).collect();
    let body = json!({ "instructions": "Read.", "recall_period": "In the last month", "items": items });
    app.put("/api/v1/instruments/pss4/licensed-text", Some(&c.admin.access_token), &body).await.expect(204);
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    app.post(&path, Some(&c.therapist.access_token), &json!({ "instrument": "pss4", "every_days": 14 }))
        .await
        .expect(201);
    let clinic_id = app.get("/api/v1/me", Some(&c.admin.access_token)).await.expect(200)["clinic_id"].clone();
    let clinic_id: Uuid = clinic_id.as_str().unwrap().parse().unwrap();
    let updated = clinic_instrument::Entity::update_many()
        .col_expr(clinic_instrument::Column::ItemText, Expr::value(json!(["Q1", "Q2", "Q3", "Q4"]).to_string()))
        .filter(clinic_instrument::Column::ClinicId.eq(clinic_id))
        .filter(clinic_instrument::Column::Instrument.eq(entity::InstrumentId::Pss4))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1);

    let mine = app.get("/api/v1/me/measures", Some(&c.patient.access_token)).await.expect(200);

    assert_eq!(mine, json!([]), "the patient is never shown prompts without their answer labels");
    let listed = app.get("/api/v1/instruments", Some(&c.therapist.access_token)).await.expect(200);
    let pss4 = listed.as_array().unwrap().iter().find(|i| i["id"] == "pss4").unwrap().clone();
    assert_eq!(pss4["enabled"], false);
}

/// The licensed text is kept in the format earlier builds wrote (version 2, byte for
/// byte), and a stored text of a version this build does not know is a server error, not
/// an instrument quietly switched off.
#[tokio::test]
async fn licensed_text_is_stored_as_version_2_and_an_unknown_version_is_a_server_error() {
    use entity::clinic_instrument;
    use sea_orm::{EntityTrait, QuerySelect, sea_query::Expr};
    let app = spawn_app().await;
    let c = cast(&app).await;
    let labels = ["a", "b", "c", "d", "e"];
    let items: Vec<Value> = (1..=4).map(|i| json!({ "prompt": format!("Q{i}"), "options": labels })).collect();
    let body = json!({ "instructions": "Read.", "recall_period": "In the last month", "items": items });
    app.put("/api/v1/instruments/pss4/licensed-text", Some(&c.admin.access_token), &body).await.expect(204);
    let stored = clinic_instrument::Entity::find()
        .select_only()
        .column(clinic_instrument::Column::ItemText)
        .into_tuple::<String>()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let item = |n: u8| format!(r#"{{"prompt":"Q{n}","options":["a","b","c","d","e"]}}"#);
    let written = format!(
        r#"{{"version":2,"instructions":"Read.","recall_period":"In the last month","items":[{},{},{},{}]}}"#,
        item(1),
        item(2),
        item(3),
        item(4)
    );
    assert_eq!(stored, written);

    clinic_instrument::Entity::update_many()
        .col_expr(clinic_instrument::Column::ItemText, Expr::value(stored.replace(r#""version":2"#, r#""version":3"#)))
        .exec(&app.state.db)
        .await
        .unwrap();

    app.get("/api/v1/instruments", Some(&c.therapist.access_token)).await.expect_error(500, "internal");
}
