//! Adaptive reminder timing in the database: the per-rule `reminder_adaptation` row, the
//! nightly review that feeds [`crate::reminders::adaptive`] from the patient's logs, and
//! the patient's switches.
//!
//! Invariants:
//! - `reminder_rule.local_minute` is always the time reminders go out (adapted or not),
//!   so materialising stays one indexed read; `chosen_minute` keeps the patient's own
//!   time, and turning adaptation off puts it back.
//! - Only the three daily kinds have rows; session reminders follow their session.
//! - A review reads at most 22 days of one activity of one patient, and is due again the
//!   next local night, so the work per night grows with the number of rules, not with
//!   history.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use entity::{
    check_in, exercise_log, lesson_completion, patient, reminder_adaptation, reminder_occurrence, reminder_rule,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    ids::UserId,
    reminders::{
        adaptive::{self, Decision, Inputs},
        kinds::ReminderKind,
        materialise,
        schedule::due_at,
    },
    services::reminder_preferences,
};

/// Reviews happen at this local time, when nobody is reminded of anything.
const REVIEW_MINUTE: i16 = 3 * 60;

/// Whether a kind can adapt (the daily ones).
pub fn adapts(kind: ReminderKind) -> bool {
    kind.session_offset().is_none()
}

fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

fn next_review(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let today = local_today(now, tz);
    let tonight = due_at(today, REVIEW_MINUTE, tz);
    if tonight > now { tonight } else { due_at(today + Duration::days(1), REVIEW_MINUTE, tz) }
}

fn zone(rule: &reminder_rule::Model) -> Tz {
    crate::stored::zone_or_utc("reminder_rule.timezone", &rule.timezone)
}

/// The row of a new daily rule, with adaptation on (new patients are opted in).
pub async fn create_for_new_rule<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    rule: &reminder_rule::Model,
) -> Result<(), DbErr> {
    if !adapts(rule.kind.into()) {
        return Ok(());
    }
    reminder_adaptation::Entity::insert(reminder_adaptation::ActiveModel {
        rule_id: Set(rule.id),
        patient_id: Set(rule.patient_id),
        adapt: Set(true),
        chosen_minute: Set(rule.local_minute),
        changed_on: Set(None),
        moved_from: Set(None),
        moved_to: Set(None),
        median_minute: Set(None),
        observed_days: Set(None),
        ignored_days: Set(0),
        backoff_since: Set(None),
        next_review_at: Set(next_review(now, zone(rule))),
        updated_at: Set(now),
    })
    .on_conflict(OnConflict::column(reminder_adaptation::Column::RuleId).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The rows of a patient's rules, by rule id.
pub async fn for_patient<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
) -> Result<BTreeMap<Uuid, reminder_adaptation::Model>, DbErr> {
    let patient_id = patient.uuid();
    Ok(reminder_adaptation::Entity::find()
        .filter(reminder_adaptation::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.rule_id, a))
        .collect())
}

