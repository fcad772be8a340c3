//! Leasing, sending and acknowledging due occurrences.
//!
//! Delivery is at-least-once: a worker leases a batch (status `leased`, a fresh lease
//! token, `lease_until`), sends, and only then acknowledges with that token. A worker that
//! dies mid-batch leaves its lease to expire, and another worker takes the batch over, so
//! nothing is lost and a crash duplicates at most one batch. An acknowledgement carrying a
//! stale token (the lease was taken over) changes nothing.
//!
//! Leasing is one short write transaction: on PostgreSQL `SELECT ... FOR UPDATE SKIP
//! LOCKED` lets concurrent workers take disjoint batches without waiting on each other;
//! SQLite has one writer at a time, and `BEGIN IMMEDIATE` makes the select-then-update
//! atomic.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use entity::{patient, push_delivery, push_subscription, reminder_occurrence, reminder_preference, user};
use futures::StreamExt;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use tracing::Instrument;
use uuid::Uuid;

use super::{DispatchOptions, Report, kinds::ReminderKind, needed, schedule};
use crate::{
    db, outage,
    push::{self, Notification, Outgoing, PushSender, SendResult},
};

/// Transient failures are retried this many times in all, then the occurrence fails.
const MAX_ATTEMPTS: i32 = 6;

/// A leased occurrence: the row and the token that proves the lease.
#[derive(Debug, Clone)]
pub struct Leased {
    pub occurrence: reminder_occurrence::Model,
    pub token: Uuid,
}

fn due_condition(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(reminder_occurrence::Column::Status.eq(reminder_occurrence::Status::Pending))
                .add(reminder_occurrence::Column::NextAttemptAt.lte(now)),
        )
        // A lease whose worker died (or stalled) past its end is taken over.
        .add(
            Condition::all()
                .add(reminder_occurrence::Column::Status.eq(reminder_occurrence::Status::Leased))
                .add(reminder_occurrence::Column::LeaseUntil.lt(now)),
        )
}

/// Leases up to `batch` due occurrences for this worker.
pub async fn lease<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease: Duration,
    batch: u64,
) -> Result<Vec<Leased>, DbErr> {
    let token = Uuid::new_v4();
    let txn = db::begin_write(db).await?;
    let mut q = reminder_occurrence::Entity::find()
        .select_only()
        .column(reminder_occurrence::Column::Id)
        .filter(due_condition(now))
        .order_by_asc(reminder_occurrence::Column::NextAttemptAt)
        .limit(batch);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<Uuid> = q.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(vec![]);
    }
    reminder_occurrence::Entity::update_many()
        .col_expr(reminder_occurrence::Column::Status, Expr::value(reminder_occurrence::Status::Leased))
        .col_expr(reminder_occurrence::Column::LeaseToken, Expr::value(token))
        .col_expr(reminder_occurrence::Column::LeaseUntil, Expr::value(now + lease))
        .col_expr(reminder_occurrence::Column::Attempts, Expr::col(reminder_occurrence::Column::Attempts).add(1))
        .col_expr(reminder_occurrence::Column::UpdatedAt, Expr::value(now))
        .filter(reminder_occurrence::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let rows = reminder_occurrence::Entity::find()
        .filter(reminder_occurrence::Column::Id.is_in(ids))
        .filter(reminder_occurrence::Column::LeaseToken.eq(token))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(|occurrence| Leased { occurrence, token }).collect())
}

