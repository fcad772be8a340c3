//! Writing occurrences into the outbox ahead of time.
//!
//! A shared watermark (`reminder_watermark`) says up to which instant occurrences exist.
//! Each step materialises the window `(watermark, now + horizon]` and moves the watermark
//! forward. The work grows with what falls due in the window, not with the number of
//! patients: for each zone that has rules, the window becomes a local minute-of-day range
//! (widened for DST shifts), and only rules in that range are read, through the index on
//! `(timezone, local_minute, enabled)`; their exact due instants are then computed by
//! [`schedule`] and filtered to the window. Inserts ignore conflicts on
//! `(rule_id, local_date)`, so replicas racing over the same window are harmless.
//! A rule created or changed inside the materialised window is materialised at once by
//! [`materialise_rule`].
//!
//! Session reminders (24 h and 2 h before, a check-in prompt 3 h after) are found the
//! same way from the other side: the sessions whose start or end, shifted by the offset,
//! falls in the window (index on `(status, starts_at)`), joined with their patients'
//! enabled rules. Their occurrence is keyed by the session's local date, so a patient
//! gets one of each per session day.

use chrono::{DateTime, Duration, Utc};
use entity::{appointment, reminder_occurrence, reminder_rule, reminder_watermark};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{
    kinds::{Anchor, ReminderKind},
    schedule::{self, Occurrence, RuleTime},
};

/// Never catch up more than this after downtime: older reminders are noise.
const MAX_CATCH_UP_HOURS: i64 = 6;
/// Local time shifts by at most this around a DST change.
const DST_MARGIN_MINUTES: i64 = 180;
const WATERMARK_ID: Uuid = Uuid::nil();
const INSERT_CHUNK: usize = 500;

pub async fn watermark<C: ConnectionTrait>(db: &C) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(reminder_watermark::Entity::find_by_id(WATERMARK_ID).one(db).await?.map(|w| w.materialised_until))
}

/// Materialises `(watermark, now + horizon]`; returns how many occurrences were new.
pub async fn materialise<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, horizon: Duration) -> Result<u64, DbErr> {
    let to = now + horizon;
    let floor = now - Duration::hours(MAX_CATCH_UP_HOURS);
    let from = watermark(db).await?.unwrap_or(now - Duration::minutes(10)).max(floor);
    if to <= from {
        return Ok(0);
    }
    let created = materialise_window(db, now, from, to, None).await?;
    advance_watermark(db, to).await?;
    Ok(created)
}

/// Occurrences in `(from, to]` of every enabled rule (or of one rule).
pub async fn materialise_window<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only_rule: Option<Uuid>,
) -> Result<u64, DbErr> {
    let zones: Vec<String> = match only_rule {
        Some(rule) => {
            reminder_rule::Entity::find_by_id(rule)
                .select_only()
                .column(reminder_rule::Column::Timezone)
                .into_tuple()
                .all(db)
                .await?
        }
        None => zones_with_rules(db).await?,
    };
    let mut created = 0;
    for zone in zones {
        let tz = crate::stored::zone_or_utc("reminder_rule.timezone", &zone);
        let mut minutes = Condition::any();
        for (a, b) in schedule::minute_ranges(tz, from, to, schedule::dst_margin(tz, from, to, DST_MARGIN_MINUTES)) {
            minutes = minutes.add(reminder_rule::Column::LocalMinute.between(a, b));
        }
        let mut q = reminder_rule::Entity::find()
            .select_only()
            .columns([
                reminder_rule::Column::Id,
                reminder_rule::Column::LocalMinute,
                reminder_rule::Column::DaysMask,
                reminder_rule::Column::PatientId,
                reminder_rule::Column::Kind,
            ])
            .filter(reminder_rule::Column::Timezone.eq(zone.as_str()))
            .filter(reminder_rule::Column::Enabled.eq(true))
            .filter(reminder_rule::Column::Kind.is_in(daily_kinds()))
            .filter(minutes);
        if let Some(rule) = only_rule {
            q = q.filter(reminder_rule::Column::Id.eq(rule));
        }
        let rows: Vec<(Uuid, i16, i16, Uuid, entity::reminder_kind::ReminderKind)> = q.into_tuple().all(db).await?;
        let times: Vec<RuleTime> = rows
            .iter()
            .map(|(id, minute, mask, _, _)| RuleTime { id: *id, minute: *minute, days_mask: *mask })
            .collect();
        let due = schedule::occurrences_in_window(&times, tz, from, to);
        let models: Vec<reminder_occurrence::ActiveModel> = due
            .iter()
            .map(|occ: &Occurrence| {
                let (_, _, _, patient_id, kind) = rows.iter().find(|r| r.0 == occ.rule_id).expect("rule of occurrence");
                occurrence(now, occ.rule_id, *patient_id, ReminderKind::from(*kind), occ.local_date, occ.due_at)
            })
            .collect();
        created += insert_ignoring_duplicates(db, models).await?;
    }
    Ok(created + materialise_sessions(db, now, from, to, only_rule).await?)
}

