//! Payer authorizations: the member id sealed at rest and masked in answers, visits used
//! counted from completed linked sessions, bookings past the authorization flagged, and
//! the two alerts (2 visits left, ending within 7 days) raised once each.

use chrono::{DateTime, Utc};
use entity::{alert, payer_authorization};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const MEMBER_ID: &str = "NWH-558812340";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn body(visits: i64, starts_on: &str, ends_on: &str) -> Value {
    json!({
        "payer_name": "Northwind Health Plan", "member_id": MEMBER_ID, "authorization_number": "AUTH-0042",
        "visits_authorized": visits, "starts_on": starts_on, "ends_on": ends_on
    })
}

async fn authorize(app: &TestApp, therapist: &Actor, patient: &Actor, visits: i64, ends_on: &str) -> String {
    let path = format!("/api/v1/patients/{}/authorizations", patient.patient_id.unwrap());
    let created =
        app.post(&path, Some(&therapist.access_token), &body(visits, "2026-06-01", ends_on)).await.expect(201);
    created["id"].as_str().unwrap().to_owned()
}

/// Books a one-hour session starting at `starts_at` (UTC), linked to `authorization`.
async fn book(app: &TestApp, therapist: &Actor, patient: &Actor, starts_at: &str, authorization: &str) -> Value {
    let start = at(starts_at);
    let body =
        json!({ "starts_at": start, "ends_at": start + chrono::Duration::hours(1), "authorization_id": authorization });
    let path = format!("/api/v1/patients/{}/appointments", patient.patient_id.unwrap());
    app.post(&path, Some(&therapist.access_token), &body).await.expect(201)
}

async fn set_status(app: &TestApp, therapist: &Actor, appointment: &Value, status: &str) -> Value {
    let path = format!("/api/v1/appointments/{}", appointment["id"].as_str().unwrap());
    app.patch(&path, Some(&therapist.access_token), &json!({ "status": status })).await.expect(200)
}

async fn read(app: &TestApp, therapist: &Actor, id: &str) -> Value {
    app.get(&format!("/api/v1/authorizations/{id}"), Some(&therapist.access_token)).await.expect(200)
}

async fn alerts_of(app: &TestApp, patient: &Actor, kind: alert::Kind) -> Vec<alert::Model> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient.patient_id.unwrap()))
        .filter(alert::Column::Kind.eq(kind))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_member_id_is_encrypted_in_the_database_and_masked_in_every_answer() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());

    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());
    let created = app.post(&path, t, &body(6, "2026-06-01", "2026-07-31")).await.expect(201);
    let id = created["id"].as_str().unwrap();

    assert_eq!(created["member_id"], "••••2340");
    let row =
        payer_authorization::Entity::find_by_id(id.parse::<Uuid>().unwrap()).one(&app.state.db).await.unwrap().unwrap();
    assert!(row.member_id_sealed.starts_with("v1:"), "{}", row.member_id_sealed);
    let raw = format!("{row:?}");
    for piece in [MEMBER_ID, "558812340", "NWH-5588"] {
        assert!(!raw.contains(piece), "the stored row shows {piece}");
    }
    let answers = [created.clone(), read(&app, &w.therapist_x, id).await, app.get(&path, t).await.expect(200)];
    for answer in answers {
        assert!(!answer.to_string().contains("558812340"), "{answer}");
    }
    assert_eq!(app.get(&path, t).await.expect(200)[0]["member_id"], "••••2340");
}

#[tokio::test]
async fn a_changed_member_id_is_sealed_again_and_masked() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = authorize(&app, &w.therapist_x, &w.patient_a, 6, "2026-07-31").await;
    let before = payer_authorization::Entity::find_by_id(id.parse::<Uuid>().unwrap()).one(&app.state.db).await.unwrap();

    let patched = app
        .patch(
            &format!("/api/v1/authorizations/{id}"),
            Some(&w.therapist_x.access_token),
            &json!({ "member_id": "zz-00001234" }),
        )
        .await
        .expect(200);

    assert_eq!(patched["member_id"], "••••1234");
    let after = payer_authorization::Entity::find_by_id(id.parse::<Uuid>().unwrap()).one(&app.state.db).await.unwrap();
    assert_ne!(before.unwrap().member_id_sealed, after.unwrap().member_id_sealed);
}

