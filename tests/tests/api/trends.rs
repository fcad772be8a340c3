use chrono::{DateTime, Utc};
use entity::{rom_measure, session_note};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

struct Cast {
    therapist: Actor,
    patient: Actor,
}

/// A therapist and a patient made at `start`, the patient living in `zone`.
async fn cast_at(app: &TestApp, start: &str, zone: &str) -> Cast {
    app.clock.set(at(start));
    let admin = app.clinic_admin("Trend Clinic").await;
    let therapist = app.therapist(&admin).await;
    let patient = app.patient(&therapist).await;
    app.patch("/api/v1/me", Some(&patient.access_token), &json!({ "timezone": zone })).await.expect(200);
    Cast { therapist, patient }
}

async fn move_clock(app: &TestApp, to: &str, c: &mut Cast) {
    app.clock.set(at(to));
    c.therapist.access_token = app.relogin(&c.therapist).await;
    c.patient.access_token = app.relogin(&c.patient).await;
}

fn check_in(recorded_at: &str, pain: i64, context: &str) -> Value {
    json!({ "id": Uuid::new_v4(), "recorded_at": recorded_at, "pain": pain, "context": context })
}

#[tokio::test]
async fn daily_trends_across_a_dst_change_match_the_hand_computed_fixture() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-03-01T12:00:00Z", "America/New_York").await;
    move_clock(&app, "2026-03-12T12:00:00Z", &mut c).await;
    // New York springs forward on 2026-03-08 at 02:00 (07:00Z): EST (−5) before, EDT (−4) after.
    let items = json!({ "items": [
        check_in("2026-03-07T04:30:00Z", 2, "daily"), // Mar 6 23:30 EST
        check_in("2026-03-07T05:30:00Z", 4, "daily"), // Mar 7 00:30 EST
        check_in("2026-03-08T04:59:00Z", 6, "daily"), // Mar 7 23:59 EST
        check_in("2026-03-08T05:00:00Z", 3, "daily"), // Mar 8 00:00 EST
        check_in("2026-03-08T07:30:00Z", 5, "daily"), // Mar 8 03:30 EDT, just after the gap
        check_in("2026-03-09T03:30:00Z", 7, "daily"), // Mar 8 23:30 EDT (already Mar 9 in UTC)
        check_in("2026-03-09T04:30:00Z", 1, "daily"), // Mar 9 00:30 EDT
    ] });
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &items).await.expect(200);

    let t = app.get("/api/v1/me/trends?from=2026-03-07&to=2026-03-09", Some(&c.patient.access_token)).await.expect(200);

    assert_eq!(t["timezone"], "America/New_York");
    let pain: Vec<Value> = t["days"].as_array().unwrap().iter().map(|d| d["pain"].clone()).collect();
    assert_eq!(pain[0], json!({ "mean": 5.0, "min": 4, "max": 6, "count": 2 }));
    assert_eq!(pain[1], json!({ "mean": 5.0, "min": 3, "max": 7, "count": 3 }));
    assert_eq!(pain[2], json!({ "mean": 1.0, "min": 1, "max": 1, "count": 1 }));
    // Rolling means of the daily means: Mar 6 = 2, Mar 7 = 5, Mar 8 = 5, Mar 9 = 1.
    let rolling: Vec<f64> = t["days"].as_array().unwrap().iter().map(|d| d["pain_7d"].as_f64().unwrap()).collect();
    assert_eq!(rolling, [3.5, 4.0, 3.25]);
    // Baseline: the first week from Mar 6 holds all seven readings; the mean of its daily
    // means is (2 + 5 + 5 + 1) / 4 = 3.25 (the mean of the readings would be 28 / 7 = 4).
    assert_eq!(t["baseline"]["pain"], 3.25);
    assert_eq!(t["baseline"]["pain_source"], "first_week");
    assert_eq!(t["baseline"]["first_week_from"], "2026-03-06");
    let change = &t["changes"][0];
    assert_eq!(
        (
            change["metric"].as_str(),
            change["current"].as_f64(),
            change["change"].as_f64(),
            change["meaningful"].as_bool()
        ),
        (Some("pain"), Some(3.25), Some(0.0), Some(false))
    );

    // The therapist sees the same series.
    let patient_id = c.patient.patient_id.unwrap();
    let seen = app
        .get(
            &format!("/api/v1/patients/{patient_id}/trends?from=2026-03-07&to=2026-03-09"),
            Some(&c.therapist.access_token),
        )
        .await
        .expect(200);
    assert_eq!(seen["days"], t["days"]);
}