/// The zones that have rules. A plain `SELECT DISTINCT` reads every rule; this walks the
/// `(timezone, ...)` index from one zone to the next instead (a "loose index scan"),
/// so it costs one index probe per zone, however many patients there are. Same SQL on
/// SQLite and PostgreSQL.
async fn zones_with_rules<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let sql = "WITH RECURSIVE zone(name) AS ( \
                 SELECT MIN(timezone) FROM reminder_rule \
                 UNION ALL \
                 SELECT (SELECT MIN(timezone) FROM reminder_rule WHERE timezone > zone.name) \
                 FROM zone WHERE zone.name IS NOT NULL \
               ) SELECT name FROM zone WHERE name IS NOT NULL";
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    rows.iter().map(|row| row.try_get::<String>("", "name")).collect()
}

fn daily_kinds() -> Vec<entity::reminder_kind::ReminderKind> {
    ReminderKind::ALL.into_iter().filter(|k| k.session_offset().is_none()).map(Into::into).collect()
}

async fn insert_ignoring_duplicates<C: ConnectionTrait>(
    db: &C,
    models: Vec<reminder_occurrence::ActiveModel>,
) -> Result<u64, DbErr> {
    let mut created = 0;
    for chunk in models.chunks(INSERT_CHUNK) {
        created += reminder_occurrence::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([reminder_occurrence::Column::RuleId, reminder_occurrence::Column::LocalDate])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(created)
}

fn occurrence(
    now: DateTime<Utc>,
    rule_id: Uuid,
    patient_id: Uuid,
    kind: ReminderKind,
    local_date: chrono::NaiveDate,
    due_at: DateTime<Utc>,
) -> reminder_occurrence::ActiveModel {
    reminder_occurrence::ActiveModel {
        id: Set(Uuid::now_v7()),
        rule_id: Set(rule_id),
        patient_id: Set(patient_id),
        kind: Set(kind.into()),
        local_date: Set(local_date),
        due_at: Set(due_at),
        next_attempt_at: Set(due_at),
        status: Set(reminder_occurrence::Status::Pending),
        lease_token: Set(None),
        lease_until: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Session reminders due in `(from, to]`.
async fn materialise_sessions<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only_rule: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut created = 0;
    for kind in ReminderKind::ALL {
        let Some((anchor, offset)) = kind.session_offset() else { continue };
        let shift = Duration::minutes(offset);
        let (column, statuses) = match anchor {
            Anchor::SessionStart => (appointment::Column::StartsAt, vec![appointment::Status::Scheduled]),
            Anchor::SessionEnd => {
                (appointment::Column::EndsAt, vec![appointment::Status::Scheduled, appointment::Status::Completed])
            }
        };
        let sessions = appointment::Entity::find()
            .filter(appointment::Column::Status.is_in(statuses))
            .filter(column.gt(from - shift))
            .filter(column.lte(to - shift))
            .all(db)
            .await?;
        if sessions.is_empty() {
            continue;
        }
        let mut rules_q = reminder_rule::Entity::find()
            .filter(reminder_rule::Column::Kind.eq(entity::reminder_kind::ReminderKind::from(kind)))
            .filter(reminder_rule::Column::Enabled.eq(true))
            .filter(reminder_rule::Column::PatientId.is_in(sessions.iter().map(|s| s.patient_id)));
        if let Some(rule) = only_rule {
            rules_q = rules_q.filter(reminder_rule::Column::Id.eq(rule));
        }
        let rules = rules_q.all(db).await?;
        let models = sessions
            .iter()
            .filter_map(|session| {
                let rule = rules.iter().find(|r| r.patient_id == session.patient_id)?;
                let tz = crate::stored::zone_or_utc("reminder_rule.timezone", &rule.timezone);
                let at = match anchor {
                    Anchor::SessionStart => session.starts_at,
                    Anchor::SessionEnd => session.ends_at,
                };
                let local_date = session.starts_at.with_timezone(&tz).date_naive();
                Some(occurrence(now, rule.id, rule.patient_id, kind, local_date, at + shift))
            })
            .collect();
        created += insert_ignoring_duplicates(db, models).await?;
    }
    Ok(created)
}

async fn advance_watermark<C: ConnectionTrait>(db: &C, to: DateTime<Utc>) -> Result<(), DbErr> {
    reminder_watermark::Entity::insert(reminder_watermark::ActiveModel {
        id: Set(WATERMARK_ID),
        materialised_until: Set(to),
    })
    .on_conflict(OnConflict::column(reminder_watermark::Column::Id).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    // Only forward: a slower replica must not pull it back.
    reminder_watermark::Entity::update_many()
        .col_expr(reminder_watermark::Column::MaterialisedUntil, Expr::value(to))
        .filter(reminder_watermark::Column::Id.eq(WATERMARK_ID))
        .filter(reminder_watermark::Column::MaterialisedUntil.lt(to))
        .exec(db)
        .await?;
    Ok(())
}

/// After a rule was created or changed: drop its occurrences that are not due yet (they
/// carry the old time) and materialise it over what the watermark already covers.
pub async fn materialise_rule<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, rule_id: Uuid) -> Result<(), DbErr> {
    reminder_occurrence::Entity::delete_many()
        .filter(reminder_occurrence::Column::RuleId.eq(rule_id))
        .filter(reminder_occurrence::Column::Status.eq(reminder_occurrence::Status::Pending))
        .filter(reminder_occurrence::Column::Attempts.eq(0))
        .filter(reminder_occurrence::Column::DueAt.gt(now))
        .exec(db)
        .await?;
    if let Some(until) = watermark(db).await?
        && until > now
    {
        materialise_window(db, now, now, until, Some(rule_id)).await?;
    }
    Ok(())
}