#[tokio::test]
async fn the_member_id_never_appears_in_an_error_body() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());
    let with = |field: &str, value: Value| {
        let mut b = body(6, "2026-06-01", "2026-07-31");
        b[field] = value;
        b
    };

    let cases = [
        (with("member_id", json!("NWH 5588!")), 422),
        (with("member_id", json!("NWH55")), 422),
        (with("member_id", json!(558812340)), 400),
        (with("member_id", json!(["NWH-558812340"])), 400),
        (with("ends_on", json!("2026-05-01")), 422),
        (with("visits_authorized", json!(-3)), 422),
        (with("surprise", json!("NWH-558812340")), 400),
    ];
    for (body, status) in cases {
        let reply = app.post(&path, t, &body).await;
        let text = reply.body.to_string();
        assert_eq!(reply.status.as_u16(), status, "{text}");
        for piece in ["558812340", "5588!", "NWH55"] {
            assert!(!text.contains(piece), "an error body repeats the member id: {text}");
        }
    }
    assert_eq!(app.get(&path, t).await.expect(200), json!([]));
}

/// A log writer that keeps every line in memory.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The server runs on this test's thread (a current-thread runtime), so a subscriber
/// set for the thread sees every log line it writes, at every level, including the one
/// for a stored value that no longer decrypts.
#[tokio::test]
async fn the_member_id_never_appears_in_a_log_line() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());

    let id = authorize(&app, &w.therapist_x, &w.patient_a, 6, "2026-07-31").await;
    let url = format!("/api/v1/authorizations/{id}");
    app.get(&url, t).await.expect(200);
    app.get(&path, t).await.expect(200);
    app.patch(&url, t, &json!({ "member_id": "ZZ-00009876" })).await.expect(200);
    app.patch(&url, t, &json!({ "member_id": "ZZ 00009876!" })).await.expect(422);
    app.post(&path, t, &json!({ "member_id": 558812340 })).await.expect(400);
    // A sealed value that no longer opens is a logged server error, never its content.
    payer_authorization::Entity::update_many()
        .col_expr(
            payer_authorization::Column::MemberIdSealed,
            sea_orm::sea_query::Expr::value("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .filter(payer_authorization::Column::Id.eq(id.parse::<Uuid>().unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();
    let broken = app.get(&url, t).await.expect_error(500, "internal");
    assert!(!broken.to_string().contains("9876"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("does not decrypt"), "the capture works: {logs}");
    for piece in ["558812340", "NWH-5588", "00009876"] {
        assert!(!logs.contains(piece), "a log line shows {piece}");
    }
}

#[tokio::test]
async fn bad_dates_and_visit_counts_are_refused_with_their_field() {
    let app = spawn_app().await;
    let w = app.world().await;
    let t = Some(w.therapist_x.access_token.as_str());
    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());

    let e = app.post(&path, t, &body(6, "2026-06-10", "2026-06-09")).await.expect_error(422, "validation_failed");
    assert_eq!(e["details"][0]["field"], "ends_on");
    for visits in [0, -1] {
        let e =
            app.post(&path, t, &body(visits, "2026-06-01", "2026-06-09")).await.expect_error(422, "validation_failed");
        assert_eq!(e["details"][0]["field"], "visits_authorized");
    }
    let id = authorize(&app, &w.therapist_x, &w.patient_a, 6, "2026-07-31").await;
    let url = format!("/api/v1/authorizations/{id}");
    let e = app.patch(&url, t, &json!({ "starts_on": "2026-08-01" })).await.expect_error(422, "validation_failed");
    assert_eq!(e["details"][0]["field"], "ends_on");
    assert_eq!(read(&app, &w.therapist_x, &id).await["starts_on"], "2026-06-01");
}

#[tokio::test]
async fn visits_used_count_only_completed_sessions_linked_to_the_authorization() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (th, pa) = (&w.therapist_x, &w.patient_a);
    let id = authorize(&app, th, pa, 6, "2026-07-31").await;
    let done = book(&app, th, pa, "2026-06-02T08:00:00Z", &id).await;
    set_status(&app, th, &done, "completed").await;
    let done = book(&app, th, pa, "2026-06-04T08:00:00Z", &id).await;
    set_status(&app, th, &done, "completed").await;
    book(&app, th, pa, "2026-06-09T08:00:00Z", &id).await;
    let cancelled = book(&app, th, pa, "2026-06-11T08:00:00Z", &id).await;
    set_status(&app, th, &cancelled, "cancelled").await;
    let no_show = book(&app, th, pa, "2026-06-12T08:00:00Z", &id).await;
    set_status(&app, th, &no_show, "no_show").await;
    // Completed but paid some other way.
    let path = format!("/api/v1/patients/{}/appointments", pa.patient_id.unwrap());
    let unlinked = app
        .post(
            &path,
            Some(&th.access_token),
            &json!({ "starts_at": "2026-06-05T08:00:00Z", "ends_at": "2026-06-05T09:00:00Z" }),
        )
        .await
        .expect(201);
    set_status(&app, th, &unlinked, "completed").await;

    let shown = read(&app, th, &id).await;

    assert_eq!(shown["visits_authorized"], 6);
    assert_eq!(shown["visits_used"], 2);
    assert_eq!(shown["visits_remaining"], 4);
}