/// After a change to the rule by hand: a new time becomes the chosen time (and counts as
/// this week's change); switching adaptation off restores the chosen time.
/// Returns the rule as it now stands.
pub async fn apply_changes<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    rule: reminder_rule::Model,
    new_minute: Option<i16>,
    adapt: Option<bool>,
) -> Result<reminder_rule::Model, DbErr> {
    if !adapts(rule.kind.into()) || (new_minute.is_none() && adapt.is_none()) {
        return Ok(rule);
    }
    let tz = zone(&rule);
    let existing = reminder_adaptation::Entity::find_by_id(rule.id).one(db).await?;
    let mut row: reminder_adaptation::ActiveModel = match existing {
        Some(row) => row.into(),
        None => {
            // A rule older than adaptation: it gets a row, off unless asked for.
            create_for_new_rule(db, now, &rule).await?;
            let mut row: reminder_adaptation::ActiveModel = reminder_adaptation::Entity::find_by_id(rule.id)
                .one(db)
                .await?
                .ok_or(DbErr::RecordNotFound("reminder_adaptation".into()))?
                .into();
            row.adapt = Set(false);
            row
        }
    };
    let mut restore = None;
    if let Some(minute) = new_minute {
        row.chosen_minute = Set(minute);
        row.changed_on = Set(Some(local_today(now, tz)));
        clear_move(&mut row);
    }
    if let Some(on) = adapt {
        row.adapt = Set(on);
        if !on {
            restore = Some(*row.chosen_minute.as_ref());
            clear_move(&mut row);
        } else {
            // Look at the routine the next night rather than wait for the regular review.
            row.next_review_at = Set(next_review(now, tz));
        }
    }
    row.updated_at = Set(now);
    row.update(db).await?;
    match restore {
        Some(minute) if minute != rule.local_minute => {
            let mut active: reminder_rule::ActiveModel = rule.into();
            active.local_minute = Set(minute);
            active.updated_at = Set(now);
            let rule = active.update(db).await?;
            materialise::materialise_rule(db, now, rule.id).await?;
            Ok(rule)
        }
        _ => Ok(rule),
    }
}

fn clear_move(row: &mut reminder_adaptation::ActiveModel) {
    row.moved_from = Set(None);
    row.moved_to = Set(None);
    row.median_minute = Set(None);
    row.observed_days = Set(None);
}

/// What one review did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reviewed {
    Moved(adaptive::Move),
    Kept,
}

/// Reviews one rule at `now`: fatigue state, and (if adapting) the rule's time.
pub async fn review<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    row: reminder_adaptation::Model,
) -> Result<Reviewed, DbErr> {
    let Some(rule) = reminder_rule::Entity::find_by_id(row.rule_id).one(db).await? else {
        return Ok(Reviewed::Kept);
    };
    let tz = zone(&rule);
    let today = local_today(now, tz);
    let kind = ReminderKind::from(rule.kind);
    let first_times = first_activity(db, PatientScope::trusted(rule.patient_id), kind, tz, now).await?;
    let days = reminder_days(db, rule.id, today, &first_times).await?;
    let backoff = adaptive::backoff_since(&days, today, row.backoff_since);
    let ignored = adaptive::ignored_streak(&days).min(i16::MAX as u32) as i16;

    let mut decision = Decision::TooFewDays { days: 0 };
    if row.adapt && rule.enabled {
        let quiet = match patient::Entity::find_by_id(rule.patient_id).one(db).await?.and_then(|p| p.user_id) {
            Some(user) => reminder_preferences::quiet_hours(db, UserId::new(user)).await?,
            None => None,
        };
        let times: Vec<(NaiveDate, i16)> = first_times.iter().map(|(d, m)| (*d, *m)).collect();
        decision = adaptive::decide(&Inputs {
            today,
            first_times: &times,
            current: rule.local_minute,
            last_change: row.changed_on,
            quiet,
        });
    }
    let mut active: reminder_adaptation::ActiveModel = row.into();
    active.ignored_days = Set(ignored);
    active.backoff_since = Set(backoff);
    active.next_review_at = Set(next_review(now, tz));
    active.updated_at = Set(now);
    let reviewed = if let Decision::Move(m) = decision {
        active.changed_on = Set(Some(today));
        active.moved_from = Set(Some(m.from));
        active.moved_to = Set(Some(m.to));
        active.median_minute = Set(Some(m.median));
        active.observed_days = Set(Some(i16::from(m.days)));
        // The row first: a crash before the rule moves costs a week's wait, whereas the
        // other order could move the rule twice in a week.
        active.update(db).await?;
        let mut moved: reminder_rule::ActiveModel = rule.into();
        moved.local_minute = Set(m.to);
        moved.updated_at = Set(now);
        let moved = moved.update(db).await?;
        materialise::materialise_rule(db, now, moved.id).await?;
        Reviewed::Moved(m)
    } else {
        active.update(db).await?;
        Reviewed::Kept
    };
    Ok(reviewed)
}

