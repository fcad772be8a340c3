//! The roster: a page of patient records with what a therapist scans the list for
//! (adherence, open alerts, last check-in, plan-of-care dates, an orphaned patient,
//! unread messages). Each figure is read for the whole page at once, so a page costs
//! the same handful of queries whatever its size.

use chrono::{DateTime, Utc};
use entity::patient;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::{
    auth::Principal,
    services::{adherence, alerts, care_plans, check_ins, messages, staff},
};

/// One roster line: the record and its at-a-glance figures.
#[derive(Debug, Clone)]
pub struct RosterRow {
    pub patient: patient::Model,
    /// Percent done over the patient's last 7 local days; `None` when nothing was due.
    pub adherence_7d: Option<f64>,
    pub open_alerts: u64,
    pub last_check_in_at: Option<DateTime<Utc>>,
    pub reevaluation_due: bool,
    pub certification_lapsed: bool,
    /// The primary therapist's account is disabled.
    pub needs_therapist: bool,
    pub unread_messages: u64,
}

/// The figures for `rows`, which the caller has already read as visible to `who`
/// (`patients::list`), in the same order.
pub async fn annotate<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    rows: Vec<patient::Model>,
) -> Result<Vec<RosterRow>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let open_alerts = alerts::open_counts(db, &ids).await?;
    let last_check_ins = check_ins::last_recorded(db, &ids).await?;
    let plan_flags = care_plans::roster_flags(db, who.clinic(), &ids, now).await?;
    let disabled_staff = staff::disabled_ids(db, who.clinic()).await?;
    let unread = messages::unread_for_care_team(db, &ids).await?;
    let adherence = adherence::last_week_for(db, &ids, now).await?;
    Ok(rows
        .into_iter()
        .map(|patient| {
            let flags = plan_flags.get(&patient.id).copied().unwrap_or_default();
            RosterRow {
                adherence_7d: adherence.get(&patient.id).copied().flatten(),
                open_alerts: open_alerts.get(&patient.id).copied().unwrap_or(0),
                last_check_in_at: last_check_ins.get(&patient.id).copied(),
                reevaluation_due: flags.reevaluation_due,
                certification_lapsed: flags.certification_lapsed,
                needs_therapist: disabled_staff.contains(&patient.primary_therapist_id),
                unread_messages: unread.get(&patient.id).copied().unwrap_or(0),
                patient,
            }
        })
        .collect())
}