#[tokio::test]
async fn an_appointment_links_only_to_its_own_patients_authorization_and_plan() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (th, t) = (&w.therapist_x, Some(w.therapist_x.access_token.as_str()));
    let b_auth = authorize(&app, th, &w.patient_b, 6, "2026-07-31").await;
    let c_auth = authorize(&app, &w.therapist_y, &w.patient_c, 6, "2026-07-31").await;
    let b_plan = app
        .post(
            &format!("/api/v1/patients/{}/care-plans", w.patient_b.patient_id.unwrap()),
            t,
            &json!({ "title": "B's plan", "start_date": "2026-06-01" }),
        )
        .await
        .expect(201)["id"]
        .clone();
    let path = format!("/api/v1/patients/{}/appointments", w.patient_a.patient_id.unwrap());
    let slot = json!({ "starts_at": "2026-06-02T08:00:00Z", "ends_at": "2026-06-02T09:00:00Z" });
    let with = |field: &str, value: Value| {
        let mut b = slot.clone();
        b[field] = value;
        b
    };

    for (field, value) in
        [("authorization_id", json!(b_auth)), ("authorization_id", json!(c_auth)), ("care_plan_id", b_plan)]
    {
        let e = app.post(&path, t, &with(field, value.clone())).await.expect_error(422, "validation_failed");
        assert_eq!(e["details"][0]["field"], field);
    }
    let appt = app.post(&path, t, &slot).await.expect(201);
    let url = format!("/api/v1/appointments/{}", appt["id"].as_str().unwrap());
    app.patch(&url, t, &json!({ "authorization_id": b_auth })).await.expect_error(422, "validation_failed");
    assert_eq!(app.get(&path, t).await.expect(200).as_array().unwrap().len(), 1);
    assert!(app.get(&path, t).await.expect(200)[0].get("authorization_id").is_none());
}

#[tokio::test]
async fn booking_past_the_authorization_is_allowed_but_flagged() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (th, pa) = (&w.therapist_x, &w.patient_a);
    let id = authorize(&app, th, pa, 2, "2026-06-30").await;

    let first = book(&app, th, pa, "2026-06-02T08:00:00Z", &id).await;
    let second = book(&app, th, pa, "2026-06-03T08:00:00Z", &id).await;
    let third = book(&app, th, pa, "2026-06-04T08:00:00Z", &id).await;
    let late = book(&app, th, pa, "2026-07-01T08:00:00Z", &id).await;

    assert!(first.get("authorization_warning").is_none(), "{first}");
    assert!(second.get("authorization_warning").is_none(), "{second}");
    assert_eq!(third["authorization_warning"], "none_left");
    assert_eq!(late["authorization_warning"], "outside_dates");
    assert_eq!(third["authorization_id"], id);
    // The patient's own app sees the session, not the payer matters behind it.
    let mine = app.get("/api/v1/me/appointments", Some(&pa.access_token)).await.expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 4);
    assert!(mine.as_array().unwrap().iter().all(|a| a.get("authorization_id").is_none()), "{mine}");
    // Cancelling one makes room: linking a plain booking now raises no flag.
    set_status(&app, th, &first, "cancelled").await;
    set_status(&app, th, &late, "cancelled").await;
    let path = format!("/api/v1/patients/{}/appointments", pa.patient_id.unwrap());
    let plain = app
        .post(
            &path,
            Some(&th.access_token),
            &json!({ "starts_at": "2026-06-05T08:00:00Z", "ends_at": "2026-06-05T09:00:00Z" }),
        )
        .await
        .expect(201);
    let url = format!("/api/v1/appointments/{}", plain["id"].as_str().unwrap());
    let linked = app.patch(&url, Some(&th.access_token), &json!({ "authorization_id": id })).await.expect(200);
    assert_eq!(linked["authorization_id"], id);
    assert_eq!(linked["authorization_warning"], "none_left", "second and third still hold both visits");
    let unlinked = app.patch(&url, Some(&th.access_token), &json!({ "authorization_id": null })).await.expect(200);
    assert!(unlinked.get("authorization_id").is_none() && unlinked.get("authorization_warning").is_none());
}

