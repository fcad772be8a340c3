//! The plan's functional goals: added, and their target, status or date changed.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_plan_version::Change, plan_goal};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{GoalStatus, PlanError, PlanView, change::change, find_plan};
use crate::{auth::Principal, ids::PlanId};

pub struct NewGoal {
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
    pub target_date: Option<NaiveDate>,
}

/// A change to a goal: `None` leaves a field alone; `target_date: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct GoalChanges {
    pub target: Option<i16>,
    pub status: Option<GoalStatus>,
    pub target_date: Option<Option<NaiveDate>>,
}

pub async fn add_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    goal: NewGoal,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    change(db, now, who, plan_id, Change::GoalAdded, async |txn| {
        plan_goal::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id.uuid()),
            activity: Set(goal.activity),
            baseline: Set(goal.baseline),
            target: Set(goal.target),
            target_date: Set(goal.target_date),
            status: Set(plan_goal::Status::Active),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(())
    })
    .await
}

pub async fn update_goal<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    goal_id: Uuid,
    changes: GoalChanges,
) -> Result<PlanView, PlanError> {
    find_plan(db, who, plan_id).await?;
    let goal = plan_goal::Entity::find_by_id(goal_id)
        .filter(plan_goal::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or(PlanError::NotFound)?;
    change(db, now, who, plan_id, Change::GoalUpdated, async |txn| {
        let mut active: plan_goal::ActiveModel = goal.into();
        if let Some(t) = changes.target {
            active.target = Set(t);
        }
        if let Some(s) = changes.status {
            active.status = Set(s.into());
        }
        if let Some(d) = changes.target_date {
            active.target_date = Set(d);
        }
        active.updated_at = Set(now);
        active.update(txn).await?;
        Ok(())
    })
    .await
}
