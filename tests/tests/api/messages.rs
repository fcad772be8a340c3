//! Secure messaging (issue 17): offline-safe sends, who may reach a thread, image
//! sniffing and metadata stripping (read back from the stored bytes), receipts and unread
//! counts, pushes without text, quiet hours, the off-hours reply, the clinical record,
//! audit and erasure.

use chrono::{DateTime, Utc};
use entity::{audit_event, message, message_blob};
use fascia_tests::{
    Actor, TestApp,
    messaging::{GPS_MARK, Part, contains, jpeg_header_markers, jpeg_with_gps, png},
    spawn_app, spawn_app_with,
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn token(actor: &Actor) -> Option<&str> {
    Some(actor.access_token.as_str())
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn my_thread() -> &'static str {
    "/api/v1/me/messages"
}

fn staff_thread(patient: &Actor) -> String {
    format!("/api/v1/patients/{}/messages", patient.patient_id.unwrap())
}

async fn say(app: &TestApp, who: &Actor, path: &str, text: &str) -> Value {
    app.post(path, token(who), &json!({ "id": Uuid::new_v4(), "text": text })).await.expect(201)
}

async fn download(app: &TestApp, who: &Actor, path: &str) -> (u16, String, Option<String>, Vec<u8>) {
    let resp = app.client.get(app.url(path)).bearer_auth(&who.access_token).send().await.unwrap();
    let status = resp.status().as_u16();
    let header = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let (content_type, nosniff) = (header("content-type").unwrap_or_default(), header("x-content-type-options"));
    (status, content_type, nosniff, resp.bytes().await.unwrap().to_vec())
}

async fn stored_messages(app: &TestApp, patient: &Actor) -> u64 {
    message::Entity::find()
        .filter(message::Column::PatientId.eq(patient.patient_id.unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resent_message_is_stored_once_and_the_same_id_with_other_text_is_a_conflict() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = Uuid::new_v4();
    let body = json!({ "id": id, "text": "My neck is stiffer since Tuesday." });

    let first = app.post(my_thread(), token(&w.patient_a), &body).await.expect(201);
    let again = app.post(my_thread(), token(&w.patient_a), &body).await.expect(200);
    let changed = json!({ "id": id, "text": "Something else entirely." });
    app.post(my_thread(), token(&w.patient_a), &changed).await.expect_error(409, "conflict");
    // Another patient reusing the id cannot overwrite or read it.
    app.post(my_thread(), token(&w.patient_b), &body).await.expect_error(409, "conflict");

    assert_eq!(first, again);
    assert_eq!(first["author"], "patient");
    let replays = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("message.send_replayed"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(replays, 1, "the replay handed the message back: audited");
    assert_eq!(stored_messages(&app, &w.patient_a).await, 1);
    let thread = app.get(&staff_thread(&w.patient_a), token(&w.therapist_x)).await.expect(200);
    assert_eq!(thread["items"].as_array().unwrap().len(), 1);
    assert!(thread["notice"].as_str().unwrap().contains("not monitored for emergencies"));
}

#[tokio::test]
async fn text_over_4000_characters_or_malformed_bodies_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = token(&w.patient_a);
    // 4,001 characters, multi-byte, so bytes and characters differ.
    let long: String = "é".repeat(4001);
    app.post(my_thread(), p, &json!({ "id": Uuid::new_v4(), "text": long }))
        .await
        .expect_error(422, "validation_failed");
    app.post(my_thread(), p, &json!({ "id": Uuid::new_v4(), "text": "   " }))
        .await
        .expect_error(422, "validation_failed");
    app.post(my_thread(), p, &json!({ "id": "not-a-uuid", "text": "hi" })).await.expect_error(400, "bad_request");
    app.post(my_thread(), p, &json!({ "id": Uuid::new_v4(), "text": 12345 })).await.expect_error(400, "bad_request");
    app.post(my_thread(), p, &json!({ "id": Uuid::new_v4(), "text": "hi", "author": "care_team" }))
        .await
        .expect_error(400, "bad_request");
    let multipart_long = app.send_multipart(&w.patient_a, my_thread(), Uuid::new_v4(), &long, &[]).await;
    assert_eq!(multipart_long.status.as_u16(), 422, "{}", multipart_long.body);
    app.get("/api/v1/me/messages?cursor=%25%25", p).await.expect_error(422, "validation_failed");
    assert_eq!(stored_messages(&app, &w.patient_a).await, 0);

    let exactly: String = "é".repeat(4000);
    app.post(my_thread(), p, &json!({ "id": Uuid::new_v4(), "text": exactly })).await.expect(201);
}

#[tokio::test]
async fn another_patients_or_another_clinics_thread_is_not_found_and_admins_use_the_review() {
    let app = spawn_app().await;
    let w = app.world().await;
    let sent = say(&app, &w.patient_a, my_thread(), "Only for my therapist.").await;
    let a_thread = staff_thread(&w.patient_a);

    app.get(&a_thread, token(&w.therapist_y)).await.expect_error(404, "not_found");
    app.post(&a_thread, token(&w.therapist_y), &json!({ "id": Uuid::new_v4(), "text": "hi" }))
        .await
        .expect_error(404, "not_found");
    app.get(&staff_thread(&w.patient_c), token(&w.therapist_x)).await.expect_error(404, "not_found");
    app.get(&a_thread, token(&w.patient_b)).await.expect_error(403, "forbidden");
    // Patient B cannot mark A's message read through their own thread.
    app.post("/api/v1/me/messages/read", token(&w.patient_b), &json!({ "up_to": sent["id"] }))
        .await
        .expect_error(404, "not_found");
    let b_view = app.get(my_thread(), token(&w.patient_b)).await.expect(200);
    assert!(b_view["items"].as_array().unwrap().is_empty());
    // The admin does not treat patient A: the care-team route refuses, the review reads.
    app.get(&a_thread, token(&w.admin)).await.expect_error(403, "forbidden");
    let review_path = format!("/api/v1/clinic/patients/{}/messages", w.patient_a.patient_id.unwrap());
    let review = app.get(&review_path, token(&w.admin)).await.expect(200);
    assert_eq!(review["items"][0]["id"], sent["id"]);
    let other_review = format!("/api/v1/clinic/patients/{}/messages", w.patient_c.patient_id.unwrap());
    app.get(&other_review, token(&w.admin)).await.expect_error(404, "not_found");
    app.get(&review_path, token(&w.therapist_x)).await.expect_error(403, "forbidden");

    app.state.audit.flush().await.unwrap();
    let reviewed = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("message.admin_review"))
        .filter(audit_event::Column::PatientId.eq(w.patient_a.patient_id.unwrap()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reviewed, 1);
    let sends = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("message.send"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(sends, 1);
    // The review marks nothing read.
    let therapist_view = app.get(&a_thread, token(&w.therapist_x)).await.expect(200);
    assert_eq!(therapist_view["unread"], 1);
}

#[tokio::test]
async fn a_png_named_jpg_is_stored_and_served_as_png_with_a_small_thumbnail() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = Uuid::new_v4();
    let files = [("photo.jpg", "image/jpeg", png(600, 400))];
    let reply = app.send_multipart(&w.patient_a, my_thread(), id, "My posture at the desk", &files).await;
    let sent = reply.expect(201);
    let attachment = &sent["attachments"][0];
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!((attachment["width"].as_i64(), attachment["height"].as_i64()), (Some(600), Some(400)));
    // Resending the same upload is a replay, not a second message.
    app.send_multipart(&w.patient_a, my_thread(), id, "My posture at the desk", &files).await.expect(200);

    let path = format!("/api/v1/me/message-attachments/{}", attachment["id"].as_str().unwrap());
    let (status, content_type, nosniff, bytes) = download(&app, &w.patient_a, &path).await;
    assert_eq!((status, content_type.as_str(), nosniff.as_deref()), (200, "image/png", Some("nosniff")));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (_, _, _, thumb) = download(&app, &w.patient_a, &format!("{path}?thumbnail=true")).await;
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert!(thumb.width() <= 256 && thumb.height() <= 256, "{}x{}", thumb.width(), thumb.height());
    // The therapist reaches it through the patient; nobody else does.
    let staff_path = format!(
        "/api/v1/patients/{}/message-attachments/{}",
        w.patient_a.patient_id.unwrap(),
        attachment["id"].as_str().unwrap()
    );
    assert_eq!(download(&app, &w.therapist_x, &staff_path).await.0, 200);
    assert_eq!(download(&app, &w.therapist_y, &staff_path).await.0, 404);
    assert_eq!(download(&app, &w.patient_b, &path).await.0, 404);
}

#[tokio::test]
async fn html_named_png_heic_and_bad_counts_or_sizes_are_refused_and_store_nothing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let send = |files: Vec<Part<'static>>| {
        let (app, patient) = (&app, &w.patient_a);
        async move { app.send_multipart(patient, my_thread(), Uuid::new_v4(), "look", &files).await }
    };
    let html = b"<!doctype html><script>fetch('/api/v1/me/export')</script>".to_vec();
    let refused = send(vec![("x.png", "image/png", html)]).await.expect_error(422, "validation_failed");
    assert_eq!(refused["details"][0]["field"], "attachments[0]");
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let refused = send(vec![("IMG_0001.HEIC", "image/heic", heic)]).await.expect_error(422, "validation_failed");
    assert!(refused["message"].as_str().unwrap().contains("HEIC"), "{refused}");
    let five = (0..5).map(|_| ("a.png", "image/png", png(4, 4))).collect();
    send(five).await.expect_error(422, "validation_failed");
    let mut huge = png(4, 4);
    huge.resize(10 * 1024 * 1024 + 1, 0);
    send(vec![("big.png", "image/png", huge)]).await.expect_error(422, "validation_failed");
    // A good image after a bad one: the whole message is refused.
    send(vec![("ok.png", "image/png", png(4, 4)), ("bad.png", "image/png", b"GIF89a".to_vec())])
        .await
        .expect_error(422, "validation_failed");

    assert_eq!(stored_messages(&app, &w.patient_a).await, 0);
    assert_eq!(message_blob::Entity::find().count(&app.state.db).await.unwrap(), 0);
}

#[tokio::test]
async fn gps_exif_is_gone_from_the_stored_jpeg_bytes() {
    let app = spawn_app().await;
    let w = app.world().await;
    let original = jpeg_with_gps();
    assert!(jpeg_header_markers(&original).contains(&0xE1) && contains(&original, &GPS_MARK), "fixture has GPS");

    let files = [("IMG_2041.jpg", "image/jpeg", original)];
    let sent = app.send_multipart(&w.patient_a, my_thread(), Uuid::new_v4(), "", &files).await.expect(201);
    assert_eq!(sent["attachments"][0]["content_type"], "image/jpeg");

    let blobs = message_blob::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(blobs.len(), 2, "the image and its thumbnail");
    for blob in &blobs {
        assert!(blob.data.starts_with(&[0xFF, 0xD8]), "still a JPEG");
        let markers = jpeg_header_markers(&blob.data);
        assert!(markers.iter().all(|m| !(0xE1..=0xEF).contains(m)), "no APP1–APP15 segments: {markers:x?}");
        assert!(!contains(&blob.data, b"Exif") && !contains(&blob.data, &GPS_MARK), "no EXIF, no GPS");
    }
}

#[tokio::test]
async fn receipts_and_unread_counts_follow_each_side_marking_read() {
    let app = spawn_app().await;
    let w = app.world().await;
    let x = token(&w.therapist_x);
    say(&app, &w.patient_a, my_thread(), "First").await;
    let second = say(&app, &w.patient_a, my_thread(), "Second").await;

    let roster = app.get("/api/v1/patients", x).await.expect(200);
    let row = |roster: &Value, id: Uuid| {
        roster["items"].as_array().unwrap().iter().find(|p| p["id"] == id.to_string()).unwrap()["unread_messages"]
            .clone()
    };
    assert_eq!(row(&roster, w.patient_a.patient_id.unwrap()), 2);
    assert_eq!(row(&roster, w.patient_b.patient_id.unwrap()), 0);

    let marked = app
        .post(&format!("{}/read", staff_thread(&w.patient_a)), x, &json!({ "up_to": second["id"] }))
        .await
        .expect(200);
    assert_eq!((marked["marked"].as_u64(), marked["unread"].as_u64()), (Some(2), Some(0)));
    let roster = app.get("/api/v1/patients", x).await.expect(200);
    assert_eq!(row(&roster, w.patient_a.patient_id.unwrap()), 0);
    let mine = app.get(my_thread(), token(&w.patient_a)).await.expect(200);
    assert!(mine["items"].as_array().unwrap().iter().all(|m| m["read_at"].is_string()), "receipts: {mine}");

    let reply = say(&app, &w.therapist_x, &staff_thread(&w.patient_a), "Keep going, see you Friday.").await;
    assert_eq!(reply["author"], "care_team");
    let today = app.get("/api/v1/me/today", token(&w.patient_a)).await.expect(200);
    assert_eq!(today["unread_messages"], 1);
    let marked =
        app.post("/api/v1/me/messages/read", token(&w.patient_a), &json!({ "up_to": reply["id"] })).await.expect(200);
    assert_eq!(marked["marked"], 1);
    let today = app.get("/api/v1/me/today", token(&w.patient_a)).await.expect(200);
    assert_eq!(today["unread_messages"], 0);
    let theirs = app.get(&staff_thread(&w.patient_a), x).await.expect(200);
    assert!(theirs["items"][0]["read_at"].is_string(), "the therapist sees the patient read it");
    // Marking up to an unknown message is refused and changes nothing.
    app.post("/api/v1/me/messages/read", token(&w.patient_a), &json!({ "up_to": Uuid::new_v4() }))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn pushes_say_only_that_a_message_arrived_once_per_thread() {
    let app = spawn_app_with([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")].into()).await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    app.subscribe(&w.therapist_x, &fake).await;
    app.subscribe(&w.patient_a, &fake).await;
    let secret = "The pain shoots down my left arm at night";
    say(&app, &w.patient_a, my_thread(), secret).await;
    say(&app, &w.patient_a, my_thread(), "and my fingers tingle").await;
    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());
    let step = |at| fascia::workers::message_pushes::run_once(db, push, at, url);

    assert_eq!(step(app.clock_now()).await.unwrap(), 1, "two messages, one thread: one push");
    assert_eq!(step(app.clock_now()).await.unwrap(), 0, "nothing left to push");
    say(&app, &w.therapist_x, &staff_thread(&w.patient_a), "Please call the clinic today.").await;
    assert_eq!(step(app.clock_now()).await.unwrap(), 1);

    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 2);
    assert!(delivered.iter().all(|d| d.verified), "VAPID, headers and decryption all checked");
    let payloads: Vec<Value> = delivered.iter().map(|d| d.payload.clone().expect("decrypted")).collect();
    assert_eq!(payloads[0]["title"], "New message from P.P.");
    assert_eq!(payloads[1]["title"], "New message from your clinic");
    for (d, payload) in delivered.iter().zip(&payloads) {
        let text = payload.to_string();
        assert!(!text.contains("arm") && !text.contains("tingle") && !text.contains("call the clinic"), "{text}");
        assert!(d.topic.as_deref().is_some_and(|t| t.starts_with("msg") && t.len() <= 32), "{:?}", d.topic);
    }
    assert_eq!(delivered[0].topic, delivered[1].topic, "one topic per thread");
}

#[tokio::test]
async fn a_push_waits_for_the_end_of_the_recipients_quiet_hours() {
    let app = spawn_app_with([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")].into()).await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    app.subscribe(&w.patient_a, &fake).await;
    let quiet = json!({ "quiet_hours": { "start": "22:00", "end": "07:00" } });
    app.request(Method::PUT, "/api/v1/me/reminder-preferences", token(&w.patient_a), Some(&quiet)).await.expect(200);
    // 23:30 in Berlin.
    app.clock.set(utc("2026-06-01T21:30:00Z"));
    let x = app.relogin(&w.therapist_x).await;
    let path = staff_thread(&w.patient_a);
    app.post(&path, Some(&x), &json!({ "id": Uuid::new_v4(), "text": "Late note" })).await.expect(201);
    let (db, push, url) = (&app.state.db, &app.state.push, app.state.settings.public_url.as_str());
    let step = |at| fascia::workers::message_pushes::run_once(db, push, at, url);

    assert_eq!(step(utc("2026-06-01T21:30:00Z")).await.unwrap(), 0);
    assert_eq!(step(utc("2026-06-02T04:59:00Z")).await.unwrap(), 0, "06:59 local: still quiet");
    assert!(fake.delivered().is_empty());
    assert_eq!(step(utc("2026-06-02T05:00:00Z")).await.unwrap(), 1, "07:00 local: sent");
    assert_eq!(fake.delivered().len(), 1);
}

async fn clinic_hours_weekdays(app: &TestApp, admin: &Actor) {
    let day = |d: &str| json!({ "weekday": d, "open": "09:00", "close": "17:00" });
    let days: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"].into_iter().map(day).collect();
    let set = app.put("/api/v1/clinic/hours", token(admin), &json!({ "days": days })).await.expect(200);
    assert_eq!(set["timezone"], "Europe/Berlin");
}

fn automatic(thread: &Value) -> Vec<Value> {
    thread["items"].as_array().unwrap().iter().filter(|m| m["author"] == "automatic").cloned().collect()
}

#[tokio::test]
async fn outside_clinic_hours_a_patient_gets_one_automatic_reply_per_stretch() {
    let app = spawn_app().await;
    let w = app.world().await;
    clinic_hours_weekdays(&app, &w.admin).await;
    // Saturday 6 June, 11:00 in Berlin.
    app.clock.set(utc("2026-06-06T09:00:00Z"));
    let p = app.relogin(&w.patient_a).await;
    for text in ["Saturday question", "and another one"] {
        app.post(my_thread(), Some(&p), &json!({ "id": Uuid::new_v4(), "text": text })).await.expect(201);
    }
    let thread = app.get(my_thread(), Some(&p)).await.expect(200);
    let replies = automatic(&thread);
    assert_eq!(replies.len(), 1, "{thread}");
    let text = replies[0]["text"].as_str().unwrap();
    assert!(text.contains("Monday 8 June at 09:00") && text.contains("emergency"), "{text}");
    assert_eq!(thread["unread"], 1, "the reply counts as unread for the patient");

    // Monday 10:00: open, no reply.
    app.clock.set(utc("2026-06-08T08:00:00Z"));
    let p = app.relogin(&w.patient_a).await;
    app.post(my_thread(), Some(&p), &json!({ "id": Uuid::new_v4(), "text": "Monday" })).await.expect(201);
    assert_eq!(automatic(&app.get(my_thread(), Some(&p)).await.expect(200)).len(), 1);
    // Monday 18:00: a new stretch, a new reply.
    app.clock.set(utc("2026-06-08T16:00:00Z"));
    let p = app.relogin(&w.patient_a).await;
    app.post(my_thread(), Some(&p), &json!({ "id": Uuid::new_v4(), "text": "Evening" })).await.expect(201);
    assert_eq!(automatic(&app.get(my_thread(), Some(&p)).await.expect(200)).len(), 2);
    // Staff messages never trigger one.
    let x = app.relogin(&w.therapist_x).await;
    app.post(&staff_thread(&w.patient_b), Some(&x), &json!({ "id": Uuid::new_v4(), "text": "Hi" })).await.expect(201);
    let b = app.relogin(&w.patient_b).await;
    assert!(automatic(&app.get(my_thread(), Some(&b)).await.expect(200)).is_empty());
}

#[tokio::test]
async fn clinic_hours_refuse_bad_times_and_only_admins_set_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    let put = |body: Value| {
        let (app, admin) = (&app, &w.admin);
        async move { app.put("/api/v1/clinic/hours", token(admin), &body).await }
    };
    let day = |open: &str, close: &str| json!({ "days": [{ "weekday": "monday", "open": open, "close": close }] });
    put(day("17:00", "09:00")).await.expect_error(422, "validation_failed");
    put(day("25:00", "26:00")).await.expect_error(422, "validation_failed");
    put(day("9:00", "17:00")).await.expect_error(422, "validation_failed");
    let twice = json!({ "days": [{ "weekday": "monday", "open": "08:00", "close": "12:00" },
        { "weekday": "monday", "open": "13:00", "close": "17:00" }] });
    put(twice).await.expect_error(422, "validation_failed");
    put(json!({ "days": [{ "weekday": "someday", "open": "08:00", "close": "12:00" }] }))
        .await
        .expect_error(400, "bad_request");
    app.put("/api/v1/clinic/hours", token(&w.therapist_x), &day("08:00", "12:00")).await.expect_error(403, "forbidden");
    let hours = app.get("/api/v1/clinic/hours", token(&w.patient_a)).await.expect(200);
    assert!(hours["days"].as_array().unwrap().is_empty(), "nothing changed: {hours}");
    let set = put(day("08:00", "24:00")).await.expect(200);
    assert_eq!(set["days"][0]["close"], "24:00");
}

#[tokio::test]
async fn a_clinically_relevant_message_is_copied_into_the_record_and_kept_after_erasure() {
    let app = spawn_app().await;
    let w = app.world().await;
    clinic_hours_weekdays(&app, &w.admin).await;
    // Sunday: the patient's message also gets the automatic reply.
    app.clock.set(utc("2026-06-07T09:00:00Z"));
    let (p, x) = (app.relogin(&w.patient_a).await, app.relogin(&w.therapist_x).await);
    let sent = app
        .post(my_thread(), Some(&p), &json!({ "id": Uuid::new_v4(), "text": "Numb fingers after the stretch" }))
        .await
        .expect(201);
    let thread_path = staff_thread(&w.patient_a);
    let thread = app.get(&thread_path, Some(&x)).await.expect(200);
    let auto_id = automatic(&thread)[0]["id"].as_str().unwrap().to_owned();
    let mark = |id: &str| format!("{thread_path}/{id}/clinically-relevant");

    let entry = app.post(&mark(sent["id"].as_str().unwrap()), Some(&x), &json!({})).await.expect(200);
    let again = app.post(&mark(sent["id"].as_str().unwrap()), Some(&x), &json!({})).await.expect(200);
    assert_eq!(entry, again);
    assert_eq!(entry["text"], "Numb fingers after the stretch");
    app.post(&mark(&auto_id), Some(&x), &json!({})).await.expect_error(422, "validation_failed");
    app.post(&mark(&Uuid::new_v4().to_string()), Some(&x), &json!({})).await.expect_error(404, "not_found");
    let record_path = format!("/api/v1/patients/{}/record-messages", w.patient_a.patient_id.unwrap());
    let record = app.get(&record_path, Some(&x)).await.expect(200);
    assert_eq!(record["items"].as_array().unwrap().len(), 1);
    let admin = app.relogin(&w.admin).await;

    // The patient asks for erasure and the admin confirms: the thread goes, the record copy stays.
    let request = app.post("/api/v1/me/erasure-request", Some(&p), &json!({})).await.expect(201);
    let confirm = format!("/api/v1/erasure-requests/{}/confirm", request["id"].as_str().unwrap());
    app.post(&confirm, Some(&admin), &json!({})).await.expect(200);
    assert_eq!(stored_messages(&app, &w.patient_a).await, 0);
    assert_eq!(message_blob::Entity::find().count(&app.state.db).await.unwrap(), 0);
    let record = app.get(&record_path, Some(&admin)).await.expect(200);
    assert_eq!(record["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_resends_of_one_message_store_one_row_and_one_automatic_reply() {
    let app = spawn_app().await;
    let w = app.world().await;
    clinic_hours_weekdays(&app, &w.admin).await;
    // Saturday: every send would want an automatic reply.
    app.clock.set(utc("2026-06-06T09:00:00Z"));
    let p = app.relogin(&w.patient_a).await;
    let body = json!({ "id": Uuid::new_v4(), "text": "Sent from a flaky train connection" });
    let sends = (0..6).map(|_| app.post(my_thread(), Some(&p), &body));
    let statuses: Vec<u16> = futures::future::join_all(sends).await.iter().map(|r| r.status.as_u16()).collect();

    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{statuses:?}");
    assert_eq!(stored_messages(&app, &w.patient_a).await, 2, "the message and one automatic reply");
}
