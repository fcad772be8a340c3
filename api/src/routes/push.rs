//! `/api/v1/push/...` and `/api/v1/me/push-subscriptions`: the VAPID key for the PWA and
//! the signed-in user's devices.

use chrono::{DateTime, Utc};
use entity::push_subscription;
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::Example};
use uuid::{Uuid, uuid};

use super::{ApiTags, NoContent};
use crate::{
    auth::UserAuth,
    error::ApiError,
    push::{SendResult, endpoint::SubscriptionKeys},
    services::push_subscriptions::{self, NewSubscription, SubscriptionError},
    state::AppState,
};

#[derive(Debug, Object)]
#[oai(example)]
pub struct VapidKeyDto {
    /// Pass to `pushManager.subscribe({ applicationServerKey })`: the uncompressed P-256
    /// public key, base64url without padding.
    pub application_server_key: String,
    /// Identifies the key; it changes only when the operator rotates the key, and then
    /// the PWA must subscribe again.
    pub key_id: String,
}

impl Example for VapidKeyDto {
    fn example() -> Self {
        Self {
            application_server_key:
                "BEkQ8R-jlBqPIbIm9gv-X6D1N0xytepw3tPtntVdp_rbqqIvYu5-fSut8nuOOWYCnluKAfYKR0DVRGWoApzc1Lw".into(),
            key_id: "d87a2f1bf5e516f9".into(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct SubscriptionKeysRequest {
    /// The browser's P-256 public key, base64url (padding optional).
    #[oai(validator(max_length = 200))]
    pub p256dh: String,
    /// The 16-byte auth secret, base64url (padding optional).
    #[oai(validator(max_length = 100))]
    pub auth: String,
}

impl Example for SubscriptionKeysRequest {
    fn example() -> Self {
        Self {
            p256dh: "BF1bf_CFq1pELZO9b7mZVrJn5LPtjVylQEP0etSJ9mxr47azFHZHbWXHLbBN9qBrodmkhSLXJqDcEQ3k0p9IdMA".into(),
            auth: "48kBVB-0TurEn_nEC8LOkg".into(),
        }
    }
}

/// `PushSubscription.toJSON()` as the browser gives it, plus an optional label.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct SubscribeRequest {
    /// The push service URL; only known push services are accepted.
    #[oai(validator(max_length = 2048))]
    pub endpoint: String,
    /// Milliseconds since the epoch when the browser will drop the subscription, or null.
    #[oai(rename = "expirationTime")]
    pub expiration_time: Option<f64>,
    pub keys: SubscriptionKeysRequest,
    /// A name the user recognises, e.g. "Phone".
    #[oai(validator(max_length = 100))]
    pub device_label: Option<String>,
}

impl Example for SubscribeRequest {
    fn example() -> Self {
        Self {
            endpoint: "https://fcm.googleapis.com/fcm/send/eS98jZM8FRJShu3a:APA91bGx3kP0".into(),
            expiration_time: None,
            keys: SubscriptionKeysRequest::example(),
            device_label: Some("Phone".into()),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none, example)]
pub struct PushSubscriptionDto {
    pub id: Uuid,
    pub endpoint: String,
    pub device_label: Option<String>,
    /// The VAPID key the device subscribed with.
    pub vapid_key_id: String,
    pub expiration_time: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Set when the push service said the subscription is gone; subscribe again.
    pub expired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Example for PushSubscriptionDto {
    fn example() -> Self {
        Self {
            id: uuid!("0193a5b2-4c00-7000-8000-000000000f01"),
            endpoint: "https://fcm.googleapis.com/fcm/send/eS98jZM8FRJShu3a:APA91bGx3kP0".into(),
            device_label: Some("Phone".into()),
            vapid_key_id: "d87a2f1bf5e516f9".into(),
            expiration_time: None,
            last_success_at: Some("2026-11-30T07:30:04Z".parse().expect("RFC 3339 instant")),
            expired_at: None,
            created_at: "2026-11-16T18:42:00Z".parse().expect("RFC 3339 instant"),
        }
    }
}

impl From<push_subscription::Model> for PushSubscriptionDto {
    fn from(s: push_subscription::Model) -> Self {
        Self {
            id: s.id,
            endpoint: s.endpoint,
            device_label: s.device_label,
            vapid_key_id: s.vapid_key_id,
            expiration_time: s.expiration_time,
            last_success_at: s.last_success_at,
            expired_at: s.expired_at,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TestPushResult {
    /// The push service accepted the message.
    pub delivered: bool,
    /// `delivered`, `retry`, `expired`, `rejected`, `failed` or `refused`.
    pub outcome: String,
    /// The push service's HTTP status, if it answered.
    pub push_service_status: Option<u16>,
    pub subscription: PushSubscriptionDto,
}

#[derive(ApiResponse)]
pub enum Subscribed {
    /// A new subscription for this account.
    #[oai(status = 201)]
    Created(Json<PushSubscriptionDto>),
    /// The account already had this endpoint; its keys and label were updated.
    #[oai(status = 200)]
    Updated(Json<PushSubscriptionDto>),
}

impl From<SubscriptionError> for ApiError {
    fn from(err: SubscriptionError) -> Self {
        match err {
            SubscriptionError::NotFound => ApiError::not_found("push subscription"),
            SubscriptionError::TooMany => ApiError::conflict(err.to_string()),
            SubscriptionError::Db(e) => e.into(),
        }
    }
}

fn parse_subscription(body: SubscribeRequest, state: &AppState) -> Result<NewSubscription, ApiError> {
    let endpoint = body.endpoint.trim().to_owned();
    state.push.policy().check(&endpoint).map_err(|e| ApiError::invalid("endpoint", e.to_string()))?;
    let keys = SubscriptionKeys::parse(&body.keys.p256dh, &body.keys.auth).map_err(|e| {
        let field = match e {
            crate::push::endpoint::KeyError::P256dh => "keys.p256dh",
            crate::push::endpoint::KeyError::Auth => "keys.auth",
        };
        ApiError::invalid(field, e.to_string())
    })?;
    let expiration_time = body
        .expiration_time
        .map(|ms| {
            (ms.is_finite() && (0.0..1e15).contains(&ms))
                .then(|| DateTime::from_timestamp_millis(ms as i64))
                .flatten()
                .ok_or_else(|| ApiError::invalid("expirationTime", "must be milliseconds since the epoch or null"))
        })
        .transpose()?;
    let device_label = body.device_label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    Ok(NewSubscription { endpoint, keys, expiration_time, device_label })
}

pub struct PushApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Push")]
impl PushApi {
    /// The server's VAPID public key, for `pushManager.subscribe`. No login needed.
    #[oai(path = "/push/vapid-public-key", method = "get", operation_id = "get_vapid_public_key")]
    async fn get_vapid_public_key(&self, state: Data<&AppState>) -> Result<Json<VapidKeyDto>, ApiError> {
        let keys = state.push.keys();
        Ok(Json(VapidKeyDto { application_server_key: keys.application_server_key(), key_id: keys.key_id().into() }))
    }

    /// Register this device for push: post `PushSubscription.toJSON()` as is.
    #[oai(path = "/me/push-subscriptions", method = "post", operation_id = "create_push_subscription")]
    async fn create_push_subscription(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        body: Json<SubscribeRequest>,
    ) -> Result<Subscribed, ApiError> {
        let new = parse_subscription(body.0, &state)?;
        let key_id = state.push.keys().key_id().to_owned();
        let (saved, created) = push_subscriptions::subscribe(&state.db, state.now(), &auth.0, &key_id, new).await?;
        Ok(if created { Subscribed::Created(Json(saved.into())) } else { Subscribed::Updated(Json(saved.into())) })
    }

    /// Your devices that receive push notifications.
    #[oai(path = "/me/push-subscriptions", method = "get", operation_id = "list_push_subscriptions")]
    async fn list_push_subscriptions(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
    ) -> Result<Json<Vec<PushSubscriptionDto>>, ApiError> {
        let rows = push_subscriptions::list(&state.db, &auth.0).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// Stop push notifications to one of your devices.
    #[oai(path = "/me/push-subscriptions/:id", method = "delete", operation_id = "delete_push_subscription")]
    async fn delete_push_subscription(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<NoContent, ApiError> {
        push_subscriptions::remove(&state.db, state.now(), &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// Send a test notification to one of your devices now.
    #[oai(path = "/me/push-subscriptions/:id/test", method = "post", operation_id = "send_test_push")]
    async fn send_test_push(
        &self,
        state: Data<&AppState>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<Json<TestPushResult>, ApiError> {
        let (subscription, result) = push_subscriptions::send_test(
            &state.db,
            &state.push,
            state.now(),
            &state.settings.public_url,
            &auth.0,
            id.0,
        )
        .await?;
        Ok(Json(TestPushResult {
            delivered: matches!(result, SendResult::Delivered { .. }),
            outcome: result.outcome().to_owned(),
            push_service_status: result.http_status(),
            subscription: subscription.into(),
        }))
    }
}