/// Rows due for review, oldest first.
pub async fn due_for_review<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<reminder_adaptation::Model>, DbErr> {
    reminder_adaptation::Entity::find()
        .filter(reminder_adaptation::Column::NextReviewAt.lte(now))
        .order_by_asc(reminder_adaptation::Column::NextReviewAt)
        .limit(limit)
        .all(db)
        .await
}

/// The local minute of the first logged activity of each local day in the window.
async fn first_activity<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    kind: ReminderKind,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<BTreeMap<NaiveDate, i16>, DbErr> {
    let patient_id = patient.uuid();
    // One day of margin covers any zone offset.
    let since = now - Duration::days(adaptive::WINDOW_DAYS + 1);
    let instants: Vec<DateTime<Utc>> = match kind {
        ReminderKind::Exercises => {
            exercise_log::Entity::find()
                .select_only()
                .column(exercise_log::Column::PerformedAt)
                .filter(exercise_log::Column::PatientId.eq(patient_id))
                .filter(exercise_log::Column::PerformedAt.gte(since))
                .filter(exercise_log::Column::PerformedAt.lte(now))
                .into_tuple()
                .all(db)
                .await?
        }
        ReminderKind::CheckIn => {
            check_in::Entity::find()
                .select_only()
                .column(check_in::Column::RecordedAt)
                .filter(check_in::Column::PatientId.eq(patient_id))
                .filter(check_in::Column::DeletedAt.is_null())
                .filter(check_in::Column::RecordedAt.gte(since))
                .filter(check_in::Column::RecordedAt.lte(now))
                .into_tuple()
                .all(db)
                .await?
        }
        ReminderKind::Lesson => {
            lesson_completion::Entity::find()
                .select_only()
                .column(lesson_completion::Column::CompletedAt)
                .filter(lesson_completion::Column::PatientId.eq(patient_id))
                .filter(lesson_completion::Column::CompletedAt.gte(since))
                .filter(lesson_completion::Column::CompletedAt.lte(now))
                .into_tuple()
                .all(db)
                .await?
        }
        ReminderKind::Appointment24h | ReminderKind::Appointment2h | ReminderKind::PostSession => Vec::new(),
    };
    let mut first: BTreeMap<NaiveDate, i16> = BTreeMap::new();
    for at in instants {
        let local = at.with_timezone(&tz);
        let minute = (local.hour() * 60 + local.minute()) as i16;
        first.entry(local.date_naive()).and_modify(|m| *m = (*m).min(minute)).or_insert(minute);
    }
    Ok(first)
}

/// The window's past days that had an occurrence or the activity, for the fatigue rule.
async fn reminder_days<C: ConnectionTrait>(
    db: &C,
    rule_id: Uuid,
    today: NaiveDate,
    acted: &BTreeMap<NaiveDate, i16>,
) -> Result<Vec<adaptive::Day>, DbErr> {
    let since = today - Duration::days(adaptive::WINDOW_DAYS);
    let occurrences: Vec<(NaiveDate, reminder_occurrence::Status)> = reminder_occurrence::Entity::find()
        .select_only()
        .columns([reminder_occurrence::Column::LocalDate, reminder_occurrence::Column::Status])
        .filter(reminder_occurrence::Column::RuleId.eq(rule_id))
        .filter(reminder_occurrence::Column::LocalDate.gte(since))
        .filter(reminder_occurrence::Column::LocalDate.lt(today))
        .into_tuple()
        .all(db)
        .await?;
    let mut days: BTreeMap<NaiveDate, adaptive::Day> = BTreeMap::new();
    for (date, status) in occurrences {
        let day = days.entry(date).or_insert(adaptive::Day { date, reminded: false, acted: false });
        day.reminded |= status == reminder_occurrence::Status::Sent;
    }
    for date in acted.keys().filter(|d| **d >= since && **d < today) {
        days.entry(*date).or_insert(adaptive::Day { date: *date, reminded: false, acted: false }).acted = true;
    }
    Ok(days.into_values().collect())
}
