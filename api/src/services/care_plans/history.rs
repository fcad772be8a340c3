//! A plan's history: every version's snapshot, and what was in force on a given day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AuditAction, care_plan_version};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{PlanError, PlanView, find_plan};
use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    ids::PlanId,
    services::audit::{self, Event},
};

/// Every version's snapshot, oldest first, with the instant it took effect.
pub async fn versions<C: ConnectionTrait>(db: &C, plan_id: PlanId) -> Result<Vec<(DateTime<Utc>, PlanView)>, DbErr> {
    let rows = care_plan_version::Entity::find()
        .filter(care_plan_version::Column::PlanId.eq(plan_id))
        .order_by_asc(care_plan_version::Column::Version)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.created_at, r.snapshot.into_inner().into())).collect())
}

/// [`versions`] of several plans in one query, keyed by plan; a plan with no versions is
/// absent.
pub async fn versions_of<C: ConnectionTrait>(
    db: &C,
    plan_ids: &[PlanId],
) -> Result<HashMap<PlanId, Vec<(DateTime<Utc>, PlanView)>>, DbErr> {
    let rows = care_plan_version::Entity::find()
        .filter(care_plan_version::Column::PlanId.is_in(plan_ids.iter().copied()))
        .order_by_asc(care_plan_version::Column::PlanId)
        .order_by_asc(care_plan_version::Column::Version)
        .all(db)
        .await?;
    let mut out: HashMap<PlanId, Vec<(DateTime<Utc>, PlanView)>> = HashMap::new();
    for r in rows {
        let view = r.snapshot.into_inner().into();
        out.entry(PlanId::new(r.plan_id)).or_default().push((r.created_at, view));
    }
    Ok(out)
}

/// The snapshot in force at the end of local day `date` in `tz`, if the plan existed then.
pub fn in_force_on(versions: &[(DateTime<Utc>, PlanView)], date: NaiveDate, tz: chrono_tz::Tz) -> Option<&PlanView> {
    let end_of_day = crate::services::local_day_end(date, tz);
    versions.iter().rev().find(|(at, _)| *at < end_of_day).map(|(_, v)| v)
}

/// The plan as prescribed on local `date` (default: the patient's today).
pub async fn prescribed_on<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    date: Option<NaiveDate>,
) -> Result<Option<PlanView>, PlanError> {
    let plan = find_plan(db, who, plan_id).await?;
    let tz = crate::services::patient_timezone(db, PatientScope::trusted(plan.patient_id)).await?;
    let date = date.unwrap_or_else(|| crate::services::local_date(now, tz));
    let all = versions(db, plan_id).await?;
    audit::record(
        db,
        now,
        Event::by(who, AuditAction::CarePlanHistoryRead)
            .patient(plan.patient_id)
            .resource(format!("care_plan:{plan_id}")),
    )
    .await?;
    Ok(in_force_on(&all, date, tz).cloned())
}
