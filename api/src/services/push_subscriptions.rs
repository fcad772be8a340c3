//! A user's push subscriptions: subscribe (upsert by endpoint), list, remove, test.
//!
//! The endpoint is unique. When a browser subscribes with an endpoint that belongs to
//! another account, the subscription moves to the new account: that is what a shared
//! device looks like after one user logs out and another logs in and enables
//! notifications, and the browser holds the private key, so whoever posts the endpoint
//! with its keys controls it. The previous owner simply stops receiving on that device.

use chrono::{DateTime, Utc};
use entity::{AuditAction, push_subscription};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    db,
    push::{self, Delivery, Notification, PushSender, SendResult, Urgency, endpoint::SubscriptionKeys},
    services::{
        audit::{self, Event},
        reminder_rules,
    },
};

/// Devices per user; a browser that re-subscribes replaces its own row, so only many
/// distinct devices reach this.
pub const MAX_PER_USER: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("subscription not found")]
    NotFound,
    #[error("at most {MAX_PER_USER} devices may be subscribed; remove one first")]
    TooMany,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A subscription as validated at the edge (endpoint allowed, keys well-formed).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    pub expiration_time: Option<DateTime<Utc>>,
    pub device_label: Option<String>,
}

/// Stores the subscription for `who`; true when it is new to this user.
pub async fn subscribe<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    vapid_key_id: &str,
    new: NewSubscription,
) -> Result<(push_subscription::Model, bool), SubscriptionError> {
    let txn = db::begin_write(db).await?;
    let existing = push_subscription::Entity::find()
        .filter(push_subscription::Column::Endpoint.eq(new.endpoint.as_str()))
        .one(&txn)
        .await?;
    let owned_here = existing.as_ref().is_some_and(|e| e.user_id == who.user_id);
    if !owned_here {
        let active = push_subscription::Entity::find()
            .filter(push_subscription::Column::UserId.eq(who.user_id))
            .filter(push_subscription::Column::ExpiredAt.is_null())
            .count(&txn)
            .await?;
        if active >= MAX_PER_USER {
            return Err(SubscriptionError::TooMany);
        }
    }
    let saved = match existing {
        Some(row) => {
            let moved_from = (row.user_id != who.user_id).then_some(row.user_id);
            let mut active: push_subscription::ActiveModel = row.into();
            active.user_id = Set(who.user_id);
            active.p256dh = Set(new.keys.p256dh);
            active.auth = Set(new.keys.auth);
            active.vapid_key_id = Set(vapid_key_id.to_owned());
            active.device_label = Set(new.device_label);
            active.expiration_time = Set(new.expiration_time);
            active.expired_at = Set(None);
            active.consecutive_failures = Set(0);
            active.updated_at = Set(now);
            let saved = active.update(&txn).await?;
            if let Some(previous) = moved_from {
                tracing::info!(subscription_id = %saved.id, previous_user = %previous, "push subscription moved to another account");
            }
            saved
        }
        None => {
            push_subscription::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(who.user_id),
                endpoint: Set(new.endpoint),
                p256dh: Set(new.keys.p256dh),
                auth: Set(new.keys.auth),
                vapid_key_id: Set(vapid_key_id.to_owned()),
                device_label: Set(new.device_label),
                expiration_time: Set(new.expiration_time),
                last_success_at: Set(None),
                consecutive_failures: Set(0),
                expired_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    if let Some(patient) = PatientScope::of_patient_caller(who) {
        // Turning notifications on in the PWA is the patient's consent to reminders.
        crate::services::consents::set_reminders(&txn, now, who, patient, true).await?;
        reminder_rules::ensure_defaults(&txn, now, patient).await?;
    }
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::PushSubscriptionSubscribe).resource(format!("push_subscription:{}", saved.id)),
    )
    .await?;
    txn.commit().await?;
    Ok((saved, !owned_here))
}

pub async fn list<C: ConnectionTrait>(db: &C, who: &Principal) -> Result<Vec<push_subscription::Model>, DbErr> {
    push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(who.user_id))
        .order_by_asc(push_subscription::Column::Id)
        .all(db)
        .await
}

async fn find_own<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<push_subscription::Model, SubscriptionError> {
    push_subscription::Entity::find_by_id(id)
        .filter(push_subscription::Column::UserId.eq(who.user_id))
        .one(db)
        .await?
        .ok_or(SubscriptionError::NotFound)
}

/// Removes one of the caller's subscriptions (its delivery log goes with it).
pub async fn remove<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<(), SubscriptionError> {
    let txn = db::begin_write(db).await?;
    let own = find_own(&txn, who, id).await?;
    entity::push_delivery::Entity::delete_many()
        .filter(entity::push_delivery::Column::SubscriptionId.eq(own.id))
        .exec(&txn)
        .await?;
    push_subscription::Entity::delete_by_id(own.id).exec(&txn).await?;
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::PushSubscriptionRemove).resource(format!("push_subscription:{id}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sends a test notification to one of the caller's devices now.
pub async fn send_test<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    public_url: &str,
    who: &Principal,
    id: Uuid,
) -> Result<(push_subscription::Model, SendResult), SubscriptionError> {
    let own = find_own(db, who, id).await?;
    let notification = Notification {
        title: "Notifications are on".into(),
        body: "This is how Fascia reminders will look on this device.".into(),
        navigate: format!("{public_url}/"),
        tag: "fascia-test".into(),
        occurrence_id: None,
    };
    let delivery = Delivery {
        ttl: 300,
        urgency: Urgency::Normal,
        topic: Some("test"),
        purpose: entity::push_delivery::Purpose::Test,
    };
    let result = push::deliver(db, sender, now, &own, &notification, delivery).await?;
    let own = find_own(db, who, id).await?;
    Ok((own, result))
}
