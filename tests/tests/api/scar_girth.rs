//! Scar assessments and girth measurements: recorded in a session by the patient's
//! therapist, trended over sessions; the scar total is always the server's sum.

use fascia_tests::{Actor, TestApp, World, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

async fn session(app: &TestApp, therapist: &Actor, patient_id: Uuid, day: u32) -> String {
    let body = json!({
        "starts_at": format!("2026-06-{day:02}T09:00:00+00:00"),
        "ends_at": format!("2026-06-{day:02}T10:00:00Z"),
    });
    let appt =
        app.post(&format!("/api/v1/patients/{patient_id}/appointments"), Some(&therapist.access_token), &body).await;
    appt.expect(201)["id"].as_str().unwrap().to_owned()
}

fn scar(pigmentation: i64, vascularity: i64, pliability: i64, height: i64) -> Value {
    json!({
        "region": "knee", "side": "left", "label": "ACL graft incision", "length_mm": 85, "width_mm": 4,
        "pigmentation": pigmentation, "vascularity": vascularity, "pliability": pliability, "height": height,
    })
}

async fn post_scar(app: &TestApp, who: &Actor, appt: &str, body: &Value) -> fascia_tests::Reply {
    app.post(&format!("/api/v1/appointments/{appt}/scar-assessments"), Some(&who.access_token), body).await
}

async fn scars(app: &TestApp, who: &Actor, patient_id: Uuid) -> Value {
    app.get(&format!("/api/v1/patients/{patient_id}/scar-assessments"), Some(&who.access_token)).await.expect(200)
}

async fn setup() -> (TestApp, World, Uuid) {
    let app = spawn_app().await;
    let w = app.world().await;
    let patient_id = w.patient_a.patient_id.unwrap();
    (app, w, patient_id)
}

#[tokio::test]
async fn a_scar_assessment_totals_the_four_items_and_describes_each_level() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;

    let body = post_scar(&app, &w.therapist_x, &appt, &scar(1, 2, 3, 1)).await.expect(201);

    assert_eq!(body["total"], 7);
    assert_eq!((body["region"].as_str(), body["side"].as_str()), (Some("knee"), Some("left")));
    assert_eq!((body["length_mm"].as_i64(), body["width_mm"].as_i64()), (Some(85), Some(4)));
    assert_eq!(body["measured_at"], "2026-06-03T09:00:00+00:00");
    assert_eq!(body["descriptions"]["pigmentation"], "lighter than the skin around it");
    assert_eq!(body["descriptions"]["vascularity"], "red");
    assert!(body["descriptions"]["pliability"].as_str().unwrap().starts_with("firm"));
}

#[tokio::test]
async fn the_scale_s_edges_score_0_and_13() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;

    let none = post_scar(&app, &w.therapist_x, &appt, &scar(0, 0, 0, 0)).await.expect(201);
    let worst = post_scar(&app, &w.therapist_x, &appt, &scar(2, 3, 5, 3)).await.expect(201);

    assert_eq!((none["total"].as_i64(), worst["total"].as_i64()), (Some(0), Some(13)));
    assert!(worst["descriptions"]["pliability"].as_str().unwrap().starts_with("contracture"));
}

#[tokio::test]
async fn an_item_out_of_its_range_is_refused_by_name_and_nothing_is_stored() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;

    for (item, body) in [
        ("pigmentation", scar(3, 0, 0, 0)),
        ("vascularity", scar(0, 4, 0, 0)),
        ("pliability", scar(0, 0, 6, 0)),
        ("height", scar(0, 0, 0, 4)),
        ("height", scar(0, 0, 0, -1)),
    ] {
        let err = post_scar(&app, &w.therapist_x, &appt, &body).await.expect_error(422, "validation_failed");
        assert_eq!(err["details"][0]["field"], item, "{err}");
    }
    let mut no_side = scar(1, 1, 1, 1);
    no_side["side"] = Value::Null;
    let err = post_scar(&app, &w.therapist_x, &appt, &no_side).await.expect_error(422, "validation_failed");
    assert_eq!(err["details"][0]["field"], "side");
    let mut too_long = scar(1, 1, 1, 1);
    too_long["length_mm"] = json!(1001);
    post_scar(&app, &w.therapist_x, &appt, &too_long).await.expect_error(422, "validation_failed");

    assert_eq!(scars(&app, &w.therapist_x, pid).await, json!([]));
}

