//! Clinic hours: when the care team reads messages, per weekday, in the clinic's time
//! zone. Outside them a patient's message gets one automatic reply per off-hours
//! stretch saying when the team will read it. A clinic without hours gets no automatic
//! replies (the standing notice in the thread still says messages are not monitored).

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use entity::{AuditAction, clinic, clinic_hours};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
};

use crate::{
    auth::Principal,
    db,
    ids::ClinicId,
    services::audit::{self, Event},
};

const MINUTES_PER_DAY: i16 = 24 * 60;

/// One weekday's reading hours, minutes after local midnight, `open < close <= 24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayHours {
    weekday: Weekday,
    open: i16,
    close: i16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("opening must be before closing, within one day")]
    BadRange,
    #[error("each weekday may appear once")]
    RepeatedDay,
}

impl DayHours {
    pub fn new(weekday: Weekday, open: i16, close: i16) -> Result<Self, HoursError> {
        if !(0..MINUTES_PER_DAY).contains(&open) || close <= open || close > MINUTES_PER_DAY {
            return Err(HoursError::BadRange);
        }
        Ok(Self { weekday, open, close })
    }
    pub fn weekday(&self) -> Weekday {
        self.weekday
    }
    pub fn open(&self) -> i16 {
        self.open
    }
    pub fn close(&self) -> i16 {
        self.close
    }
}

/// A clinic's week of reading hours: at most one interval per weekday.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours(Vec<DayHours>);

impl WeeklyHours {
    pub fn new(mut days: Vec<DayHours>) -> Result<Self, HoursError> {
        days.sort_by_key(|d| d.weekday.number_from_monday());
        if days.windows(2).any(|w| w[0].weekday == w[1].weekday) {
            return Err(HoursError::RepeatedDay);
        }
        Ok(Self(days))
    }

    pub fn days(&self) -> &[DayHours] {
        &self.0
    }

    fn on(&self, date: NaiveDate) -> Option<DayHours> {
        self.0.iter().copied().find(|d| d.weekday == date.weekday())
    }

    /// The (open, close) instants of each day from `from` on, `days` days long.
    fn intervals(&self, from: NaiveDate, days: i64, tz: Tz) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        (0..days)
            .filter_map(|d| {
                let date = from + Duration::days(d);
                self.on(date).map(|h| (instant(date, h.open, tz), instant(date, h.close, tz)))
            })
            .collect()
    }

    /// `None` while the clinic is open (or has no hours); otherwise the instant the
    /// current off-hours stretch began (the last closing before `now`).
    pub fn closed_since(&self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        if self.0.is_empty() {
            return None;
        }
        let today = now.with_timezone(&tz).date_naive();
        let around = self.intervals(today - Duration::days(8), 10, tz);
        if around.iter().any(|(open, close)| *open <= now && now < *close) {
            return None;
        }
        around.iter().map(|(_, close)| *close).filter(|c| *c <= now).max()
    }

    /// The next opening after `now`, if the clinic has hours.
    pub fn next_opening(&self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&tz).date_naive();
        self.intervals(today, 9, tz).into_iter().map(|(open, _)| open).find(|o| *o > now)
    }
}

/// The instant of `minute` after local midnight of `date` (24:00 is the next midnight).
/// A time in a spring-forward gap moves past the gap; an ambiguous one is its first.
fn instant(date: NaiveDate, minute: i16, tz: Tz) -> DateTime<Utc> {
    let local = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(i64::from(minute));
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let later = local + Duration::hours(1);
            tz.from_local_datetime(&later).earliest().map_or_else(|| later.and_utc(), |t| t.with_timezone(&Utc))
        }
    }
}

fn weekday_of(n: i16) -> Option<Weekday> {
    Weekday::try_from(u8::try_from(n.checked_sub(1)?).ok()?).ok()
}