#[tokio::test]
async fn the_low_visits_alert_fires_once_when_a_completed_visit_leaves_two() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (th, pa) = (&w.therapist_x, &w.patient_a);
    let id = authorize(&app, th, pa, 4, "2026-07-31").await;
    let mut sessions = Vec::new();
    for day in 2..=5 {
        sessions.push(book(&app, th, pa, &format!("2026-06-0{day}T08:00:00Z"), &id).await);
    }

    set_status(&app, th, &sessions[0], "completed").await;
    assert!(alerts_of(&app, pa, alert::Kind::AuthorizationLow).await.is_empty(), "3 left is not low");
    set_status(&app, th, &sessions[1], "completed").await;

    let raised = alerts_of(&app, pa, alert::Kind::AuthorizationLow).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(id.parse().unwrap()));
    assert!(raised[0].details.starts_with("2 of 4 authorized visits left"), "{}", raised[0].details);
    assert!(!raised[0].details.contains("558812340"));
    // The therapist sees it in the usual list, naming the authorization.
    let listed = app
        .get(
            &format!("/api/v1/alerts?kind=authorization_low&patient_id={}", pa.patient_id.unwrap()),
            Some(&th.access_token),
        )
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["authorization_id"], id);
    assert!(listed["items"][0].get("check_in_id").is_none());
    // Acknowledged, and more visits completed: never again for this authorization.
    let alert_id = raised[0].id;
    app.post(&format!("/api/v1/alerts/{alert_id}/acknowledge"), Some(&th.access_token), &json!({})).await.expect(200);
    set_status(&app, th, &sessions[2], "completed").await;
    set_status(&app, th, &sessions[3], "completed").await;
    fascia::workers::alert_rules::run_once(&app.state.db, at("2026-06-06T08:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, pa, alert::Kind::AuthorizationLow).await.len(), 1);
    assert_eq!(read(&app, th, &id).await["visits_remaining"], 0);
}

/// One open alert per patient and kind: a second authorization running low while the
/// first one's alert is open is owed its own alert, which the worker raises once the
/// first is acknowledged.
#[tokio::test]
async fn a_low_alert_held_back_by_an_open_one_follows_when_that_is_acknowledged() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (th, pa) = (&w.therapist_x, &w.patient_a);
    let first = authorize(&app, th, pa, 3, "2026-07-31").await;
    let second = authorize(&app, th, pa, 3, "2026-07-31").await;
    let visit = book(&app, th, pa, "2026-06-02T08:00:00Z", &first).await;
    set_status(&app, th, &visit, "completed").await;
    let visit = book(&app, th, pa, "2026-06-03T08:00:00Z", &second).await;
    set_status(&app, th, &visit, "completed").await;

    let raised = alerts_of(&app, pa, alert::Kind::AuthorizationLow).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].source_id, Some(first.parse().unwrap()));
    let db = &app.state.db;
    fascia::workers::alert_rules::run_once(db, at("2026-06-03T12:00:00Z")).await.unwrap();
    assert_eq!(alerts_of(&app, pa, alert::Kind::AuthorizationLow).await.len(), 1, "still held by the open one");
    let ack = format!("/api/v1/alerts/{}/acknowledge", raised[0].id);
    app.post(&ack, Some(&th.access_token), &json!({})).await.expect(200);
    fascia::workers::alert_rules::run_once(db, at("2026-06-03T12:05:00Z")).await.unwrap();
    fascia::workers::alert_rules::run_once(db, at("2026-06-03T12:10:00Z")).await.unwrap();

    let raised = alerts_of(&app, pa, alert::Kind::AuthorizationLow).await;
    assert_eq!(raised.len(), 2);
    assert!(raised.iter().any(|a| a.source_id == Some(second.parse().unwrap())));
}

