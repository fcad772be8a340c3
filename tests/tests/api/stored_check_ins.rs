//! The JSON of the check-in path as the database keeps it (`check_in.medications`,
//! `pain_sites`, `red_flags`, `red_flag_report.red_flags`, `alert.flags`): written as the
//! same compact text as when the columns were plain strings, a value that does not read
//! back is a server error where it is shown, and such a value never costs a new check-in
//! or a red flag (the fallbacks of `services::red_flags::already_stored`).

use chrono::{Duration, SecondsFormat};
use entity::{alert, check_in, red_flag_report};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

async fn patient(app: &TestApp) -> Actor {
    let admin = app.clinic_admin("Stored JSON Clinic").await;
    let therapist = app.therapist(&admin).await;
    app.patient(&therapist).await
}

/// An instant `hours` before the test clock's now, as the phone sends it.
fn hours_ago(app: &TestApp, hours: i64) -> String {
    (app.clock_now() - Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn send(app: &TestApp, patient: &Actor, item: Value) -> Value {
    app.post("/api/v1/me/check-ins", Some(&patient.access_token), &json!({ "items": [item] })).await.expect(200)
}

async fn stored_texts(app: &TestApp, id: Uuid) -> (String, String, String) {
    check_in::Entity::find_by_id(id)
        .select_only()
        .column(check_in::Column::Medications)
        .column(check_in::Column::PainSites)
        .column(check_in::Column::RedFlags)
        .into_tuple()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn alert_flag_texts(app: &TestApp, patient: &Actor) -> Vec<String> {
    alert::Entity::find()
        .select_only()
        .column(alert::Column::Flags)
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .filter(alert::Column::Kind.eq(alert::Kind::RedFlag))
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn corrupt_check_in(app: &TestApp, id: Uuid, column: check_in::Column, text: &str) {
    check_in::Entity::update_many()
        .col_expr(column, Expr::value(text))
        .filter(check_in::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

async fn corrupt_alert_flags(app: &TestApp, patient: &Actor) {
    alert::Entity::update_many()
        .col_expr(alert::Column::Flags, Expr::value("{not json"))
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_json_of_a_check_in_and_its_red_flags_is_stored_as_the_same_compact_text_as_before() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    let id = Uuid::new_v4();

    let reply = send(
        &app,
        &p,
        json!({ "id": id, "recorded_at": hours_ago(&app, 1), "pain": 4,
            "medications": [{ "class": "opioid", "name": "Tramadol", "dose": "50 mg" }, { "class": "anticoagulant" }],
            "pain_sites": [
                { "region": "neck", "intensity": 4, "qualities": ["stiff", "aching", "stiff"] },
                { "region": "knee", "side": "left", "intensity": 2, "qualities": [] }
            ],
            "red_flags": ["chest_pain", "saddle_numbness", "chest_pain"] }),
    )
    .await;
    send(&app, &p, json!({ "recorded_at": hours_ago(&app, 1), "red_flags": ["double_vision"] })).await;

    assert_eq!(reply["results"][0]["status"], 201, "{reply}");
    let (medications, sites, flags) = stored_texts(&app, id).await;
    assert_eq!(medications, r#"[{"class":"opioid","name":"Tramadol","dose":"50 mg"},{"class":"anticoagulant"}]"#);
    assert_eq!(
        sites,
        r#"[{"region":"neck","side":null,"intensity":4,"qualities":["aching","stiff"]},{"region":"knee","side":"left","intensity":2,"qualities":[]}]"#
    );
    assert_eq!(flags, r#"["saddle_numbness","chest_pain"]"#);
    assert_eq!(alert_flag_texts(&app, &p).await, [r#"["saddle_numbness","chest_pain","double_vision"]"#]);
    let reports: Vec<String> = red_flag_report::Entity::find()
        .select_only()
        .column(red_flag_report::Column::RedFlags)
        .filter(red_flag_report::Column::PatientId.eq(p.patient_id.unwrap()))
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reports, [r#"["double_vision"]"#]);
    let plain = Uuid::new_v4();
    send(&app, &p, json!({ "id": plain, "recorded_at": hours_ago(&app, 1), "stress": 2 })).await;
    assert_eq!(stored_texts(&app, plain).await, ("[]".to_owned(), "[]".to_owned(), "[]".to_owned()));
}

#[tokio::test]
async fn a_stored_body_map_that_does_not_read_back_is_a_server_error_where_it_is_shown() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    let id = Uuid::new_v4();
    send(&app, &p, json!({ "id": id, "recorded_at": hours_ago(&app, 1), "pain": 3 })).await;
    let token = Some(p.access_token.as_str());

    corrupt_check_in(
        &app,
        id,
        check_in::Column::PainSites,
        r#"[{"region":"tail","side":null,"intensity":3,"qualities":[]}]"#,
    )
    .await;
    app.get("/api/v1/me/check-ins", token).await.expect_error(500, "internal");
    corrupt_check_in(&app, id, check_in::Column::PainSites, "{not json").await;
    app.get("/api/v1/me/check-ins", token).await.expect_error(500, "internal");
    corrupt_check_in(&app, id, check_in::Column::PainSites, "[]").await;
    corrupt_check_in(&app, id, check_in::Column::Medications, r#"[{"class":"magic"}]"#).await;
    app.get("/api/v1/me/check-ins", token).await.expect_error(500, "internal");
}

#[tokio::test]
async fn a_red_flag_word_from_a_newer_build_is_skipped_not_an_error() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    let id = Uuid::new_v4();
    send(&app, &p, json!({ "id": id, "recorded_at": hours_ago(&app, 1), "red_flags": ["chest_pain"] })).await;

    corrupt_check_in(&app, id, check_in::Column::RedFlags, r#"["chest_pain","a_flag_added_later"]"#).await;
    let listed = app.get("/api/v1/me/check-ins", Some(&p.access_token)).await.expect(200);

    assert_eq!(listed["items"][0]["red_flags"], json!(["chest_pain"]));
}

#[tokio::test]
async fn an_alert_whose_flag_list_does_not_read_back_still_lists_and_can_be_acknowledged() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Stored JSON Clinic").await;
    let therapist = app.therapist(&admin).await;
    let (sick, well) = (app.patient(&therapist).await, app.patient(&therapist).await);
    for p in [&sick, &well] {
        send(&app, p, json!({ "id": Uuid::new_v4(), "recorded_at": hours_ago(&app, 2), "red_flags": ["chest_pain"] }))
            .await;
    }
    corrupt_alert_flags(&app, &sick).await;
    let t = Some(therapist.access_token.as_str());

    let page = app.get("/api/v1/alerts?status=open", t).await.expect(200);
    let items = page["items"].as_array().unwrap();
    let of = |p: &Actor| items.iter().find(|a| a["patient_id"] == json!(p.patient_id.unwrap())).unwrap().clone();
    let (bad, good) = (of(&sick), of(&well));
    let acked = app.post(&format!("/api/v1/alerts/{}/acknowledge", bad["id"].as_str().unwrap()), t, &json!({})).await;

    // The readable alert is whole; the corrupt one shows without its list but keeps its
    // tier, and acknowledging it works and leaves the stored text as it was.
    assert_eq!(good["red_flags"], json!(["chest_pain"]));
    assert_eq!((&bad["kind"], &bad["red_flags"], &bad["tier"]), (&json!("red_flag"), &json!([]), &good["tier"]));
    let acked = acked.expect(200);
    assert!(acked["acknowledged_at"].is_string(), "{acked}");
    assert_eq!(alert_flag_texts(&app, &sick).await, ["{not json"]);
}

#[tokio::test]
async fn a_corrupt_flag_list_on_the_open_alert_neither_stops_pushes_nor_new_red_flags() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    send(&app, &p, json!({ "id": Uuid::new_v4(), "recorded_at": hours_ago(&app, 2), "red_flags": ["chest_pain"] }))
        .await;
    corrupt_alert_flags(&app, &p).await;
    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());

    let pushed = fascia::services::alerts::push_pending(db, push, app.clock_now(), url).await.unwrap();
    fascia::workers::escalation::run_once(db, push, app.clock_now(), url).await.unwrap();
    let reply = send(
        &app,
        &p,
        json!({ "id": Uuid::new_v4(), "recorded_at": hours_ago(&app, 1), "red_flags": ["double_vision"] }),
    )
    .await;

    assert_eq!(pushed, 1);
    assert_eq!(reply["results"][0]["status"], 201, "{reply}");
    assert_eq!(reply["red_flag_guidance"]["therapist_alerted"], true);
    // The corrupt list counted as no flags: the new one replaced it on the same alert.
    assert_eq!(alert_flag_texts(&app, &p).await, [r#"["double_vision"]"#]);
}

#[tokio::test]
async fn a_resent_id_whose_stored_check_in_does_not_read_back_is_a_conflict_that_keeps_its_red_flag() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    let (id, at) = (Uuid::new_v4(), hours_ago(&app, 1));
    send(&app, &p, json!({ "id": id, "recorded_at": at, "pain": 3 })).await;
    corrupt_check_in(&app, id, check_in::Column::RedFlags, "{not json").await;

    let reply =
        send(&app, &p, json!({ "id": id, "recorded_at": at, "pain": 3, "red_flags": ["slurred_speech"] })).await;

    assert_eq!(reply["results"][0]["status"], 409, "{reply}");
    assert_eq!(reply["red_flag_guidance"]["therapist_alerted"], true);
    assert_eq!(alert_flag_texts(&app, &p).await, [r#"["slurred_speech"]"#]);
}

#[tokio::test]
async fn a_check_in_whose_stored_flags_do_not_read_back_can_still_be_corrected_and_withdrawn() {
    let app = spawn_app().await;
    let p = patient(&app).await;
    let (id, at) = (Uuid::new_v4(), hours_ago(&app, 1));
    let token = Some(p.access_token.as_str());
    send(&app, &p, json!({ "id": id, "recorded_at": at, "pain": 3, "red_flags": ["chest_pain"] })).await;
    corrupt_check_in(&app, id, check_in::Column::RedFlags, "{not json").await;

    let corrected = json!({ "id": id, "recorded_at": at, "pain": 3, "red_flags": ["chest_pain", "double_vision"] });
    let saved = app.put(&format!("/api/v1/me/check-ins/{id}"), token, &corrected).await.expect(200);

    assert_eq!(saved["check_in"]["red_flags"], json!(["chest_pain", "double_vision"]));
    assert_eq!(saved["red_flag_guidance"]["therapist_alerted"], true);
    assert_eq!(alert_flag_texts(&app, &p).await, [r#"["chest_pain","double_vision"]"#]);
    corrupt_check_in(&app, id, check_in::Column::RedFlags, "{not json").await;
    app.delete(&format!("/api/v1/me/check-ins/{id}"), token).await.expect(204);
}

#[tokio::test]
async fn a_corrupt_flag_list_on_an_alert_does_not_keep_the_report_from_the_physician() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Stored JSON Report Clinic").await;
    let therapist = app.therapist(&admin).await;
    let p = app.patient(&therapist).await;
    send(&app, &p, json!({ "id": Uuid::new_v4(), "recorded_at": hours_ago(&app, 2), "red_flags": ["chest_pain"] }))
        .await;
    corrupt_alert_flags(&app, &p).await;

    let path = format!("/api/v1/patients/{}/report", p.patient_id.unwrap());
    let body = app.get(&path, Some(&therapist.access_token)).await.expect(200);

    // The red-flag section shows what it always showed: when, what, and who handled it.
    let html = body.as_str().expect("an HTML page");
    assert!(html.contains("not yet acknowledged"), "{html}");
}
