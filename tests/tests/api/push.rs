//! Web Push subscriptions: the VAPID key, subscribing as the browser does, the endpoint
//! allowlist at subscribe and at send time, the device cap, and the test notification.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::push_subscription;
use fascia::push::endpoint::HOSTILE_ENDPOINTS;
use fascia_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::Method;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;
use uuid::Uuid;

async fn loopback_app() -> TestApp {
    spawn_app_with(HashMap::from([("FASCIA_PUSH_ALLOW_LOOPBACK", "true")])).await
}

fn browser_keys() -> serde_json::Value {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    json!({
        "p256dh": URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes()),
        "auth": URL_SAFE_NO_PAD.encode([9u8; 16]),
    })
}

#[tokio::test]
async fn the_vapid_public_key_is_served_without_login() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/push/vapid-public-key", None).await.expect(200);
    let key = URL_SAFE_NO_PAD.decode(body["application_server_key"].as_str().unwrap()).unwrap();
    assert_eq!(key.len(), 65);
    assert!(p256::PublicKey::from_sec1_bytes(&key).is_ok());
    assert!(!body["key_id"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn a_browser_subscription_is_stored_listed_updated_and_removed() {
    let app = loopback_app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let token = Some(w.patient_a.access_token.as_str());
    let (_, body) = fake.subscription_json();
    let created = app.post("/api/v1/me/push-subscriptions", token, &body).await.expect(201);
    let again = app.post("/api/v1/me/push-subscriptions", token, &body).await.expect(200);
    assert_eq!(created["id"], again["id"]);
    let list = app.get("/api/v1/me/push-subscriptions", token).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["device_label"], "Test phone");
    let path = format!("/api/v1/me/push-subscriptions/{}", created["id"].as_str().unwrap());
    // Another user's subscription does not exist for them.
    app.request(Method::DELETE, &path, Some(&w.patient_b.access_token), None).await.expect_error(404, "not_found");
    app.request(Method::DELETE, &path, token, None).await.expect(204);
    assert_eq!(app.get("/api/v1/me/push-subscriptions", token).await.expect(200), json!([]));
}

#[tokio::test]
async fn hostile_endpoints_are_refused_at_subscribe_and_nothing_is_stored() {
    let app = spawn_app().await;
    let w = app.world().await;
    let token = Some(w.therapist_x.access_token.as_str());
    for endpoint in HOSTILE_ENDPOINTS {
        let body = json!({ "endpoint": endpoint, "expirationTime": null, "keys": browser_keys() });
        let reply = app.post("/api/v1/me/push-subscriptions", token, &body).await;
        let error = reply.expect_error(422, "validation_failed");
        assert_eq!(error["details"][0]["field"], "endpoint", "{endpoint}");
    }
    // Loopback is not allowed without the test setting either.
    let body = json!({ "endpoint": "http://127.0.0.1:9/push/x", "expirationTime": null, "keys": browser_keys() });
    app.post("/api/v1/me/push-subscriptions", token, &body).await.expect_error(422, "validation_failed");
    assert_eq!(app.get("/api/v1/me/push-subscriptions", token).await.expect(200), json!([]));
}

#[tokio::test]
async fn keys_that_are_not_a_curve_point_or_a_16_byte_secret_are_refused() {
    let app = spawn_app().await;
    let w = app.world().await;
    let token = Some(w.patient_a.access_token.as_str());
    let endpoint = "https://fcm.googleapis.com/fcm/send/abc";
    let mut keys = browser_keys();
    keys["auth"] = json!(URL_SAFE_NO_PAD.encode([1u8; 15]));
    let body = json!({ "endpoint": endpoint, "expirationTime": null, "keys": keys });
    let error = app.post("/api/v1/me/push-subscriptions", token, &body).await.expect_error(422, "validation_failed");
    assert_eq!(error["details"][0]["field"], "keys.auth");
    let mut point = URL_SAFE_NO_PAD.decode(browser_keys()["p256dh"].as_str().unwrap()).unwrap();
    point[64] ^= 1;
    let keys = json!({ "p256dh": URL_SAFE_NO_PAD.encode(point), "auth": URL_SAFE_NO_PAD.encode([1u8; 16]) });
    let body = json!({ "endpoint": endpoint, "expirationTime": null, "keys": keys });
    let error = app.post("/api/v1/me/push-subscriptions", token, &body).await.expect_error(422, "validation_failed");
    assert_eq!(error["details"][0]["field"], "keys.p256dh");
    let body = json!({ "endpoint": endpoint, "expirationTime": "tomorrow", "keys": browser_keys() });
    app.post("/api/v1/me/push-subscriptions", token, &body).await.expect_error(400, "bad_request");
    assert_eq!(app.get("/api/v1/me/push-subscriptions", token).await.expect(200), json!([]));
}

#[tokio::test]
async fn an_endpoint_subscribed_again_by_another_user_moves_to_them() {
    let app = loopback_app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let (_, body) = fake.subscription_json();
    app.post("/api/v1/me/push-subscriptions", Some(&w.patient_a.access_token), &body).await.expect(201);
    app.post("/api/v1/me/push-subscriptions", Some(&w.patient_b.access_token), &body).await.expect(201);
    assert_eq!(app.get("/api/v1/me/push-subscriptions", Some(&w.patient_a.access_token)).await.expect(200), json!([]));
    let b = app.get("/api/v1/me/push-subscriptions", Some(&w.patient_b.access_token)).await.expect(200);
    assert_eq!(b.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_user_may_subscribe_at_most_ten_devices() {
    let app = loopback_app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    for _ in 0..10 {
        app.subscribe(&w.therapist_x, &fake).await;
    }
    let (_, body) = fake.subscription_json();
    app.post("/api/v1/me/push-subscriptions", Some(&w.therapist_x.access_token), &body)
        .await
        .expect_error(409, "conflict");
}

#[tokio::test]
async fn a_test_notification_arrives_signed_and_encrypted_and_the_vapid_token_is_reused() {
    let app = loopback_app().await;
    let w = app.world().await;
    let fake = app.fake_push().await;
    let (id, _) = app.subscribe(&w.therapist_x, &fake).await;
    let path = format!("/api/v1/me/push-subscriptions/{id}/test");
    let token = Some(w.therapist_x.access_token.as_str());
    let first = app.post(&path, token, &json!({})).await.expect(200);
    assert_eq!(first["delivered"], true, "{first}");
    app.post(&path, token, &json!({})).await.expect(200);
    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 2, "{:?}", fake.received());
    let payload = delivered[0].payload.clone().unwrap();
    assert_eq!(payload["title"], "Notifications are on");
    assert_eq!(payload["navigate"], "https://app.fascia.test/");
    assert_eq!(delivered[0].topic.as_deref(), Some("test"));
    assert_eq!(delivered[0].jwt, delivered[1].jwt, "one VAPID signature per origin, reused");
    // Someone else's subscription cannot be used.
    app.post(&path, Some(&w.therapist_y.access_token), &json!({})).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn hostile_endpoints_already_stored_are_refused_at_send_time() {
    let app = spawn_app().await;
    let w = app.world().await;
    let now = app.clock_now();
    for endpoint in HOSTILE_ENDPOINTS {
        let id = Uuid::now_v7();
        push_subscription::Entity::insert(push_subscription::ActiveModel {
            id: Set(id),
            user_id: Set(w.therapist_x.user_id),
            endpoint: Set(endpoint.to_string()),
            p256dh: Set(browser_keys()["p256dh"].as_str().unwrap().to_owned()),
            auth: Set(URL_SAFE_NO_PAD.encode([3u8; 16])),
            vapid_key_id: Set("k".into()),
            device_label: Set(None),
            expiration_time: Set(None),
            last_success_at: Set(None),
            consecutive_failures: Set(0),
            expired_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
        let path = format!("/api/v1/me/push-subscriptions/{id}/test");
        let reply = app.post(&path, Some(&w.therapist_x.access_token), &json!({})).await.expect(200);
        assert_eq!(reply["outcome"], "refused", "{endpoint}: {reply}");
        assert!(reply["subscription"]["expired_at"].is_string(), "{endpoint}: never used again");
    }
}
