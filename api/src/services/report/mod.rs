//! The progress report for the referring physician: one patient over a period of local
//! days, gathered from the same services the API answers from (trends, outcomes,
//! referrals, the care plan, appointments, signed session notes, red-flag alerts, scars,
//! girths, discharge), then rendered as printable HTML ([`html`]) or PDF ([`pdf`]) with
//! server-drawn charts ([`charts`]).
//!
//! Invariants: only signed session notes are read; every number shown comes from a
//! service value here, never recomputed by a renderer; the period obeys the same bounds
//! as the trend operations (at most 366 days).

pub mod charts;
pub mod html;
pub mod pdf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{
    alert, appointment, care_plan, check_in, clinic,
    discharge_summary::{self, DirectionV1, DischargeSummaryV1, OutcomeV1},
    session_note, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    ids::UserId,
    services::{
        appointments, care_plans,
        care_plans::PlanView,
        discharge::course_outcomes,
        girths::{self, GirthSeries},
        local_date, local_day_end, local_day_start,
        patients::Visible,
        referrals::{self, Referral, ReferralError},
        scars::{self, ScarSeries},
        trends::{self, Trends},
    },
    store_error::StoreError,
};

/// The longest period a report may cover, as for trends.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("patient not found")]
    NotFound,
    #[error("{0}: {1}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<StoreError> for ReportError {
    fn from(e: StoreError) -> Self {
        ReportError::Db(e.into())
    }
}

impl From<ReferralError> for ReportError {
    fn from(e: ReferralError) -> Self {
        match e {
            ReferralError::Db(e) => ReportError::Db(e),
            _ => ReportError::NotFound,
        }
    }
}

/// Which days the report covers, checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ReportError> {
        if from > to {
            return Err(ReportError::Invalid("from", "must not be after `to`"));
        }
        if (to - from).num_days() > MAX_DAYS {
            return Err(ReportError::Invalid("from", "the period may span at most 366 days"));
        }
        Ok(Self { from, to })
    }
}

/// Sessions by outcome over the period; `planned` from the plan of care when it says
/// how many sessions a week for how many weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub planned: Option<i64>,
    pub attended: u32,
    pub cancelled: u32,
    pub no_show: u32,
    pub scheduled: u32,
}

/// A signed session note's clinical reasoning, as the physician reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedNote {
    pub session_on: NaiveDate,
    pub author: String,
    pub assessment: String,
    pub plan: String,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub signed_at: DateTime<Utc>,
}

/// A red-flag alert raised in the period and how it was handled.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlagEntry {
    pub raised_at: DateTime<Utc>,
    pub details: String,
    pub tier: Option<alert::Tier>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub generated_at: DateTime<Utc>,
    pub period: Period,
    pub timezone: Tz,
    pub clinic: clinic::Model,
    pub patient: entity::patient::Model,
    pub therapist: String,
    pub referrals: Vec<Referral>,
    pub plan: Option<PlanView>,
    pub attendance: Attendance,
    pub trends: Trends,
    pub outcomes: Vec<OutcomeV1>,
    pub notes: Vec<SignedNote>,
    pub red_flags: Vec<RedFlagEntry>,
    pub scars: Vec<ScarSeries>,
    pub girths: Vec<GirthSeries>,
    pub discharge: Option<Discharged>,
}

/// The course's discharge, when the plan was discharged: the row and its stored summary.
#[derive(Debug, Clone)]
pub struct Discharged {
    pub row: discharge_summary::Model,
    pub summary: DischargeSummaryV1,
}

/// The default period: from the start of the first plan of care (else the first
/// check-in, else the first session) to today, capped at [`MAX_DAYS`].
pub async fn default_period<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    tz: Tz,
    today: NaiveDate,
) -> Result<Period, DbErr> {
    let plan_start: Option<NaiveDate> = care_plan::Entity::find()
        .select_only()
        .column(care_plan::Column::StartDate)
        .filter(care_plan::Column::PatientId.eq(record.id))
        .order_by_asc(care_plan::Column::StartDate)
        .into_tuple()
        .one(db)
        .await?;
    let first_check_in: Option<NaiveDate> = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::LocalDate)
        .filter(check_in::Column::PatientId.eq(record.id))
        .filter(check_in::Column::DeletedAt.is_null())
        .order_by_asc(check_in::Column::LocalDate)
        .into_tuple()
        .one(db)
        .await?;
    // A patient seen in clinic who never used the app still has sessions to report.
    let first_session: Option<DateTime<Utc>> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::StartsAt)
        .filter(appointment::Column::PatientId.eq(record.id))
        .order_by_asc(appointment::Column::StartsAt)
        .into_tuple()
        .one(db)
        .await?;
    let start = plan_start.or(first_check_in).or(first_session.map(|at| local_date(at, tz)));
    let earliest = today - Duration::days(MAX_DAYS);
    let from = start.unwrap_or(today).clamp(earliest, today);
    Ok(Period { from, to: today })
}

