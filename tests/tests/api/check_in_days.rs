//! The daily check-in roll-up trends read must always equal an aggregate of the raw
//! check-ins, whatever the phone sends: batches with replays and clashing ids,
//! corrections (also to another local day), withdrawals, a DST change, and requests
//! aimed at another patient's check-ins.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{check_in, check_in_day};
use fascia_tests::{Actor, TestApp, spawn_app};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Count, sum, min, max of one rating.
type Totals = (i32, i32, Option<i16>, Option<i16>);

/// A day as compared: pain, stress and sleep totals, then medication none / non-opioid / opioid.
type DayRow = (NaiveDate, Totals, Totals, Totals, (i32, i32, i32));

fn add(t: &mut Totals, v: Option<i16>) {
    if let Some(v) = v {
        t.0 += 1;
        t.1 += i32::from(v);
        t.2 = Some(t.2.map_or(v, |m| m.min(v)));
        t.3 = Some(t.3.map_or(v, |m| m.max(v)));
    }
}

/// The roll-up as stored for `patient_id`.
async fn stored(app: &TestApp, patient_id: Uuid) -> Vec<DayRow> {
    check_in_day::Entity::find()
        .filter(check_in_day::Column::PatientId.eq(patient_id))
        .order_by_asc(check_in_day::Column::LocalDate)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.local_date,
                (d.pain_count, d.pain_sum, d.pain_min, d.pain_max),
                (d.stress_count, d.stress_sum, d.stress_min, d.stress_max),
                (d.sleep_quality_count, d.sleep_quality_sum, d.sleep_quality_min, d.sleep_quality_max),
                (d.medication_none, d.medication_non_opioid, d.medication_opioid),
            )
        })
        .collect()
}

/// The roll-up recomputed here from the patient's raw, non-withdrawn check-ins.
async fn recomputed(app: &TestApp, patient_id: Uuid) -> Vec<DayRow> {
    let rows = check_in::Entity::find()
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    let mut days: BTreeMap<NaiveDate, DayRow> = BTreeMap::new();
    for c in rows {
        let zero = (0, 0, None, None);
        let day = days.entry(c.local_date).or_insert((c.local_date, zero, zero, zero, (0, 0, 0)));
        add(&mut day.1, c.pain);
        add(&mut day.2, c.stress);
        add(&mut day.3, c.sleep_quality);
        match c.medication {
            Some(check_in::Medication::None) => day.4.0 += 1,
            Some(check_in::Medication::NonOpioid) => day.4.1 += 1,
            Some(check_in::Medication::Opioid) => day.4.2 += 1,
            _ => {}
        }
    }
    days.into_values().collect()
}

async fn assert_rolled_up(app: &TestApp, patient: &Actor, step: &str) -> Vec<DayRow> {
    let patient_id = patient.patient_id.unwrap();
    let (stored, expected) = (stored(app, patient_id).await, recomputed(app, patient_id).await);
    assert_eq!(stored, expected, "roll-up differs from the check-ins after {step}");
    stored
}

fn day<'a>(rows: &'a [DayRow], d: &str) -> &'a DayRow {
    rows.iter().find(|r| r.0 == date(d)).unwrap_or_else(|| panic!("no roll-up row for {d}"))
}

fn item(id: Uuid, recorded_at: &str, pain: Option<i64>, stress: Option<i64>, medication: Option<&str>) -> Value {
    let mut v = json!({ "id": id, "recorded_at": recorded_at, "context": "daily", "sleep_quality": 6 });
    if let Some(p) = pain {
        v["pain"] = json!(p);
    }
    if let Some(s) = stress {
        v["stress"] = json!(s);
    }
    if let Some(m) = medication {
        v["medication"] = json!(m);
    }
    v
}

/// Two patients of one therapist in Berlin, with the clock two days after the autumn
/// change (2026-10-25, 03:00 CEST → 02:00 CET at 01:00Z).
async fn berlin_pair(app: &TestApp) -> (Actor, Actor) {
    app.clock.set(at("2026-10-20T12:00:00Z"));
    let admin = app.clinic_admin("Roll-up Clinic").await;
    let therapist = app.therapist(&admin).await;
    let a = app.patient(&therapist).await;
    let b = app.patient(&therapist).await;
    for p in [&a, &b] {
        app.patch("/api/v1/me", Some(&p.access_token), &json!({ "timezone": "Europe/Berlin" })).await.expect(200);
    }
    app.clock.set(at("2026-10-27T12:00:00Z"));
    let mut out = Vec::new();
    for mut p in [a, b] {
        p.access_token = app.relogin(&p).await;
        out.push(p);
    }
    let b = out.pop().unwrap();
    (out.pop().unwrap(), b)
}