#[tokio::test]
async fn a_therapist_set_baseline_and_a_thirty_percent_fall_are_flagged_as_meaningful() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let patient_id = c.patient.patient_id.unwrap();
    let t = Some(c.therapist.access_token.clone());
    app.patch(&format!("/api/v1/patients/{patient_id}"), t.as_deref(), &json!({ "baseline_pain": 5 }))
        .await
        .expect(200);
    move_clock(&app, "2026-06-10T12:00:00Z", &mut c).await;
    let items: Vec<Value> = (3..10).map(|d| check_in(&format!("2026-06-0{d}T09:00:00Z"), 3, "daily")).collect();
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": items })).await.expect(200);
    let trends = app.get("/api/v1/me/trends?to=2026-06-09", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(trends["days"].as_array().unwrap().len(), 30);
    assert_eq!(trends["baseline"]["pain_source"], "therapist");
    let change = &trends["changes"][0];
    assert_eq!(change["change"], -2.0);
    assert_eq!(change["percent"], -40.0);
    assert_eq!(change["meaningful"], true);
    assert_eq!(change["direction"], "improved");
    // Ranges are bounded.
    app.get("/api/v1/me/trends?from=2025-01-01&to=2026-06-09", Some(&c.patient.access_token))
        .await
        .expect_error(422, "validation_failed");
    app.get("/api/v1/me/trends?from=2026-06-09&to=2026-06-01", Some(&c.patient.access_token))
        .await
        .expect_error(422, "validation_failed");
}

#[tokio::test]
async fn measure_histories_flag_changes_past_the_mcid() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    let activities = ["Reach a high shelf", "Lift a child", "Drive for an hour"];
    app.post(
        &path,
        Some(&c.therapist.access_token),
        &json!({ "instrument": "psfs", "every_days": 7, "activities": activities }),
    )
    .await
    .expect(201);
    for (day, answers) in [("2026-06-01", [4, 6, 5]), ("2026-06-08", [5, 6, 6]), ("2026-06-15", [7, 8, 6])] {
        move_clock(&app, &format!("{day}T12:00:00Z"), &mut c).await;
        let body = json!({ "id": Uuid::new_v4(), "instrument": "psfs", "recorded_at": format!("{day}T10:00:00Z"), "answers": answers });
        app.post("/api/v1/me/measure-responses", Some(&c.patient.access_token), &body).await.expect(201);
    }
    let trends = app.get("/api/v1/me/trends?from=2026-06-02&to=2026-06-15", Some(&c.patient.access_token)).await;
    let trends = trends.expect(200);
    let psfs = &trends["measures"][0];
    assert_eq!(psfs["instrument"], "psfs");
    // The baseline is the first response ever (June 1, 5.0), even though it is outside the range.
    assert_eq!(psfs["baseline"], 5.0);
    let points = psfs["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!((points[0]["score"].as_f64(), points[0]["change"]["meaningful"].as_bool()), (Some(5.67), Some(false)));
    assert_eq!((points[1]["score"].as_f64(), points[1]["change"]["meaningful"].as_bool()), (Some(7.0), Some(true)));
    assert_eq!(points[1]["change"]["direction"], "improved");
}