#[tokio::test]
async fn a_total_in_the_body_is_refused_never_stored() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;
    let mut forged = scar(0, 0, 1, 0);
    forged["total"] = json!(13);

    post_scar(&app, &w.therapist_x, &appt, &forged).await.expect_error(400, "bad_request");
    let stored = post_scar(&app, &w.therapist_x, &appt, &scar(0, 0, 1, 0)).await.expect(201);

    assert_eq!(stored["total"], 1);
    let series = scars(&app, &w.therapist_x, pid).await;
    assert_eq!(series[0]["assessments"].as_array().unwrap().len(), 1);
    assert_eq!(series[0]["assessments"][0]["total"], 1);
}

#[tokio::test]
async fn each_scar_is_a_series_in_session_order_with_its_change_in_total() {
    let (app, w, pid) = setup().await;
    // Sessions booked out of order: the series follows the sessions, not the recording.
    let later = session(&app, &w.therapist_x, pid, 17).await;
    let first = session(&app, &w.therapist_x, pid, 3).await;
    let middle = session(&app, &w.therapist_x, pid, 10).await;
    post_scar(&app, &w.therapist_x, &later, &scar(1, 1, 1, 1)).await.expect(201);
    post_scar(&app, &w.therapist_x, &first, &scar(2, 3, 4, 2)).await.expect(201);
    let mut other = scar(1, 1, 1, 0);
    other["region"] = json!("abdomen");
    other["side"] = Value::Null;
    other["label"] = json!("Caesarean");
    post_scar(&app, &w.therapist_x, &first, &other).await.expect(201);
    // The same scar whatever the case of its label.
    let mut shouting = scar(1, 2, 3, 1);
    shouting["label"] = json!("ACL GRAFT INCISION ");
    post_scar(&app, &w.therapist_x, &middle, &shouting).await.expect(201);

    let series = scars(&app, &w.therapist_x, pid).await;

    assert_eq!(series.as_array().unwrap().len(), 2);
    let knee = &series[0];
    assert_eq!((knee["region"].as_str(), knee["label"].as_str()), (Some("knee"), Some("ACL graft incision")));
    let at: Vec<&str> =
        knee["assessments"].as_array().unwrap().iter().map(|a| a["measured_at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2026-06-03T09:00:00+00:00", "2026-06-10T09:00:00+00:00", "2026-06-17T09:00:00+00:00"]);
    let totals: Vec<i64> =
        knee["assessments"].as_array().unwrap().iter().map(|a| a["total"].as_i64().unwrap()).collect();
    assert_eq!(totals, [11, 7, 4]);
    assert_eq!(knee["total_change"], -7);
    assert_eq!((series[1]["region"].as_str(), series[1].get("side")), (Some("abdomen"), None));
}