#[tokio::test]
async fn the_roll_up_follows_batches_corrections_and_withdrawals_across_a_dst_change() {
    let app = spawn_app().await;
    let (a, _) = berlin_pair(&app).await;
    let token = Some(a.access_token.as_str());
    let ids: Vec<Uuid> = (0..10).map(|_| Uuid::new_v4()).collect();

    // Arrange: a batch around the change. 02:30 happens twice on Oct 25 in Berlin.
    let first = vec![
        item(ids[0], "2026-10-24T21:59:00Z", Some(6), Some(2), Some("opioid")), // Oct 24 23:59 CEST
        item(ids[1], "2026-10-24T22:00:00Z", None, Some(5), None),              // Oct 25 00:00 CEST, no pain
        item(ids[2], "2026-10-25T00:30:00Z", Some(7), None, Some("none")),      // Oct 25 02:30 CEST
        item(ids[3], "2026-10-25T01:30:00Z", Some(2), Some(8), Some("non_opioid")), // Oct 25 02:30 CET
        item(ids[4], "2026-10-25T22:59:00Z", Some(4), None, None),              // Oct 25 23:59 CET
        item(ids[5], "2026-10-25T23:00:00Z", Some(9), Some(1), Some("none")),   // Oct 26 00:00 CET
        item(ids[8], "2026-10-22T10:00:00Z", None, Some(4), None),              // a day without pain
    ];
    app.post("/api/v1/me/check-ins", token, &json!({ "items": first })).await.expect(200);
    let rows = assert_rolled_up(&app, &a, "the first batch").await;
    assert_eq!(day(&rows, "2026-10-25").1, (3, 13, Some(2), Some(7)));
    assert_eq!(day(&rows, "2026-10-25").2, (2, 13, Some(5), Some(8)));
    assert_eq!(day(&rows, "2026-10-24").4, (0, 0, 1));

    // Act: replays (also within the batch), a clashing id and new rows in one batch. The
    // pain of 3 on a day whose only check-in had none must become its minimum and
    // maximum: the minimum of nothing and 3 is 3.
    let second = json!({ "items": [
        item(ids[0], "2026-10-24T21:59:00Z", Some(6), Some(2), Some("opioid")),
        item(ids[2], "2026-10-25T00:30:00Z", Some(1), None, Some("none")),
        item(ids[6], "2026-10-22T18:00:00Z", Some(3), None, None),
        item(ids[7], "2026-10-25T12:00:00Z", Some(10), Some(0), Some("opioid")),
        item(ids[9], "2026-10-23T10:00:00Z", Some(8), None, None),
        item(ids[7], "2026-10-25T12:00:00Z", Some(10), Some(0), Some("opioid")),
    ] });
    let reply = app.post("/api/v1/me/check-ins", token, &second).await.expect(200);
    let statuses: Vec<u64> =
        reply["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [200, 409, 201, 201, 201, 200]);
    let rows = assert_rolled_up(&app, &a, "replays, a clash and new rows").await;
    assert_eq!(day(&rows, "2026-10-22").1, (1, 3, Some(3), Some(3)));
    assert_eq!(day(&rows, "2026-10-22").2, (1, 4, Some(4), Some(4)));
    assert_eq!(day(&rows, "2026-10-25").1, (4, 23, Some(2), Some(10)));

    // A correction within the day, and one that moves a check-in to the next local day.
    app.put(
        &format!("/api/v1/me/check-ins/{}", ids[3]),
        token,
        &item(ids[3], "2026-10-25T01:30:00Z", Some(5), None, None),
    )
    .await
    .expect(200);
    assert_rolled_up(&app, &a, "a correction within the day").await;
    app.put(
        &format!("/api/v1/me/check-ins/{}", ids[2]),
        token,
        &item(ids[2], "2026-10-26T07:00:00Z", Some(7), None, None),
    )
    .await
    .expect(200);
    let rows = assert_rolled_up(&app, &a, "moving a check-in to another day").await;
    assert_eq!(day(&rows, "2026-10-25").1, (3, 19, Some(4), Some(10)));
    assert_eq!(day(&rows, "2026-10-26").1, (2, 16, Some(7), Some(9)));

    // Withdrawals: the day's maximum goes with its check-in, and an emptied day has no row.
    app.delete(&format!("/api/v1/me/check-ins/{}", ids[7]), token).await.expect(204);
    let rows = assert_rolled_up(&app, &a, "withdrawing the day's maximum").await;
    assert_eq!(day(&rows, "2026-10-25").1, (2, 9, Some(4), Some(5)));
    app.delete(&format!("/api/v1/me/check-ins/{}", ids[9]), token).await.expect(204);
    let rows = assert_rolled_up(&app, &a, "withdrawing a day's only check-in").await;
    assert!(rows.iter().all(|r| r.0 != date("2026-10-23")));

    // Trends read the roll-up: the same day as computed from the raw rows above.
    let t = app.get("/api/v1/me/trends?from=2026-10-24&to=2026-10-26", token).await.expect(200);
    assert_eq!(t["days"][1]["pain"], json!({ "mean": 4.5, "min": 4, "max": 5, "count": 2 }));
    assert_eq!(t["days"][2]["pain"], json!({ "mean": 8.0, "min": 7, "max": 9, "count": 2 }));
}

#[tokio::test]
async fn requests_aimed_at_another_patients_check_in_change_neither_roll_up() {
    let app = spawn_app().await;
    let (a, b) = berlin_pair(&app).await;
    let id = Uuid::new_v4();
    let mine = item(id, "2026-10-26T09:00:00Z", Some(4), Some(3), Some("none"));
    app.post("/api/v1/me/check-ins", Some(&a.access_token), &json!({ "items": [mine] })).await.expect(200);
    let before_a = assert_rolled_up(&app, &a, "the owner's check-in").await;

    // The other patient corrects, withdraws and re-sends the same id with their own body.
    let theirs = item(id, "2026-10-27T09:00:00Z", Some(9), Some(9), Some("opioid"));
    let path = format!("/api/v1/me/check-ins/{id}");
    app.put(&path, Some(&b.access_token), &theirs).await.expect_error(404, "not_found");
    app.delete(&path, Some(&b.access_token)).await.expect_error(404, "not_found");
    let reply =
        app.post("/api/v1/me/check-ins", Some(&b.access_token), &json!({ "items": [theirs] })).await.expect(200);
    assert_eq!(reply["results"][0]["status"], 409);

    assert_eq!(assert_rolled_up(&app, &a, "another patient's attempts").await, before_a);
    assert!(assert_rolled_up(&app, &b, "their own clashing batch").await.is_empty());
}

#[tokio::test]
async fn the_migration_fills_the_roll_up_from_the_check_ins_already_stored() {
    let app = spawn_app().await;
    let (a, b) = berlin_pair(&app).await;
    let withdrawn = Uuid::new_v4();
    let batch = |p: i64| {
        json!({ "items": [
            item(Uuid::new_v4(), "2026-10-25T00:30:00Z", Some(p), Some(3), Some("none")),
            item(Uuid::new_v4(), "2026-10-25T01:30:00Z", None, Some(6), Some("opioid")),
            item(Uuid::new_v4(), "2026-10-26T09:00:00Z", Some(p + 1), None, Some("non_opioid")),
        ] })
    };
    app.post("/api/v1/me/check-ins", Some(&a.access_token), &batch(2)).await.expect(200);
    app.post("/api/v1/me/check-ins", Some(&b.access_token), &batch(5)).await.expect(200);
    let gone = json!({ "items": [item(withdrawn, "2026-10-24T09:00:00Z", Some(9), None, None)] });
    app.post("/api/v1/me/check-ins", Some(&a.access_token), &gone).await.expect(200);
    app.delete(&format!("/api/v1/me/check-ins/{withdrawn}"), Some(&a.access_token)).await.expect(204);

    // As before the migration ran: no table, and the migration not recorded.
    let db = &app.state.db;
    db.execute_unprepared("DROP TABLE check_in_day").await.unwrap();
    db.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm20261130_000030_create_check_in_day'")
        .await
        .unwrap();
    fascia::db::migrate(db, &app.state.settings).await.unwrap();

    let rows = assert_rolled_up(&app, &a, "the backfill").await;
    assert_eq!(rows.len(), 2, "the withdrawn check-in's day has no row");
    assert_eq!(day(&rows, "2026-10-25").2, (2, 9, Some(3), Some(6)));
    assert_eq!(assert_rolled_up(&app, &b, "the backfill").await.len(), 2);
}