#[tokio::test]
async fn sessions_show_their_immediate_effect_follow_ups_and_range_of_motion() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let patient_id = c.patient.patient_id.unwrap();
    let book = |starts: &'static str, ends: &'static str| json!({ "starts_at": starts, "ends_at": ends });
    let appts = format!("/api/v1/patients/{patient_id}/appointments");
    let t = c.therapist.access_token.clone();
    let first = app.post(&appts, Some(&t), &book("2026-06-02T09:00:00Z", "2026-06-02T10:00:00Z")).await.expect(201);
    let second = app.post(&appts, Some(&t), &book("2026-06-03T15:00:00Z", "2026-06-03T16:00:00Z")).await.expect(201);
    let cancelled = app.post(&appts, Some(&t), &book("2026-06-04T15:00:00Z", "2026-06-04T16:00:00Z")).await.expect(201);
    let (first, second, cancelled) =
        (first["id"].as_str().unwrap(), second["id"].as_str().unwrap(), cancelled["id"].as_str().unwrap());

    // The patient sees what is coming up, soonest first; today names the next one.
    let upcoming = app.get("/api/v1/me/appointments", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(upcoming.as_array().unwrap().len(), 3);
    assert_eq!(upcoming[0]["id"], first);
    let today = app.get("/api/v1/me/today", Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(today["next_appointment"]["id"], first);

    // Bad bookings change nothing.
    app.post(&appts, Some(&t), &book("2026-06-02T10:00:00Z", "2026-06-02T09:00:00Z"))
        .await
        .expect_error(422, "validation_failed");
    app.post(&appts, Some(&t), &book("2026-06-02T08:00:00Z", "2026-06-02T18:00:00Z"))
        .await
        .expect_error(422, "validation_failed");
    app.patch(&format!("/api/v1/appointments/{cancelled}"), Some(&t), &json!({ "status": "cancelled" }))
        .await
        .expect(200);
    app.patch(&format!("/api/v1/appointments/{cancelled}"), Some(&t), &json!({ "starts_at": "2026-06-04T14:00:00Z" }))
        .await
        .expect_error(409, "conflict");
    app.put(&format!("/api/v1/appointments/{cancelled}/note"), Some(&t), &json!({ "subjective": "x" }))
        .await
        .expect_error(409, "conflict");

    move_clock(&app, "2026-06-06T12:00:00Z", &mut c).await;
    let t = c.therapist.access_token.clone();
    for id in [first, second] {
        app.patch(&format!("/api/v1/appointments/{id}"), Some(&t), &json!({ "status": "completed" })).await.expect(200);
    }
    let note = json!({
        "subjective": "Neck stiff after long drives.", "objective": "Tender upper trapezius.",
        "assessment": "Improving.", "plan": "Continue chin tucks.", "pain_before": 6, "pain_after": 3,
        "rom": [
            { "region": "neck", "side": "left", "movement": "rotation", "degrees": 60, "mode": "active",
              "method": "inclinometer" },
            { "region": "shoulder", "side": "left", "movement": "flexion", "degrees": 150, "mode": "active",
              "method": "goniometer" }
        ]
    });
    app.put(&format!("/api/v1/appointments/{first}/note"), Some(&t), &note).await.expect(200);
    let bad_rom = json!({ "rom": [{ "region": "neck", "side": "left", "movement": "rotation", "degrees": 400,
        "mode": "active", "method": "goniometer" }] });
    app.put(&format!("/api/v1/appointments/{second}/note"), Some(&t), &bad_rom)
        .await
        .expect_error(422, "validation_failed");
    let sided = json!({ "rom": [{ "region": "shoulder", "movement": "flexion", "degrees": 90, "mode": "active",
        "method": "goniometer" }] });
    app.put(&format!("/api/v1/appointments/{second}/note"), Some(&t), &sided)
        .await
        .expect_error(422, "validation_failed");
    let second_note = json!({ "rom": [{ "region": "shoulder", "side": "left", "movement": "flexion", "degrees": 165,
        "mode": "active", "method": "goniometer" }] });
    app.put(&format!("/api/v1/appointments/{second}/note"), Some(&t), &second_note).await.expect(200);
    let read = app.get(&format!("/api/v1/appointments/{first}/note"), Some(&t)).await.expect(200);
    assert_eq!(read["rom"][0]["movement"], "rotation");

    // The second session has no pain in its note: the patient's own pre/post check-ins count.
    let items = json!({ "items": [
        check_in("2026-06-03T10:30:00Z", 4, "daily"),        // 24.5 h after the first session
        check_in("2026-06-03T14:30:00Z", 5, "pre_session"),
        check_in("2026-06-03T16:15:00Z", 2, "post_session"),
        check_in("2026-06-04T09:00:00Z", 3, "daily"),        // 47 h after the first
    ] });
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &items).await.expect(200);

    let trends = app
        .get(&format!("/api/v1/patients/{patient_id}/trends?from=2026-06-01&to=2026-06-06"), Some(&t))
        .await
        .expect(200);
    let sessions = trends["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "cancelled sessions are left out");
    let effect = |s: &Value| {
        ["pain_before", "pain_after", "immediate_change", "follow_up_24h", "follow_up_48h"].map(|k| s[k].as_i64())
    };
    assert_eq!(effect(&sessions[0]), [Some(6), Some(3), Some(-3), Some(4), Some(3)]);
    assert_eq!(effect(&sessions[1]), [Some(5), Some(2), Some(-3), None, None]);
    let rom = trends["range_of_motion"].as_array().unwrap();
    let shoulder = rom.iter().find(|r| r["region"] == "shoulder").unwrap();
    assert_eq!(shoulder["side"], "left");
    let degrees: Vec<i64> =
        shoulder["points"].as_array().unwrap().iter().map(|p| p["degrees"].as_i64().unwrap()).collect();
    assert_eq!(degrees, [150, 165]);
    // Past sessions are no longer upcoming.
    let upcoming = app.get("/api/v1/me/appointments", Some(&c.patient.access_token)).await.expect(200);
    assert!(upcoming.as_array().unwrap().is_empty());
}

/// Posts check-ins as `(recorded_at, pain, context)`.
async fn check_ins(app: &TestApp, c: &Cast, items: &[(&str, i64, &str)]) {
    let items: Vec<Value> = items.iter().map(|(at, pain, context)| check_in(at, *pain, context)).collect();
    let reply = app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": items })).await;
    let reply = reply.expect(200);
    assert!(reply["results"].as_array().unwrap().iter().all(|r| r["status"] == 201), "{reply}");
}

/// A week of daily pain `baseline` from June 1, then `later` check-ins; the pain change
/// in trends ending `to`.
async fn pain_change(baseline: i64, later: &[(&str, i64, &str)], to: &str) -> Value {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T06:00:00Z", "UTC").await;
    move_clock(&app, "2026-06-20T12:00:00Z", &mut c).await;
    let week: Vec<String> = (1..=7).map(|d| format!("2026-06-0{d}T09:00:00Z")).collect();
    let week: Vec<(&str, i64, &str)> = week.iter().map(|at| (at.as_str(), baseline, "daily")).collect();
    check_ins(&app, &c, &week).await;
    check_ins(&app, &c, later).await;
    let t = app.get(&format!("/api/v1/me/trends?to={to}"), Some(&c.patient.access_token)).await.expect(200);
    assert_eq!(t["baseline"]["pain"], baseline as f64);
    t["changes"].as_array().unwrap().iter().find(|c| c["metric"] == "pain").unwrap().clone()
}

#[tokio::test]
async fn a_rise_from_one_to_one_point_three_is_not_a_meaningful_change() {
    // June 14–18 daily means 1, 1, 1, (1 + 2) / 2 = 1.5, 2: 6.5 / 5 = 1.3 on June 18,
    // +0.3 from a baseline of 1.0: +30 %, but a mild baseline and a worsening under 2 points.
    let later = [
        ("2026-06-14T09:00:00Z", 1, "daily"),
        ("2026-06-15T09:00:00Z", 1, "daily"),
        ("2026-06-16T09:00:00Z", 1, "daily"),
        ("2026-06-17T09:00:00Z", 1, "daily"),
        ("2026-06-17T18:00:00Z", 2, "daily"),
        ("2026-06-18T09:00:00Z", 2, "daily"),
    ];
    let change = pain_change(1, &later, "2026-06-18").await;
    assert_eq!(
        (&change["current"], &change["change"], &change["percent"], &change["meaningful"], &change["direction"]),
        (&json!(1.3), &json!(0.3), &json!(30.0), &json!(false), &json!("worsened"))
    );
}

#[tokio::test]
async fn thirty_percent_better_counts_from_a_moderate_baseline_only() {
    // Baseline 4; June 14–18 daily 3, 3, 3, 3, 2: 14 / 5 = 2.8, −1.2 points = −30 %: meaningful.
    let later: Vec<String> = (14..=18).map(|d| format!("2026-06-{d}T09:00:00Z")).collect();
    let pains = [3, 3, 3, 3, 2];
    let items: Vec<(&str, i64, &str)> = later.iter().zip(pains).map(|(at, p)| (at.as_str(), p, "daily")).collect();
    let moderate = pain_change(4, &items, "2026-06-18").await;
    assert_eq!(
        (&moderate["current"], &moderate["percent"], &moderate["meaningful"]),
        (&json!(2.8), &json!(-30.0), &json!(true))
    );
    // Baseline 3; June 14–18 daily 2: −1 point = −33 % of a mild baseline: not meaningful.
    let items: Vec<(&str, i64, &str)> = later.iter().map(|at| (at.as_str(), 2, "daily")).collect();
    let mild = pain_change(3, &items, "2026-06-18").await;
    assert_eq!((&mild["current"], &mild["percent"], &mild["meaningful"]), (&json!(2.0), &json!(-33.33), &json!(false)));
    // Worse by 2 points from a mild baseline is meaningful: 3 → 5.
    let items: Vec<(&str, i64, &str)> = later.iter().map(|at| (at.as_str(), 5, "daily")).collect();
    let worse = pain_change(3, &items, "2026-06-18").await;
    assert_eq!(
        (&worse["change"], &worse["meaningful"], &worse["direction"]),
        (&json!(2.0), &json!(true), &json!("worsened"))
    );
}

#[tokio::test]
async fn the_pain_baseline_is_the_mean_of_daily_means_of_the_first_daily_week_with_pain() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T06:00:00Z", "UTC").await;
    move_clock(&app, "2026-06-20T12:00:00Z", &mut c).await;
    // June 1–5: stress only. Those days must not hold the pain baseline back for good.
    let stress: Vec<Value> = (1..=5)
        .map(|d| json!({ "id": Uuid::new_v4(), "recorded_at": format!("2026-06-0{d}T09:00:00Z"), "stress": 5 }))
        .collect();
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": stress })).await.expect(200);
    check_ins(
        &app,
        &c,
        &[
            ("2026-06-08T08:00:00Z", 2, "daily"),
            ("2026-06-08T12:00:00Z", 6, "daily"),
            ("2026-06-08T20:00:00Z", 7, "daily"),  // June 8: (2 + 6 + 7) / 3 = 5
            ("2026-06-09T09:00:00Z", 8, "daily"),  // June 9: 8
            ("2026-06-09T15:00:00Z", 10, "flare"), // left out
            ("2026-06-10T09:00:00Z", 9, "pre_session"), // left out
            ("2026-06-10T11:00:00Z", 1, "post_session"), // left out
            ("2026-06-14T09:00:00Z", 3, "daily"),  // June 14, the week's last day: 3
            ("2026-06-15T09:00:00Z", 9, "daily"),  // after the week
        ],
    )
    .await;

    let t = app.get("/api/v1/me/trends?to=2026-06-15", Some(&c.patient.access_token)).await.expect(200);

    // (5 + 8 + 3) / 3 = 5.33; the mean of the week's daily readings would be 26 / 5 = 5.2,
    // and with the flare and session check-ins 46 / 8 = 5.75.
    assert_eq!(t["baseline"]["pain"], 5.33);
    assert_eq!(t["baseline"]["pain_source"], "first_week");
    assert_eq!(t["baseline"]["first_week_from"], "2026-06-08");
    // Stress has its own week, from June 1.
    assert_eq!(t["baseline"]["stress"], 5.0);
}

