//! Telling the other side of a thread that a message arrived. The push says only "New
//! message from your clinic" (to the patient) or "New message from A.B." (the patient's
//! initials, to the therapist): no text, no attachment, nothing a push service or a
//! lock screen should not see. Pushes of one thread share a `Topic`, so a newer one
//! replaces an undelivered older one at the push service, and a tag, so they replace each
//! other on the device.
//!
//! Outbox: a message carries `push_due_at`. A step claims due messages by clearing it
//! (one UPDATE per thread, so replicas never push the same message twice); a recipient
//! in their quiet hours gets `push_due_at` moved to the end of them instead.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use entity::{
    message::{self, Author},
    patient, push_delivery, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    ids::UserId,
    push::{self, Notification, Outgoing, PushSender, Urgency},
    services::reminder_preferences,
};

/// Due messages looked at per step.
const BATCH: u64 = 200;
/// A message push older than a day is noise; the app shows the thread anyway.
const TTL_SECONDS: u32 = 24 * 3600;

/// One step at `now`: pushes every due message's thread to its recipient. Returns how
/// many threads were pushed.
pub async fn push_due<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize, DbErr> {
    let due = message::Entity::find()
        .filter(message::Column::PushDueAt.lte(now))
        .order_by_asc(message::Column::PushDueAt)
        .limit(BATCH)
        .all(db)
        .await?;
    // One push per thread and direction, however many messages wait.
    let mut threads: BTreeMap<(Uuid, bool), Vec<Uuid>> = BTreeMap::new();
    for m in &due {
        threads.entry((m.patient_id, m.author == Author::Patient)).or_default().push(m.id);
    }
    let mut pushed = 0;
    for ((patient_id, from_patient), ids) in threads {
        let Some(record) = patient::Entity::find_by_id(patient_id).one(db).await? else { continue };
        let recipient = if from_patient { Some(record.primary_therapist_id) } else { record.user_id };
        let account = match recipient {
            Some(id) => user::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
            // Nobody to tell (no account, or a disabled one): the thread still shows it.
            claim(db, &ids).await?;
            continue;
        };
        if let Some(until) = quiet_until(db, &account, now).await? {
            message::Entity::update_many()
                .col_expr(message::Column::PushDueAt, Expr::value(until))
                .filter(message::Column::Id.is_in(ids))
                .filter(message::Column::PushDueAt.is_not_null())
                .exec(db)
                .await?;
            continue;
        }
        if claim(db, &ids).await? == 0 {
            continue;
        }
        let notification = if from_patient {
            Notification {
                title: format!("New message from {}", initials(&record.display_name)),
                body: "Open Fascia to read it.".to_owned(),
                navigate: format!("{public_url}/clinic/patients/{patient_id}/messages"),
                tag: format!("messages-{patient_id}"),
                occurrence_id: None,
            }
        } else {
            Notification {
                title: "New message from your clinic".to_owned(),
                body: "Open Fascia to read it.".to_owned(),
                navigate: format!("{public_url}/messages"),
                tag: "messages".to_owned(),
                occurrence_id: None,
            }
        };
        let topic = topic(patient_id);
        let payload = serde_json::to_vec(&notification).expect("notification serialises");
        let mut results = Vec::new();
        for subscription in push::active_subscriptions(db, account.id).await? {
            let out = Outgoing {
                endpoint: &subscription.endpoint,
                p256dh: &subscription.p256dh,
                auth: &subscription.auth,
                payload: &payload,
                ttl: TTL_SECONDS,
                urgency: Urgency::Normal,
                topic: Some(&topic),
            };
            results.push((subscription.id, sender.send(now, &out).await));
        }
        push::record_many(
            db,
            now,
            push_delivery::Purpose::Message,
            results.iter().map(|(id, result)| (*id, None, result)),
        )
        .await?;
        tracing::info!(devices = results.len(), "message push sent");
        pushed += 1;
    }
    Ok(pushed)
}

/// Clears `push_due_at` of the messages still waiting; how many this step took.
async fn claim<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<u64, DbErr> {
    let result = message::Entity::update_many()
        .col_expr(message::Column::PushDueAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .filter(message::Column::PushDueAt.is_not_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// When the recipient's quiet hours end, if they are in them at `now`.
async fn quiet_until<C: ConnectionTrait>(
    db: &C,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let Some((start, end)) = reminder_preferences::quiet_hours(db, UserId::new(account.id)).await? else {
        return Ok(None);
    };
    // Logged and read as UTC when corrupt, as the reminder loop does: one bad row must
    // not stop the pushes of every other recipient.
    let tz = crate::stored::zone_or_utc("user.timezone", &account.timezone);
    let local = now.with_timezone(&tz);
    let minute = (local.hour() * 60 + local.minute()) as i16;
    if !crate::reminders::dispatch::in_quiet_hours(start, end, minute) {
        return Ok(None);
    }
    let date: NaiveDate = local.date_naive();
    let date = if minute < end { date } else { date.succ_opt().unwrap_or(date) };
    Ok(Some(crate::reminders::schedule::due_at(date, end, tz).max(now + Duration::minutes(1))))
}

/// The push `Topic` of a thread: at most 32 URL-safe characters (RFC 8030).
fn topic(patient_id: Uuid) -> String {
    format!("msg{}", URL_SAFE_NO_PAD.encode(patient_id.as_bytes()))
}

/// "Ana María López" → "A.L.": the first letters of the first and last names.
fn initials(display_name: &str) -> String {
    let words: Vec<&str> = display_name.split_whitespace().collect();
    let letter = |w: &&str| w.chars().next().map(|c| c.to_uppercase().collect::<String>());
    let mut out = String::new();
    for l in [words.first(), words.last().filter(|_| words.len() > 1)].into_iter().flatten().filter_map(letter) {
        out.push_str(&l);
        out.push('.');
    }
    if out.is_empty() { "your patient".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_first_and_last_names() {
        assert_eq!(initials("Ana María López"), "A.L.");
        assert_eq!(initials("  cher "), "C.");
        assert_eq!(initials(""), "your patient");
    }

    #[test]
    fn topics_fit_the_push_protocol() {
        let t = topic(Uuid::now_v7());
        assert!(t.len() <= 32);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
