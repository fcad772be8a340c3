//! Web Push: the VAPID keys, the endpoint allowlist, message building and sending, and
//! [`deliver`], which sends one message to one subscription and records what happened
//! (a `push_delivery` row; the subscription expired on 404/410, its failure count kept).
//!
//! Payloads carry reminder text and a link into the PWA, never health data: push
//! services see the metadata and the payload is only as private as the device.

pub mod endpoint;
pub mod sender;
pub mod vapid;

use chrono::{DateTime, Utc};
use entity::{push_delivery, push_subscription};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

pub use sender::{Outgoing, PushSender, SendResult, Urgency};

/// What the service worker receives (JSON). Keep it free of health data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// Where a tap on the notification takes the patient in the PWA.
    pub navigate: String,
    /// Notifications with the same tag replace each other on the device.
    pub tag: String,
    pub occurrence_id: Option<Uuid>,
}

/// How the push service should treat a message.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    pub ttl: u32,
    pub urgency: Urgency,
    /// A newer message with the same topic replaces an undelivered one at the push service.
    pub topic: Option<&'static str>,
    /// As recorded in `push_delivery`.
    pub purpose: push_delivery::Purpose,
}

impl Delivery {
    /// A reminder, recorded as one in `push_delivery`.
    pub fn reminder(ttl: u32, urgency: Urgency, topic: &'static str) -> Self {
        Delivery { ttl, urgency, topic: Some(topic), purpose: push_delivery::Purpose::Reminder }
    }
}

impl<'a> Outgoing<'a> {
    /// `payload` for one stored subscription, treated as `delivery` says.
    pub fn to(subscription: &'a push_subscription::Model, payload: &'a [u8], delivery: Delivery) -> Self {
        Outgoing {
            endpoint: &subscription.endpoint,
            p256dh: &subscription.p256dh,
            auth: &subscription.auth,
            payload,
            ttl: delivery.ttl,
            urgency: delivery.urgency,
            topic: delivery.topic,
        }
    }
}

/// The user's subscriptions that may still be used.
pub async fn active_subscriptions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<push_subscription::Model>, DbErr> {
    push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(user_id))
        .filter(push_subscription::Column::ExpiredAt.is_null())
        .all(db)
        .await
}

/// Sends `notification` to one subscription and records the attempt.
pub async fn deliver<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    subscription: &push_subscription::Model,
    notification: &Notification,
    delivery: Delivery,
) -> Result<SendResult, DbErr> {
    let payload = serde_json::to_vec(notification).expect("notification serialises");
    let result = sender.send(now, &Outgoing::to(subscription, &payload, delivery)).await;
    record(db, now, subscription.id, notification.occurrence_id, delivery.purpose, &result).await?;
    Ok(result)
}

/// Stores the attempt and updates the subscription's health.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    subscription_id: Uuid,
    occurrence_id: Option<Uuid>,
    purpose: push_delivery::Purpose,
    result: &SendResult,
) -> Result<(), DbErr> {
    record_many(db, now, purpose, std::iter::once((subscription_id, occurrence_id, result))).await
}

/// Stores attempts (one insert) and updates the subscriptions' health (a statement per
/// kind of outcome): delivered resets the failure count, 404/410 and refused endpoints
/// expire the subscription, anything else counts as one more consecutive failure.
pub async fn record_many<'a, C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    purpose: push_delivery::Purpose,
    attempts: impl Iterator<Item = (Uuid, Option<Uuid>, &'a SendResult)>,
) -> Result<(), DbErr> {
    let mut rows = Vec::new();
    let (mut ok, mut gone, mut failing) = (Vec::new(), Vec::new(), Vec::new());
    for (subscription_id, occurrence_id, result) in attempts {
        rows.push(push_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            occurrence_id: Set(occurrence_id),
            subscription_id: Set(subscription_id),
            purpose: Set(purpose),
            http_status: Set(result.http_status().map(i32::from)),
            outcome: Set(stored_outcome(result)),
            at: Set(now),
        });
        match result {
            SendResult::Delivered { .. } => ok.push(subscription_id),
            SendResult::Expired { .. } | SendResult::Refused(_) => gone.push(subscription_id),
            SendResult::Rejected { status } => {
                tracing::error!(
                    subscription_id = %subscription_id,
                    status,
                    "push service refused the VAPID credentials; check FASCIA_VAPID_PRIVATE_KEY and the key the PWA subscribed with"
                );
                failing.push(subscription_id);
            }
            SendResult::Retry { .. } | SendResult::Failed { .. } => failing.push(subscription_id),
        }
    }
    for chunk in rows.chunks(500) {
        push_delivery::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    let subscriptions = || push_subscription::Entity::update_many();
    if !ok.is_empty() {
        subscriptions()
            .col_expr(push_subscription::Column::LastSuccessAt, Expr::value(now))
            .col_expr(push_subscription::Column::ConsecutiveFailures, Expr::value(0))
            .filter(push_subscription::Column::Id.is_in(ok))
            .exec(db)
            .await?;
    }
    if !gone.is_empty() {
        subscriptions()
            .col_expr(push_subscription::Column::ExpiredAt, Expr::value(now))
            .col_expr(push_subscription::Column::UpdatedAt, Expr::value(now))
            .filter(push_subscription::Column::Id.is_in(gone))
            .exec(db)
            .await?;
    }
    if !failing.is_empty() {
        failing.sort();
        failing.dedup();
        subscriptions()
            .col_expr(
                push_subscription::Column::ConsecutiveFailures,
                Expr::col(push_subscription::Column::ConsecutiveFailures).add(1),
            )
            .filter(push_subscription::Column::Id.is_in(failing))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Pushes a message to every active device of a user at once, e.g. a red-flag alert to
/// the patient's therapist. Returns how many devices accepted it. Failures are recorded
/// like any delivery; nothing is retried (the alert stays in the app either way).
pub async fn notify_user<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    user_id: Uuid,
    notification: &Notification,
) -> Result<usize, DbErr> {
    // No topic: one alert must never replace another before the therapist saw it.
    let delivery = Delivery { ttl: 3600, urgency: Urgency::High, topic: None, purpose: push_delivery::Purpose::Alert };
    let mut delivered = 0;
    for subscription in active_subscriptions(db, user_id).await? {
        let result = deliver(db, sender, now, &subscription, notification, delivery).await?;
        if matches!(result, SendResult::Delivered { .. }) {
            delivered += 1;
        }
    }
    Ok(delivered)
}

/// How a delivery's result is kept in `push_delivery.outcome`.
fn stored_outcome(result: &SendResult) -> push_delivery::Outcome {
    match result {
        SendResult::Delivered { .. } => push_delivery::Outcome::Delivered,
        SendResult::Expired { .. } => push_delivery::Outcome::Expired,
        SendResult::Retry { .. } => push_delivery::Outcome::Retry,
        SendResult::Rejected { .. } => push_delivery::Outcome::Rejected,
        SendResult::Failed { .. } => push_delivery::Outcome::Failed,
        SendResult::Refused(_) => push_delivery::Outcome::Refused,
    }
}