#[tokio::test]
async fn the_expiring_alert_comes_from_the_worker_seven_days_before_the_end_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let pa = &w.patient_a;
    // Ends on Saturday 20 June; a week before is Saturday 13 June in Berlin.
    authorize(&app, &w.therapist_x, pa, 6, "2026-06-20").await;
    let db = &app.state.db;
    let run = |instant: &'static str| fascia::workers::alert_rules::run_once(db, at(instant));

    run("2026-06-12T21:59:00Z").await.unwrap();
    assert!(alerts_of(&app, pa, alert::Kind::AuthorizationExpiring).await.is_empty(), "Friday 23:59 in Berlin");
    let report = run("2026-06-12T22:00:00Z").await.unwrap();
    assert_eq!(report.raised.len(), 1, "midnight into the 13th in Berlin");
    assert_eq!(report.raised[0].kind, alert::Kind::AuthorizationExpiring);
    assert!(report.raised[0].details.contains("ends on 2026-06-20"), "{}", report.raised[0].details);
    run("2026-06-14T08:00:00Z").await.unwrap();
    let raised = alerts_of(&app, pa, alert::Kind::AuthorizationExpiring).await;
    assert_eq!(raised.len(), 1);
    alert::Entity::update(alert::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(raised[0].id),
        acknowledged_at: sea_orm::ActiveValue::Set(Some(at("2026-06-14T09:00:00Z"))),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    run("2026-06-15T08:00:00Z").await.unwrap();
    assert_eq!(alerts_of(&app, pa, alert::Kind::AuthorizationExpiring).await.len(), 1);
}

#[tokio::test]
async fn an_authorization_that_already_ended_raises_no_expiring_alert() {
    let app = spawn_app().await;
    let w = app.world().await;
    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());
    app.post(&path, Some(&w.therapist_x.access_token), &body(6, "2026-04-01", "2026-05-31")).await.expect(201);

    let report = fascia::workers::alert_rules::run_once(&app.state.db, at("2026-06-01T12:00:00Z")).await.unwrap();

    assert!(report.raised.iter().all(|a| a.kind != alert::Kind::AuthorizationExpiring));
}

#[tokio::test]
async fn another_clinics_authorizations_are_not_found_and_patients_are_refused() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = authorize(&app, &w.therapist_x, &w.patient_a, 6, "2026-07-31").await;
    let url = format!("/api/v1/authorizations/{id}");
    let path = format!("/api/v1/patients/{}/authorizations", w.patient_a.patient_id.unwrap());
    let theirs = Some(w.therapist_y.access_token.as_str());

    app.get(&url, theirs).await.expect_error(404, "not_found");
    app.patch(&url, theirs, &json!({ "visits_authorized": 60 })).await.expect_error(404, "not_found");
    app.get(&path, theirs).await.expect_error(404, "not_found");
    app.post(&path, theirs, &body(6, "2026-06-01", "2026-06-30")).await.expect_error(404, "not_found");
    let p = Some(w.patient_a.access_token.as_str());
    app.get(&url, p).await.expect_error(403, "forbidden");
    app.get(&path, p).await.expect_error(403, "forbidden");

    assert_eq!(read(&app, &w.therapist_x, &id).await["visits_authorized"], 6);
    // A referral of another patient cannot back it either.
    let c_referral = app
        .post(
            &format!("/api/v1/patients/{}/referrals", w.patient_c.patient_id.unwrap()),
            theirs,
            &json!({ "physician": { "name": "Dr. Lee" }, "referral_date": "2026-05-20",
                     "diagnoses": [{ "code": "M54.5", "description": "Low back pain" }], "ordered": "Massage" }),
        )
        .await
        .expect(201);
    let e = app
        .patch(&url, Some(&w.therapist_x.access_token), &json!({ "referral_id": c_referral["id"] }))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(e["details"][0]["field"], "referral_id");
}
