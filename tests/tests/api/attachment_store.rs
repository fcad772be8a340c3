//! Message attachments in an S3-compatible object store (issue 17): a fake store on
//! loopback checks each request's signature with its own verifier and keeps objects in
//! memory. Sending stores objects, not `message_blob` rows; a store that refuses or is
//! down answers 503 with nothing written; an erasure queues the objects in the outbox
//! and the worker deletes them, retrying while the store is down.

use chrono::Duration;
use entity::{blob_deletion, message, message_attachment, message_blob};
use fascia::workers::blob_deletes;
use fascia_tests::{
    Actor, Reply, TestApp,
    fake_s3::FakeS3,
    messaging::{Part, png},
    spawn_app, spawn_app_with_s3,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

const MY_THREAD: &str = "/api/v1/me/messages";

fn photo() -> [Part<'static>; 1] {
    [("neck.png", "image/png", png(320, 200))]
}

async fn send_photo(app: &TestApp, patient: &Actor, id: Uuid) -> Reply {
    app.send_multipart(patient, MY_THREAD, id, "How my shoulders sit at the desk", &photo()).await
}

async fn download(app: &TestApp, who: &Actor, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let resp = app.client.get(app.url(path)).bearer_auth(&who.access_token).send().await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, resp.bytes().await.unwrap().to_vec())
}

async fn count<E: EntityTrait>(app: &TestApp) -> u64
where
    E::Model: Sync,
{
    E::find().count(&app.state.db).await.unwrap()
}

async fn messages_of(app: &TestApp, patient: &Actor) -> u64 {
    message::Entity::find()
        .filter(message::Column::PatientId.eq(patient.patient_id.unwrap()))
        .count(&app.state.db)
        .await
        .unwrap()
}

/// The patient asks for erasure and the clinic admin confirms it.
async fn erase(app: &TestApp, patient: &Actor, admin: &Actor) {
    let request = app.post("/api/v1/me/erasure-request", Some(&patient.access_token), &json!({})).await.expect(201);
    let confirm = format!("/api/v1/erasure-requests/{}/confirm", request["id"].as_str().unwrap());
    app.post(&confirm, Some(&admin.access_token), &json!({})).await.expect(200);
}

async fn deletes(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> (usize, usize) {
    let report = blob_deletes::run_once(&app.state.db, app.state.blobs.as_ref(), at).await.expect("worker step");
    (report.deleted, report.failed)
}

#[tokio::test]
async fn attachments_go_to_the_object_store_signed_and_read_back_byte_for_byte() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;

    let sent = send_photo(&app, &w.patient_a, Uuid::new_v4()).await.expect(201);

    let row = message_attachment::Entity::find().one(&app.state.db).await.unwrap().expect("attachment row");
    let objects = store.objects();
    assert_eq!(objects.len(), 2, "image and thumbnail: {:?}", objects.keys().collect::<Vec<_>>());
    let (image, thumb) =
        (&objects[&format!("attachments/{}", row.blob_key)], &objects[&format!("attachments/{}", row.thumb_key)]);
    assert_eq!(count::<message_blob::Entity>(&app).await, 0);
    assert!(store.refused().is_empty(), "{:?}", store.refused());
    let path = format!("/api/v1/me/message-attachments/{}", sent["attachments"][0]["id"].as_str().unwrap());
    let (status, _, bytes) = download(&app, &w.patient_a, &path).await;
    assert_eq!((status, &bytes), (200, image));
    assert_eq!(&download(&app, &w.patient_a, &format!("{path}?thumbnail=true")).await.2, thumb);
    // Another patient still finds nothing there.
    assert_eq!(download(&app, &w.patient_b, &path).await.0, 404);
}