#[tokio::test]
async fn each_rating_keeps_its_own_baseline_week_when_the_weeks_overlap() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T06:00:00Z", "UTC").await;
    move_clock(&app, "2026-06-20T12:00:00Z", &mut c).await;
    let item = |at: &str, ratings: Value| {
        let mut item = json!({ "id": Uuid::new_v4(), "recorded_at": at });
        item.as_object_mut().unwrap().extend(ratings.as_object().unwrap().clone());
        item
    };
    let items = vec![
        item("2026-06-01T09:00:00Z", json!({ "stress": 4 })), // stress week: June 1–7
        item("2026-06-03T09:00:00Z", json!({ "pain": 6, "stress": 7 })), // pain week: June 3–9
        item("2026-06-03T18:00:00Z", json!({ "pain": 2 })),   // June 3: pain 4, stress still 7
        item("2026-06-06T09:00:00Z", json!({ "stress": 4, "sleep_quality": 7 })), // sleep week: June 6–12
        item("2026-06-08T09:00:00Z", json!({ "pain": 9, "stress": 0, "sleep_quality": 3 })),
        item("2026-06-09T09:00:00Z", json!({ "pain": 10, "stress": 10, "context": "flare" })), // left out
    ];
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": items })).await.expect(200);

    let t = app.get("/api/v1/me/trends?to=2026-06-15", Some(&c.patient.access_token)).await.expect(200);

    // Pain: June 3 (4) and June 8 (9). Stress: June 1 (4), June 3 (7) and June 6 (4); June 8
    // is past its week. Sleep: June 6 (7) and June 8 (3).
    assert_eq!(t["baseline"]["pain"], 6.5);
    assert_eq!(t["baseline"]["first_week_from"], "2026-06-03");
    assert_eq!(t["baseline"]["stress"], 5.0);
    assert_eq!(t["baseline"]["sleep_quality"], 5.0);
}