/// The period asked for, each end defaulting as [`default_period`] says (`to` today).
pub async fn resolve_period<C: ConnectionTrait>(
    db: &C,
    record: &Visible,
    tz: Tz,
    today: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Period, ReportError> {
    let to = to.unwrap_or(today);
    let from = match from {
        Some(f) => f,
        None => default_period(db, record, tz, today).await?.from.min(to),
    };
    Period::new(from, to)
}

/// The report as a reader receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    Html(String),
    Pdf(Vec<u8>),
}

/// A patient's report for a caller who may see them, rendered in `format`.
pub async fn render_for<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    patient_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    format: Format,
    now: DateTime<Utc>,
) -> Result<Rendered, ReportError> {
    let (record, tz) =
        crate::services::patients::find_visible_in_zone(db, who, patient_id).await.map_err(|e| match e {
            crate::services::patients::PatientError::Db(e) => ReportError::Db(e),
            _ => ReportError::NotFound,
        })?;
    let period = resolve_period(db, &record, tz, local_date(now, tz), from, to).await?;
    let report = gather(db, who, &record, tz, period, now).await?;
    Ok(match format {
        Format::Html => Rendered::Html(html::render(&report)),
        Format::Pdf => Rendered::Pdf(pdf::render(&report)),
    })
}

/// Everything the report shows, for a patient `who` was found to reach.
pub async fn gather<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    record: &Visible,
    tz: Tz,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, ReportError> {
    let (start, end) = (local_day_start(period.from, tz), local_day_end(period.to, tz));
    let scope = record.scope();
    let (trend, outcomes, referral_list, sessions, scar_series, girth_series) = futures::try_join!(
        async { Ok::<_, ReportError>(trends::for_patient(db, record, tz, period.from, period.to, now).await?) },
        async { Ok(course_outcomes(db, record.scope(), period.from, period.to).await?) },
        async { Ok(referrals::list(db, who, record.id).await?) },
        async { Ok(appointments::list(db, scope, start, end).await?) },
        async { Ok(scars::series(db, record).await?) },
        async { Ok(girths::series(db, record).await?) },
    )?;
    let clinic = clinic::Entity::find_by_id(record.clinic_id).one(db).await?.ok_or(ReportError::NotFound)?;
    let therapist = display_name(db, UserId::new(record.primary_therapist_id)).await?.unwrap_or_default();
    let plan_row = current_plan(db, record.scope(), period).await?;
    let plan = match &plan_row {
        Some(p) => Some(care_plans::view(db, p).await?),
        None => None,
    };
    let discharge = match &plan_row {
        Some(p) => discharge_summary::Entity::find()
            .filter(discharge_summary::Column::CarePlanId.eq(p.id))
            .one(db)
            .await?
            .map(|row| Discharged { summary: row.summary.0.clone(), row }),
        None => None,
    };
    let attendance = attendance(&sessions, plan_row.as_ref());
    let notes = signed_notes(db, &sessions, tz).await?;
    let red_flags = red_flags(db, record.scope(), start, end).await?;
    Ok(Report {
        generated_at: now,
        period,
        timezone: tz,
        clinic,
        patient: record.clone().into_inner(),
        therapist,
        referrals: referral_list,
        plan,
        attendance,
        trends: trend,
        outcomes,
        notes,
        red_flags,
        // Scar and girth series span the whole record; the report keeps the measurements
        // taken in the period.
        scars: scar_series
            .into_iter()
            .map(|mut s| {
                s.assessments.retain(|a| a.measured_at >= start && a.measured_at < end);
                s
            })
            .filter(|s| !s.assessments.is_empty())
            .collect(),
        girths: girth_series
            .into_iter()
            .map(|mut g| {
                g.sessions.retain(|s| s.measured_at >= start && s.measured_at < end);
                g
            })
            .filter(|g| !g.sessions.is_empty())
            .collect(),
        discharge,
    })
}

async fn display_name<C: ConnectionTrait>(db: &C, user_id: UserId) -> Result<Option<String>, DbErr> {
    user::Entity::find_by_id(user_id).select_only().column(user::Column::DisplayName).into_tuple().one(db).await
}

/// The latest plan that started on or before the period's last day.
async fn current_plan<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    period: Period,
) -> Result<Option<care_plan::Model>, DbErr> {
    let patient_id = patient.uuid();
    care_plan::Entity::find()
        .filter(care_plan::Column::PatientId.eq(patient_id))
        .filter(care_plan::Column::StartDate.lte(period.to))
        .order_by_desc(care_plan::Column::StartDate)
        .order_by_desc(care_plan::Column::Id)
        .one(db)
        .await
}