#[tokio::test]
async fn a_wrong_secret_answers_503_and_stores_no_message_and_no_object() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[("FASCIA_S3_SECRET_ACCESS_KEY", "not-the-store-secret")]).await;
    let w = app.world().await;

    let reply = send_photo(&app, &w.patient_a, Uuid::new_v4()).await;

    assert_eq!(reply.headers.get("retry-after").map(|v| v.to_str().unwrap()), Some("2"));
    reply.expect_error(503, "unavailable");
    assert_eq!(messages_of(&app, &w.patient_a).await, 0);
    assert_eq!(count::<message_attachment::Entity>(&app).await, 0);
    assert!(store.objects().is_empty());
    let refused = store.refused();
    assert!(!refused.is_empty() && refused.iter().all(|s| s.status == 403), "{:?}", store.seen());
    assert_eq!(refused[0].problem.as_deref(), Some("signature does not match"));
}

#[tokio::test]
async fn a_store_that_is_down_answers_503_writes_nothing_and_a_resend_succeeds_later() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    let id = Uuid::new_v4();
    store.set_failing(true);

    let reply = send_photo(&app, &w.patient_a, id).await;

    assert!(reply.headers.contains_key("retry-after"));
    reply.expect_error(503, "unavailable");
    assert_eq!(messages_of(&app, &w.patient_a).await, 0);
    assert_eq!(count::<message_attachment::Entity>(&app).await, 0);
    // A text-only message does not need the store.
    let text = json!({ "id": Uuid::new_v4(), "text": "Text still goes through" });
    app.post(MY_THREAD, Some(&w.patient_a.access_token), &text).await.expect(201);
    // The phone's offline queue resends the same id once the store is back.
    store.set_failing(false);
    send_photo(&app, &w.patient_a, id).await.expect(201);
    assert_eq!(store.objects().len(), 2);
}

#[tokio::test]
async fn reading_an_attachment_while_the_store_is_down_answers_503_not_500() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    let sent = send_photo(&app, &w.patient_a, Uuid::new_v4()).await.expect(201);
    let id = sent["attachments"][0]["id"].as_str().unwrap().to_owned();
    store.set_failing(true);

    let (status, retry_after, _) = download(&app, &w.patient_a, &format!("/api/v1/me/message-attachments/{id}")).await;
    let staff = format!("/api/v1/patients/{}/message-attachments/{id}", w.patient_a.patient_id.unwrap());
    let (staff_status, _, _) = download(&app, &w.therapist_x, &staff).await;

    assert_eq!((status, retry_after.as_deref(), staff_status), (503, Some("2"), 503));
}

#[tokio::test]
async fn an_erasure_queues_the_objects_and_the_worker_deletes_them_after_the_commit() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    send_photo(&app, &w.patient_a, Uuid::new_v4()).await.expect(201);
    send_photo(&app, &w.patient_b, Uuid::new_v4()).await.expect(201);

    erase(&app, &w.patient_a, &w.admin).await;

    // The erasure's transaction deleted the rows and queued the keys; the objects wait.
    assert_eq!(count::<message_attachment::Entity>(&app).await, 1);
    assert_eq!(count::<blob_deletion::Entity>(&app).await, 2);
    assert_eq!(store.objects().len(), 4);
    assert_eq!(deletes(&app, app.clock_now()).await, (2, 0));
    assert_eq!(count::<blob_deletion::Entity>(&app).await, 0);
    // Patient B's image and thumbnail stay.
    let left = store.objects();
    let b_row = message_attachment::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    assert_eq!(left.len(), 2);
    assert!(left.contains_key(&format!("attachments/{}", b_row.blob_key)));
    assert!(store.refused().is_empty());
}

#[tokio::test]
async fn a_store_down_during_the_deletes_keeps_the_outbox_rows_and_retries_later() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    send_photo(&app, &w.patient_a, Uuid::new_v4()).await.expect(201);
    erase(&app, &w.patient_a, &w.admin).await;
    let now = app.clock_now();
    store.set_failing(true);

    assert_eq!(deletes(&app, now).await, (0, 2));

    let rows = blob_deletion::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.attempts == 1 && r.next_attempt_at > now), "{rows:?}");
    assert_eq!(rows[0].last_error.as_deref(), Some("DELETE answered 503"));
    // Not due again at once, even with the store back.
    store.set_failing(false);
    assert_eq!(deletes(&app, now).await, (0, 0));
    assert_eq!(store.objects().len(), 2);
    assert_eq!(deletes(&app, now + Duration::seconds(31)).await, (2, 0));
    assert_eq!(count::<blob_deletion::Entity>(&app).await, 0);
    assert!(store.objects().is_empty());
}