/// How a leased occurrence ends (for this attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    Sent,
    Skipped(&'static str),
    /// Back to pending until the instant given (quiet hours or a retry).
    Later {
        at: DateTime<Utc>,
        reason: &'static str,
        retry: bool,
    },
    Failed(&'static str),
}

/// Records the outcome if the lease is still ours; false when the token was stale.
pub async fn acknowledge<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    leased: &Leased,
    ack: &Ack,
) -> Result<bool, DbErr> {
    let (status, next, error) = match ack {
        Ack::Sent => (reminder_occurrence::Status::Sent, None, None),
        Ack::Skipped(why) => (reminder_occurrence::Status::Skipped, None, Some(*why)),
        Ack::Later { at, reason, .. } => (reminder_occurrence::Status::Pending, Some(*at), Some(*reason)),
        Ack::Failed(why) => (reminder_occurrence::Status::Failed, None, Some(*why)),
    };
    let mut update = reminder_occurrence::Entity::update_many()
        .col_expr(reminder_occurrence::Column::Status, Expr::value(status))
        .col_expr(reminder_occurrence::Column::LeaseToken, Expr::value(Option::<Uuid>::None))
        .col_expr(reminder_occurrence::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(reminder_occurrence::Column::LastError, Expr::value(error.map(str::to_owned)))
        .col_expr(reminder_occurrence::Column::UpdatedAt, Expr::value(now));
    if let Some(at) = next {
        update = update.col_expr(reminder_occurrence::Column::NextAttemptAt, Expr::value(at));
    }
    if let Ack::Later { retry: false, .. } = ack {
        // Holding through quiet hours is not an attempt.
        update = update
            .col_expr(reminder_occurrence::Column::Attempts, Expr::col(reminder_occurrence::Column::Attempts).sub(1));
    }
    let result = update
        .filter(reminder_occurrence::Column::Id.eq(leased.occurrence.id))
        .filter(reminder_occurrence::Column::LeaseToken.eq(leased.token))
        .filter(reminder_occurrence::Column::Status.eq(reminder_occurrence::Status::Leased))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What a batch needs to know about its patients, loaded with a handful of queries for
/// the whole batch rather than per occurrence.
struct BatchContext {
    patients: HashMap<Uuid, patient::Model>,
    users: HashMap<Uuid, user::Model>,
    quiet: HashMap<Uuid, (i16, i16)>,
    subscriptions: HashMap<Uuid, Vec<push_subscription::Model>>,
    /// Subscriptions that already got an occurrence on an earlier attempt.
    delivered_before: HashMap<Uuid, Vec<Uuid>>,
    /// Patients whose latest care plan is completed (discharged): no daily check-in.
    care_ended: HashSet<Uuid>,
    /// Back-offs and the day's check-ins, for `needed::already_done`.
    facts: needed::BatchFacts,
}

impl BatchContext {
    /// Two rounds of queries, each run at once: what the occurrences name (patients,
    /// earlier deliveries, discharges, what is already done), then the patients' accounts.
    async fn load<C: ConnectionTrait>(db: &C, batch: &[Leased]) -> Result<Self, DbErr> {
        let patient_ids: HashSet<Uuid> = batch.iter().map(|l| l.occurrence.patient_id).collect();
        let checking_in: Vec<Uuid> = batch
            .iter()
            .filter(|l| ReminderKind::from(l.occurrence.kind) == ReminderKind::CheckIn)
            .map(|l| l.occurrence.patient_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let retried: Vec<Uuid> = batch.iter().filter(|l| l.occurrence.attempts > 1).map(|l| l.occurrence.id).collect();
        let occurrences: Vec<&reminder_occurrence::Model> = batch.iter().map(|l| &l.occurrence).collect();
        let (patients, delivered_before, care_ended, facts) = futures::try_join!(
            async {
                let rows = patient::Entity::find().filter(patient::Column::Id.is_in(patient_ids)).all(db).await?;
                Ok::<_, DbErr>(rows.into_iter().map(|p| (p.id, p)).collect::<HashMap<Uuid, patient::Model>>())
            },
            delivered_before(db, retried),
            async {
                if checking_in.is_empty() {
                    Ok(HashSet::new())
                } else {
                    crate::services::discharge::care_ended_among(db, Some(&checking_in)).await
                }
            },
            needed::BatchFacts::load(db, &occurrences),
        )?;
        let user_ids: HashSet<Uuid> = patients.values().filter_map(|p| p.user_id).collect();
        let (users, quiet, subscriptions) = futures::try_join!(
            user::Entity::find().filter(user::Column::Id.is_in(user_ids.iter().copied())).all(db),
            reminder_preference::Entity::find()
                .filter(reminder_preference::Column::UserId.is_in(user_ids.iter().copied()))
                .all(db),
            push_subscription::Entity::find()
                .filter(push_subscription::Column::UserId.is_in(user_ids.iter().copied()))
                .filter(push_subscription::Column::ExpiredAt.is_null())
                .all(db),
        )?;
        let users = users.into_iter().map(|u| (u.id, u)).collect();
        let quiet =
            quiet.into_iter().filter_map(|p| Some((p.user_id, (p.quiet_start_minute?, p.quiet_end_minute?)))).collect();
        let mut by_user: HashMap<Uuid, Vec<push_subscription::Model>> = HashMap::new();
        for s in subscriptions {
            by_user.entry(s.user_id).or_default().push(s);
        }
        Ok(Self { patients, users, quiet, subscriptions: by_user, delivered_before, care_ended, facts })
    }
}

/// The subscriptions each retried occurrence already reached on an earlier attempt.
async fn delivered_before<C: ConnectionTrait>(db: &C, retried: Vec<Uuid>) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut delivered: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if retried.is_empty() {
        return Ok(delivered);
    }
    let rows: Vec<(Option<Uuid>, Uuid)> = push_delivery::Entity::find()
        .select_only()
        .columns([push_delivery::Column::OccurrenceId, push_delivery::Column::SubscriptionId])
        .filter(push_delivery::Column::OccurrenceId.is_in(retried))
        .filter(push_delivery::Column::Outcome.eq(push_delivery::Outcome::Delivered))
        .into_tuple()
        .all(db)
        .await?;
    for (occurrence, subscription) in rows {
        if let Some(occurrence) = occurrence {
            delivered.entry(occurrence).or_default().push(subscription);
        }
    }
    Ok(delivered)
}

/// A processed occurrence: its lease, how it ends, and the pushes it took.
type Handled = (Leased, Ack, Vec<Attempt>);

/// One push attempt, recorded after the batch.
struct Attempt {
    subscription_id: Uuid,
    occurrence_id: Uuid,
    result: SendResult,
}

pub(super) async fn process_batch<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    opts: &DispatchOptions,
    batch: Vec<Leased>,
) -> Result<Report, DbErr> {
    let mut report = Report { leased: batch.len() as u64, ..Report::default() };
    let context = BatchContext::load(db, &batch).await?;
    let context = &context;
    let results: Vec<Result<Handled, DbErr>> = futures::stream::iter(batch)
        .map(|leased| async move {
            let span = tracing::info_span!(
                "reminder",
                occurrence_id = %leased.occurrence.id,
                rule_id = %leased.occurrence.rule_id,
                kind = ReminderKind::from(leased.occurrence.kind).as_str(),
                attempt = leased.occurrence.attempts,
            );
            async {
                let mut attempts = Vec::new();
                let ack = process_one(db, sender, now, opts, context, &leased, &mut attempts).await?;
                tracing::debug!(?ack, "reminder handled");
                Ok((leased, ack, attempts))
            }
            .instrument(span)
            .await
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut attempts = Vec::new();
    // Acknowledgements with the same outcome go in one statement; held and retried ones
    // each have their own next attempt time.
    let mut groups: HashMap<(reminder_occurrence::Status, Option<&'static str>), Vec<Uuid>> = HashMap::new();
    let mut token = None;
    for result in results {
        let (leased, ack, mut tried) = result?;
        attempts.append(&mut tried);
        token = Some(leased.token);
        match ack {
            Ack::Sent => {
                groups.entry((reminder_occurrence::Status::Sent, None)).or_default().push(leased.occurrence.id)
            }
            Ack::Skipped(why) => {
                groups.entry((reminder_occurrence::Status::Skipped, Some(why))).or_default().push(leased.occurrence.id)
            }
            Ack::Failed(why) => {
                groups.entry((reminder_occurrence::Status::Failed, Some(why))).or_default().push(leased.occurrence.id)
            }
            Ack::Later { retry, .. } => {
                if acknowledge(db, now, &leased, &ack).await? {
                    if retry { report.retrying += 1 } else { report.held += 1 }
                } else {
                    report.stale_acks += 1;
                }
            }
        }
    }
    // The pushes are out: recording them must survive a short database outage, or the
    // lease would expire and another step would send them again. Keep trying for half
    // the lease, which leaves the rest of it for the statements themselves.
    let patience = (opts.lease / 2).to_std().unwrap_or_default();
    outage::retry_while_unavailable(patience, || {
        push::record_many(
            db,
            now,
            entity::push_delivery::Purpose::Reminder,
            attempts.iter().map(|a| (a.subscription_id, Some(a.occurrence_id), &a.result)),
        )
    })
    .await?;
    if let Some(token) = token {
        for ((status, why), ids) in groups {
            let expected = ids.len() as u64;
            let done = outage::retry_while_unavailable(patience, || {
                acknowledge_many(db, now, token, ids.clone(), status, why)
            })
            .await?;
            if done < expected {
                tracing::warn!(
                    stale = expected - done,
                    "leases were taken over before the acknowledgement; they changed nothing"
                );
            }
            report.stale_acks += expected - done;
            match status {
                reminder_occurrence::Status::Sent => report.sent += done,
                reminder_occurrence::Status::Skipped => report.skipped += done,
                _ => report.failed += done,
            }
        }
    }
    Ok(report)
}

/// Ends several occurrences of one lease with the same outcome; returns how many were
/// still ours.
async fn acknowledge_many<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    token: Uuid,
    ids: Vec<Uuid>,
    status: reminder_occurrence::Status,
    why: Option<&'static str>,
) -> Result<u64, DbErr> {
    let result = reminder_occurrence::Entity::update_many()
        .col_expr(reminder_occurrence::Column::Status, Expr::value(status))
        .col_expr(reminder_occurrence::Column::LeaseToken, Expr::value(Option::<Uuid>::None))
        .col_expr(reminder_occurrence::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(reminder_occurrence::Column::LastError, Expr::value(why.map(str::to_owned)))
        .col_expr(reminder_occurrence::Column::UpdatedAt, Expr::value(now))
        .filter(reminder_occurrence::Column::Id.is_in(ids))
        .filter(reminder_occurrence::Column::LeaseToken.eq(token))
        .filter(reminder_occurrence::Column::Status.eq(reminder_occurrence::Status::Leased))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Quiet hours as minutes after local midnight, `start..end`, possibly wrapping midnight.
pub fn in_quiet_hours(start: i16, end: i16, minute: i16) -> bool {
    match start.cmp(&end) {
        std::cmp::Ordering::Less => (start..end).contains(&minute),
        std::cmp::Ordering::Greater => minute >= start || minute < end,
        std::cmp::Ordering::Equal => false,
    }
}

/// The instant quiet hours that contain `now` end.
fn quiet_end(now: DateTime<Utc>, tz: Tz, end: i16) -> DateTime<Utc> {
    let local = now.with_timezone(&tz);
    let minute = (local.hour() * 60 + local.minute()) as i16;
    let date: NaiveDate = local.date_naive();
    let date = if minute < end { date } else { date.succ_opt().unwrap_or(date) };
    Ord::max(schedule::due_at(date, end, tz), now + Duration::minutes(1))
}

/// Backoff for transient failures: 1, 2, 4 … minutes, at most an hour, and never sooner
/// than the push service's Retry-After.
fn retry_at(now: DateTime<Utc>, attempts: i32, retry_after: Option<Duration>) -> DateTime<Utc> {
    let backoff = Duration::minutes(1 << (attempts.clamp(1, 7) - 1)).min(Duration::hours(1));
    now + backoff.max(retry_after.unwrap_or_else(Duration::zero))
}

async fn process_one<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    opts: &DispatchOptions,
    context: &BatchContext,
    leased: &Leased,
    attempts: &mut Vec<Attempt>,
) -> Result<Ack, DbErr> {
    let occ = &leased.occurrence;
    let kind = ReminderKind::from(occ.kind);
    let Some(patient) = context.patients.get(&occ.patient_id) else {
        return Ok(Ack::Skipped("patient not found"));
    };
    let Some(account) = patient.user_id.and_then(|u| context.users.get(&u)) else {
        return Ok(Ack::Skipped("patient has no account"));
    };
    if !patient.consent_reminders || patient.archived_at.is_some() {
        return Ok(Ack::Skipped("reminders not consented"));
    }
    if account.disabled_at.is_some() {
        return Ok(Ack::Skipped("account disabled"));
    }
    if let Some((start, end)) = context.quiet.get(&account.id).copied() {
        let tz = crate::stored::zone_or_utc("user.timezone", &account.timezone);
        let local = now.with_timezone(&tz);
        let minute = (local.hour() * 60 + local.minute()) as i16;
        if in_quiet_hours(start, end, minute) {
            return Ok(Ack::Later { at: quiet_end(now, tz, end), reason: "quiet hours", retry: false });
        }
    }
    // After discharge the daily log has no course of care to follow.
    if kind == ReminderKind::CheckIn && context.care_ended.contains(&occ.patient_id) {
        return Ok(Ack::Skipped("care plan completed"));
    }
    if let Some(why) = needed::already_done(db, &context.facts, kind, occ).await? {
        return Ok(Ack::Skipped(why));
    }
    let delivered_before = context.delivered_before.get(&occ.id).map(Vec::as_slice).unwrap_or_default();
    let subscriptions: Vec<&push_subscription::Model> = context
        .subscriptions
        .get(&account.id)
        .map(|subs| subs.iter().filter(|s| !delivered_before.contains(&s.id)).collect())
        .unwrap_or_default();
    if subscriptions.is_empty() {
        return Ok(if delivered_before.is_empty() { Ack::Skipped("no active subscription") } else { Ack::Sent });
    }
    let (title, body, path) = kind.text();
    let notification = Notification {
        title: title.to_owned(),
        body: body.to_owned(),
        navigate: format!("{}{path}", opts.public_url),
        tag: format!("fascia-{}", kind.as_str()),
        occurrence_id: Some(occ.id),
    };
    let payload = serde_json::to_vec(&notification).expect("notification serialises");
    let delivery = kind.delivery();
    let mut delivered = !delivered_before.is_empty();
    let mut retry: Option<Option<Duration>> = None;
    let mut rejected = false;
    for subscription in subscriptions {
        let result = sender.send(now, &Outgoing::to(subscription, &payload, delivery)).await;
        match &result {
            SendResult::Delivered { .. } => delivered = true,
            SendResult::Retry { retry_after, .. } => retry = Some(retry.flatten().max(*retry_after)),
            SendResult::Rejected { .. } => rejected = true,
            SendResult::Expired { .. } | SendResult::Failed { .. } | SendResult::Refused(_) => {}
        }
        attempts.push(Attempt { subscription_id: subscription.id, occurrence_id: occ.id, result });
    }
    Ok(match retry {
        Some(_) if occ.attempts >= MAX_ATTEMPTS => {
            if delivered {
                Ack::Sent
            } else {
                Ack::Failed("push service kept failing")
            }
        }
        Some(retry_after) => Ack::Later {
            at: retry_at(now, occ.attempts, retry_after),
            reason: "push service asked to retry",
            retry: true,
        },
        None if delivered => Ack::Sent,
        None if rejected => Ack::Failed("push service refused the VAPID credentials"),
        None => Ack::Failed("no device accepted the reminder"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let (start, end) = (22 * 60, 7 * 60);
        assert!(in_quiet_hours(start, end, 23 * 60));
        assert!(in_quiet_hours(start, end, 6 * 60 + 59));
        assert!(!in_quiet_hours(start, end, 7 * 60));
        assert!(!in_quiet_hours(start, end, 12 * 60));
        assert!(in_quiet_hours(13 * 60, 14 * 60, 13 * 60 + 30));
        assert!(!in_quiet_hours(13 * 60, 13 * 60, 13 * 60));
    }

    #[test]
    fn retries_back_off_but_never_before_retry_after() {
        let now: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
        assert_eq!(retry_at(now, 1, None), now + Duration::minutes(1));
        assert_eq!(retry_at(now, 3, None), now + Duration::minutes(4));
        assert_eq!(retry_at(now, 1, Some(Duration::seconds(600))), now + Duration::seconds(600));
        assert_eq!(retry_at(now, 30, None), now + Duration::hours(1));
    }
}