#[tokio::test]
async fn another_clinic_or_therapist_finds_neither_the_session_nor_the_series() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;
    post_scar(&app, &w.therapist_x, &appt, &scar(1, 1, 1, 1)).await.expect(201);
    let colleague = app.therapist(&w.admin).await;

    post_scar(&app, &w.therapist_y, &appt, &scar(1, 1, 1, 1)).await.expect_error(404, "not_found");
    post_scar(&app, &colleague, &appt, &scar(1, 1, 1, 1)).await.expect_error(404, "not_found");
    let path = format!("/api/v1/patients/{pid}/scar-assessments");
    app.get(&path, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");
    app.get(&path, Some(&w.patient_a.access_token)).await.expect_error(403, "forbidden");
    let girths = format!("/api/v1/patients/{pid}/girth-measurements");
    app.get(&girths, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");

    // The clinic admin sees it; nothing of the refused writes was stored.
    assert_eq!(scars(&app, &w.admin, pid).await[0]["assessments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_cancelled_session_takes_no_measures() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;
    let t = Some(w.therapist_x.access_token.as_str());
    app.patch(&format!("/api/v1/appointments/{appt}"), t, &json!({ "status": "cancelled" })).await.expect(200);

    post_scar(&app, &w.therapist_x, &appt, &scar(1, 1, 1, 1)).await.expect_error(409, "conflict");
    let girth = json!({ "measurements": [girth("left", 10.0, 25.0)] });
    let path = format!("/api/v1/appointments/{appt}/girth-measurements");
    app.post(&path, t, &girth).await.expect_error(409, "conflict");
}

fn girth(side: &str, distance_cm: f64, circumference_cm: f64) -> Value {
    json!({ "region": "ankle", "side": side, "landmark": "above the lateral malleolus",
        "distance_cm": distance_cm, "circumference_cm": circumference_cm })
}

async fn post_girths(app: &TestApp, who: &Actor, appt: &str, items: Vec<Value>) -> fascia_tests::Reply {
    let path = format!("/api/v1/appointments/{appt}/girth-measurements");
    app.post(&path, Some(&who.access_token), &json!({ "measurements": items })).await
}

#[tokio::test]
async fn girth_series_put_left_and_right_side_by_side_with_their_difference() {
    let (app, w, pid) = setup().await;
    let one = session(&app, &w.therapist_x, pid, 3).await;
    let two = session(&app, &w.therapist_x, pid, 10).await;
    let stored = post_girths(&app, &w.therapist_x, &one, vec![girth("left", 10.0, 26.2), girth("right", 10.0, 24.0)])
        .await
        .expect(201);
    assert_eq!(stored.as_array().unwrap().len(), 2);
    assert_eq!((stored[0]["circumference_cm"].as_f64(), stored[0]["distance_cm"].as_f64()), (Some(26.2), Some(10.0)));
    // Session two: the left only, and a second spot higher up.
    post_girths(&app, &w.therapist_x, &two, vec![girth("left", 10.0, 25.1), girth("left", 20.0, 33.04)])
        .await
        .expect(201);

    let series =
        app.get(&format!("/api/v1/patients/{pid}/girth-measurements"), Some(&w.therapist_x.access_token)).await;
    let series = series.expect(200);

    assert_eq!(series.as_array().unwrap().len(), 2);
    let ankle = &series[0];
    assert_eq!(
        (ankle["landmark"].as_str(), ankle["distance_cm"].as_f64()),
        (Some("above the lateral malleolus"), Some(10.0))
    );
    let s1 = &ankle["sessions"][0];
    assert_eq!(s1["measured_at"], "2026-06-03T09:00:00+00:00");
    assert_eq!(
        (s1["left_cm"].as_f64(), s1["right_cm"].as_f64(), s1["difference_cm"].as_f64()),
        (Some(26.2), Some(24.0), Some(2.2))
    );
    let s2 = &ankle["sessions"][1];
    assert_eq!((s2["left_cm"].as_f64(), s2.get("right_cm"), s2.get("difference_cm")), (Some(25.1), None, None));
    // Kept to the millimetre.
    assert_eq!(series[1]["sessions"][0]["left_cm"].as_f64(), Some(33.0));
}

#[tokio::test]
async fn one_bad_girth_measurement_refuses_the_whole_batch() {
    let (app, w, pid) = setup().await;
    let appt = session(&app, &w.therapist_x, pid, 3).await;
    let mut both = girth("left", 10.0, 25.0);
    both["side"] = json!("both");

    let err = post_girths(&app, &w.therapist_x, &appt, vec![girth("left", 10.0, 25.0), both]).await;
    let err = err.expect_error(422, "validation_failed");
    assert_eq!(err["details"][0]["field"], "measurements[1].side");
    for (field, value) in [("circumference_cm", json!(0)), ("circumference_cm", json!(251)), ("distance_cm", json!(-1))]
    {
        let mut bad = girth("right", 10.0, 25.0);
        bad[field] = value;
        post_girths(&app, &w.therapist_x, &appt, vec![bad]).await.expect_error(422, "validation_failed");
    }
    let mut blank = girth("right", 10.0, 25.0);
    blank["landmark"] = json!("   ");
    post_girths(&app, &w.therapist_x, &appt, vec![blank]).await.expect_error(422, "validation_failed");
    post_girths(&app, &w.therapist_x, &appt, vec![]).await.expect_error(422, "validation_failed");

    let series =
        app.get(&format!("/api/v1/patients/{pid}/girth-measurements"), Some(&w.therapist_x.access_token)).await;
    assert_eq!(series.expect(200), json!([]));
}