#[tokio::test]
async fn with_the_database_store_an_erasure_deletes_the_bytes_at_once_and_the_outbox_empties() {
    let app = spawn_app().await;
    let w = app.world().await;
    send_photo(&app, &w.patient_a, Uuid::new_v4()).await.expect(201);
    assert_eq!(count::<message_blob::Entity>(&app).await, 2);

    erase(&app, &w.patient_a, &w.admin).await;

    assert_eq!(count::<message_blob::Entity>(&app).await, 0);
    assert_eq!(deletes(&app, app.clock_now()).await, (2, 0));
    assert_eq!(count::<blob_deletion::Entity>(&app).await, 0);
}

#[tokio::test]
async fn a_request_with_a_tampered_signature_is_refused_by_the_fake_store() {
    // The verifier is what the other tests lean on: a correctly signed request it would
    // accept, altered after signing, must be refused.
    let store = FakeS3::start().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/fascia-test/attachments/x", store.endpoint);
    let unsigned = client.put(&url).body("bytes").send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    let now = chrono::Utc::now();
    let (day, date) = (now.format("%Y%m%d"), now.format("%Y%m%dT%H%M%SZ").to_string());
    let forged = format!(
        "AWS4-HMAC-SHA256 Credential=FAKEACCESSKEY/{day}/eu-test-1/s3/aws4_request,\
         SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={}",
        "0".repeat(64)
    );
    let resp = client
        .put(&url)
        .header("authorization", forged)
        .header("x-amz-date", date)
        .header("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(store.objects().is_empty());
    let refused = store.refused();
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[1].problem.as_deref(), Some("signature does not match"));
}

#[tokio::test]
async fn when_the_messages_transaction_fails_its_uploaded_objects_are_deleted_again() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    // A database fault inside the message's transaction, after the objects were put.
    let refuse = match app.state.db.get_database_backend() {
        DbBackend::Sqlite => vec![
            "CREATE TRIGGER refuse_attachments BEFORE INSERT ON message_attachment \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ],
        _ => vec![
            "CREATE FUNCTION refuse_attachments() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
            "CREATE TRIGGER refuse_attachments BEFORE INSERT ON message_attachment \
             FOR EACH ROW EXECUTE FUNCTION refuse_attachments()",
        ],
    };
    for statement in refuse {
        app.state.db.execute_unprepared(statement).await.unwrap();
    }

    let reply = send_photo(&app, &w.patient_a, Uuid::new_v4()).await;

    assert_eq!(reply.status.as_u16(), 500, "a database fault, not the request: {}", reply.body);
    assert_eq!(messages_of(&app, &w.patient_a).await, 0);
    let methods: Vec<String> = store.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, ["PUT", "PUT", "DELETE", "DELETE"]);
    assert!(store.objects().is_empty());
    assert_eq!(count::<blob_deletion::Entity>(&app).await, 0);
}

#[tokio::test]
async fn racing_resends_with_an_image_keep_only_the_stored_messages_objects() {
    let store = FakeS3::start().await;
    let app = spawn_app_with_s3(&store, &[]).await;
    let w = app.world().await;
    let id = Uuid::new_v4();

    let replies = futures::future::join_all((0..4).map(|_| send_photo(&app, &w.patient_a, id))).await;

    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 201]);
    // Whichever sends lost the race deleted what they had uploaded.
    let row = message_attachment::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut keys: Vec<String> = store.objects().into_keys().collect();
    keys.sort();
    let mut expected = vec![format!("attachments/{}", row.blob_key), format!("attachments/{}", row.thumb_key)];
    expected.sort();
    assert_eq!(keys, expected);
}