/// The clinic's hours and its time zone.
pub async fn get<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<(WeeklyHours, Tz), DbErr> {
    let rows = clinic_hours::Entity::find()
        .filter(clinic_hours::Column::ClinicId.eq(clinic_id))
        .order_by_asc(clinic_hours::Column::Weekday)
        .all(db)
        .await?;
    let mut days = Vec::with_capacity(rows.len());
    for row in rows {
        let day = weekday_of(row.weekday)
            .and_then(|w| DayHours::new(w, row.open_minute, row.close_minute).ok())
            .ok_or_else(|| DbErr::Type(format!("clinic_hours row for weekday {} is not valid", row.weekday)))?;
        days.push(day);
    }
    let hours = WeeklyHours::new(days).map_err(|e| DbErr::Type(format!("clinic_hours: {e}")))?;
    Ok((hours, clinic_timezone(db, clinic_id).await?))
}

/// The clinic's zone: its hours are wall-clock times there.
async fn clinic_timezone<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<Tz, DbErr> {
    let clinic = clinic::Entity::find_by_id(clinic_id).one(db).await?.ok_or(DbErr::RecordNotFound("clinic".into()))?;
    clinic.timezone.parse().map_err(|_| DbErr::Type(format!("clinic {} has an unknown time zone", clinic.id)))
}

/// Replaces the admin's clinic's hours (audited).
pub async fn replace<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    hours: WeeklyHours,
) -> Result<(WeeklyHours, Tz), DbErr> {
    let txn = db::begin_write(db).await?;
    clinic_hours::Entity::delete_many().filter(clinic_hours::Column::ClinicId.eq(who.clinic_id)).exec(&txn).await?;
    let rows: Vec<clinic_hours::ActiveModel> = hours
        .days()
        .iter()
        .map(|d| clinic_hours::ActiveModel {
            clinic_id: Set(who.clinic_id),
            weekday: Set(d.weekday.number_from_monday() as i16),
            open_minute: Set(d.open),
            close_minute: Set(d.close),
            updated_at: Set(now),
        })
        .collect();
    if !rows.is_empty() {
        clinic_hours::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    }
    audit::record(
        &txn,
        now,
        Event::by(who, AuditAction::ClinicHoursUpdate).resource(format!("clinic:{}", who.clinic_id)),
    )
    .await?;
    txn.commit().await?;
    get(db, who.clinic()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekdays_9_to_5() -> WeeklyHours {
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]
            .into_iter()
            .map(|w| DayHours::new(w, 9 * 60, 17 * 60).unwrap())
            .collect();
        WeeklyHours::new(days).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn open_hours_have_no_off_hours_stretch() {
        // Monday 2026-06-01 10:00 in Berlin (UTC+2).
        assert_eq!(weekdays_9_to_5().closed_since(at("2026-06-01T08:00:00Z"), chrono_tz::Europe::Berlin), None);
    }

    #[test]
    fn a_weekend_is_one_stretch_from_friday_closing_to_monday_opening() {
        let h = weekdays_9_to_5();
        let tz = chrono_tz::Europe::Berlin;
        let friday_close = at("2026-06-05T15:00:00Z");
        assert_eq!(h.closed_since(at("2026-06-06T10:00:00Z"), tz), Some(friday_close));
        assert_eq!(h.closed_since(at("2026-06-08T05:00:00Z"), tz), Some(friday_close));
        assert_eq!(h.next_opening(at("2026-06-06T10:00:00Z"), tz), Some(at("2026-06-08T07:00:00Z")));
    }

    #[test]
    fn no_hours_means_no_automatic_reply() {
        assert_eq!(WeeklyHours::default().closed_since(at("2026-06-06T10:00:00Z"), Tz::UTC), None);
        assert_eq!(WeeklyHours::default().next_opening(at("2026-06-06T10:00:00Z"), Tz::UTC), None);
    }

    #[test]
    fn ranges_and_repeated_days_are_refused() {
        assert_eq!(DayHours::new(Weekday::Mon, 600, 600), Err(HoursError::BadRange));
        assert_eq!(DayHours::new(Weekday::Mon, -1, 600), Err(HoursError::BadRange));
        assert_eq!(DayHours::new(Weekday::Mon, 0, 1441), Err(HoursError::BadRange));
        assert!(DayHours::new(Weekday::Mon, 0, 1440).is_ok());
        let mon = DayHours::new(Weekday::Mon, 60, 120).unwrap();
        assert_eq!(WeeklyHours::new(vec![mon, mon]), Err(HoursError::RepeatedDay));
    }
}
