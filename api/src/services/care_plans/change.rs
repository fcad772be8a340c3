//! The skeleton every plan change shares: apply it in a write transaction, bump the
//! plan's version, store a snapshot of the whole plan as it now stands, audit it, and
//! commit all of it together (or none of it).

use chrono::{DateTime, Utc};
use entity::AuditAction;
use entity::{
    JsonText, care_plan,
    care_plan_version::{self, Change, PlanSnapshotV1},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{PlanError, PlanView, view};
use crate::{
    auth::Principal,
    db,
    ids::PlanId,
    services::audit::{self, Event},
};

/// One change to a plan: `apply` runs in a write transaction, then the version bump,
/// the snapshot and the audit row join it, and all commit together.
pub(super) async fn change<C, F>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    change: Change,
    apply: F,
) -> Result<PlanView, PlanError>
where
    C: ConnectionTrait + TransactionTrait,
    F: AsyncFnOnce(&C::Transaction) -> Result<(), PlanError>,
{
    let txn = db::begin_write(db).await?;
    apply(&txn).await?;
    let view = commit_change(&txn, now, who, plan_id, change).await?;
    txn.commit().await?;
    Ok(view)
}

/// Bumps the version and stores the snapshot; call inside the change's transaction.
pub(super) async fn commit_change<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    change: Change,
) -> Result<PlanView, DbErr> {
    care_plan::Entity::update_many()
        .col_expr(care_plan::Column::Version, Expr::col(care_plan::Column::Version).add(1))
        .col_expr(care_plan::Column::UpdatedAt, Expr::value(now))
        .filter(care_plan::Column::Id.eq(plan_id))
        .exec(txn)
        .await?;
    let plan = care_plan::Entity::find_by_id(plan_id).one(txn).await?.ok_or(DbErr::RecordNotFound("plan".into()))?;
    let snapshot = view(txn, &plan).await?;
    care_plan_version::ActiveModel {
        plan_id: Set(plan_id.uuid()),
        version: Set(plan.version),
        created_at: Set(now),
        changed_by: Set(who.user_id),
        change: Set(change),
        snapshot: Set(JsonText(PlanSnapshotV1::from(&snapshot))),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        now,
        Event::by(who, AuditAction::CarePlanUpdate)
            .patient(plan.patient_id)
            .resource(format!("care_plan:{plan_id}:{}", change.to_value())),
    )
    .await?;
    Ok(snapshot)
}