fn rom(region: &str, side: Option<&str>, movement: &str, degrees: i64, mode: &str, method: &str) -> Value {
    let mut m = json!({ "region": region, "movement": movement, "degrees": degrees, "mode": mode, "method": method });
    if let Some(side) = side {
        m["side"] = json!(side);
    }
    m
}

/// A completed session on June 2 with a note, for range-of-motion tests.
async fn session(app: &TestApp, c: &Cast) -> String {
    let patient_id = c.patient.patient_id.unwrap();
    let t = Some(c.therapist.access_token.as_str());
    let body = json!({ "starts_at": "2026-06-02T09:00:00Z", "ends_at": "2026-06-02T10:00:00Z" });
    let appt = app.post(&format!("/api/v1/patients/{patient_id}/appointments"), t, &body).await.expect(201);
    let id = appt["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/appointments/{id}"), t, &json!({ "status": "completed" })).await.expect(200);
    id
}

#[tokio::test]
async fn range_of_motion_records_the_side_of_neck_rotation_signed_extension_mode_and_method() {
    let app = spawn_app().await;
    let c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let id = session(&app, &c).await;
    let t = Some(c.therapist.access_token.as_str());
    let note = json!({ "rom": [
        rom("neck", Some("left"), "rotation", 70, "active", "inclinometer"),
        rom("neck", Some("right"), "rotation", 45, "active", "inclinometer"),
        rom("lower_back", Some("right"), "side_bending", 30, "active", "visual_estimate"),
        rom("knee", Some("right"), "extension", -10, "passive", "goniometer"), // 10° short of straight
        rom("elbow", Some("left"), "extension", 5, "active", "goniometer"),     // 5° hyperextension
    ] });

    let written = app.put(&format!("/api/v1/appointments/{id}/note"), t, &note).await.expect(200);

    let read = app.get(&format!("/api/v1/appointments/{id}/note"), t).await.expect(200);
    assert_eq!(read["rom"], written["rom"]);
    let row = |i: usize| {
        let r = &read["rom"][i];
        (r["side"].clone(), r["degrees"].clone(), r["mode"].clone(), r["method"].clone(), r["typical_degrees"].clone())
    };
    assert_eq!(row(0), (json!("left"), json!(70), json!("active"), json!("inclinometer"), json!(60)));
    assert_eq!(row(1), (json!("right"), json!(45), json!("active"), json!("inclinometer"), json!(60)));
    assert_eq!(row(2), (json!("right"), json!(30), json!("active"), json!("visual_estimate"), json!(35)));
    assert_eq!(row(3), (json!("right"), json!(-10), json!("passive"), json!("goniometer"), json!(0)));
    assert_eq!(row(4), (json!("left"), json!(5), json!("active"), json!("goniometer"), json!(0)));

    // Trends keep left and right neck rotation apart.
    let patient_id = c.patient.patient_id.unwrap();
    let trends =
        app.get(&format!("/api/v1/patients/{patient_id}/trends?from=2026-06-01&to=2026-06-02"), t).await.expect(200);
    let series = trends["range_of_motion"].as_array().unwrap();
    let neck: Vec<(&str, i64)> = series
        .iter()
        .filter(|s| s["region"] == "neck")
        .map(|s| (s["side"].as_str().unwrap(), s["points"][0]["degrees"].as_i64().unwrap()))
        .collect();
    assert_eq!(neck, [("left", 70), ("right", 45)]);
    let knee = series.iter().find(|s| s["region"] == "knee").unwrap();
    assert_eq!((&knee["mode"], &knee["points"][0]["method"]), (&json!("passive"), &json!("goniometer")));
}