fn attendance(sessions: &[appointment::Model], plan: Option<&care_plan::Model>) -> Attendance {
    let mut a = Attendance {
        planned: plan.and_then(|p| Some(i64::from(p.sessions_per_week?) * i64::from(p.duration_weeks?))),
        ..Attendance::default()
    };
    for s in sessions {
        match s.status {
            appointment::Status::Completed => a.attended += 1,
            appointment::Status::Cancelled => a.cancelled += 1,
            appointment::Status::NoShow => a.no_show += 1,
            appointment::Status::Scheduled => a.scheduled += 1,
        }
    }
    a
}

/// The signed notes of the period's sessions, in session order. Drafts never leave here.
async fn signed_notes<C: ConnectionTrait>(
    db: &C,
    sessions: &[appointment::Model],
    tz: Tz,
) -> Result<Vec<SignedNote>, DbErr> {
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = session_note::Entity::find()
        .filter(session_note::Column::AppointmentId.is_in(ids))
        .filter(session_note::Column::SignedAt.is_not_null())
        .all(db)
        .await?;
    let mut notes = Vec::with_capacity(rows.len());
    for s in sessions {
        let Some(n) = rows.iter().find(|n| n.appointment_id == s.id) else { continue };
        let Some(signed_at) = n.signed_at else { continue };
        notes.push(SignedNote {
            session_on: local_date(s.starts_at, tz),
            author: display_name(db, UserId::new(n.author_id)).await?.unwrap_or_default(),
            assessment: n.assessment.clone(),
            plan: n.plan.clone(),
            pain_before: n.pain_before,
            pain_after: n.pain_after,
            signed_at,
        });
    }
    Ok(notes)
}

/// The columns of a red-flag alert the report shows.
#[derive(Debug, FromQueryResult)]
struct ShownAlert {
    triggered_at: DateTime<Utc>,
    details: String,
    tier: Option<alert::Tier>,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<Uuid>,
}

async fn red_flags<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<RedFlagEntry>, DbErr> {
    let patient_id = patient.uuid();
    // Only what the section shows: a red-flag list that does not decode must not keep
    // the rest of the report from the physician.
    let rows: Vec<ShownAlert> = alert::Entity::find()
        .select_only()
        .columns([
            alert::Column::TriggeredAt,
            alert::Column::Details,
            alert::Column::Tier,
            alert::Column::AcknowledgedAt,
            alert::Column::AcknowledgedBy,
        ])
        .filter(alert::Column::PatientId.eq(patient_id))
        .filter(alert::Column::Kind.eq(alert::Kind::RedFlag))
        .filter(alert::Column::TriggeredAt.gte(start))
        .filter(alert::Column::TriggeredAt.lt(end))
        .order_by_asc(alert::Column::TriggeredAt)
        .limit(200)
        .into_model()
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let by = match r.acknowledged_by {
            Some(id) => display_name(db, UserId::new(id)).await?,
            None => None,
        };
        out.push(RedFlagEntry {
            raised_at: r.triggered_at,
            details: r.details,
            tier: r.tier,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: by,
        });
    }
    Ok(out)
}

/// Words both renderers use for a change's direction.
pub fn direction_word(d: crate::clinical::Direction) -> &'static str {
    use crate::clinical::Direction;
    match d {
        Direction::Improved => "improved",
        Direction::Worsened => "worsened",
        Direction::Unchanged => "unchanged",
    }
}

/// The same words for a stored outcome's direction.
pub fn outcome_direction_word(d: DirectionV1) -> &'static str {
    match d {
        DirectionV1::Improved => "improved",
        DirectionV1::Worsened => "worsened",
        DirectionV1::Unchanged => "unchanged",
    }
}

/// Whether a change matters, in words; `None` when the measure has no threshold.
pub fn verdict(meaningful: Option<bool>) -> &'static str {
    match meaningful {
        Some(true) => "meaningful change",
        Some(false) => "within measurement noise",
        None => "no established threshold",
    }
}

pub fn discharge_reason_word(r: discharge_summary::Reason) -> &'static str {
    use discharge_summary::Reason;
    match r {
        Reason::GoalsMet => "goals met",
        Reason::Plateau => "plateau",
        Reason::ReferredBack => "referred back to the physician",
        Reason::PatientChoice => "patient's choice",
        Reason::AuthorizationEnded => "authorization ended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_is_ordered_and_at_most_366_days() {
        assert!(Period::new(d("2026-01-01"), d("2026-12-31")).is_ok());
        assert!(matches!(Period::new(d("2026-02-01"), d("2026-01-01")), Err(ReportError::Invalid("from", _))));
        assert!(matches!(Period::new(d("2025-01-01"), d("2026-12-31")), Err(ReportError::Invalid("from", _))));
    }
}