#[tokio::test]
async fn range_of_motion_input_that_does_not_fit_the_vocabulary_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let id = session(&app, &c).await;
    let path = format!("/api/v1/appointments/{id}/note");
    let t = Some(c.therapist.access_token.as_str());
    let good =
        json!({ "subjective": "kept", "rom": [rom("neck", Some("left"), "rotation", 70, "active", "goniometer")] });
    app.put(&path, t, &good).await.expect(200);

    let refused = [
        (rom("neck", None, "rotation", 70, "active", "goniometer"), "rom[0].side"),
        (rom("neck", Some("left"), "flexion", 40, "active", "goniometer"), "rom[0].side"),
        (rom("knee", Some("left"), "pronation", 10, "active", "goniometer"), "rom[0].movement"),
        (rom("calf", Some("left"), "flexion", 10, "active", "goniometer"), "rom[0].movement"),
        (rom("knee", Some("left"), "flexion", -5, "active", "goniometer"), "rom[0].degrees"),
        (rom("knee", Some("left"), "extension", -91, "active", "goniometer"), "rom[0].degrees"),
        (rom("shoulder", Some("left"), "abduction", 181, "active", "goniometer"), "rom[0].degrees"),
        (rom("shoulder", Some("left"), "abduction", i64::MAX, "active", "goniometer"), "rom[0].degrees"),
    ];
    for (m, field) in refused {
        let reply = app.put(&path, t, &json!({ "rom": [m] })).await.expect_error(422, "validation_failed");
        // Bounds every movement shares are declared in the schema, whose check names the
        // field alone; the per-movement rules name its place in the list.
        let named = reply["details"][0]["field"].as_str().unwrap();
        assert!(field.ends_with(named), "{m}: {reply}");
    }
    for m in [
        rom("neck", Some("both"), "rotation", 70, "active", "goniometer"),
        rom("neck", Some("left"), "twirling", 70, "active", "goniometer"),
        rom("neck", Some("left"), "rotation", 70, "sideways", "goniometer"),
        rom("neck", Some("left"), "rotation", 70, "active", "ruler"),
        json!({ "region": "neck", "side": "left", "movement": "rotation", "degrees": 70 }),
        json!({ "region": "neck", "side": "left", "movement": "rotation", "degrees": "seventy", "mode": "active",
            "method": "goniometer" }),
    ] {
        app.put(&path, t, &json!({ "rom": [m] })).await.expect_error(400, "bad_request");
    }
    let read = app.get(&path, t).await.expect(200);
    assert_eq!((read["subjective"].clone(), read["rom"][0]["degrees"].clone()), (json!("kept"), json!(70)));

    // A therapist of another clinic cannot write it.
    let other_admin = app.clinic_admin("Other Clinic").await;
    let other = app.therapist(&other_admin).await;
    app.put(&path, Some(&other.access_token), &good).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn range_of_motion_rows_stored_before_the_vocabulary_stay_readable() {
    let app = spawn_app().await;
    let c = cast_at(&app, "2026-06-01T12:00:00Z", "UTC").await;
    let id = session(&app, &c).await;
    let t = Some(c.therapist.access_token.as_str());
    app.put(&format!("/api/v1/appointments/{id}/note"), t, &json!({ "subjective": "old note" })).await.expect(200);
    let note = session_note::Entity::find()
        .filter(session_note::Column::AppointmentId.eq(id.parse::<Uuid>().unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // As the old API stored it: free-text movement, a side of "both", no mode or method.
    rom_measure::Entity::insert(rom_measure::ActiveModel {
        id: Set(Uuid::new_v4()),
        session_note_id: Set(note.id),
        patient_id: Set(note.patient_id),
        measured_at: Set(at("2026-06-02T09:00:00Z")),
        region: Set(entity::BodyRegion::Shoulder),
        side: Set(entity::Side::Both),
        movement: Set("overhead reach".into()),
        degrees: Set(160),
        position: Set(0),
        mode: Set(None),
        method: Set(None),
    })
    .exec(&app.state.db)
    .await
    .unwrap();

    let read = app.get(&format!("/api/v1/appointments/{id}/note"), t).await.expect(200);

    assert_eq!(
        read["rom"][0],
        json!({ "region": "shoulder", "side": "both", "movement": "overhead reach", "degrees": 160 })
    );
    let patient_id = c.patient.patient_id.unwrap();
    let trends =
        app.get(&format!("/api/v1/patients/{patient_id}/trends?from=2026-06-01&to=2026-06-02"), t).await.expect(200);
    assert_eq!(trends["range_of_motion"][0]["points"][0]["degrees"], 160);
}

#[tokio::test]
async fn psfs_changes_are_measured_only_against_responses_rating_the_same_activities() {
    let app = spawn_app().await;
    let mut c = cast_at(&app, "2026-06-01T08:00:00Z", "UTC").await;
    let path = format!("/api/v1/patients/{}/measures", c.patient.patient_id.unwrap());
    let first_set = ["Reach a high shelf", "Lift a child", "Drive for an hour"];
    let second_set = ["Reach a high shelf", "Lift a child", "Garden for 30 minutes"];
    let schedule = |activities: [&str; 3]| json!({ "instrument": "psfs", "every_days": 7, "activities": activities });
    let first_schedule =
        app.post(&path, Some(&c.therapist.access_token), &schedule(first_set)).await.expect(201)["id"].clone();
    let answer = |day: &str, answers: [i64; 3]| json!({ "id": Uuid::new_v4(), "instrument": "psfs", "recorded_at": format!("{day}T10:00:00Z"), "answers": answers });

    // First activities: June 1 (4 + 6 + 5) / 3 = 5.0, June 8 (5 + 6 + 6) / 3 = 5.67.
    move_clock(&app, "2026-06-01T12:00:00Z", &mut c).await;
    let first = answer("2026-06-01", [4, 6, 5]);
    let stored = app.post("/api/v1/me/measure-responses", Some(&c.patient.access_token), &first).await.expect(201);
    assert_eq!((&stored["schedule_id"], &stored["activities"]), (&first_schedule, &json!(first_set)));
    move_clock(&app, "2026-06-08T12:00:00Z", &mut c).await;
    app.post("/api/v1/me/measure-responses", Some(&c.patient.access_token), &answer("2026-06-08", [5, 6, 6]))
        .await
        .expect(201);
    // The therapist swaps one activity; the next ratings are of other activities.
    move_clock(&app, "2026-06-10T12:00:00Z", &mut c).await;
    app.post(&path, Some(&c.therapist.access_token), &schedule(second_set)).await.expect(201);
    // Second activities: June 15 (8 + 8 + 8) / 3 = 8.0, June 22 (9 + 8 + 10) / 3 = 9.0.
    for (day, answers) in [("2026-06-15", [8, 8, 8]), ("2026-06-22", [9, 8, 10])] {
        move_clock(&app, &format!("{day}T12:00:00Z"), &mut c).await;
        app.post("/api/v1/me/measure-responses", Some(&c.patient.access_token), &answer(day, answers))
            .await
            .expect(201);
    }

    let trends = app.get("/api/v1/me/trends?from=2026-06-01&to=2026-06-22", Some(&c.patient.access_token)).await;
    let trends = trends.expect(200);

    let histories = trends["measures"].as_array().unwrap();
    assert_eq!(histories.len(), 2, "one history per set of activities: {histories:?}");
    let summary = |h: &Value| {
        let points: Vec<(f64, Option<f64>, Option<bool>)> = h["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (p["score"].as_f64().unwrap(), p["change"]["change"].as_f64(), p["change"]["meaningful"].as_bool())
            })
            .collect();
        (h["activities"].clone(), h["baseline"].as_f64(), points)
    };
    // June 8 against June 1: +0.67, under the MCID of 2. The baseline point has no change.
    assert_eq!(
        summary(&histories[0]),
        (json!(first_set), Some(5.0), vec![(5.0, None, None), (5.67, Some(0.67), Some(false))])
    );
    // June 15 is not +3.0 against June 1 (other activities): it starts its own history.
    // June 22 against it: +1.0, not meaningful.
    assert_eq!(
        summary(&histories[1]),
        (json!(second_set), Some(8.0), vec![(8.0, None, None), (9.0, Some(1.0), Some(false))])
    );
}
